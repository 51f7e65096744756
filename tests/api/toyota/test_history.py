"""getTrips, getVehicleNotifications and getServiceHistory over stored history."""

import json
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from fleetlink.api.contracts import parse_yaml
from fleetlink.bootstrap import Container
from fleetlink.domain.notifications import Notification, NotificationType, ServiceRecord
from fleetlink.domain.state import Severity
from fleetlink.domain.trips import RoutePoint, Trip
from fleetlink.domain.vehicle import Vehicle
from fleetlink.services.history import record_history
from tests.conftest import Owner, OwnerFactory
from tests.contract import SPECS

DAY = datetime(2026, 5, 1, tzinfo=UTC)


def _trip(vehicle: Vehicle, start: datetime, minutes: int = 30, km: float = 24.0) -> Trip:
    end = start + timedelta(minutes=minutes)
    route = tuple(
        RoutePoint(35.0 + i * 0.001, 137.0 - i * 0.001, start + timedelta(minutes=i))
        for i in range(minutes + 1)
    )
    return Trip(
        id=str(uuid.uuid4()),
        vehicle_id=vehicle.id,
        start=route[0],
        end=RoutePoint(route[-1].latitude, route[-1].longitude, end),
        distance_km=km,
        max_speed_kmh=96.56064,
        route=route,
        start_address="Toyota, Aichi, Japan",
    )


async def _trips(
    client: httpx.AsyncClient, owner: Owner, vin: str, **params: str | int
) -> httpx.Response:
    return await client.get(
        f"/connected/v1/vehicles/{vin}/trips", headers=owner.headers, params=params
    )


