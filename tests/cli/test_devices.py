"""fleetlink devices issue | rotate | revoke, run as an operator runs them."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from fleetlink.auth.device_secrets import device_secret_hash
from fleetlink.bootstrap import build
from fleetlink.seeding.registration import as_new_vehicle
from fleetlink.services.accounts import create_account
from fleetlink.services.devices import device_credential
from fleetlink.services.vehicles import register_vehicles
from fleetlink.settings import Settings
from fleetlink.simulator.fleetgen import generate_fleet
from tests.conftest import Databases
from tests.test_cli import Result, fleetlink

UNREGISTERED = "JTMAAAAA7PJ000001"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


async def _registered(url: str, count: int) -> list[str]:
    container = build(Settings(database_url=url))
    await container.start()
    try:
        owner = await create_account(container.services, "fleet@example.com", "long-enough")
        vehicles = await register_vehicles(
            container.services,
            owner,
            [as_new_vehicle(g) for g in generate_fleet(12, count, datetime.now(UTC))],
        )
    finally:
        await container.close()
    return [v.vin for v in vehicles]


async def _admits(url: str, vin: str, password: str) -> bool:
    container = build(Settings(database_url=url))
    try:
        stored = await device_credential(container.services, vin)
    finally:
        await container.close()
    return stored is not None and stored.admits(device_secret_hash(password))


def _one_line_error(result: Result) -> None:
    # Besides the structured log lines (a fresh database's migrations, say).
    said = [line for line in result.stderr.splitlines() if line and not LOG_LINE.match(line)]
    assert result.code != 0
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(said) == 1 and said[0].startswith("error:"), result.stderr


async def test_an_operator_issues_rotates_and_revokes_a_units_credential(
    databases: Databases,
) -> None:
    url = await databases.new()
    [vin] = await _registered(url, 1)

    issued = await fleetlink(url, "devices", "issue", vin.lower())
    rotated = await fleetlink(url, "devices", "rotate", vin)
    first, second = issued.stdout.strip(), rotated.stdout.strip()
    both_work = await _admits(url, vin, first) and await _admits(url, vin, second)
    revoked = await fleetlink(url, "devices", "revoke", vin)

    assert issued.code == 0 and rotated.code == 0 and revoked.code == 0, revoked.stderr
    assert issued.stdout.count("\n") == 1 and "shown once" in issued.stderr
    assert first != second and both_work
    assert "first signs in" in rotated.stderr
    assert vin in revoked.stdout
    assert not await _admits(url, vin, second)


async def test_issuing_for_all_prints_csv_of_the_vehicles_without_one(
    databases: Databases,
) -> None:
    url = await databases.new()
    vins = await _registered(url, 3)
    await fleetlink(url, "devices", "issue", vins[0])

    result = await fleetlink(url, "devices", "issue", "--all")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))

    assert result.code == 0, result.stderr
    assert sorted(row["vin"] for row in rows) == sorted(vins[1:])
    for row in rows:
        assert await _admits(url, row["vin"], row["password"])


@pytest.mark.parametrize(
    "args",
    [
        ("devices", "issue", "not-a-vin"),
        ("devices", "issue", UNREGISTERED),
        ("devices", "issue"),
        ("devices", "issue", UNREGISTERED, "--all"),
        ("devices", "rotate", "JTMAAAAA7PJ00000"),
        ("devices", "revoke", UNREGISTERED),
        ("mqtt-password", UNREGISTERED),
    ],
)
async def test_every_bad_input_is_one_line_and_a_failure(
    databases: Databases, args: tuple[str, ...]
) -> None:
    url = await databases.new()

    _one_line_error(await fleetlink(url, *args))


async def test_a_second_issue_and_a_rotation_without_a_credential_are_refused_plainly(
    databases: Databases,
) -> None:
    url = await databases.new()
    first, second = await _registered(url, 2)
    await fleetlink(url, "devices", "issue", first)

    again = await fleetlink(url, "devices", "issue", first)
    rotate = await fleetlink(url, "devices", "rotate", "--now", second)

    _one_line_error(again)
    _one_line_error(rotate)
    assert "rotate or revoke" in again.stderr and "issue one first" in rotate.stderr
