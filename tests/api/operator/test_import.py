"""Bulk import through the operator API: good rows in, bad rows reported by line, owners
created with their links, credentials once, and a re-run that changes nothing."""

from typing import Any

import httpx
from sqlalchemy import func, select

from fleetlink.bootstrap import Container
from fleetlink.storage.tables import accounts, device_credentials, password_links, vehicles
from tests.api.operator.conftest import PREFIX, OperatorCaller, new_vin

HEADER = "VIN,Brand,Model,Year,Powertrain,Plate,Owner Email\n"


async def _import(
    client: httpx.AsyncClient, operator: OperatorCaller, text: str, kind: str = "text/csv"
) -> httpx.Response:
    return await client.post(
        f"{PREFIX}/vehicles/import",
        content=text.encode(),
        headers={**operator.headers, "Content-Type": kind},
    )


async def _counts(container: Container) -> dict[str, int]:
    async with container.store.engine.connect() as conn:
        return {
            t.name: int((await conn.execute(select(func.count()).select_from(t))).scalar_one())
            for t in (vehicles, accounts, password_links, device_credentials)
        }


def fleet_file(good: list[str]) -> str:
    """Three good rows (two owners, one new; one vehicle without owner) and five bad ones."""
    a, b, c = good
    return HEADER + "\n".join(
        [
            f"{a},Toyota,bZ4X,2024,bev,FL-1,known@example.com",  # line 2
            f"{b},toyota,,,,,New.Owner@Example.com",  # line 3: the rest from the VIN
            "JTMAAAAA0RA00000X,Toyota,bZ4X,2024,bev,,",  # line 4: bad VIN
            f"{new_vin()},Toyota,bZ4X,20x4,bev,,",  # line 5: bad year
            f"{new_vin()},Toyota,bZ4X,2024,steam,,",  # line 6: unknown powertrain
            f"{a},Toyota,bZ4X,2024,bev,FL-1,known@example.com",  # line 7: on line 2 already
            f"{new_vin()},Toyota,bZ4X,2024,bev,,not-an-email",  # line 8: bad email
            f"{c},,,,,FL-3,",  # line 9: no owner
        ]
    )


async def test_an_import_takes_the_good_rows_reports_the_bad_and_a_rerun_changes_nothing(
    container: Container, client: httpx.AsyncClient, operator: OperatorCaller
) -> None:
    await client.post(
        f"{PREFIX}/owners", json={"email": "known@example.com"}, headers=operator.headers
    )
    good = [new_vin() for _ in range(3)]
    text = fleet_file(good)

    first = await _import(client, operator, text)
    after_first = await _counts(container)
    again = await _import(client, operator, text)
    after_again = await _counts(container)
    listed = await client.get(
        f"{PREFIX}/vehicles", params={"owner": "new.owner@example.com"}, headers=operator.headers
    )

    assert first.status_code == 200, first.text
    body: dict[str, Any] = first.json()
    assert sorted(body["created"]) == sorted(good) and body["unchanged"] == []
    problems = [(p["line"], p["reason"]) for p in body["problems"]]
    assert [line for line, _ in problems] == [4, 5, 6, 7, 8]
    assert "check digit" in problems[0][1]
    assert "four-digit year" in problems[1][1]
    assert "powertrain must be one of ice, hybrid, phev, bev" in problems[2][1]
    assert f"{good[0]} is on line 2 already" in problems[3][1]
    assert "not a valid email" in problems[4][1]
    assert [o["email"] for o in body["ownersCreated"]] == ["new.owner@example.com"]
    assert "/oauth/set-password?token=" in body["ownersCreated"][0]["passwordLink"]["url"]
    assert sorted(c["vin"] for c in body["deviceCredentials"]) == sorted(good)
    assert all(len(c["password"]) >= 40 for c in body["deviceCredentials"])
    assert [v["vin"] for v in listed.json()["data"]] == [good[1]]
    assert again.status_code == 200, again.text
    rerun = again.json()
    assert rerun["created"] == [] and sorted(rerun["unchanged"]) == sorted(good)
    assert [p["line"] for p in rerun["problems"]] == [4, 5, 6, 7, 8]
    assert rerun["ownersCreated"] == [] and rerun["deviceCredentials"] == []
    assert after_again == after_first


async def test_a_row_that_contradicts_a_registered_vehicle_is_reported(
    client: httpx.AsyncClient, operator: OperatorCaller
) -> None:
    vin = new_vin()
    await client.post(
        f"{PREFIX}/vehicles", json={"vin": vin, "licensePlate": "OLD-1"}, headers=operator.headers
    )

    result = await _import(client, operator, HEADER + f"{vin},Toyota,bZ4X,2024,bev,NEW-1,\n")

    assert result.status_code == 200, result.text
    [problem] = result.json()["problems"]
    assert problem["line"] == 2 and problem["vin"] == vin
    assert "plate 'OLD-1'" in problem["reason"]


async def test_what_is_no_fleet_file_is_refused_whole(
    client: httpx.AsyncClient, operator: OperatorCaller
) -> None:
    as_json = await _import(client, operator, "{}", kind="application/json")
    no_header = await _import(client, operator, "VIN,Model\nJTMAAAAA0RA900001,bZ4X\n")
    empty = await _import(client, operator, "")

    assert as_json.status_code == 400 and "text/csv" in as_json.json()["message"]
    assert no_header.status_code == 400
    assert "lacks brand, year, powertrain, plate, owner email" in no_header.json()["message"]
    assert empty.status_code == 400 and "empty" in empty.json()["message"]
