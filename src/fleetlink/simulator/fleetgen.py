"""Generate a plausible fleet from a seed: VINs, models, starting state. Pure, repeatable."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from fleetlink.domain.catalog import (
    CATALOG,
    LEXUS_COLORS,
    MODEL_YEAR_CODES,
    TOYOTA_COLORS,
    ModelSpec,
)
from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.state import (
    ChargingStatus,
    OilLevel,
    Position,
    Severity,
    VehicleState,
    WarningLight,
)
from fleetlink.domain.vehicle import Powertrain
from fleetlink.domain.vin import with_check_digit
from fleetlink.simulator.metros import METROS, Metro

_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_KM_PER_YEAR = 18_000.0
_DEGREES_PER_KM = 1 / 111.0
_MAX_SERIAL = 99_999  # five digits after the plant code and one random character


@dataclass(frozen=True, slots=True)
class FleetVehicle:
    """A generated vehicle: identity, home and starting state."""

    vin: str
    spec: ModelSpec
    year: int
    trim: str
    color: str
    metro: Metro
    state: VehicleState


def _pick_models(rng: random.Random, count: int) -> list[ModelSpec]:
    """Cover every powertrain first, then draw freely, so small fleets stay varied."""
    by_powertrain = {p: [m for m in CATALOG if m.powertrain is p] for p in Powertrain}
    picks = [rng.choice(models) for models in by_powertrain.values() if models][:count]
    picks += [rng.choice(CATALOG) for _ in range(count - len(picks))]
    rng.shuffle(picks)
    return picks


def _vin(rng: random.Random, spec: ModelSpec, year: int, serial: int) -> str:
    raw = (
        spec.wmi
        + spec.vds_prefix
        + "0"
        + MODEL_YEAR_CODES[year]
        + spec.plant
        + f"{rng.choice(_VIN_CHARS)}{serial:05d}"
    )
    return with_check_digit(raw)


def _starting_state(
    rng: random.Random, spec: ModelSpec, year: int, metro: Metro, now: datetime
) -> VehicleState:
    reported_at = now - timedelta(minutes=rng.randint(5, 240), seconds=rng.randint(0, 59))
    age_years = max(0.3, now.year - year + rng.random())
    position = Position(
        latitude=round(metro.latitude + rng.uniform(-12, 12) * _DEGREES_PER_KM, 6),
        longitude=round(metro.longitude + rng.uniform(-12, 12) * _DEGREES_PER_KM, 6),
        at=reported_at,
    )
    p = spec.powertrain
    soc = battery_range = fuel = fuel_range = None
    charging = plugged = complete_at = None
    if p.has_traction_battery:
        soc = round(rng.uniform(35, 95) if p.is_pluggable else rng.uniform(40, 80), 1)
    if p.is_pluggable and spec.electric_range_km and soc is not None:
        battery_range = round(spec.electric_range_km * soc / 100, 1)
        plugged = rng.random() < 0.35
        charging = ChargingStatus.NOT_CHARGING
        if plugged:
            if soc >= 80:
                charging = ChargingStatus.FULLY_CHARGED
            else:
                charging = ChargingStatus.CHARGING
                complete_at = reported_at + timedelta(minutes=int((90 - soc) * 6))
    if p.has_fuel_tank and spec.fuel_range_km:
        fuel = round(rng.uniform(18, 100), 1)
        fuel_range = round(spec.fuel_range_km * fuel / 100, 1)
    lights: tuple[WarningLight, ...] = ()
    if rng.random() < 0.12:
        lights = (
            WarningLight("tire_pressure", Severity.WARNING, "Low tire pressure: check all tires"),
        )
    oil = None
    if p.has_engine_oil:
        oil = OilLevel.LOW if rng.random() < 0.08 else OilLevel.OK
    return VehicleState(
        reported_at=reported_at,
        doors_locked=rng.random() > 0.12,
        position=position,
        odometer_km=round(age_years * _KM_PER_YEAR * rng.uniform(0.6, 1.3), 1),
        battery_soc_pct=soc,
        battery_range_km=battery_range,
        fuel_level_pct=fuel,
        fuel_range_km=fuel_range,
        charging_status=charging,
        plugged_in=plugged,
        charge_complete_at=complete_at,
        cabin_temperature_c=round(metro.mean_temperature_c + rng.uniform(-8, 8), 1),
        oil_level=oil,
        warning_lights=lights,
        maintenance_due=rng.random() < 0.1,
    ).stamped()  # the unit's last report said everything at once


def generate_fleet(
    seed: int, count: int, now: datetime, *, first_serial: int = 1
) -> list[FleetVehicle]:
    """Generate count vehicles; the same seed and now give the same fleet.

    Serial numbers run from first_serial, so fleets generated with disjoint
    serial ranges never share a VIN.
    """
    if not (first_serial >= 0 and first_serial + count <= _MAX_SERIAL + 1):
        raise InvalidInput(f"serials {first_serial}..{first_serial + count - 1} do not fit a VIN")
    rng = random.Random(seed)
    fleet: list[FleetVehicle] = []
    for serial, spec in enumerate(_pick_models(rng, count), start=first_serial):
        years = [y for y in MODEL_YEAR_CODES if spec.first_year <= y <= now.year]
        year = rng.choice(years or [spec.first_year])
        colors = LEXUS_COLORS if spec.make == "Lexus" else TOYOTA_COLORS
        metro = rng.choice(METROS)
        fleet.append(
            FleetVehicle(
                vin=_vin(rng, spec, year, serial),
                spec=spec,
                year=year,
                trim=rng.choice(spec.trims),
                color=rng.choice(colors),
                metro=metro,
                state=_starting_state(rng, spec, year, metro, now),
            )
        )
    return fleet
