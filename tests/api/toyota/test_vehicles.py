"""listConnectedVehicles, getConnectedVehicle, updateVehicleAlias."""

from datetime import datetime

import httpx

from tests.conftest import OwnerFactory

BASE = "/connected/v1/vehicles"


async def test_listing_shows_only_the_callers_vehicles(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    alice = await make_owner(count=3)
    bob = await make_owner(count=2, seed=8)

    listed = (await client.get(BASE, headers=alice.headers)).json()["data"]

    assert sorted(v["vin"] for v in listed) == sorted(v.vin for v in alice.vehicles)
    assert {v["guid"] for v in listed} == {alice.account.guid}
    assert not {v["vin"] for v in listed} & {v.vin for v in bob.vehicles}


async def test_a_vehicle_shows_its_registration(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vehicle = owner.vehicles[0]

    response = await client.get(f"{BASE}/{vehicle.vin}", headers=owner.headers)

    assert response.status_code == 200
    body = response.json()
    assert body["vin"] == vehicle.vin
    assert (body["make"], body["model"], body["year"]) == (
        vehicle.make,
        vehicle.model,
        vehicle.year,
    )
    assert body["isConnected"] is False
    assert vehicle.last_connected_at is not None
    assert datetime.fromisoformat(body["lastConnectedAt"]) == vehicle.last_connected_at
    assert "alias" not in body


async def test_vin_lookup_ignores_case(client: httpx.AsyncClient, make_owner: OwnerFactory) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin

    response = await client.get(f"{BASE}/{vin.lower()}", headers=owner.headers)

    assert response.status_code == 200
    assert response.json()["vin"] == vin


async def test_renaming_persists_the_alias(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin

    put = await client.put(
        f"{BASE}/{vin}",
        headers=owner.headers,
        json={"alias": "Weekend car ✓", "guid": owner.account.guid},
    )
    got = await client.get(f"{BASE}/{vin}", headers=owner.headers)

    assert put.status_code == 200
    assert put.json()["alias"] == "Weekend car ✓"
    assert got.json()["alias"] == "Weekend car ✓"


async def test_renaming_without_guid_is_allowed(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin

    response = await client.put(f"{BASE}/{vin}", headers=owner.headers, json={"alias": "x" * 64})

    assert response.status_code == 200
    assert response.json()["alias"] == "x" * 64


async def test_bad_aliases_are_refused_with_a_reason(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    cases = {
        "too long": {"alias": "x" * 65},
        "control character": {"alias": "bad\nalias"},
        "not a string": {"alias": 42},
        "missing": {"guid": owner.account.guid},
    }
    for label, body in cases.items():
        response = await client.put(f"{BASE}/{vin}", headers=owner.headers, json=body)
        assert response.status_code == 400, label
        assert response.json()["code"] == "BAD_REQUEST", label
        assert "alias" in response.json()["message"], label

    unchanged = await client.get(f"{BASE}/{vin}", headers=owner.headers)
    assert "alias" not in unchanged.json()


async def test_an_empty_alias_clears_the_nickname(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    await client.put(f"{BASE}/{vin}", headers=owner.headers, json={"alias": "Weekend car"})

    cleared = await client.put(f"{BASE}/{vin}", headers=owner.headers, json={"alias": ""})
    got = await client.get(f"{BASE}/{vin}", headers=owner.headers)

    assert cleared.status_code == 200, cleared.text
    assert "alias" not in cleared.json()
    assert "alias" not in got.json()


async def test_renaming_with_someone_elses_guid_is_refused(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    other = await make_owner(count=1, seed=9)

    response = await client.put(
        f"{BASE}/{owner.vehicles[0].vin}",
        headers=owner.headers,
        json={"alias": "Mine", "guid": other.account.guid},
    )

    assert response.status_code == 400
    assert "guid" in response.json()["message"]


async def test_malformed_json_is_a_bad_request(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)

    response = await client.put(
        f"{BASE}/{owner.vehicles[0].vin}",
        headers={**owner.headers, "content-type": "application/json"},
        content=b"{not json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "BAD_REQUEST"
