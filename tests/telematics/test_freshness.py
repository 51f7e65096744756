"""Every value says when the car reported it: samples about different signals, sent out of
order through a real broker, never undo each other, and both APIs show each value's own time.

The unit here is written from docs/telematics.md: its VIN and device password on the broker,
one JSON sample per message on its telemetry topic. Runs on SQLite and PostgreSQL.
"""

import asyncio
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiomqtt
import httpx
from openapi_schema_validator import OAS31Validator

from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.domain.events import EventType
from fleetlink.domain.state import VehicleState
from fleetlink.domain.vehicle import Powertrain, Vehicle
from fleetlink.services.vehicles import latest_states
from fleetlink.storage.tables import vehicle_state
from fleetlink.telematics.encoding import encode_telemetry
from fleetlink.telematics.topics import Channel, topic
from tests.api.conftest import new_fleet, with_clearance
from tests.conftest import ClientFactory
from tests.telematics.uplink import Uplink, uplink_fixture  # noqa: F401

SOC = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"
LATITUDE = "Vehicle.CurrentLocation.Latitude"
LONGITUDE = "Vehicle.CurrentLocation.Longitude"
CABIN = "Vehicle.Cabin.HVAC.AmbientAirTemperature"
DOCS = Path(__file__).resolve().parents[2] / "docs"


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _base() -> datetime:
    """A time after the fleet's generated starting state (reported 5 to 240 minutes ago)."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=4)


@dataclass
class Views:
    """The car as both APIs show it."""

    http: httpx.AsyncClient
    vin: str
    toyota: dict[str, str]
    fleet: dict[str, str]

    async def toyota_get(self, what: str) -> dict[str, Any]:
        url = f"/connected/v1/vehicles/{self.vin}/{what}"
        response = await self.http.get(url, headers=self.toyota)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def high_mobility(self) -> dict[str, Any]:
        url = f"/v1/vehicle-data/autoapi-13/{self.vin}"
        response = await self.http.get(url, headers=self.fleet)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


async def _views(uplink: Uplink, make_client: ClientFactory, vehicle: Vehicle) -> Views:
    """An owner's Toyota token and an approved High Mobility fleet, over the uplink's store."""
    container = with_clearance(uplink.container, auto_approve=True, delay_s=0)
    http = await make_client(container)
    now = datetime.now(UTC)
    token = await container.tokens.issue(
        uplink.owner.guid, TOYOTA_AUDIENCE, timedelta(hours=1), now
    )
    fleet = await new_fleet(container, http)
    response = await http.post(
        "/v1/fleet/vehicles",
        json={"vin": vehicle.vin, "brand": vehicle.make},
        headers=fleet.headers,
    )
    assert response.status_code == 201, response.text
    return Views(http, vehicle.vin, {"Authorization": f"Bearer {token}"}, fleet.headers)


async def _send(car: aiomqtt.Client, vin: str, at: datetime, signals: dict[str, Any]) -> None:
    payload = encode_telemetry(str(uuid.uuid4()), at, signals)
    await car.publish(topic(vin, Channel.TELEMETRY), payload, qos=1)


async def _until(
    uplink: Uplink, vin: str, done: Callable[[VehicleState], bool], what: str
) -> VehicleState:
    for _ in range(300):
        state = (await latest_states(uplink.container.services, uplink.owner)).get(vin)
        if state is not None and done(state):
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"{vin}: never {what}")


def _phev(uplink: Uplink) -> Vehicle:
    return next(v for v in uplink.vehicles if v.powertrain is Powertrain.PHEV)


async def test_a_late_battery_sample_after_a_position_keeps_the_first_battery_and_its_time(
    uplink: Uplink, make_client: ClientFactory
) -> None:
    """The issue's Done-when, through the broker and both APIs."""
    car = _phev(uplink)
    views = await _views(uplink, make_client, car)
    battery_at = _base()
    position_at = battery_at + timedelta(minutes=1)
    late_at = battery_at - timedelta(seconds=30)
    marker_at = position_at + timedelta(seconds=1)

    async with uplink.car(car) as unit:
        await _send(unit, car.vin, battery_at, {SOC: 64.0})
        await _send(unit, car.vin, position_at, {LATITUDE: 35.1, LONGITUDE: 137.2})
        await _send(unit, car.vin, late_at, {SOC: 58.0})
        # One topic keeps its order: once the marker is stored, so is everything before it.
        await _send(unit, car.vin, marker_at, {"Vehicle.Service.IsServiceDue": True})
    state = await _until(uplink, car.vin, lambda s: s.times.health == marker_at, "took the marker")

    assert (state.battery_soc_pct, state.times.battery) == (64.0, battery_at)
    electric = await views.toyota_get("electric")
    location = await views.toyota_get("location")
    hm = await views.high_mobility()
    assert (electric["batteryLevel"], electric["lastUpdatedAt"]) == (64, iso(battery_at))
    assert (location["latitude"], location["timestamp"]) == (35.1, iso(position_at))
    assert hm["charging"]["battery_level"] == electric["batteryLevel"] == 64
    assert hm["vehicle_location"] == {"latitude": 35.1, "longitude": 137.2}
    # High Mobility's one time is the newest of what its answer holds: the position here.
    assert hm["timestamp"] == iso(position_at)


