"""fleetlink vehicles import, as an operator runs it on a fleet file."""

import csv
from pathlib import Path

from tests.api.operator.conftest import new_vin
from tests.api.operator.test_import import fleet_file
from tests.cli.test_operator_cli import fleetlink
from tests.conftest import Databases


async def test_a_fleet_file_is_imported_with_credentials_out_and_a_rerun_changes_nothing(
    databases: Databases, tmp_path: Path
) -> None:
    url = await databases.new()
    await fleetlink(url, "owners", "create", "known@example.com")
    good = [new_vin() for _ in range(3)]
    fleet = tmp_path / "fleet.csv"
    fleet.write_text(fleet_file(good))
    secrets, links = tmp_path / "secrets.csv", tmp_path / "links.csv"

    first = await fleetlink(
        url,
        "vehicles",
        "import",
        str(fleet),
        "--credentials-out",
        str(secrets),
        "--links-out",
        str(links),
    )
    taken = await fleetlink(
        url, "vehicles", "import", str(fleet), "--credentials-out", str(secrets)
    )
    again = await fleetlink(
        url, "vehicles", "import", str(fleet), "--credentials-out", str(tmp_path / "again.csv")
    )
    listed = await fleetlink(url, "vehicles", "list", "--owner", "new.owner@example.com")

    assert first.code == 1, first.stderr  # rows were left out
    assert "3 created, 0 unchanged, 5 rows left out, 1 owners created" in first.stdout
    for line in (4, 5, 6, 7, 8):
        assert f"line {line}: " in first.stderr
    with secrets.open() as f:
        assert sorted(row["vin"] for row in csv.DictReader(f)) == sorted(good)
    with links.open() as f:
        [link] = list(csv.DictReader(f))
    assert link["email"] == "new.owner@example.com" and "set-password?token=" in link["url"]
    assert secrets.stat().st_mode & 0o077 == 0
    assert taken.code == 1 and "exists" in taken.stderr and taken.stderr.count("\n") == 1
    assert "0 created, 3 unchanged, 5 rows left out, 0 owners created" in again.stdout
    assert (tmp_path / "again.csv").read_text() == "vin,password\n"
    assert good[1] in listed.stdout


async def test_a_file_that_is_no_fleet_file_is_one_line_and_writes_nothing(
    databases: Databases, tmp_path: Path
) -> None:
    url = await databases.new()
    bad = tmp_path / "bad.csv"
    bad.write_text("VIN,Model\nJTMAAAAA0RA900001,bZ4X\n")
    secrets = tmp_path / "secrets.csv"

    refused = await fleetlink(
        url, "vehicles", "import", str(bad), "--credentials-out", str(secrets)
    )
    missing = await fleetlink(
        url, "vehicles", "import", str(tmp_path / "nope.csv"), "--credentials-out", str(secrets)
    )

    assert refused.code == 1 and refused.stderr.count("\n") == 1
    assert "lacks brand" in refused.stderr
    assert missing.code == 1 and "cannot read" in missing.stderr
    assert not secrets.exists()
