"""Charging detection: reports in, the vehicle's charging progress and finished sessions out.

A vehicle is charging while it says so (`….Charging.IsCharging`, or the charging events),
or, for a unit that never says, while power flows into its battery
(`Vehicle.Powertrain.TractionBattery.CurrentPower`) and it stands still. Unplugging, driving
off, or the vehicle saying it stopped or completed ends the session there; a gap without data
longer than `ChargeRules.gap_after` ends it at the last sample before the gap. Units report by
exception, so a signal holds the value it was last sent until it is sent again.

Energy added is the power reported, integrated over time (trapezoids between samples, the
last power held to the end); a unit that never reports power has it from the rise in state
of charge times the battery's capacity, when that is known. Whether a charger gave AC or DC
is told from the peak: on-board AC chargers take at most 22 kW (three-phase, 32 A).

Nothing is kept between calls: what detection needs lives in ChargeProgress, which the caller
stores, so any server can carry on where another left off.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import NamedTuple

from fleetlink.domain.charging import (
    ChargingSession,
    Current,
    CurvePoint,
    session_id,
)
from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.reports import EventKind, EventReport, StateReport


@dataclass(frozen=True, slots=True)
class ChargeRules:
    """The thresholds of detection."""

    # Below this a battery is only keeping itself warm or the 12 V battery topped up.
    min_power_kw: float = 0.5
    moving_speed_kmh: float = 3.0
    # A charging unit reports at least every few minutes; a silence this long ends a session.
    gap_after: timedelta = timedelta(hours=3)
    # A session shorter than this that added less than min_energy_kwh is a plug-in blip.
    min_duration: timedelta = timedelta(minutes=2)
    min_energy_kwh: float = 0.1
    # The most an on-board charger takes (three-phase 32 A); above it the charger was DC.
    ac_max_kw: float = 22.0
    # The curve is thinned to half this when it grows past it.
    max_curve_points: int = 500

    def __post_init__(self) -> None:
        if self.max_curve_points < 4:
            raise InvalidInput("a charge curve keeps at least 4 points")


DEFAULT_RULES = ChargeRules()


@dataclass(frozen=True, slots=True)
class OpenCharge:
    """A session under way: when and where it started and what it has gathered so far."""

    started_at: datetime
    latitude: float | None = None
    longitude: float | None = None
    soc_from_pct: float | None = None
    soc_to_pct: float | None = None
    energy_kwh: float = 0.0
    peak_power_kw: float | None = None
    last_at: datetime | None = None  # the newest sample of the session
    curve: tuple[CurvePoint, ...] = ()


@dataclass(frozen=True, slots=True)
class ChargeProgress:
    """What detection knows of one vehicle between batches: the signals it holds."""

    vehicle_id: int
    seen_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    soc_pct: float | None = None
    power_kw: float | None = None
    plugged_in: bool | None = None
    charging: bool | None = None  # what the vehicle last said, if it ever did
    session: OpenCharge | None = None


@dataclass(frozen=True, slots=True)
class ChargeDetection:
    """What a run of detection gives back."""

    progress: ChargeProgress
    sessions: tuple[ChargingSession, ...] = ()
    discarded: int = 0


class _Sample(NamedTuple):
    at: datetime
    charging: bool | None = None
    plugged_in: bool | None = None
    power_kw: float | None = None
    soc_pct: float | None = None
    latitude: float | None = None
    longitude: float | None = None
    moving: bool | None = None


_EVENTS = {
    EventKind.CHARGING_STARTED: True,
    EventKind.CHARGING_STOPPED: False,
    EventKind.CHARGING_COMPLETED: False,
}


def _sample(r: StateReport | EventReport, rules: ChargeRules) -> _Sample:
    if isinstance(r, EventReport):
        return _Sample(r.at, charging=_EVENTS.get(r.kind))
    moving = r.is_moving
    if moving is None and r.speed_kmh is not None:
        moving = r.speed_kmh > rules.moving_speed_kmh
    power = None if r.battery_power_w is None else r.battery_power_w / 1000.0
    return _Sample(
        r.at,
        r.charging,
        r.plugged_in,
        power,
        r.battery_soc_pct,
        r.latitude,
        r.longitude,
        moving,
    )


def thinned(curve: tuple[CurvePoint, ...], limit: int) -> tuple[CurvePoint, ...]:
    """The curve with every other point dropped until it fits, first and last kept."""
    while len(curve) > limit:
        curve = (*curve[:-1:2], curve[-1])
    return curve


class _Tracker:
    """One vehicle's detection, mutable while a batch runs through it.

    The held signals are plain attributes, not a progress rebuilt per sample: ingestion runs
    this for every sample of every vehicle.
    """

    def __init__(self, p: ChargeProgress, rules: ChargeRules, battery_kwh: float | None) -> None:
        self.vehicle_id = p.vehicle_id
        self.seen_at = p.seen_at
        self.latitude, self.longitude = p.latitude, p.longitude
        self.soc_pct = p.soc_pct
        self.power_kw = p.power_kw
        self.plugged_in = p.plugged_in
        self.charging = p.charging
        self.session = p.session
        self.rules = rules
        self.battery_kwh = battery_kwh
        self.finished: list[ChargingSession] = []
        self.discarded = 0

    def progress(self) -> ChargeProgress:
        return ChargeProgress(
            self.vehicle_id,
            self.seen_at,
            self.latitude,
            self.longitude,
            self.soc_pct,
            self.power_kw,
            self.plugged_in,
            self.charging,
            self.session,
        )

    def step(self, s: _Sample) -> None:
        if self.seen_at is not None:
            if s.at < self.seen_at:
                return  # late: the sessions have moved past it
            if self.session is not None and s.at - self.seen_at > self.rules.gap_after:
                self._close(self.session, self.session.last_at or self.session.started_at)
        held_power = self.power_kw
        self.seen_at = s.at
        if s.latitude is not None and s.longitude is not None:
            self.latitude, self.longitude = s.latitude, s.longitude
        if s.soc_pct is not None:
            self.soc_pct = s.soc_pct
        if s.power_kw is not None:
            self.power_kw = s.power_kw
        if s.plugged_in is not None:
            self.plugged_in = s.plugged_in
        if s.charging is not None:
            self.charging = s.charging
        if s.moving and self.charging:
            self.charging = False  # driving off ends any charge, however the unit forgot to say
        now = self._charging_now(s)
        session = self.session
        if session is None:
            if now:
                self.session = self._opened(s)
            return
        session = self._integrated(session, s, held_power, closing=not now)
        if now:
            self.session = session
        else:
            self._close(session, s.at)

    def _charging_now(self, s: _Sample) -> bool:
        if s.moving or self.plugged_in is False:
            return False
        if self.charging is not None:
            return self.charging
        return self.power_kw is not None and self.power_kw > self.rules.min_power_kw

    def _opened(self, s: _Sample) -> OpenCharge:
        point = CurvePoint(s.at, self.soc_pct, self.power_kw)
        return OpenCharge(
            started_at=s.at,
            latitude=self.latitude,
            longitude=self.longitude,
            soc_from_pct=self.soc_pct,
            soc_to_pct=self.soc_pct,
            peak_power_kw=self.power_kw,
            last_at=s.at,
            curve=(point,),
        )

    def _integrated(
        self, o: OpenCharge, s: _Sample, held: float | None, *, closing: bool
    ) -> OpenCharge:
        """The session carried on to sample s: energy, peak, charge and curve."""
        since = o.last_at or o.started_at
        hours = (s.at - since).total_seconds() / 3600.0
        energy = o.energy_kwh
        if held is not None and hours > 0:
            # Ending, the sample says what flows after; until then the last power held.
            after = held if closing or s.power_kw is None else s.power_kw
            energy += max(0.0, (held + after) / 2.0 * hours)
        peak = o.peak_power_kw
        if s.power_kw is not None and not closing:
            peak = s.power_kw if peak is None else max(peak, s.power_kw)
        curve = o.curve
        if not closing and (s.soc_pct is not None or s.power_kw is not None):
            point = CurvePoint(s.at, self.soc_pct, self.power_kw)
            curve = thinned((*curve, point), self.rules.max_curve_points)
        soc_to = o.soc_to_pct if s.soc_pct is None else s.soc_pct
        soc_from = o.soc_from_pct if o.soc_from_pct is not None else s.soc_pct
        return OpenCharge(
            started_at=o.started_at,
            latitude=o.latitude,
            longitude=o.longitude,
            soc_from_pct=soc_from,
            soc_to_pct=soc_to,
            energy_kwh=energy,
            peak_power_kw=peak,
            last_at=s.at,
            curve=curve,
        )

    def _close(self, o: OpenCharge, end_at: datetime) -> None:
        self.session = None
        session = _finish(self.vehicle_id, o, end_at, self.battery_kwh, self.rules)
        if session is None:
            self.discarded += 1
        else:
            self.finished.append(session)


def _finish(
    vehicle_id: int,
    o: OpenCharge,
    end_at: datetime,
    battery_kwh: float | None,
    rules: ChargeRules,
) -> ChargingSession | None:
    """The finished session, or None when it is too slight to count."""
    energy = o.energy_kwh
    gained = None
    if o.soc_from_pct is not None and o.soc_to_pct is not None:
        gained = o.soc_to_pct - o.soc_from_pct
    if o.peak_power_kw is None and gained is not None and battery_kwh is not None:
        energy = max(0.0, gained) / 100.0 * battery_kwh  # no power reported: the charge says
    duration = end_at - o.started_at
    if duration < rules.min_duration and energy < rules.min_energy_kwh:
        return None
    if energy < rules.min_energy_kwh and (gained is None or gained <= 0):
        return None  # plugged in, nothing flowed
    hours = duration.total_seconds() / 3600.0
    mean = energy / hours if hours > 0 else 0.0
    peak = max(o.peak_power_kw or 0.0, mean)
    curve = o.curve
    if curve and curve[-1].at == end_at:
        curve = (*curve[:-1], replace(curve[-1], soc_pct=o.soc_to_pct))
    elif curve:
        curve = (*curve, CurvePoint(end_at, o.soc_to_pct, None))
    return ChargingSession(
        id=session_id(vehicle_id, o.started_at),
        vehicle_id=vehicle_id,
        started_at=o.started_at,
        ended_at=end_at,
        latitude=o.latitude,
        longitude=o.longitude,
        soc_from_pct=o.soc_from_pct,
        soc_to_pct=o.soc_to_pct,
        energy_added_kwh=energy,
        peak_power_kw=peak,
        mean_power_kw=mean,
        current=Current.DC if peak > rules.ac_max_kw else Current.AC,
        curve=thinned(curve, rules.max_curve_points),
    )


def detect_charging(
    progress: ChargeProgress,
    reports: Iterable[StateReport | EventReport],
    rules: ChargeRules = DEFAULT_RULES,
    battery_kwh: float | None = None,
) -> ChargeDetection:
    """Run one vehicle's reports through detection, in the vehicle's time order.

    Reports older than the newest one the progress has taken are ignored. At one instant,
    samples come before events, as in trip detection.
    """
    tracker = _Tracker(progress, rules, battery_kwh)
    for report in sorted(reports, key=lambda r: (r.at, isinstance(r, EventReport))):
        tracker.step(_sample(report, rules))
    return ChargeDetection(tracker.progress(), tuple(tracker.finished), tracker.discarded)
