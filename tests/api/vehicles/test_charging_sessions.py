"""Charging sessions through fleetlink's own API: owners and cleared fleets read them, nobody
else can tell a foreign VIN from an unknown one, and bad queries are 400 with a reason."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from fleetlink.bootstrap import Container
from fleetlink.domain.charging import ChargingSession, Current, CurvePoint, session_id
from fleetlink.domain.vehicle import Vehicle
from fleetlink.services.registry import assign_owner
from tests.api.conftest import FleetFactory, with_clearance
from tests.conftest import ClientFactory, Clock, OwnerFactory

T0 = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)


def sessions_url(vin: str) -> str:
    return f"/fleetlink/v1/vehicles/{vin}/charging-sessions"


def a_session(vehicle: Vehicle, day: int, *, current: Current = Current.AC) -> ChargingSession:
    start = T0 + timedelta(days=day)
    return ChargingSession(
        id=session_id(vehicle.id, start),
        vehicle_id=vehicle.id,
        started_at=start,
        ended_at=start + timedelta(hours=2),
        latitude=35.0,
        longitude=137.0,
        soc_from_pct=40.0,
        soc_to_pct=60.2,
        energy_added_kwh=14.4,
        peak_power_kw=7.2,
        mean_power_kw=7.2,
        current=current,
        curve=(
            CurvePoint(start, 40.0, 7.2),
            CurvePoint(start + timedelta(hours=1), 50.1, 7.2),
            CurvePoint(start + timedelta(hours=2), 60.2, None),
        ),
    )


async def store(container: Container, sessions: list[ChargingSession]) -> None:
    async with container.store.writing() as uow:
        await uow.charging_sessions.add_many(sessions)
        await uow.commit()


async def test_an_owner_lists_their_vehicles_sessions_newest_first_by_page(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    car = owner.vehicles[0]
    await store(container, [a_session(car, day) for day in range(5)])

    first = await client.get(sessions_url(car.vin), params={"limit": 2}, headers=owner.headers)
    rest = await client.get(
        sessions_url(car.vin), params={"limit": 2, "offset": 2}, headers=owner.headers
    )

    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["total"], body["limit"], body["offset"]) == (5, 2, 0)
    starts = [s["started_at"] for s in body["sessions"] + rest.json()["sessions"]]
    assert starts == sorted(starts, reverse=True) and len(starts) == 4
    one = body["sessions"][0]
    assert one == {
        "id": session_id(car.id, T0 + timedelta(days=4)),
        "started_at": "2026-05-05T18:00:00Z",
        "ended_at": "2026-05-05T20:00:00Z",
        "duration_s": 7200,
        "place": {"latitude": 35.0, "longitude": 137.0},
        "soc_from_pct": 40.0,
        "soc_to_pct": 60.2,
        "energy_added_kwh": 14.4,
        "peak_power_kw": 7.2,
        "mean_power_kw": 7.2,
        "current": "ac",
    }


async def test_a_time_range_keeps_the_sessions_that_started_within_it(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    car = owner.vehicles[0]
    await store(container, [a_session(car, day) for day in range(5)])

    found = await client.get(
        sessions_url(car.vin),
        params={"from": "2026-05-02T00:00:00Z", "to": "2026-05-04T00:00:00+00:00"},
        headers=owner.headers,
    )

    assert found.status_code == 200, found.text
    assert [s["started_at"][:10] for s in found.json()["sessions"]] == ["2026-05-03", "2026-05-02"]
    assert found.json()["total"] == 2


async def test_one_session_comes_with_its_charge_curve(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    car = owner.vehicles[0]
    session = a_session(car, 0, current=Current.DC)
    await store(container, [session])

    found = await client.get(f"{sessions_url(car.vin)}/{session.id}", headers=owner.headers)

    assert found.status_code == 200, found.text
    body = found.json()
    assert body["current"] == "dc"
    assert body["curve"] == [
        {"at": "2026-05-01T18:00:00Z", "soc_pct": 40.0, "power_kw": 7.2},
        {"at": "2026-05-01T19:00:00Z", "soc_pct": 50.1, "power_kw": 7.2},
        {"at": "2026-05-01T20:00:00Z", "soc_pct": 60.2},
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"limit": "many"},
        {"from": "yesterday"},
        {"from": "2026-05-01T00:00:00"},
        {"from": "2026-05-03T00:00:00Z", "to": "2026-05-02T00:00:00Z"},
        {"from": "2026-05-01T00:00:00", "to": "2026-05-02T00:00:00Z"},
        {"to": "9999-12-31T23:59:59-23:59"},
        {"from": "0001-01-01T00:00:00+23:00"},
    ],
)
async def test_a_bad_query_is_400_with_what_is_wrong(
    client: httpx.AsyncClient, make_owner: OwnerFactory, params: dict[str, str | int]
) -> None:
    owner = await make_owner(count=1)

    found = await client.get(
        sessions_url(owner.vehicles[0].vin), params=params, headers=owner.headers
    )

    assert found.status_code == 400, found.text
    assert found.json()["errors"][0]["detail"]


async def test_a_foreign_vin_answers_exactly_like_an_unknown_one(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner, other = await make_owner(count=1), await make_owner(count=1)
    theirs = other.vehicles[0]
    session = a_session(theirs, 0)
    await store(container, [session])
    unknown = "JTDKB20U993999999"

    answers = []
    for vin in (theirs.vin, unknown):
        for path in (sessions_url(vin), f"{sessions_url(vin)}/{session.id}"):
            found = await client.get(path, headers=owner.headers)
            body = found.json()
            answers.append((found.status_code, body["errors"][0]["detail"].replace(vin, "VIN")))

    assert set(answers) == {(404, "Vehicle 'VIN' not found")}


async def test_a_session_of_another_vehicle_is_not_found_through_mine(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner, other = await make_owner(count=1), await make_owner(count=1)
    session = a_session(other.vehicles[0], 0)
    await store(container, [session])

    found = await client.get(
        f"{sessions_url(owner.vehicles[0].vin)}/{session.id}", headers=owner.headers
    )

    assert found.status_code == 404


@pytest.mark.parametrize("session", ["%00", "a%00b", "%ED%A0%80"])
async def test_a_session_id_no_database_can_hold_is_not_found(
    client: httpx.AsyncClient, make_owner: OwnerFactory, session: str
) -> None:
    """A NUL in the path would fail the whole request on PostgreSQL."""
    owner = await make_owner(count=1)

    found = await client.get(
        f"{sessions_url(owner.vehicles[0].vin)}/{session}", headers=owner.headers
    )

    assert found.status_code == 404, found.text


async def test_a_new_owner_sees_no_session_from_before_they_had_the_car(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    seller, buyer = await make_owner(count=1), await make_owner(count=1)
    car = seller.vehicles[0]
    await store(container, [a_session(car, day) for day in range(3)])
    sold_at = Clock(T0 + timedelta(days=1, hours=12))
    await assign_owner(replace(container.services, clock=sold_at), car.vin, buyer.account.email)

    found = await client.get(sessions_url(car.vin), headers=buyer.headers)
    old = await client.get(
        f"{sessions_url(car.vin)}/{session_id(car.id, T0)}", headers=buyer.headers
    )
    sellers = await client.get(sessions_url(car.vin), headers=seller.headers)

    assert [s["started_at"][:10] for s in found.json()["sessions"]] == ["2026-05-03"]
    assert old.status_code == 404
    assert sellers.status_code == 404


async def test_without_a_token_it_is_401(client: httpx.AsyncClient) -> None:
    found = await client.get(sessions_url("JTDKB20U993999999"))

    assert found.status_code == 401


async def test_a_fleet_reads_the_sessions_of_a_vehicle_it_is_cleared_for_and_no_other(
    container: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    sandbox = with_clearance(container, auto_approve=True, delay_s=0)
    http = await make_client(sandbox)
    fleet = await make_fleet(http)
    owner = await make_owner(count=2)
    cleared, other = owner.vehicles
    await store(container, [a_session(cleared, 0), a_session(other, 0)])
    registered = await http.post(
        "/v1/fleet/vehicles", json={"vin": cleared.vin, "brand": "toyota"}, headers=fleet.headers
    )
    assert registered.status_code == 201, registered.text

    mine = await http.get(sessions_url(cleared.vin), headers=fleet.headers)
    not_mine = await http.get(sessions_url(other.vin), headers=fleet.headers)

    assert mine.status_code == 200, mine.text
    assert mine.json()["total"] == 1
    assert not_mine.status_code == 404


async def test_a_fleet_waiting_for_its_clearance_is_told_so(
    container: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    waiting = with_clearance(container, auto_approve=False, delay_s=3600)
    http = await make_client(waiting)
    fleet = await make_fleet(http)
    car = (await make_owner(count=1)).vehicles[0]
    await http.post(
        "/v1/fleet/vehicles", json={"vin": car.vin, "brand": "toyota"}, headers=fleet.headers
    )

    found = await http.get(sessions_url(car.vin), headers=fleet.headers)

    assert found.status_code == 403
    assert "pending" in found.json()["errors"][0]["detail"]
