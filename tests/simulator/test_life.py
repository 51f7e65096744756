"""What people do with their cars: doors, windows and locks, fast chargers, dealers, lights."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fleetlink.simulator.fleet import simulate_generated
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.simulator.history import BACKFILL_TICK
from fleetlink.simulator.model import SimVehicle
from fleetlink.simulator.plans import outside_c
from fleetlink.telematics.encoding import Uplink

START = datetime(2026, 7, 6, 5, 0, tzinfo=UTC)  # a Monday in summer
SOC = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"


def _fleet(count: int = 25) -> list[SimVehicle]:
    return simulate_generated(generate_fleet(7, count, START), 7, START)


def _events(out: list[Uplink], kind: str) -> list[dict[str, Any]]:
    return [o.body for o in out if o.body.get("event") == kind]


def _trips(out: list[Uplink]) -> Iterator[list[Uplink]]:
    """The messages from each ignition on to just before the next."""
    starts = [i for i, o in enumerate(out) if o.body.get("event") == "ignition_on"]
    for a, b in zip(starts, [*starts[1:], len(out)], strict=True):
        yield out[a:b]


@pytest.fixture(scope="module")
def month() -> dict[str, list[Uplink]]:
    """A summer month of the whole fleet, at the backfill's tick."""
    lives = {}
    for vehicle in _fleet():
        vehicle.tick = BACKFILL_TICK
        lives[vehicle.vin] = vehicle.advance(START + timedelta(days=30))
    return lives


def test_the_driver_door_opens_and_closes_at_every_start_and_stop(
    month: dict[str, list[Uplink]],
) -> None:
    for out in month.values():
        opened = [e["data"]["door"] for e in _events(out, "door_opened")]
        closed = [e["data"]["door"] for e in _events(out, "door_closed")]
        starts = len(_events(out, "ignition_on"))
        assert opened.count("front_left") >= 2 * starts - 1
        assert sorted(opened) == sorted(closed) or len(opened) == len(closed) + 1


def test_passenger_doors_and_the_trunk_open_sometimes(month: dict[str, list[Uplink]]) -> None:
    doors = [e["data"]["door"] for out in month.values() for e in _events(out, "door_opened")]

    share = {door: doors.count(door) / doors.count("front_left") for door in set(doors)}
    assert 0.2 < share["front_right"] < 0.5
    assert 0.05 < share["rear_left"] < 0.2
    assert 0.05 < share["trunk"] < 0.2


def test_a_door_is_closed_before_the_car_drives_off(month: dict[str, list[Uplink]]) -> None:
    for out in month.values():
        open_doors: set[str] = set()
        for o in out:
            event, data = o.body.get("event"), o.body.get("data") or {}
            if event == "door_opened":
                open_doors.add(data["door"])
            elif event == "door_closed":
                open_doors.discard(data["door"])
            elif event == "ignition_on":
                assert not open_doors


def _lock_after_parking(trip: list[Uplink]) -> bool | None:
    """Whether the car was locked once everyone got out of it after this trip."""
    off = next(i for i, o in enumerate(trip) if o.body.get("event") == "ignition_off")
    closed = min(
        (i for i, o in enumerate(trip) if o.body.get("event") == "door_closed" and i > off),
        default=None,
    )
    if closed is None:
        return None
    for o in trip[closed:]:
        signals = o.body.get("signals", {})
        if "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked" in signals:
            return bool(signals["Vehicle.Cabin.Door.Row1.DriverSide.IsLocked"])
    return None  # it stayed as it was: unlocked since boarding


def test_cars_are_locked_after_parking_but_now_and_then_forgotten(
    month: dict[str, list[Uplink]],
) -> None:
    locks = [
        _lock_after_parking(trip)
        for out in month.values()
        for trip in _trips(out)
        if any(o.body.get("event") == "ignition_off" for o in trip)
    ]

    locked = sum(1 for lock in locks if lock)
    assert locked / len(locks) > 0.9
    assert locked < len(locks), "someone forgot"


def test_windows_open_in_warm_weather_and_are_closed_again(
    month: dict[str, list[Uplink]],
) -> None:
    window = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"
    metros = {v.vin: v.metro for v in _fleet()}
    opened = closed = 0
    for vin, out in month.items():
        last = 0
        for o in out:
            position = o.body.get("signals", {}).get(window)
            if position is None:
                continue
            if position > last:
                opened += 1
                at = datetime.fromisoformat(o.body["ts"])
                assert outside_c(metros[vin], at) >= 24, "opened only when warm"
            elif position < last:
                closed += 1
            last = position
    assert opened > 20
    assert closed >= opened * 0.8