async def test_trips_come_newest_first_with_summaries_in_miles(
    client: httpx.AsyncClient, container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vehicle = owner.vehicles[0]
    trips = [_trip(vehicle, DAY + timedelta(hours=h)) for h in (8, 12, 18)]
    await record_history(container.services, trips=trips)

    body = (
        await _trips(client, owner, vehicle.vin, fromDate="2026-05-01", toDate="2026-05-01")
    ).json()

    assert body["total"] == 3
    assert (body["limit"], body["offset"]) == (50, 0)
    assert [t["id"] for t in body["data"]] == [t.id for t in reversed(trips)]
    newest = body["data"][0]
    assert newest["vin"] == vehicle.vin
    assert newest["startTime"] == "2026-05-01T18:00:00Z"
    assert newest["endTime"] == "2026-05-01T18:30:00Z"
    assert newest["distanceMiles"] == pytest.approx(14.91, abs=0.01)
    assert newest["durationMinutes"] == 30
    assert newest["averageSpeedMph"] == pytest.approx(29.8, abs=0.1)
    assert newest["maxSpeedMph"] == pytest.approx(60.0, abs=0.1)
    assert newest["startAddress"] == "Toyota, Aichi, Japan"
    assert "endAddress" not in newest
    assert newest["startCoordinates"] == {
        "latitude": 35.0,
        "longitude": 137.0,
        "timestamp": "2026-05-01T18:00:00Z",
    }
    assert "route" not in newest


async def test_the_route_comes_only_when_asked_and_summaries_can_be_left_out(
    client: httpx.AsyncClient, container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vehicle = owner.vehicles[0]
    trip = _trip(vehicle, DAY + timedelta(hours=9), minutes=10)
    await record_history(container.services, trips=[trip])

    body = (
        await _trips(
            client,
            owner,
            vehicle.vin,
            fromDate="2026-05-01",
            toDate="2026-05-01",
            includeRoute="true",
            includeSummary="false",
        )
    ).json()

    (only,) = body["data"]
    assert len(only["route"]) == 11
    assert only["route"][3] == {
        "latitude": 35.003,
        "longitude": 136.997,
        "timestamp": "2026-05-01T09:03:00Z",
    }
    for summary in ("distanceMiles", "durationMinutes", "averageSpeedMph", "maxSpeedMph"):
        assert summary not in only
    assert only["startTime"] and only["endCoordinates"]


async def test_a_trip_lists_its_fields_in_the_contracts_order(
    client: httpx.AsyncClient, container: Container, make_owner: OwnerFactory
) -> None:
    # The page is written from plain dicts (api/toyota/mappers.py): its keys keep the order
    # of the contract's properties, as the models it replaced wrote them.
    spec = parse_yaml((SPECS / "toyota-connected-services.openapi.yaml").read_text())
    schemas = spec["components"]["schemas"]
    owner = await make_owner(count=1)
    vehicle = owner.vehicles[0]
    trip = _trip(vehicle, DAY + timedelta(hours=9), minutes=3)
    await record_history(container.services, trips=[replace(trip, end_address="Nagoya, Japan")])

    response = await _trips(
        client, owner, vehicle.vin, fromDate="2026-05-01", toDate="2026-05-01", includeRoute="true"
    )

    page = json.loads(response.content)
    assert list(page) == list(schemas["TripHistoryList"]["properties"])
    (only,) = page["data"]
    assert list(only) == list(schemas["TripHistory"]["properties"])
    point = list(schemas["Coordinates"]["properties"])
    assert [list(p) for p in only["route"]] == [point] * 4
    assert list(only["startCoordinates"]) == list(only["endCoordinates"]) == point


async def test_trips_are_paged_within_the_date_range_with_a_true_total(
    client: httpx.AsyncClient, container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=2)
    vehicle, other = owner.vehicles
    in_range = [_trip(vehicle, DAY + timedelta(days=d, hours=h)) for d in range(3) for h in (7, 17)]
    outside = [_trip(vehicle, DAY - timedelta(minutes=1)), _trip(vehicle, DAY + timedelta(days=3))]
    elsewhere = [_trip(other, DAY + timedelta(hours=10))]
    await record_history(container.services, trips=in_range + outside + elsewhere)

    first = (
        await _trips(
            client, owner, vehicle.vin, fromDate="2026-05-01", toDate="2026-05-03", limit=4
        )
    ).json()
    second = (
        await _trips(
            client,
            owner,
            vehicle.vin,
            fromDate="2026-05-01",
            toDate="2026-05-03",
            limit=4,
            offset=4,
        )
    ).json()
    beyond = (
        await _trips(
            client, owner, vehicle.vin, fromDate="2026-05-01", toDate="2026-05-03", offset=100
        )
    ).json()

    assert first["total"] == second["total"] == beyond["total"] == 6
    pages = [t["id"] for t in first["data"] + second["data"]]
    assert pages == [t.id for t in sorted(in_range, key=lambda t: t.start.at, reverse=True)]
    assert (second["limit"], second["offset"]) == (4, 4)
    assert beyond["data"] == []


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"toDate": "2026-05-01"}, "fromDate"),
        ({"fromDate": "2026-05-01"}, "toDate"),
        ({"fromDate": "2026-05-02", "toDate": "2026-05-01"}, "must not be after"),
        ({"fromDate": "yesterday", "toDate": "2026-05-01"}, "fromDate"),
        ({"fromDate": "2026-02-30", "toDate": "2026-05-01"}, "fromDate"),
        ({"fromDate": "2026-05-01", "toDate": "2026-05-01", "limit": 0}, "limit"),
        ({"fromDate": "2026-05-01", "toDate": "2026-05-01", "limit": 51}, "limit"),
        ({"fromDate": "2026-05-01", "toDate": "2026-05-01", "limit": "ten"}, "limit"),
        ({"fromDate": "2026-05-01", "toDate": "2026-05-01", "offset": -1}, "offset"),
        ({"fromDate": "2026-05-01", "toDate": "2026-05-01", "offset": 2**63}, "offset"),
        ({"fromDate": "1577836800", "toDate": "2026-05-01"}, "fromDate"),
        ({"fromDate": "2020-01-01T00:00:00", "toDate": "2026-05-01"}, "fromDate"),
        (
            {"fromDate": "2026-05-01", "toDate": "2026-05-01", "includeRoute": "maybe"},
            "includeRoute",
        ),
    ],
)
async def test_bad_trip_queries_are_refused_with_a_reason(
    client: httpx.AsyncClient, make_owner: OwnerFactory, params: dict[str, str | int], reason: str
) -> None:
    owner = await make_owner(count=1)

    response = await _trips(client, owner, owner.vehicles[0].vin, **params)

    assert response.status_code == 400
    assert reason in response.json()["message"]


