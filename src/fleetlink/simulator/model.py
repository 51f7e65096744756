"""One simulated vehicle: a seeded daily life that reports what a telematics unit would.

Pure: advance(now) and handle(command, now) return the messages to publish, nothing is
sent here. The same model feeds the MQTT runner and in-process seeding.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fleetlink.domain.catalog import ModelSpec
from fleetlink.domain.reports import EventKind
from fleetlink.domain.vehicle import ConnectionState
from fleetlink.simulator import commands, health, plans, readings, thermal
from fleetlink.simulator.body import Body, doors_used, forgets_to_lock
from fleetlink.simulator.charging import (
    CHARGE_LIMITS_PCT,
    HOME_CHARGER_CHANCE,
    HOME_PLUG_BELOW_PCT,
    Charger,
    Session,
    wants_fast_charge,
)
from fleetlink.simulator.metros import Metro
from fleetlink.simulator.readings import LATITUDE, LONGITUDE
from fleetlink.simulator.routes import Point, Route, distance_km, offset, road_route
from fleetlink.simulator.unit import Stamping
from fleetlink.telematics.encoding import Uplink, telemetry_message

DRIVING_TICK = timedelta(seconds=5)
PARKED_REPORT = timedelta(minutes=10)
# On a fast charger a unit reports every minute, as owners' apps poll then: the charge curve
# bends within minutes.
FAST_CHARGING_REPORT = timedelta(minutes=1)
SLEEP_AFTER = timedelta(minutes=30)
KWH_PER_KM = {"bev": 0.17, "phev": 0.19}
# What a parked, unplugged car's traction battery gives to standby (modem, battery
# management, 12 V top-ups): about 0.6 kWh a day, a percent or so of a BEV's charge.
STANDBY_KW = 0.025
LITRES_PER_KM = {"ice": 0.08, "hybrid": 0.045, "phev": 0.06}
# Seconds from opening the door to driving off, and from parking to walking away.
BOARDING_S = (10.0, 40.0)
LEAVING_S = (5.0, 60.0)
UNLOADING_S = (60.0, 180.0)
# Closer to its target than this, a battery counts as there (float rounding).
FINISHED = 1e-3


@dataclass
class SimVehicle(Stamping):
    """A vehicle's physical state and plans."""

    vin: str
    spec: ModelSpec
    metro: Metro
    seed: int
    now: datetime
    position: Point = (0.0, 0.0)
    odometer_km: float = 0.0
    soc_pct: float = 80.0
    fuel_pct: float = 70.0
    plugged: bool = False
    climate_on: bool = False
    climate_target_c: float = 22.0
    cabin_c: float = 20.0
    asleep: bool = False
    route: Route | None = None
    route_km: float = 0.0
    speed_kmh: float = 0.0
    next_departure: datetime | None = None
    last_report: datetime | None = None
    parked_since: datetime | None = None
    home: Point = (0.0, 0.0)
    work: Point = (0.0, 0.0)
    rng: random.Random = field(default_factory=random.Random)
    # How often a moving vehicle reports; backfills use a coarser one.
    tick: timedelta = DRIVING_TICK
    oil_pct: float = 85.0
    km_since_service: float = 0.0
    lights: set[str] = field(default_factory=set)
    body: Body = field(default_factory=Body)
    session: Session | None = None
    home_charger: bool = True
    # After a fast-charging stop, where the trip was going.
    resume_to: Point | None = None
    # The one step under way between two reports: ("set_off" | "walk_away", when).
    chore: tuple[str, datetime] | None = None
    # The last value of each signal sent, so samples carry only what changed.
    reported: dict[str, Any] = field(default_factory=dict)
    # Where the owner set the battery to stop charging at home (plug-in cars).
    charge_limit_pct: float = 100.0
    oil_temp_c: float = 20.0
    # The message ids of fast-charging reports come from a generator of their own, so that
    # reporting more often there leaves the rest of the car's life as it was.
    charging_ids: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.seed}:{self.vin}")
        self.charging_ids = random.Random(f"{self.seed}:{self.vin}:charging-reports")
        centre = (self.metro.latitude, self.metro.longitude)
        self.home = offset(centre, self.rng.uniform(-10, 10), self.rng.uniform(-10, 10))
        self.work = offset(centre, self.rng.uniform(-6, 6), self.rng.uniform(-6, 6))
        if self.position == (0.0, 0.0):
            self.position = self.home
        self.parked_since = self.now
        # The first trip comes soon, so a fleet that just started is visibly alive.
        self.next_departure = self.now + timedelta(minutes=self.rng.uniform(2, 45))
        if self.powertrain == "bev":
            self.home_charger = self.rng.random() < HOME_CHARGER_CHANCE
        if self.spec.powertrain.is_pluggable:
            # A generator of its own, so the choice leaves the rest of the car's life as it was.
            own = random.Random(f"{self.seed}:{self.vin}:charge-limit")
            self.charge_limit_pct = own.choice(CHARGE_LIMITS_PCT)
        self.oil_temp_c = plans.outside_c(self.metro, self.now)
        if self.plugged and self.spec.powertrain.is_pluggable:
            self.session = Session(Charger.HOME_AC, self.charge_limit_pct)

    @property
    def powertrain(self) -> str:
        return self.spec.powertrain.value

    @property
    def driving(self) -> bool:
        return self.route is not None

    @property
    def locked(self) -> bool:
        return self.body.locked

    def sample(
        self, *, full: bool = False, moving: bool = False, ids: random.Random | None = None
    ) -> list[Uplink]:
        """A sample of what changed since the last one (all of it if full), or none.

        Units report by exception, as real ones do to save airtime: the cloud keeps what a
        sample leaves out. A full sample answers a wake-up or a command. On the move only
        motion and energy are looked at: nothing else changes between two ticks.
        """
        signals = readings.motion(self) if moving else readings.full(self)
        if not full:
            changed = {k: v for k, v in signals.items() if self.reported.get(k) != v}
            if (LATITUDE in changed) != (LONGITUDE in changed):
                # A position is one fix: the protocol wants both halves together.
                changed[LATITUDE], changed[LONGITUDE] = signals[LATITUDE], signals[LONGITUDE]
            signals = changed
        if not signals:
            return []
        self.reported.update(signals)
        return [telemetry_message(self._message_id(ids), self.now, signals)]

    @property
    def fast_charging(self) -> bool:
        return (
            self.charging and self.session is not None and self.session.charger is Charger.DC_FAST
        )

    @property
    def report_every(self) -> timedelta:
        """How often the unit reports while parked and awake."""
        return FAST_CHARGING_REPORT if self.fast_charging else PARKED_REPORT

    @property
    def charging(self) -> bool:
        return (
            self.plugged
            and self.session is not None
            and self.soc_pct < self.session.target_pct - FINISHED
        )

    def _use_energy(self, km: float) -> None:
        p = self.powertrain
        battery = self.spec.battery_kwh or 1.0
        tank = self.spec.fuel_tank_l or 1.0
        if p in KWH_PER_KM and (p == "bev" or self.soc_pct > 15):
            self.soc_pct = max(0.0, self.soc_pct - KWH_PER_KM[p] * km / battery * 100)
        elif p in LITRES_PER_KM:
            self.fuel_pct = max(0.0, self.fuel_pct - LITRES_PER_KM[p] * km / tank * 100)
        if p == "hybrid":
            self.soc_pct = min(80.0, max(40.0, self.soc_pct + self.rng.uniform(-2, 2)))

    def _stand(self, step: timedelta) -> None:
        """Parked and unplugged, the battery slowly gives to standby (vampire drain)."""
        if self.plugged or self.powertrain not in KWH_PER_KM or not self.spec.battery_kwh:
            return
        drained = STANDBY_KW * step.total_seconds() / 3600 / self.spec.battery_kwh * 100
        self.soc_pct = max(0.0, self.soc_pct - drained)

    def _charge(self, step: timedelta) -> list[Uplink]:
        if not self.charging or self.session is None or not self.spec.battery_kwh:
            return []
        session = self.session
        hours = step.total_seconds() / 3600
        self.soc_pct = session.charged(self.spec.battery_kwh, self.soc_pct, hours)
        if self.soc_pct < session.target_pct - FINISHED:
            return []
        self.soc_pct = session.target_pct
        self.last_report = self.now
        out = [self.event(EventKind.CHARGING_COMPLETED)]
        if session.charger is Charger.DC_FAST:
            # At a fast charger nobody waits past the target: unplug and carry on.
            self.plugged, self.session = False, None
            self.next_departure = self.now + timedelta(minutes=self.rng.uniform(2, 8))
        return [*out, *self.sample()]

    def _unplug(self) -> list[Uplink]:
        out = [self.event(EventKind.CHARGING_STOPPED)] if self.charging else []
        self.plugged, self.session = False, None
        return out

    def _open_doors(self, doors: list[str]) -> list[Uplink]:
        opened = [door for door in doors if door not in self.body.open]  # not the trunk twice
        self.body.open.update(opened)
        return [self.event(EventKind.DOOR_OPENED, door=door) for door in opened]

    def _close_doors(self) -> list[Uplink]:
        out = [self.event(EventKind.DOOR_CLOSED, door=door) for door in sorted(self.body.open)]
        self.body.open.clear()
        return out

    def _board(self) -> list[Uplink]:
        """The driver unlocks and gets in (passengers too, sometimes); off in a few seconds."""
        self.next_departure, self.asleep = None, False
        # Someone is in the car: it stays awake until it is parked again.
        self.parked_since = None
        self.body.locked = False
        out = [self.connection(ConnectionState.ONLINE), *self._unplug()]
        # Awake, the unit says what changed while it slept (the charge standby took), so a
        # trip starts from what the car held when it set off, not when it last spoke.
        out += self.sample()
        out += self._open_doors(doors_used(self.rng, arriving=False))
        self.chore = ("set_off", self.now + timedelta(seconds=self.rng.uniform(*BOARDING_S)))
        return out

    def _needs_fast_charge(self, there: Point) -> bool:
        if self.powertrain != "bev" or not self.spec.battery_kwh or self.resume_to is not None:
            return False
        km = distance_km(self.position, there) * plans.ROAD_FACTOR
        use_pct = KWH_PER_KM["bev"] * km / self.spec.battery_kwh * 100
        return wants_fast_charge(self.soc_pct, use_pct, km, self.rng)

    def _set_off(self) -> list[Uplink]:
        out = self._close_doors()
        self.body.open_windows(self.rng, plans.outside_c(self.metro, self.now))
        if self.powertrain != "bev" and self.fuel_pct < 12:
            self.fuel_pct = self.rng.uniform(85, 100)  # refuelled on the way out
        there = self.resume_to or plans.destination(
            self.rng, plans.local(self.metro, self.now), self.position, self.home, self.work
        )
        self.resume_to = None
        if self._needs_fast_charge(there):
            there, self.resume_to = plans.on_the_way(self.rng, self.position, there), there
        self.route = Route.through(road_route(self.rng, self.position, there))
        self.route_km, self.parked_since = 0.0, None
        out += [self.event(EventKind.IGNITION_ON), *self.sample()]
        for light in health.lights_coming_on(self.rng, self.spec, self.lights):
            self.lights.add(light.name)
            out.append(self.event(EventKind.WARNING_LIGHT_ON, light.warning()))
        return out

    def _arrive(self) -> list[Uplink]:
        self.route, self.speed_kmh = None, 0.0
        self.parked_since, self.asleep = self.now, False
        self.body.close_windows(self.rng)
        out = [self.event(EventKind.IGNITION_OFF)]
        at_home = distance_km(self.position, self.home) < plans.AT_PLACE_KM
        if self.resume_to is not None:
            # At the fast charger: plugged in until the target, then on to resume_to.
            target = max(self.rng.uniform(80, 90), min(95.0, self.soc_pct + 10))
            self.session, self.next_departure = Session(Charger.DC_FAST, target), None
        else:
            self.next_departure = self._plan_departure()
            home_plug = at_home and self.home_charger and self.soc_pct < HOME_PLUG_BELOW_PCT
            if self.spec.powertrain.is_pluggable and home_plug:
                self.session = Session(Charger.HOME_AC, self.charge_limit_pct)
        if self.session is not None:
            self.plugged = True
            out.append(self.event(EventKind.CHARGING_STARTED))
        out += self.sample()
        doors = doors_used(self.rng, arriving=True)
        out += self._open_doors(doors)
        leaving = UNLOADING_S if "trunk" in doors else LEAVING_S
        self.chore = ("walk_away", self.now + timedelta(seconds=self.rng.uniform(*leaving)))
        for light in health.lights_going_off(self.rng, self.lights):
            self.lights.discard(light.name)
            out.append(self.event(EventKind.WARNING_LIGHT_OFF, light.warning()))
        if health.service_due(self.spec, self.km_since_service, self.oil_pct):
            out += health.maybe_visit_dealer(self)
        return out

    def _plan_departure(self) -> datetime:
        # Planned on the local clock; the wait is the same in any time zone.
        here = plans.local(self.metro, self.now)
        return self.now + (plans.next_departure(self.rng, here) - here)

    def _walk_away(self) -> list[Uplink]:
        out = self._close_doors()
        self.body.locked = not forgets_to_lock(self.rng)
        self.last_report = self.now
        return [*out, *self.sample()]

    def _drive(self, dt: timedelta) -> list[Uplink]:
        assert self.route is not None
        total = self.route.length_km
        highway = total > 15 and 0.15 < self.route_km / total < 0.85
        target = 105.0 if highway else 45.0
        self.speed_kmh = max(5.0, min(130.0, target + self.rng.uniform(-15, 15)))
        # The last stretch ends at the destination, not a full tick beyond it.
        km = min(self.speed_kmh * dt.total_seconds() / 3600, total - self.route_km)
        self.route_km += km
        self.position = self.route.at(self.route_km)
        arrived = self.route_km >= total - 1e-9
        self.odometer_km += km
        self.km_since_service += km
        if self.spec.powertrain.has_engine_oil:
            self.oil_pct = max(0.0, self.oil_pct - km / health.KM_PER_OIL_PCT)
        self._use_energy(km)
        if arrived:
            return self._arrive()
        return self.sample(moving=True)

    def _step(self, now: datetime) -> timedelta | None:
        """How far the next step goes: a tick on the move, else up to whatever comes next."""
        if self.driving:
            # A moving unit reports once per tick, however often it is asked.
            return self.tick if now - self.now >= self.tick else None
        if self.chore is not None:
            until = self.chore[1]
        elif self.asleep and self.next_departure is not None:
            # Asleep, nothing changes and nothing is said until the next departure:
            # one step there, not one per report interval.
            until = self.next_departure
        else:
            # Awake and parked, the next report is due an interval after the last one.
            since = self.now if self.last_report is None or self.asleep else self.last_report
            until = max(self.now, since + self.report_every)
            if self.next_departure is not None:
                until = min(until, self.next_departure)
        step = max(timedelta(0), min(until, now) - self.now)
        if self.charging and self.session and self.spec.battery_kwh:
            # End the step when the battery reaches its target, so the charger stops on time.
            battery, hours = self.spec.battery_kwh, step.total_seconds() / 3600
            if (
                self.session.charged(battery, self.soc_pct, hours)
                >= self.session.target_pct - FINISHED
            ):
                step = timedelta(hours=self.session.hours_left(battery, self.soc_pct))
        return step

    def advance(self, now: datetime) -> list[Uplink]:
        """Live until now; return what the unit publishes on the way."""
        out: list[Uplink] = []
        while self.now < now:
            step = self._step(now)
            if step is None:
                break
            self.now += step
            thermal.settle(self, step)
            if self.driving:
                out += self._drive(step)
                continue
            self._stand(step)
            out += self._charge(step)
            if self.chore is not None and self.now >= self.chore[1]:
                action, self.chore = self.chore[0], None
                out += self._set_off() if action == "set_off" else self._walk_away()
            elif self.chore is not None:
                continue  # between getting in and driving off, nothing else happens
            elif self.next_departure is not None and self.now >= self.next_departure:
                out += self._board()
            elif not self.asleep:
                out += self._parked_report()
        return out

    def _parked_report(self) -> list[Uplink]:
        idle = self.parked_since is not None and self.now - self.parked_since >= SLEEP_AFTER
        if idle and not self.charging and self.chore is None:
            self.asleep = True
            return [self.connection(ConnectionState.ASLEEP)]
        if self.last_report is None or self.now - self.last_report >= self.report_every:
            self.last_report = self.now
            return self.sample(ids=self.charging_ids if self.fast_charging else None)
        return []

    def hello(self, now: datetime) -> list[Uplink]:
        """What a unit says when it (re)connects: online, and a full sample."""
        out = self.advance(now)
        self.asleep = False
        if not self.driving:
            self.parked_since = self.now
        return [*out, self.connection(ConnectionState.ONLINE), *self.sample(full=True)]

    def handle(self, command: dict[str, Any]) -> list[Uplink]:
        """Carry out a command from the cloud and answer it, as a car does."""
        return commands.answer(self, command)