def test_a_low_battery_car_stops_at_a_fast_charger_and_carries_on() -> None:
    bev = next(v for v in _fleet() if v.powertrain == "bev")
    bev.tick = BACKFILL_TICK
    bev.soc_pct, bev.home_charger, bev.plugged, bev.session = 18.0, False, False, None

    out = bev.advance(START + timedelta(days=1))

    started = next(i for i, o in enumerate(out) if o.body.get("event") == "charging_started")
    done = next(i for i, o in enumerate(out) if o.body.get("event") == "charging_completed")
    during = [o.body for o in out[started:done] if SOC in o.body.get("signals", {})]
    soc_at_end = next(o.body["signals"][SOC] for o in out[done:] if o.channel == "telemetry")
    hours = (
        datetime.fromisoformat(out[done].body["ts"])
        - datetime.fromisoformat(out[started].body["ts"])
    ).total_seconds() / 3600
    gained = soc_at_end - during[0]["signals"][SOC]
    assert 80 <= soc_at_end <= 90, "drivers leave a fast charger near 80 %"
    assert gained / hours > 60, "a fast charger adds over 60 % an hour, ten times home AC"
    assert any(o.body.get("event") == "ignition_on" for o in out[done:]), "and drives on"


def test_a_fast_charge_reports_time_to_complete_that_comes_true() -> None:
    bev = next(v for v in _fleet() if v.powertrain == "bev")
    bev.tick = BACKFILL_TICK
    bev.soc_pct, bev.home_charger, bev.plugged, bev.session = 18.0, False, False, None

    out = bev.advance(START + timedelta(days=1))

    done = next(o for o in out if o.body.get("event") == "charging_completed")
    estimates = [
        datetime.fromisoformat(o.body["ts"]) + timedelta(seconds=o.body["signals"][key])
        for o in out
        if (key := "Vehicle.Powertrain.TractionBattery.Charging.TimeToComplete")
        in o.body.get("signals", {})
    ]
    assert estimates
    assert abs((estimates[-1] - datetime.fromisoformat(done.body["ts"])).total_seconds()) < 2


def test_a_service_visit_resets_the_oil_and_reports_what_was_done() -> None:
    car = next(v for v in _fleet() if v.spec.powertrain.has_engine_oil)
    car.tick = BACKFILL_TICK
    car.km_since_service = 9_999.0

    out = car.advance(START + timedelta(days=3))

    (visit,) = _events(out, "service_performed")
    at = next(i for i, o in enumerate(out) if o.body.get("event") == "service_performed")
    after = [o.body["signals"] for o in out[at:] if o.channel == "telemetry"]
    assert visit["data"]["category"] == "oil_change"
    assert visit["data"]["dealer_name"].startswith(car.spec.make)
    assert visit["data"]["odometer_km"] == pytest.approx(car.odometer_km, abs=200)
    assert after[0]["Vehicle.Service.IsServiceDue"] is False
    assert car.km_since_service < 9_999.0


def test_check_engine_lights_come_on_now_and_then_and_go_off_later() -> None:
    lit: dict[str, int] = {}
    cleared = 0
    for vehicle in _fleet():
        vehicle.tick = timedelta(minutes=5)
        out = vehicle.advance(START + timedelta(days=120))
        on = [e for e in _events(out, "warning_light_on") if e["data"]["name"] == "check_engine"]
        off = [e for e in _events(out, "warning_light_off") if e["data"]["name"] == "check_engine"]
        if on:
            lit[vehicle.vin] = len(on)
            assert vehicle.spec.powertrain.has_engine_oil, "an electric car has no engine"
            assert on[0]["ts"] < off[0]["ts"] if off else True
        cleared += len(off)
    assert lit, "in four months some engine light comes on"
    assert cleared >= sum(lit.values()) - len(lit), "and goes off again"


def test_a_car_asked_at_any_moment_never_sleeps_while_someone_is_in_it_or_charging() -> None:
    # The daily rounds of a backfill once cut a boarding in two, and the car fell asleep
    # with the driver in it, then charged asleep and never woke.
    for vehicle in _fleet(10):
        vehicle.tick = BACKFILL_TICK
        out: list[Uplink] = []
        for round_ in range(1, 12 * 24 * 4):
            until = START + timedelta(minutes=5 * round_, seconds=round_ % 13)
            out += vehicle.advance(until)
            assert vehicle.now == until or vehicle.driving, "it keeps up with the clock"
        asleep = charging = False
        for o in out:
            event, state = o.body.get("event"), o.body.get("state")
            if event in ("charging_started", "charging_completed", "charging_stopped"):
                charging = event == "charging_started"
            if state is not None:
                asleep = state == "asleep"
                assert not (asleep and charging), "a charging car stays awake"
            assert not (asleep and event in ("ignition_on", "door_opened")), "woken first"
