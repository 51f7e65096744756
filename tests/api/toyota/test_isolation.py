"""One account never sees another's vehicles: a foreign VIN answers exactly like an unknown one."""

import httpx
import pytest

from fleetlink.services.context import utc_now
from fleetlink.simulator.fleetgen import generate_fleet
from tests.conftest import OwnerFactory

READS = [
    "",
    "/status",
    "/health",
    "/location",
    "/electric",
    "/climate",
    "/notifications",
    "/service-history",
    "/trips?fromDate=2026-01-01&toDate=2026-12-31",
    "/commands/00000000-0000-0000-0000-000000000000",
]
WRITES = [
    ("PUT", "", {"alias": "stolen"}),
    ("PUT", "/climate", {"fanSpeed": 2}),
    ("POST", "/climate/command", {"command": "start"}),
    ("POST", "/remote-command", {"command": "unlock"}),
    ("POST", "/electric/refresh", None),
]


def _unknown_vin() -> str:
    return generate_fleet(12345, 1, utc_now(), first_serial=99_999)[0].vin


@pytest.mark.parametrize("suffix", READS)
async def test_reading_a_foreign_vehicle_looks_like_reading_an_unknown_one(
    client: httpx.AsyncClient, make_owner: OwnerFactory, suffix: str
) -> None:
    alice = await make_owner(count=1)
    mallory = await make_owner(count=1, seed=99)
    foreign = alice.vehicles[0].vin
    unknown = _unknown_vin()

    seen_foreign = await client.get(
        f"/connected/v1/vehicles/{foreign}{suffix}", headers=mallory.headers
    )
    seen_unknown = await client.get(
        f"/connected/v1/vehicles/{unknown}{suffix}", headers=mallory.headers
    )

    assert seen_foreign.status_code == seen_unknown.status_code == 404
    assert seen_foreign.json() == {
        **seen_unknown.json(),
        "message": seen_unknown.json()["message"].replace(unknown, foreign),
    }


@pytest.mark.parametrize(("method", "suffix", "body"), WRITES)
async def test_writing_to_a_foreign_vehicle_changes_nothing(
    client: httpx.AsyncClient, make_owner: OwnerFactory, method: str, suffix: str, body: object
) -> None:
    alice = await make_owner(count=1)
    mallory = await make_owner(count=1, seed=99)
    vin = alice.vehicles[0].vin
    before = (await client.get(f"/connected/v1/vehicles/{vin}", headers=alice.headers)).json()
    climate_before = (
        await client.get(f"/connected/v1/vehicles/{vin}/climate", headers=alice.headers)
    ).json()

    response = await client.request(
        method, f"/connected/v1/vehicles/{vin}{suffix}", headers=mallory.headers, json=body
    )

    assert response.status_code == 404
    after = (await client.get(f"/connected/v1/vehicles/{vin}", headers=alice.headers)).json()
    climate_after = (
        await client.get(f"/connected/v1/vehicles/{vin}/climate", headers=alice.headers)
    ).json()
    assert after == before
    assert climate_after == climate_before


async def test_a_malformed_vin_is_not_found(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)

    response = await client.get("/connected/v1/vehicles/not-a-vin/status", headers=owner.headers)

    assert response.status_code == 404
    assert response.json() == {"code": "NOT_FOUND", "message": "Vehicle 'not-a-vin' not found"}


async def test_a_command_id_of_another_vehicle_is_not_found(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=2)
    first, second = owner.vehicles
    sent = await client.post(
        f"/connected/v1/vehicles/{first.vin}/remote-command",
        headers=owner.headers,
        json={"command": "lock"},
    )
    request_id = sent.json()["requestId"]

    response = await client.get(
        f"/connected/v1/vehicles/{second.vin}/commands/{request_id}", headers=owner.headers
    )

    assert response.status_code == 404
