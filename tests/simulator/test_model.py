"""The simulated fleet: deterministic for a seed, and physically consistent."""

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fleetlink.simulator.fleet import simulate_generated
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.simulator.model import SimVehicle
from fleetlink.simulator.routes import distance_km
from fleetlink.telematics.codec import decode
from fleetlink.telematics.encoding import Uplink
from fleetlink.telematics.topics import Channel, topic
from tests.conftest import ANY_TIME

START = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # a Monday, before the commute
DAYS = 3


def _fleet() -> list[SimVehicle]:
    return simulate_generated(generate_fleet(7, 25, START), 7, START)


def _lived(vehicle: SimVehicle) -> list[Uplink]:
    return vehicle.advance(START + timedelta(days=DAYS))


@pytest.fixture(scope="module")
def lives() -> dict[str, list[Uplink]]:
    return {v.vin: _lived(v) for v in _fleet()}


def _samples(out: list[Uplink]) -> list[dict[str, Any]]:
    """Each sample as the cloud sees it: what it leaves out keeps its last value."""
    known: dict[str, Any] = {}
    seen = []
    for o in out:
        if o.channel == "telemetry":
            known = {**known, **o.body["signals"]}
            seen.append({**o.body, "signals": known})
    return seen


def test_the_same_seed_gives_the_same_life() -> None:
    first, second = _fleet()[0], _fleet()[0]

    assert _lived(first) == _lived(second)


def test_every_message_is_valid_protocol(lives: dict[str, list[Uplink]]) -> None:
    import json

    for vin, out in lives.items():
        for message in out:
            payload = json.dumps(message.body).encode()
            decode(topic(vin, Channel(message.channel)), payload, START, ANY_TIME)


def test_every_vehicle_drives_in_three_days(lives: dict[str, list[Uplink]]) -> None:
    for out in lives.values():
        ignitions = [o for o in out if o.body.get("event") == "ignition_on"]
        assert len(ignitions) >= 2


def test_the_odometer_never_goes_back(lives: dict[str, list[Uplink]]) -> None:
    for out in lives.values():
        readings = [s["signals"]["Vehicle.TraveledDistance"] for s in _samples(out)]
        assert readings == sorted(readings)


def test_charge_and_fuel_stay_between_0_and_100(lives: dict[str, list[Uplink]]) -> None:
    for out in lives.values():
        for sample in _samples(out):
            signals = sample["signals"]
            for name in (
                "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current",
                "Vehicle.Powertrain.FuelSystem.RelativeLevel",
            ):
                if name in signals:
                    assert 0 <= signals[name] <= 100


def test_a_battery_gains_charge_only_while_plugged_in(lives: dict[str, list[Uplink]]) -> None:
    soc = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"
    plugged = "Vehicle.Powertrain.TractionBattery.Charging.IsChargingCableConnected"
    for out in lives.values():
        samples = [s["signals"] for s in _samples(out) if plugged in s["signals"]]
        for before, after in itertools.pairwise(samples):
            if after[soc] > before[soc] + 1e-9:
                assert before[plugged] or after[plugged]


def test_a_vehicle_is_never_in_two_places_at_once(lives: dict[str, list[Uplink]]) -> None:
    for out in lives.values():
        samples = _samples(out)
        for before, after in itertools.pairwise(samples):
            seconds = (
                datetime.fromisoformat(after["ts"]) - datetime.fromisoformat(before["ts"])
            ).total_seconds()
            moved = distance_km(
                (
                    before["signals"]["Vehicle.CurrentLocation.Latitude"],
                    before["signals"]["Vehicle.CurrentLocation.Longitude"],
                ),
                (
                    after["signals"]["Vehicle.CurrentLocation.Latitude"],
                    after["signals"]["Vehicle.CurrentLocation.Longitude"],
                ),
            )
            assert moved <= 140 * seconds / 3600 + 0.01, "faster than any car here"


def test_the_gps_path_agrees_with_the_odometer(lives: dict[str, list[Uplink]]) -> None:
    for out in lives.values():
        samples = _samples(out)
        path = sum(
            distance_km(
                (
                    a["signals"]["Vehicle.CurrentLocation.Latitude"],
                    a["signals"]["Vehicle.CurrentLocation.Longitude"],
                ),
                (
                    b["signals"]["Vehicle.CurrentLocation.Latitude"],
                    b["signals"]["Vehicle.CurrentLocation.Longitude"],
                ),
            )
            for a, b in itertools.pairwise(samples)
        )
        odometer = (
            samples[-1]["signals"]["Vehicle.TraveledDistance"]
            - samples[0]["signals"]["Vehicle.TraveledDistance"]
        )
        # Samples every few seconds cut the street corners a little, never more than 3 %.
        assert path == pytest.approx(odometer, rel=0.03, abs=0.05)
        assert path <= odometer + 0.05


