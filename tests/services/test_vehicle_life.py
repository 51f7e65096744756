"""What people do with cars reaches the owner: doors, service visits, charging stops."""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx

from fleetlink.bootstrap import Container
from fleetlink.services.retention import sweep
from fleetlink.services.telemetry import Arrival, ingest
from fleetlink.telematics.codec import decode
from fleetlink.telematics.encoding import encode_telemetry
from fleetlink.telematics.topics import Channel, topic
from tests.conftest import OwnerFactory

T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
CHARGING = "Vehicle.Powertrain.TractionBattery.Charging"


def _arrival(vin: str, channel: Channel, body: dict[str, object], at: datetime) -> Arrival:
    payload = json.dumps({"v": 1, "ts": at.isoformat().replace("+00:00", "Z"), **body}).encode()
    return Arrival(decode(topic(vin, channel), payload, at), channel.value, json.loads(payload), at)


def _event(vin: str, mid: str, at: datetime, event: str, **data: object) -> Arrival:
    return _arrival(vin, Channel.EVENTS, {"id": mid, "event": event, "data": data}, at)


def _sample(vin: str, mid: str, at: datetime, signals: dict[str, object]) -> Arrival:
    payload = encode_telemetry(mid, at, signals)
    return Arrival(
        decode(topic(vin, Channel.TELEMETRY), payload, at), "telemetry", json.loads(payload), at
    )


async def _get(client: httpx.AsyncClient, owner_headers: dict[str, str], path: str) -> object:
    response = await client.get(f"/connected/v1/vehicles/{path}", headers=owner_headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_door_events_open_and_close_doors_in_the_status(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    await ingest(
        container.services,
        [
            _event(vin, "d1", T0, "door_opened", door="front_left"),
            _event(vin, "d2", T0, "door_opened", door="trunk"),
        ],
    )
    opened = await _get(client, owner.headers, f"{vin}/status")
    await ingest(
        container.services,
        [
            _event(vin, "d3", T0 + timedelta(seconds=20), "door_closed", door="front_left"),
            # A late event cannot reopen a door closed since.
            _event(vin, "d0", T0 - timedelta(seconds=5), "door_opened", door="front_left"),
        ],
    )
    closed = await _get(client, owner.headers, f"{vin}/status")

    assert isinstance(opened, dict) and isinstance(closed, dict)
    assert opened["doorStatus"]["frontLeft"] == "open"
    assert opened["doorStatus"]["trunk"] == "open"
    assert opened["doorStatus"]["frontRight"] == "closed"
    assert closed["doorStatus"]["frontLeft"] == "closed"
    assert closed["doorStatus"]["trunk"] == "open", "the trunk is still open"


async def test_a_service_visit_adds_one_service_record_however_often_it_arrives(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    visit = _event(
        vin,
        "visit-1",
        T0,
        "service_performed",
        category="oil_change",
        description="Oil and filter change",
        odometer_km=16093.44,
        dealer_code="04136",
        dealer_name="Toyota of Plano",
    )

    await ingest(container.services, [visit, visit])
    await ingest(container.services, [visit])
    # Even once its raw message has left the retention, a redelivery adds nothing.
    later = replace(container.services, clock=lambda: datetime.now(UTC) + timedelta(days=30))
    assert (await sweep(later)).messages >= 1
    await ingest(container.services, [visit])

    history = await _get(client, owner.headers, f"{vin}/service-history")
    notifications = await _get(client, owner.headers, f"{vin}/notifications")
    assert isinstance(history, dict) and isinstance(notifications, dict)
    (record,) = history["data"]
    assert {k: v for k, v in record.items() if k != "id"} == {
        "vin": vin,
        "category": "oil_change",
        "description": "Oil and filter change",
        "serviceDate": T0.date().isoformat(),
        "mileage": 10000,
        "dealerCode": "04136",
        "dealerName": "Toyota of Plano",
    }
    titles = [n["title"] for n in notifications["data"]]
    assert titles.count("Service recorded") >= 1


async def test_a_charge_that_stops_at_its_target_is_complete_and_one_cut_short_is_not(
    container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=4)
    bev = owner.vehicle("bev")
    vin = bev.vin
    charging = {f"{CHARGING}.IsChargingCableConnected": True, f"{CHARGING}.IsCharging": True}
    soc = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"
    done = {f"{CHARGING}.IsChargingCableConnected": False, f"{CHARGING}.IsCharging": False}

    # A fast charge to 85 %: the vehicle said 20 minutes, and stopped then.
    await ingest(
        container.services,
        [
            _sample(vin, "c1", T0, {**charging, soc: 40.0, f"{CHARGING}.TimeToComplete": 1200}),
            _event(vin, "c2", T0 + timedelta(minutes=20), "charging_completed"),
            _sample(vin, "c3", T0 + timedelta(minutes=20), {**done, soc: 85.0}),
        ],
    )
    # Then at home, unplugged two hours early.
    at = T0 + timedelta(hours=5)
    await ingest(
        container.services,
        [
            _sample(vin, "c4", at, {**charging, soc: 50.0, f"{CHARGING}.TimeToComplete": 3 * 3600}),
            _sample(vin, "c5", at + timedelta(hours=1), {**done, soc: 62.0}),
        ],
    )

    async with container.store.reading() as uow:
        page = await uow.notifications.page(bev.id, unread_only=False)
    said = sorted((n.title, n.message) for n in page.notifications)
    assert said == [
        ("Charging complete", "Charging reached its target at 85 %."),
        ("Charging interrupted", "Charging stopped before the battery was full at 62 %."),
    ]
