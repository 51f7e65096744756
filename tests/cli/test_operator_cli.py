"""The operator's CLI for operators, owners and vehicles, run as a user runs it."""

import re

from tests.api.operator.conftest import new_vin
from tests.conftest import Databases
from tests.test_cli import Result
from tests.test_cli import fleetlink as _fleetlink


async def fleetlink(url: str, *args: str) -> Result:
    """The command, quiet but for warnings, as an operator would run it in a script."""
    return await _fleetlink(url, *args, FLEETLINK_LOG_LEVEL="warning")


async def test_an_operator_is_created_and_gets_a_token_only_for_the_operator_api(
    databases: Databases,
) -> None:
    url = await databases.new()

    created = await fleetlink(url, "operators", "create", "Ops@Example.com")
    token = await fleetlink(url, "token", "--operator", "ops@example.com")
    duplicate = await fleetlink(url, "operators", "create", "ops@example.com")
    unknown = await fleetlink(url, "token", "--operator", "nobody@example.com")
    both = await fleetlink(url, "token", "x@example.com", "--operator", "ops@example.com")

    assert created.code == 0, created.stderr
    assert token.code == 0 and token.stdout.count(".") == 2, token.stderr
    assert duplicate.code == 1 and duplicate.stderr.count("\n") == 1
    assert "already exists" in duplicate.stderr
    assert unknown.code == 1 and "operators create" in unknown.stderr
    assert both.code == 2 and "not both" in both.stderr


async def test_an_owner_is_created_with_a_link_listed_and_disabled(databases: Databases) -> None:
    url = await databases.new()

    created = await fleetlink(url, "owners", "create", "Owner@Example.com")
    listed = await fleetlink(url, "owners", "list")
    disabled = await fleetlink(url, "owners", "disable", "owner@example.com")
    bad = await fleetlink(url, "owners", "create", "not-an-email")
    missing = await fleetlink(url, "owners", "disable", "ghost@example.com")

    assert created.code == 0, created.stderr
    assert re.search(r"http://127\.0\.0\.1:8000/oauth/set-password\?token=\S{40,}", created.stdout)
    assert "owner@example.com" in listed.stdout
    assert disabled.code == 0 and "disabled owner@example.com" in disabled.stdout
    assert bad.code == 1 and bad.stderr.count("\n") == 1 and "not a valid email" in bad.stderr
    assert missing.code == 1 and "no owner" in missing.stderr


async def test_vehicles_are_added_listed_shown_and_removed(databases: Databases) -> None:
    url = await databases.new()
    await fleetlink(url, "owners", "create", "driver@example.com")
    vin = new_vin()

    added = await fleetlink(
        url, "vehicles", "add", vin, "--owner", "driver@example.com", "--plate", "FL-1"
    )
    twice = await fleetlink(url, "vehicles", "add", vin)
    listed = await fleetlink(url, "vehicles", "list", "--powertrain", "bev")
    shown = await fleetlink(url, "vehicles", "show", vin)
    removed = await fleetlink(url, "vehicles", "remove", vin, "--yes")
    gone = await fleetlink(url, "vehicles", "show", vin)

    assert added.code == 0, added.stderr
    assert "bZ4X" in added.stdout and "FL-1" in added.stdout
    assert twice.code == 1 and vin in twice.stderr and twice.stderr.count("\n") == 1
    assert vin in listed.stdout
    assert "owned by" in shown.stdout and "driver@example.com" in shown.stdout
    assert removed.code == 0 and f"removed {vin}" in removed.stdout
    assert gone.code == 1 and vin in gone.stderr


async def test_bad_vehicle_input_is_one_line_and_a_non_zero_exit(databases: Databases) -> None:
    url = await databases.new()

    bad_vin = await fleetlink(url, "vehicles", "add", "NOTAVIN")
    undecodable = await fleetlink(url, "vehicles", "add", new_vin("ZZZAB12C"))
    bad_cursor = await fleetlink(url, "vehicles", "list", "--cursor", "%%%")

    for result in (bad_vin, undecodable, bad_cursor):
        assert result.code == 1, result.stdout
        assert result.stderr.startswith("error:") and result.stderr.count("\n") == 1, result.stderr
    assert "give make" in undecodable.stderr


async def test_an_owner_is_erased_only_with_their_vehicles_when_they_still_have_some(
    databases: Databases,
) -> None:
    url = await databases.new()
    await fleetlink(url, "owners", "create", "leaving@example.com")
    vin = new_vin()
    await fleetlink(url, "vehicles", "add", vin, "--owner", "leaving@example.com")

    refused = await fleetlink(url, "owners", "erase", "leaving@example.com", "--yes")
    erased = await fleetlink(
        url, "owners", "erase", "leaving@example.com", "--with-vehicles", "--yes"
    )
    listed = await fleetlink(url, "owners", "list")
    shown = await fleetlink(url, "vehicles", "show", vin)

    assert refused.code == 1 and refused.stderr.count("\n") == 1
    assert vin in refused.stderr and "--with-vehicles" not in refused.stderr
    assert erased.code == 0, erased.stderr
    assert "erased owner" in erased.stdout and f"left without an owner: {vin}" in erased.stdout
    assert re.search(r"ownershipPeriods\s+│\s+1", erased.stdout), erased.stdout
    assert "leaving@example.com" not in listed.stdout
    assert "(none)" in shown.stdout and "owned by" not in shown.stdout
