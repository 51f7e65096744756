"""The simulator's charging, read back by charging detection: every session a car had is found,
when and where it had it, with the charge, energy and kind of charger it had."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from fleetlink.domain.chargedetect import ChargeProgress, detect_charging
from fleetlink.domain.charging import ChargingSession, Current
from fleetlink.domain.reports import EventReport, StateReport
from fleetlink.simulator.charging import Charger
from fleetlink.simulator.fleet import simulate_generated
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.simulator.history import BACKFILL_TICK
from fleetlink.simulator.model import SimVehicle
from fleetlink.telematics.codec import decode_object
from fleetlink.telematics.encoding import Uplink
from fleetlink.telematics.topics import Channel, topic
from tests.conftest import ANY_TIME

START = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
DAYS = 21


@dataclass
class Did:
    """A session as the simulated car lived it."""

    started_at: datetime
    soc_from: float
    charger: Charger
    position: tuple[float, float]
    ended_at: datetime | None = None
    soc_to: float | None = None
    completed: bool = False


class Recording(SimVehicle):
    """A simulated car that writes down each charge it has, as it has it."""

    did: list[Did]

    def _arrive(self) -> list[Uplink]:
        out = super()._arrive()
        if self.charging and self.session is not None:
            self.did.append(Did(self.now, self.soc_pct, self.session.charger, self.position))
        return out

    def _ended(self, *, completed: bool) -> None:
        if not self.did:
            return  # the charge it was made with
        did = self.did[-1]
        did.ended_at, did.soc_to, did.completed = self.now, self.soc_pct, completed

    def _charge(self, step: timedelta) -> list[Uplink]:
        was = self.charging
        out = super()._charge(step)
        if was and not self.charging:
            self._ended(completed=True)
        return out

    def _unplug(self) -> list[Uplink]:
        if self.charging:
            self._ended(completed=False)
        return super()._unplug()


Life = tuple[SimVehicle, list[ChargingSession], list[Did]]


def _lived() -> list[Life]:
    """Each plug-in car's sessions, as found and as had (those ended within the days)."""
    cars = [
        v
        for v in simulate_generated(generate_fleet(11, 30, START), 11, START)
        if v.spec.powertrain.is_pluggable
    ]
    out: list[Life] = []
    for car in cars:
        # The car was made plugged in or not; what it had before START is not known.
        before = car.charging
        car.__class__ = Recording
        assert isinstance(car, Recording)
        car.did, car.tick = [], BACKFILL_TICK
        sent = car.advance(START + timedelta(days=DAYS))
        found = _detected(car.vin, sent)[1 if before else 0 :]
        out.append((car, found, [d for d in car.did if d.ended_at is not None]))
    return out


def _reports(vin: str, sent: list[Uplink]) -> list[StateReport | EventReport]:
    reports = []
    for message in sent:
        report = decode_object(topic(vin, Channel(message.channel)), message.body, START, ANY_TIME)
        if isinstance(report, StateReport | EventReport):
            reports.append(report)
    return reports


def _detected(vin: str, sent: list[Uplink]) -> list[ChargingSession]:
    """Detection over the car's messages, a day's batch at a time as a backfill takes them."""
    reports = _reports(vin, sent)
    progress, found = ChargeProgress(1), list[ChargingSession]()
    for day in range(DAYS + 1):
        end = START + timedelta(days=day + 1)
        batch = [r for r in reports if end - timedelta(days=1) <= r.at < end]
        detection = detect_charging(progress, batch)
        progress = detection.progress
        found.extend(detection.sessions)
    return found


@pytest.fixture(scope="module")
def lives() -> list[Life]:
    return _lived()


def test_every_charge_the_cars_had_is_found_once_at_its_times(lives: list[Life]) -> None:
    total = 0
    for car, found, did in lives:
        assert [s.started_at for s in found] == [d.started_at for d in did], car.vin
        for s, d in zip(found, did, strict=True):
            assert d.ended_at is not None
            assert abs(s.ended_at - d.ended_at) <= timedelta(seconds=1)
        total += len(did)
    assert total >= 20, "three weeks of plug-in cars charge often"


def test_each_session_has_the_charge_energy_place_and_charger_the_car_had(
    lives: list[Life],
) -> None:
    kinds = set()
    for car, found, did in lives:
        for s, d in zip(found, did, strict=True):
            assert d.soc_to is not None
            assert s.soc_from_pct == pytest.approx(d.soc_from, abs=0.06)
            if d.completed:
                assert s.soc_to_pct == pytest.approx(d.soc_to, abs=0.06)
            else:
                # Unplugged between two samples: the charge the car last said.
                assert s.soc_to_pct is not None and s.soc_to_pct <= d.soc_to + 0.06
            truth_kwh = car.spec.battery_kwh * (d.soc_to - d.soc_from) / 100  # type: ignore[operator]
            # Sampled every ten minutes at home, a small pack's curve bending near full is
            # integrated to within a few percent; on a fast charger, sampled every minute,
            # to within one.
            rel = 0.04 if d.charger is Charger.HOME_AC else 0.01
            assert s.energy_added_kwh == pytest.approx(truth_kwh, rel=rel, abs=0.05)
            assert s.current is (Current.AC if d.charger is Charger.HOME_AC else Current.DC)
            assert (s.latitude, s.longitude) == pytest.approx(d.position, abs=1e-5)
            assert s.peak_power_kw >= s.mean_power_kw > 0
            kinds.add(s.current)
    assert kinds == {Current.AC, Current.DC}
