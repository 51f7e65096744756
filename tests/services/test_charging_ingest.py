"""Charging sessions derived during ingestion: found once whatever the batching or MQTT's
redelivery, carried on by whichever server ingests next, stored with their curves."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from fleetlink.bootstrap import Container
from fleetlink.domain.catalog import stores_of
from fleetlink.domain.charging import ChargingQuery, ChargingSession, Current
from fleetlink.domain.events import EventType
from fleetlink.domain.reports import EventKind
from fleetlink.services.context import ServiceContext
from fleetlink.services.telemetry import Arrival, ingest
from fleetlink.storage.database import create_engine
from fleetlink.storage.uow import Store
from fleetlink.telematics.codec import decode
from fleetlink.telematics.encoding import encode_event, encode_telemetry
from fleetlink.telematics.topics import Channel, topic
from tests.conftest import ANY_TIME, OwnerFactory

T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
BATTERY = "Vehicle.Powertrain.TractionBattery"
HOME = (35.0, 137.0)


def _arrival(vin: str, channel: Channel, payload: bytes) -> Arrival:
    received = datetime.now(UTC)
    return Arrival(
        decode(topic(vin, channel), payload, received, ANY_TIME),
        channel.value,
        json.loads(payload),
        received,
    )


def sample(vin: str, mid: str, minutes: float, start: datetime = T0, **signals: object) -> Arrival:
    at = start + timedelta(minutes=minutes)
    return _arrival(vin, Channel.TELEMETRY, encode_telemetry(mid, at, signals))


def event(vin: str, mid: str, minutes: float, kind: EventKind, start: datetime = T0) -> Arrival:
    at = start + timedelta(minutes=minutes)
    return _arrival(vin, Channel.EVENTS, encode_event(mid, at, kind))


def home_charge(vin: str, start: datetime = T0) -> list[Arrival]:
    """Parked at home at 40 %; two hours at 7.2 kW, a sample every ten minutes; done."""
    out = [
        sample(
            vin,
            "park",
            0,
            start,
            **{
                "Vehicle.CurrentLocation.Latitude": HOME[0],
                "Vehicle.CurrentLocation.Longitude": HOME[1],
                "Vehicle.Speed": 0.0,
                f"{BATTERY}.StateOfCharge.Current": 40.0,
            },
        ),
        sample(
            vin,
            "plug",
            1,
            start,
            **{
                f"{BATTERY}.Charging.IsChargingCableConnected": True,
                f"{BATTERY}.Charging.IsCharging": True,
                f"{BATTERY}.CurrentPower": 7200,
            },
        ),
        event(vin, "started", 1, EventKind.CHARGING_STARTED, start),
    ]
    for k in range(1, 12):
        soc = round(40 + k * 1.2 / 71.4 * 100, 1)
        out.append(
            sample(vin, f"c{k}", 1 + 10 * k, start, **{f"{BATTERY}.StateOfCharge.Current": soc})
        )
    out.append(
        sample(
            vin,
            "done",
            121,
            start,
            **{
                f"{BATTERY}.Charging.IsCharging": False,
                f"{BATTERY}.CurrentPower": 0,
                f"{BATTERY}.StateOfCharge.Current": 60.2,
            },
        )
    )
    out.append(event(vin, "completed", 121, EventKind.CHARGING_COMPLETED, start))
    return out


async def stored(container: Container, vehicle_id: int) -> list[ChargingSession]:
    async with container.store.reading() as uow:
        page = await uow.charging_sessions.page(vehicle_id, ChargingQuery())
        return [
            found
            for s in page.sessions
            if (found := await uow.charging_sessions.get(vehicle_id, s.id)) is not None
        ]


def assert_is_the_home_charge(s: ChargingSession) -> None:
    assert (s.started_at, s.ended_at) == (T0 + timedelta(minutes=1), T0 + timedelta(minutes=121))
    assert (s.latitude, s.longitude) == HOME
    assert (s.soc_from_pct, s.soc_to_pct) == (40.0, 60.2)
    assert s.energy_added_kwh == pytest.approx(14.4)
    assert s.peak_power_kw == pytest.approx(7.2) and s.mean_power_kw == pytest.approx(7.2)
    assert s.current is Current.AC
    assert len(s.curve) == 13 and s.curve[0].power_kw == 7.2 and s.curve[-1].soc_pct == 60.2


async def test_a_charge_streamed_across_batches_is_stored_once_with_its_curve(
    container: Container, make_owner: OwnerFactory
) -> None:
    vehicle = (await make_owner(count=1)).vehicles[0]
    charge = home_charge(vehicle.vin)

    counts = []
    for batch in (charge[:2], charge[2:8], charge[8:]):
        counts.append((await ingest(container.services, batch)).charging_sessions)

    assert counts == [0, 0, 1]
    (session,) = await stored(container, vehicle.id)
    assert_is_the_home_charge(session)


async def test_redelivered_messages_do_not_make_a_second_session(
    container: Container, make_owner: OwnerFactory
) -> None:
    vehicle = (await make_owner(count=1)).vehicles[0]
    charge = home_charge(vehicle.vin)
    await ingest(container.services, charge[:9])
    await ingest(container.services, charge[9:])

    again = await ingest(container.services, charge[9:])
    all_again = await ingest(container.services, charge)

    assert (again.charging_sessions, all_again.charging_sessions) == (0, 0)
    (session,) = await stored(container, vehicle.id)
    assert_is_the_home_charge(session)


async def test_a_charge_begun_on_one_server_is_finished_on_another(
    container: Container, make_owner: OwnerFactory, database_url: str
) -> None:
    vehicle = (await make_owner(count=1)).vehicles[0]
    charge = home_charge(vehicle.vin)
    other = ServiceContext(store=Store(create_engine(database_url)))
    try:
        await ingest(container.services, charge[:7])
        await ingest(other, charge[7:])
    finally:
        await other.store.dispose()

    (session,) = await stored(container, vehicle.id)
    assert_is_the_home_charge(session)


async def test_vehicles_charging_in_one_batch_each_get_their_own_session(
    container: Container, make_owner: OwnerFactory
) -> None:
    one, two = (await make_owner(count=2)).vehicles
    batch = [
        a for pair in zip(home_charge(one.vin), home_charge(two.vin), strict=True) for a in pair
    ]

    result = await ingest(container.services, batch)

    assert result.charging_sessions == 2
    for vehicle in (one, two):
        (session,) = await stored(container, vehicle.id)
        assert_is_the_home_charge(session)


async def test_a_unit_without_power_has_its_energy_from_its_charge_and_its_models_battery(
    container: Container, make_owner: OwnerFactory
) -> None:
    car = (await make_owner(count=4)).vehicle("bev")
    kwh = stores_of(car.make, car.model).battery_kwh
    assert kwh is not None
    silent = [strip_power(a) for a in home_charge(car.vin)]

    await ingest(container.services, silent)

    (session,) = await stored(container, car.id)
    assert session.energy_added_kwh == pytest.approx((60.2 - 40.0) / 100 * kwh)
    assert session.current is Current.AC


def strip_power(arrival: Arrival) -> Arrival:
    """The arrival as a unit that never reports power would have sent it."""
    if arrival.channel != Channel.TELEMETRY.value:
        return arrival
    signals = dict(arrival.payload["signals"])
    signals.pop(f"{BATTERY}.CurrentPower", None)
    body = encode_telemetry(arrival.report.message_id or "", arrival.report.at, signals)
    return _arrival(arrival.report.vin, Channel.TELEMETRY, body)


async def test_a_finished_session_is_told_to_apps_once_with_a_link_to_its_curve(
    container: Container, make_owner: OwnerFactory
) -> None:
    vehicle = (await make_owner(count=1)).vehicles[0]
    charge = home_charge(vehicle.vin)

    first = await ingest(container.services, charge)
    again = await ingest(container.services, charge)

    (told,) = [e for e in first.events if e.type is EventType.CHARGING_FINISHED]
    assert not [e for e in again.events if e.type is EventType.CHARGING_FINISHED]
    (session,) = await stored(container, vehicle.id)
    assert (told.vin, told.vehicle_id, told.occurred_at) == (
        vehicle.vin,
        vehicle.id,
        session.ended_at,
    )
    assert told.data["id"] == session.id and told.data["energy_added_kwh"] == 14.4
    assert (
        told.data["link"] == f"/fleetlink/v1/vehicles/{vehicle.vin}/charging-sessions/{session.id}"
    )
