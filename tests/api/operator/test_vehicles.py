"""Registering, listing, reading, updating, assigning and deregistering vehicles."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from fleetlink.bootstrap import Container
from fleetlink.services.owners import create_owner
from fleetlink.services.telemetry import ingest
from tests.api.operator.conftest import PREFIX, OperatorCaller, new_vin
from tests.conftest import OwnerFactory
from tests.services.test_telemetry import sample


async def _register(
    client: httpx.AsyncClient, operator: OperatorCaller, **body: object
) -> httpx.Response:
    return await client.post(f"{PREFIX}/vehicles", json=body, headers=operator.headers)


async def test_a_vehicle_is_registered_with_what_its_vin_decodes_to(
    client: httpx.AsyncClient, operator: OperatorCaller
) -> None:
    vin = new_vin()

    response = await _register(
        client, operator, vin=vin.lower(), licensePlate="AB-123", color="Ice"
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["vin"], body["make"], body["brand"], body["model"]) == (
        vin,
        "Toyota",
        "toyota",
        "bZ4X",
    )
    assert (body["year"], body["powertrain"], body["licensePlate"]) == (2024, "bev", "AB-123")
    assert body["ownerId"] is None and body["connection"] == "offline"


async def test_a_vin_registered_twice_is_a_409_naming_the_vin(
    client: httpx.AsyncClient, operator: OperatorCaller
) -> None:
    vin = new_vin()
    await _register(client, operator, vin=vin)

    again = await _register(client, operator, vin=vin)

    assert again.status_code == 409
    assert again.json()["code"] == "CONFLICT" and vin in again.json()["message"]


async def test_what_the_vin_cannot_say_must_be_given(
    client: httpx.AsyncClient, operator: OperatorCaller
) -> None:
    vin = new_vin("ZZZAB12C")

    missing = await _register(client, operator, vin=vin)
    given = await _register(
        client, operator, vin=vin, make="Kit Car", model="Roadster", powertrain="ice"
    )

    assert missing.status_code == 400 and "give make" in missing.json()["message"]
    assert given.status_code == 201, given.text
    assert (given.json()["brand"], given.json()["year"]) == ("kit-car", 2024)


async def test_a_given_value_that_contradicts_the_vin_is_refused(
    client: httpx.AsyncClient, operator: OperatorCaller
) -> None:
    wrong_make = await _register(client, operator, vin=new_vin(), make="Ford")
    wrong_year = await _register(client, operator, vin=new_vin(), year=2019)
    bad_vin = await _register(client, operator, vin="JTMAAAAA0RA12345X")
    bad_type = await _register(client, operator, vin=new_vin(), year="2024")

    assert wrong_make.status_code == 400 and "Ford" in wrong_make.json()["message"]
    assert wrong_year.status_code == 400 and "2024" in wrong_year.json()["message"]
    assert bad_vin.status_code == 400 and "not a valid VIN" in bad_vin.json()["message"]
    assert bad_type.status_code == 400 and "year" in bad_type.json()["message"]


async def test_a_vehicle_registered_to_an_owner_shows_through_the_toyota_api(
    client: httpx.AsyncClient, operator: OperatorCaller, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = new_vin()

    registered = await _register(client, operator, vin=vin, ownerId=owner.account.email)
    listed = await client.get("/connected/v1/vehicles", headers=owner.headers)
    status = await client.get(f"/connected/v1/vehicles/{vin}/status", headers=owner.headers)

    assert registered.json()["ownerId"] == owner.account.guid
    assert vin in [v["vin"] for v in listed.json()["data"]]
    assert status.status_code == 200, status.text


async def test_a_registered_vehicle_ingests_telemetry_its_owner_then_sees(
    client: httpx.AsyncClient,
    operator: OperatorCaller,
    container: Container,
    make_owner: OwnerFactory,
) -> None:
    owner = await make_owner(count=1)
    vin = new_vin()
    await _register(client, operator, vin=vin, ownerId=owner.account.guid)
    at = datetime.now(UTC).replace(microsecond=0)

    result = await ingest(container.services, [sample(vin, "m1", at, lat=35.08, lon=137.15)])
    position = await client.get(f"/connected/v1/vehicles/{vin}/location", headers=owner.headers)

    assert (result.applied, result.unknown_vehicle) == (1, 0)
    assert position.json()["latitude"] == 35.08


async def test_the_list_filters_and_pages_by_a_stable_cursor(
    client: httpx.AsyncClient, operator: OperatorCaller, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=3)
    unowned = [new_vin() for _ in range(3)]
    for vin in unowned:
        await _register(client, operator, vin=vin)

    first = await client.get(f"{PREFIX}/vehicles?limit=2", headers=operator.headers)
    seen = [v["vin"] for v in first.json()["data"]]
    cursor = first.json()["nextCursor"]
    while cursor is not None:
        page = await client.get(
            f"{PREFIX}/vehicles", params={"limit": 2, "cursor": cursor}, headers=operator.headers
        )
        seen += [v["vin"] for v in page.json()["data"]]
        cursor = page.json()["nextCursor"]
    mine = await client.get(
        f"{PREFIX}/vehicles", params={"owner": owner.account.guid}, headers=operator.headers
    )
    bevs = await client.get(
        f"{PREFIX}/vehicles",
        params={"powertrain": "bev", "make": "TOYOTA"},
        headers=operator.headers,
    )

    assert seen == sorted(unowned + [v.vin for v in owner.vehicles])
    assert sorted(v["vin"] for v in mine.json()["data"]) == sorted(v.vin for v in owner.vehicles)
    assert set(unowned) <= {v["vin"] for v in bevs.json()["data"]}
    assert {v["powertrain"] for v in bevs.json()["data"]} == {"bev"}


async def test_the_list_filters_by_connection_and_last_seen(
    client: httpx.AsyncClient, operator: OperatorCaller, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=2)
    seen = [v.last_connected_at for v in owner.vehicles]
    assert all(seen)
    latest = max(t for t in seen if t is not None)

    offline = await client.get(
        f"{PREFIX}/vehicles", params={"connection": "offline"}, headers=operator.headers
    )
    after = await client.get(
        f"{PREFIX}/vehicles",
        params={"lastSeenAfter": (latest + timedelta(seconds=1)).isoformat()},
        headers=operator.headers,
    )
    before = await client.get(
        f"{PREFIX}/vehicles",
        params={"lastSeenBefore": (latest + timedelta(seconds=1)).isoformat()},
        headers=operator.headers,
    )

    assert len(offline.json()["data"]) == 2
    assert after.json()["data"] == []
    assert len(before.json()["data"]) == 2


async def test_bad_filters_and_cursors_are_400s(
    client: httpx.AsyncClient, operator: OperatorCaller
) -> None:
    for params in ({"cursor": "!!"}, {"limit": 0}, {"powertrain": "steam"}, {"owner": "x"}):
        response = await client.get(f"{PREFIX}/vehicles", params=params, headers=operator.headers)
        assert response.status_code in (400, 404), (params, response.text)
        assert response.json()["message"]


async def test_a_vehicle_is_read_updated_and_deregistered(
    client: httpx.AsyncClient, operator: OperatorCaller
) -> None:
    vin = new_vin()
    await _register(client, operator, vin=vin, licensePlate="OLD-1")

    updated = await client.patch(
        f"{PREFIX}/vehicles/{vin}",
        json={"licensePlate": "NEW-2", "trim": "XLE"},
        headers=operator.headers,
    )
    read = await client.get(f"{PREFIX}/vehicles/{vin}", headers=operator.headers)
    removed = await client.delete(f"{PREFIX}/vehicles/{vin}", headers=operator.headers)
    gone = await client.get(f"{PREFIX}/vehicles/{vin}", headers=operator.headers)
    again = await _register(client, operator, vin=vin)

    assert updated.status_code == 200, updated.text
    assert (read.json()["licensePlate"], read.json()["trim"], read.json()["model"]) == (
        "NEW-2",
        "XLE",
        "bZ4X",
    )
    assert removed.status_code == 204
    assert gone.status_code == 404 and vin in gone.json()["message"]
    assert again.status_code == 201


async def test_deregistering_a_vehicle_with_history_removes_it_from_its_owner(
    client: httpx.AsyncClient,
    operator: OperatorCaller,
    make_owner: OwnerFactory,
    container: Container,
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    sent = await client.post(
        f"/connected/v1/vehicles/{vin}/remote-command",
        json={"command": "lock"},
        headers=owner.headers,
    )
    assert sent.status_code == 200, sent.text

    removed = await client.delete(f"{PREFIX}/vehicles/{vin}", headers=operator.headers)
    listed = await client.get("/connected/v1/vehicles", headers=owner.headers)

    assert removed.status_code == 204
    assert listed.json()["data"] == []


async def test_a_vehicle_without_an_owner_is_assigned_then_transferred(
    client: httpx.AsyncClient,
    operator: OperatorCaller,
    make_owner: OwnerFactory,
    container: Container,
) -> None:
    first = await make_owner(count=1)
    second = await make_owner(count=1)
    vin = new_vin()
    await _register(client, operator, vin=vin)

    assigned = await client.put(
        f"{PREFIX}/vehicles/{vin}/owner",
        json={"ownerId": first.account.guid},
        headers=operator.headers,
    )
    same = await client.put(
        f"{PREFIX}/vehicles/{vin}/owner",
        json={"ownerId": first.account.email},
        headers=operator.headers,
    )
    other = await client.put(
        f"{PREFIX}/vehicles/{vin}/owner",
        json={"ownerId": second.account.guid},
        headers=operator.headers,
    )
    history = await client.get(f"{PREFIX}/vehicles/{vin}/owners", headers=operator.headers)
    seen_by_owner = await client.get(f"/connected/v1/vehicles/{vin}", headers=first.headers)

    assert assigned.status_code == 200 and assigned.json()["ownerId"] == first.account.guid
    assert same.status_code == 200
    assert other.status_code == 200 and other.json()["ownerId"] == second.account.guid
    periods = history.json()["data"]
    assert [(p["ownerEmail"], p["toAt"] is None) for p in periods] == [
        (first.account.email, False),
        (second.account.email, True),
    ]
    assert seen_by_owner.status_code == 404


async def test_a_disabled_owner_gets_no_vehicle(
    client: httpx.AsyncClient, operator: OperatorCaller, container: Container
) -> None:
    created = await create_owner(container.services, "gone@example.com")
    await client.post(f"{PREFIX}/owners/{created.account.guid}/disable", headers=operator.headers)

    response = await _register(client, operator, vin=new_vin(), ownerId="gone@example.com")

    assert response.status_code == 409 and "disabled" in response.json()["message"]


async def test_deregistering_a_vehicle_that_has_charged_removes_its_sessions_too(
    client: httpx.AsyncClient,
    operator: OperatorCaller,
    make_owner: OwnerFactory,
    container: Container,
) -> None:
    from tests.services.test_charging_ingest import home_charge

    owner = await make_owner(count=1)
    vehicle = owner.vehicles[0]
    charge = home_charge(vehicle.vin)
    await ingest(container.services, charge[:5])  # a session under way
    await ingest(container.services, charge)  # and one finished
    async with container.store.reading() as uow:
        assert (await uow.charge_progress.get_many([vehicle.id])) != {}

    removed = await client.delete(f"{PREFIX}/vehicles/{vehicle.vin}", headers=operator.headers)

    assert removed.status_code == 204, removed.text
    async with container.store.reading() as uow:
        assert await uow.charge_progress.get_many([vehicle.id]) == {}
        assert (
            await uow.charging_sessions.between(
                vehicle.id, datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
            )
            == []
        )


@pytest.mark.parametrize("value", ["0.5", "1700000000", "2026-01-05", "2026-01-05T08:00:00"])
async def test_last_seen_must_be_a_date_time_with_its_offset(
    client: httpx.AsyncClient, operator: OperatorCaller, value: str
) -> None:
    """A number was read as a Unix time (schemathesis found it, issue 15)."""
    for name in ("lastSeenBefore", "lastSeenAfter"):
        response = await client.get(
            f"{PREFIX}/vehicles", params={name: value}, headers=operator.headers
        )

        assert response.status_code == 400, (name, value, response.text)
        assert response.json()["code"] == "BAD_REQUEST"
        assert name in response.json()["message"]