async def test_each_endpoint_shows_the_time_of_its_own_values(
    uplink: Uplink, make_client: ClientFactory
) -> None:
    car = _phev(uplink)
    views = await _views(uplink, make_client, car)
    before = (await latest_states(uplink.container.services, uplink.owner))[car.vin]
    started = before.times
    position_at = _base()
    battery_at = position_at + timedelta(seconds=20)
    # Late, but about a group nothing newer set: it is taken, with its own (old) time.
    climate_at = position_at - timedelta(seconds=40)
    old_battery_at = position_at - timedelta(seconds=50)

    async with uplink.car(car) as unit:
        await _send(unit, car.vin, position_at, {LATITUDE: 35.3, LONGITUDE: 137.4})
        await _send(unit, car.vin, battery_at, {SOC: 71.0})
        await _send(unit, car.vin, climate_at, {CABIN: 18.5})
        await _send(unit, car.vin, old_battery_at, {SOC: 12.0})
        await _send(
            unit, car.vin, battery_at + timedelta(seconds=1), {"Vehicle.Service.IsServiceDue": True}
        )
    marker_at = battery_at + timedelta(seconds=1)
    state = await _until(uplink, car.vin, lambda s: s.times.health == marker_at, "took the marker")

    assert state.cabin_temperature_c == 18.5
    assert state.battery_soc_pct == 71.0
    status = await views.toyota_get("status")
    electric = await views.toyota_get("electric")
    location = await views.toyota_get("location")
    climate = await views.toyota_get("climate")
    health = await views.toyota_get("health")
    hm = await views.high_mobility()
    assert started.doors is not None
    # Doors, locks, windows and ignition were not reported again: their time has not moved.
    assert status["lastUpdatedAt"] == iso(started.doors)
    assert electric["lastUpdatedAt"] == iso(battery_at)
    assert electric["batteryLevel"] == hm["charging"]["battery_level"] == 71
    assert location["timestamp"] == iso(position_at)
    assert climate["lastUpdatedAt"] == iso(climate_at)
    assert health["lastReportedAt"] == iso(marker_at)
    assert health["maintenanceRequired"] is True
    # High Mobility does not show the service flag: its time is the battery's, the newest it holds.
    assert hm["timestamp"] == iso(battery_at)
    assert hm["diagnostics"]["fuel_level"] == electric["fuelLevel"]


def _documented_schema(event_type: str) -> dict[str, Any]:
    """The JSON schema docs/events.md gives for an event type's data."""
    text = (DOCS / "events.md").read_text()
    section = text.split(f"### `{event_type}`", 1)[1]
    block = re.search(r"```json\n(.*?)\n```", section, re.S)
    assert block is not None
    schema: dict[str, Any] = json.loads(block.group(1))
    return schema


async def test_the_state_event_tells_each_groups_own_time(
    uplink: Uplink, make_client: ClientFactory
) -> None:
    car = _phev(uplink)
    battery_at = _base()
    position_at = battery_at + timedelta(minutes=1)
    late_at = battery_at - timedelta(seconds=10)

    async with uplink.car(car) as unit:
        await _send(unit, car.vin, battery_at, {SOC: 66.0})
        await _send(unit, car.vin, position_at, {LATITUDE: 35.5, LONGITUDE: 137.5})
        await _send(unit, car.vin, late_at, {CABIN: 21.0})
    await _until(uplink, car.vin, lambda s: s.cabin_temperature_c == 21.0, "took the late sample")

    async with uplink.container.store.reading() as uow:
        told = [e for e in await uow.events.of_vehicle(car.id) if e.type is EventType.STATE_CHANGED]
    last = told[-1]
    validator = OAS31Validator(_documented_schema("vehicle.state_changed"))
    for event in told:
        validator.validate(event.data)
    assert last.data["times"]["battery"] == iso(battery_at)
    assert last.data["times"]["position"] == iso(position_at)
    assert last.data["times"]["climate"] == iso(late_at)
    # The envelope's time is the newest the vehicle reported, not the late sample's.
    assert last.occurred_at == position_at


async def test_a_vehicle_heard_from_only_once_shows_no_time_for_what_it_never_reported(
    uplink: Uplink, make_client: ClientFactory
) -> None:
    car = _phev(uplink)
    views = await _views(uplink, make_client, car)
    async with uplink.container.store.engine.begin() as conn:
        # As if its unit had never reported: no generated starting state.
        await conn.execute(vehicle_state.delete().where(vehicle_state.c.vehicle_id == car.id))
    position_at = _base()
    # An hour older than the position, and still the only battery value: shown, with its time.
    battery_at = position_at - timedelta(hours=1)

    async with uplink.car(car) as unit:
        await _send(unit, car.vin, position_at, {LATITUDE: 35.7, LONGITUDE: 137.7})
    await _until(uplink, car.vin, lambda s: s.position is not None, "took the position")
    status = await views.toyota_get("status")
    electric = await views.toyota_get("electric")
    climate = await views.toyota_get("climate")
    health = await views.toyota_get("health")
    location = await views.toyota_get("location")
    hm = await views.high_mobility()
    async with uplink.car(car) as unit:
        await _send(unit, car.vin, battery_at, {SOC: 42.0})
    await _until(uplink, car.vin, lambda s: s.battery_soc_pct == 42.0, "took the late battery")
    electric_after = await views.toyota_get("electric")
    location_after = await views.toyota_get("location")
    hm_after = await views.high_mobility()

    assert "lastUpdatedAt" not in status
    assert "lastUpdatedAt" not in electric
    assert "lastUpdatedAt" not in climate
    assert "lastReportedAt" not in health
    assert location["timestamp"] == hm["timestamp"] == iso(position_at)
    assert (electric_after["batteryLevel"], electric_after["lastUpdatedAt"]) == (
        42,
        iso(battery_at),
    )
    assert location_after["timestamp"] == iso(position_at)
    assert hm_after["charging"]["battery_level"] == 42
    assert hm_after["timestamp"] == iso(position_at)
