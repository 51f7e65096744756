"""One simulated vehicle: a seeded daily life that reports what a telematics unit would.

Pure: advance(now) and handle(command, now) return the messages to publish, nothing is
sent here. The same model feeds the MQTT runner and in-process seeding.
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fleetlink.domain.catalog import Metro, ModelSpec
from fleetlink.simulator.routes import Point, along, distance_km, length_km, offset, road_route

DRIVING_TICK = timedelta(seconds=5)
PARKED_REPORT = timedelta(minutes=10)
SLEEP_AFTER = timedelta(minutes=30)
HOME_AC_KW = 7.2
KWH_PER_KM = {"bev": 0.17, "phev": 0.19}
LITRES_PER_KM = {"ice": 0.08, "hybrid": 0.045, "phev": 0.06}
DOORS = ("Row1.DriverSide", "Row1.PassengerSide", "Row2.DriverSide", "Row2.PassengerSide")
REFUSED_WHILE_DRIVING = {"unlock", "trunk_open", "panic_on"}
KM_PER_OIL_PCT = 150.0
SERVICE_INTERVAL_KM = 10_000.0
TIRE_LIGHT = {
    "name": "tire_pressure",
    "severity": "warning",
    "description": "Low tire pressure: check all tires",
}


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message for the vehicle's uplink: channel name and JSON body."""

    channel: str
    body: dict[str, Any]