def test_commands_are_carried_out_and_answered() -> None:
    vehicle = _fleet()[0]
    vehicle.advance(START + timedelta(minutes=1))

    out = vehicle.handle({"id": "c1", "command": "unlock", "params": {}})

    result = next(o.body for o in out if o.channel == "command-results")
    sample = next(o.body for o in out if o.channel == "telemetry")
    assert (result["command_id"], result["status"], result["code"]) == ("c1", "succeeded", "000000")
    assert sample["signals"]["Vehicle.Cabin.Door.Row1.DriverSide.IsLocked"] is False


def test_a_trunk_opened_remotely_stays_open_until_the_driver_sets_off() -> None:
    vehicle = _fleet()[0]
    vehicle.advance(START + timedelta(minutes=1))
    assert vehicle.route is None  # parked

    out = vehicle.handle({"id": "t1", "command": "trunk_open", "params": {}})
    opened = vehicle.sample(full=True)[0].body["signals"]["Vehicle.Body.Trunk.Rear.IsOpen"]
    while not vehicle.driving:
        later = vehicle.advance(vehicle.now + timedelta(minutes=5))
    events = [o.body for o in out + later if o.channel == "events"]

    assert {"event": "door_opened", "data": {"door": "trunk"}}.items() <= events[0].items()
    assert opened is True
    assert {"door": "trunk"} in [e.get("data") for e in events if e["event"] == "door_closed"]
    assert next(o.body for o in out if o.channel == "command-results")["status"] == "succeeded"


def test_some_commands_are_refused_while_driving() -> None:
    vehicle = _fleet()[0]
    while not vehicle.driving:
        vehicle.advance(vehicle.now + timedelta(minutes=5))

    refused = vehicle.handle({"id": "c2", "command": "trunk_open", "params": {}})
    horn = vehicle.handle({"id": "c3", "command": "horn", "params": {"beeps": 1}})

    answer = next(o.body for o in refused if o.channel == "command-results")
    assert (answer["status"], answer["code"]) == ("failed", "VEHICLE_MOVING")
    assert "driving" in answer["reason"]
    assert next(o.body for o in horn if o.channel == "command-results")["status"] == "succeeded"


def test_a_parked_vehicle_falls_asleep_and_wakes_for_a_command() -> None:
    vehicle = _fleet()[0]
    vehicle.next_departure = START + timedelta(days=1)
    out = vehicle.advance(START + timedelta(hours=2))

    asleep = [o for o in out if o.body.get("state") == "asleep"]
    quiet_after = out[out.index(asleep[0]) + 1 :]
    woken = vehicle.handle({"id": "c4", "command": "lock", "params": {}})

    assert asleep and not [o for o in quiet_after if o.channel == "telemetry"]
    assert woken[0].body.get("state") == "online"


def test_a_moving_vehicle_reports_once_a_tick_however_often_it_is_asked() -> None:
    vehicle = _fleet()[0]
    while not vehicle.driving:
        vehicle.advance(vehicle.now + timedelta(minutes=5))
    start = vehicle.now

    samples = [
        o
        for second in range(1, 31)
        for o in vehicle.advance(start + timedelta(seconds=second))
        if o.channel == "telemetry"
    ]

    assert 5 <= len(samples) <= 6, "30 s of driving at one sample per 5 s"


def test_engines_turn_and_warm_their_oil_only_on_the_move(
    lives: dict[str, list[Uplink]],
) -> None:
    engine = "Vehicle.Powertrain.CombustionEngine"
    ice = [v for v in _fleet() if v.spec.powertrain.value == "ice"]
    assert ice, "the fleet has a petrol car"
    samples = _samples(lives[ice[0].vin])

    moving = [s["signals"] for s in samples if s["signals"]["Vehicle.IsMoving"]]
    parked = [s["signals"] for s in samples if not s["signals"]["Vehicle.IsMoving"]]

    assert all(s[f"{engine}.Speed"] > 700 for s in moving)
    assert all(s[f"{engine}.Speed"] == 0 for s in parked)
    assert max(s[f"{engine}.EOT"] for s in moving) >= 70
    assert min(s[f"{engine}.EOT"] for s in parked) < 60


def test_a_plug_in_car_reports_its_charge_limit_and_home_charging_stops_there(
    lives: dict[str, list[Uplink]],
) -> None:
    charging = "Vehicle.Powertrain.TractionBattery.Charging"
    limits = set()
    for vehicle in _fleet():
        if not vehicle.spec.powertrain.is_pluggable:
            continue
        samples = _samples(lives[vehicle.vin])
        soc = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"
        assert all(
            s["signals"][f"{charging}.ChargeLimit"] == vehicle.charge_limit_pct for s in samples
        )
        charged_at_home = [
            s["signals"][soc]
            for s in samples
            if s["signals"][f"{charging}.IsCharging"] and not s["signals"]["Vehicle.IsMoving"]
        ]
        assert all(level <= max(vehicle.charge_limit_pct, 95.0) for level in charged_at_home)
        limits.add(vehicle.charge_limit_pct)
    assert len(limits) > 1, "owners set different limits"