def _notification(
    vehicle: Vehicle, minutes: int, *, read: bool, kind: NotificationType
) -> Notification:
    return Notification(
        id=str(uuid.uuid4()),
        vehicle_id=vehicle.id,
        type=kind,
        severity=Severity.WARNING if kind is NotificationType.ALERT else Severity.INFO,
        title=f"{kind.value} {minutes}",
        message="Tire pressure low on the rear left tire",
        created_at=DAY + timedelta(minutes=minutes),
        is_read=read,
    )


async def test_notifications_are_newest_first_with_true_counts_and_an_unread_filter(
    client: httpx.AsyncClient, container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=2)
    vehicle, other = owner.vehicles
    mine = [
        _notification(vehicle, 1, read=True, kind=NotificationType.MESSAGE),
        _notification(vehicle, 2, read=False, kind=NotificationType.ALERT),
        _notification(vehicle, 3, read=False, kind=NotificationType.RECALL),
    ]
    await record_history(
        container.services,
        notifications=[*mine, _notification(other, 4, read=False, kind=NotificationType.ALERT)],
    )
    url = f"/connected/v1/vehicles/{vehicle.vin}/notifications"

    everything = (await client.get(url, headers=owner.headers)).json()
    unread = (await client.get(url, headers=owner.headers, params={"unreadOnly": "true"})).json()

    assert [n["id"] for n in everything["data"]] == [n.id for n in reversed(mine)]
    assert (everything["total"], everything["unreadCount"]) == (3, 2)
    assert [n["id"] for n in unread["data"]] == [mine[2].id, mine[1].id]
    assert (unread["total"], unread["unreadCount"]) == (3, 2)
    assert everything["data"][1] == {
        "id": mine[1].id,
        "type": "alert",
        "title": "alert 2",
        "message": "Tire pressure low on the rear left tire",
        "isRead": False,
        "severity": "warning",
        "createdAt": "2026-05-01T00:02:00Z",
    }


async def test_a_vehicle_without_notifications_has_zero_counts(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)

    body = (
        await client.get(
            f"/connected/v1/vehicles/{owner.vehicles[0].vin}/notifications", headers=owner.headers
        )
    ).json()

    assert body == {"data": [], "total": 0, "unreadCount": 0}


async def test_service_history_is_newest_first_with_mileage_in_miles(
    client: httpx.AsyncClient, container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vehicle = owner.vehicles[0]
    older = ServiceRecord(
        str(uuid.uuid4()),
        vehicle.id,
        "oil_change",
        "Oil and filter",
        date(2025, 11, 2),
        16093.44,
        "04136",
        "Toyota of Plano",
    )
    newer = ServiceRecord(
        str(uuid.uuid4()), vehicle.id, "inspection", "Multi-point inspection", date(2026, 4, 20)
    )
    await record_history(container.services, service_records=[older, newer])

    body = (
        await client.get(
            f"/connected/v1/vehicles/{vehicle.vin}/service-history", headers=owner.headers
        )
    ).json()

    assert body["data"] == [
        {
            "id": newer.id,
            "vin": vehicle.vin,
            "category": "inspection",
            "description": "Multi-point inspection",
            "serviceDate": "2026-04-20",
        },
        {
            "id": older.id,
            "vin": vehicle.vin,
            "category": "oil_change",
            "description": "Oil and filter",
            "serviceDate": "2025-11-02",
            "mileage": 10000,
            "dealerCode": "04136",
            "dealerName": "Toyota of Plano",
        },
    ]


async def test_the_widest_date_range_is_answered(
    client: httpx.AsyncClient, container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vehicle = owner.vehicles[0]
    await record_history(container.services, trips=[_trip(vehicle, DAY)])

    body = (
        await _trips(client, owner, vehicle.vin, fromDate="0001-01-01", toDate="9999-12-31")
    ).json()

    assert body["total"] == 1