@dataclass
class SimVehicle:
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
    locked: bool = True
    plugged: bool = False
    climate_on: bool = False
    climate_target_c: float = 22.0
    cabin_c: float = 20.0
    asleep: bool = False
    route: list[Point] = field(default_factory=list)
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

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.seed}:{self.vin}")
        self.home = offset(
            (self.metro.latitude, self.metro.longitude),
            self.rng.uniform(-10, 10),
            self.rng.uniform(-10, 10),
        )
        self.work = offset(
            (self.metro.latitude, self.metro.longitude),
            self.rng.uniform(-6, 6),
            self.rng.uniform(-6, 6),
        )
        if self.position == (0.0, 0.0):
            self.position = self.home
        self.parked_since = self.now
        # The first trip comes soon, so a fleet that just started is visibly alive.
        self.next_departure = self.now + timedelta(minutes=self.rng.uniform(2, 45))

    @property
    def powertrain(self) -> str:
        return self.spec.powertrain.value

    @property
    def driving(self) -> bool:
        return bool(self.route)

    def _msg(self, channel: str, **body: Any) -> Outgoing:
        return Outgoing(
            channel,
            {
                "v": 1,
                "id": str(uuid.UUID(int=self.rng.getrandbits(128))),
                "ts": self.now.isoformat().replace("+00:00", "Z"),
                **body,
            },
        )

    def _plan_departure(self, now: datetime) -> datetime:
        hour = now.hour + now.minute / 60
        weekday = now.weekday() < 5
        if weekday and hour < 7.5:
            wait = (7.5 - hour) * 60 + self.rng.uniform(0, 45)
        elif weekday and hour < 17:
            wait = max(5.0, (17 - hour) * 60 + self.rng.uniform(0, 60))
        else:
            wait = self.rng.uniform(90, 600)
        return now + timedelta(minutes=wait)

    def _destination(self) -> Point:
        hour = self.now.hour
        at_home = distance_km(self.position, self.home) < 0.5
        if self.now.weekday() < 5 and 6 <= hour < 10 and at_home:
            return self.work
        if not at_home and self.rng.random() < 0.7:
            return self.home
        reach = 40.0 if self.now.weekday() >= 5 and self.rng.random() < 0.3 else 8.0
        return offset(
            self.position, self.rng.uniform(-reach, reach), self.rng.uniform(-reach, reach)
        )

    def signals(self) -> dict[str, Any]:
        """Everything the unit reports in a full sample."""
        s: dict[str, Any] = {
            "Vehicle.Speed": round(self.speed_kmh, 1),
            "Vehicle.IsMoving": self.driving,
            "Vehicle.CurrentLocation.Latitude": round(self.position[0], 6),
            "Vehicle.CurrentLocation.Longitude": round(self.position[1], 6),
            "Vehicle.TraveledDistance": round(self.odometer_km, 2),
            "Vehicle.LowVoltageSystemState": "ON" if self.driving else "OFF",
            "Vehicle.Cabin.HVAC.IsAirConditioningActive": self.climate_on,
            "Vehicle.Cabin.HVAC.AmbientAirTemperature": round(self.cabin_c, 1),
        }
        if self.spec.powertrain.has_engine_oil:
            s["Vehicle.Powertrain.CombustionEngine.EngineOilLevel"] = (
                "CRITICALLY_LOW" if self.oil_pct < 10 else "LOW" if self.oil_pct < 25 else "NORMAL"
            )
        s["Vehicle.Service.IsServiceDue"] = self.km_since_service >= SERVICE_INTERVAL_KM
        for door in DOORS:
            s[f"Vehicle.Cabin.Door.{door}.IsLocked"] = self.locked
            s[f"Vehicle.Cabin.Door.{door}.IsOpen"] = False
        if self.spec.powertrain.has_traction_battery:
            s["Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"] = round(self.soc_pct, 1)
        if self.spec.powertrain.is_pluggable and self.spec.electric_range_km:
            s["Vehicle.Powertrain.TractionBattery.Range"] = round(
                self.spec.electric_range_km * self.soc_pct / 100, 1
            )
            s["Vehicle.Powertrain.TractionBattery.Charging.IsChargingCableConnected"] = self.plugged
            s["Vehicle.Powertrain.TractionBattery.Charging.IsCharging"] = self._charging
        if self.spec.powertrain.has_fuel_tank and self.spec.fuel_range_km:
            s["Vehicle.Powertrain.FuelSystem.RelativeLevel"] = round(self.fuel_pct, 1)
            s["Vehicle.Powertrain.FuelSystem.Range"] = round(
                self.spec.fuel_range_km * self.fuel_pct / 100, 1
            )
        return s

    @property
    def _charging(self) -> bool:
        return self.plugged and self.soc_pct < 100.0

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

    def _charge(self, hours: float) -> None:
        if not self._charging or not self.spec.battery_kwh:
            return
        # A taper above 80 %, as lithium-ion chargers do.
        taper = 1.0 if self.soc_pct < 80 else max(0.1, (100 - self.soc_pct) / 20)
        self.soc_pct = min(
            100.0, self.soc_pct + HOME_AC_KW * taper * hours / self.spec.battery_kwh * 100
        )

    def _depart(self) -> list[Outgoing]:
        self.route = road_route(self.rng, self.position, self._destination())
        self.route_km = 0.0
        self.locked, self.plugged, self.asleep = False, False, False
        if self.powertrain != "bev" and self.fuel_pct < 12:
            self.fuel_pct = self.rng.uniform(85, 100)  # refuelled on the way out
        out = [
            self._msg("connection", state="online"),
            self._msg("events", event="ignition_on"),
            self._msg("telemetry", signals=self.signals()),
        ]
        if "tire_pressure" not in self.lights and self.rng.random() < 0.015:
            self.lights.add("tire_pressure")
            out.append(self._msg("events", event="warning_light_on", data=TIRE_LIGHT))
        return out

    def _arrive(self) -> list[Outgoing]:
        self.route, self.speed_kmh = [], 0.0
        self.locked = True
        self.parked_since = self.now
        at_home = distance_km(self.position, self.home) < 0.5
        if self.spec.powertrain.is_pluggable and at_home and self.soc_pct < 80:
            self.plugged = True
        self.next_departure = self._plan_departure(self.now)
        out = [
            self._msg("events", event="ignition_off"),
            self._msg("telemetry", signals=self.signals()),
        ]
        due = self.km_since_service >= SERVICE_INTERVAL_KM
        if (due or self.oil_pct < 20) and self.rng.random() < 0.5:
            # A visit to the dealer: fresh oil, service interval restarted.
            self.oil_pct, self.km_since_service = 100.0, 0.0
            out.append(self._msg("telemetry", signals=self.signals()))
        if "tire_pressure" in self.lights and self.rng.random() < 0.4:
            self.lights.discard("tire_pressure")
            out.append(self._msg("events", event="warning_light_off", data=TIRE_LIGHT))
        return out

    def _drive(self, dt: timedelta) -> list[Outgoing]:
        total = length_km(self.route)
        highway = total > 15 and 0.15 < self.route_km / total < 0.85
        target = 105.0 if highway else 45.0
        self.speed_kmh = max(5.0, min(130.0, target + self.rng.uniform(-15, 15)))
        # The last stretch ends at the destination, not a full tick beyond it.
        km = min(self.speed_kmh * dt.total_seconds() / 3600, total - self.route_km)
        self.route_km += km
        self.position, _ = along(self.route, self.route_km)
        arrived = self.route_km >= total - 1e-9
        self.odometer_km += km
        self.km_since_service += km
        if self.spec.powertrain.has_engine_oil:
            self.oil_pct = max(0.0, self.oil_pct - km / KM_PER_OIL_PCT)
        self._use_energy(km)
        if arrived:
            return self._arrive()
        return [self._msg("telemetry", signals=self.signals())]

    def advance(self, now: datetime) -> list[Outgoing]:
        """Live until now; return what the unit publishes on the way."""
        out: list[Outgoing] = []
        while self.now < now:
            if self.driving:
                # A moving unit reports once per tick, however often it is asked.
                if now - self.now < self.tick:
                    break
                step = self.tick
            else:
                step = min(PARKED_REPORT, now - self.now)
            self.now += step
            self._climate(step)
            if self.driving:
                out += self._drive(step)
                continue
            self._charge(step.total_seconds() / 3600)
            if self.next_departure is not None and self.now >= self.next_departure:
                out += self._depart()
            elif not self.asleep:
                out += self._parked_report()
        return out

    def _parked_report(self) -> list[Outgoing]:
        if self.parked_since and self.now - self.parked_since >= SLEEP_AFTER and not self._charging:
            self.asleep = True
            return [self._msg("connection", state="asleep")]
        if self.last_report is None or self.now - self.last_report >= PARKED_REPORT:
            self.last_report = self.now
            return [self._msg("telemetry", signals=self.signals())]
        return []

    def _climate(self, dt: timedelta) -> None:
        outside = self.metro.mean_temperature_c + 6 * ((self.now.hour - 3) % 24 - 12) / -12
        goal = self.climate_target_c if self.climate_on else outside
        share = min(1.0, dt.total_seconds() / 600)  # about ten minutes to settle
        self.cabin_c += (goal - self.cabin_c) * share

    def hello(self, now: datetime) -> list[Outgoing]:
        """What a unit says when it (re)connects: online, and a full sample."""
        out = self.advance(now)
        self.asleep = False
        self.parked_since = self.now
        return [
            *out,
            self._msg("connection", state="online"),
            self._msg("telemetry", signals=self.signals()),
        ]

    def handle(self, command: dict[str, Any]) -> list[Outgoing]:
        """Carry out a command from the cloud and answer it, as a car does."""
        name, params = command["command"], command.get("params", {})
        out = [self._msg("connection", state="online")] if self.asleep else []
        self.asleep = False
        self.parked_since = self.now
        if self.driving and name in REFUSED_WHILE_DRIVING:
            return [
                *out,
                self._msg(
                    "command-results",
                    command_id=command["id"],
                    status="failed",
                    code="VEHICLE_MOVING",
                    reason=f"{name} is refused while driving",
                ),
            ]
        if name in ("lock", "unlock"):
            self.locked = name == "lock"
        elif name == "climate_start":
            self.climate_on = True
            self.climate_target_c = float(params.get("target_c", self.climate_target_c))
        elif name == "climate_stop":
            self.climate_on = False
        out.append(self._msg("telemetry", signals=self.signals()))
        out.append(
            self._msg(
                "command-results", command_id=command["id"], status="succeeded", code="000000"
            )
        )
        return out
