"""Warning lights that come and go, and visits to the dealer that reset oil and maintenance."""

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fleetlink.domain.catalog import ModelSpec
from fleetlink.domain.reports import EventKind, ServiceVisit
from fleetlink.domain.state import Severity, WarningLight
from fleetlink.simulator.metros import Metro

if TYPE_CHECKING:
    from fleetlink.simulator.model import SimVehicle
    from fleetlink.telematics.encoding import Uplink

KM_PER_OIL_PCT = 150.0
SERVICE_INTERVAL_KM = 10_000.0
OIL_SERVICE_BELOW_PCT = 20.0


@dataclass(frozen=True, slots=True)
class Light:
    """A telltale: what the event says, and how often it comes on and goes off per trip."""

    name: str
    severity: Severity
    description: str
    on_chance: float
    off_chance: float
    needs_engine: bool = False

    def warning(self) -> WarningLight:
        """The light as the unit reports it."""
        return WarningLight(self.name, self.severity, self.description)


LIGHTS = (
    # A cold morning or a slow puncture; cleared once the tyres are pumped up.
    Light("tire_pressure", Severity.WARNING, "Low tire pressure: check all tires", 0.015, 0.4),
    # A loose fuel cap or a sensor fault; the engine's own check clears it some trips later.
    Light(
        "check_engine",
        Severity.WARNING,
        "Check engine: have the vehicle inspected soon",
        0.004,
        0.2,
        needs_engine=True,
    ),
)
# Made-up dealers near each demo metro (codes in the style of Toyota's five-character ones).
DEALERS = {
    "Plano, TX": ("04136", "Plano"),
    "Los Angeles, CA": ("04401", "Downtown LA"),
    "Toyota City, Aichi": ("23101", "Toyota City"),
    "Paris, Île-de-France": ("75015", "Paris Grenelle"),
}


def lights_coming_on(rng: random.Random, spec: ModelSpec, lit: set[str]) -> list[Light]:
    """Lights that come on as the vehicle sets off (a car runs its checks at ignition)."""
    return [
        light
        for light in LIGHTS
        if light.name not in lit
        and (spec.powertrain.has_engine_oil or not light.needs_engine)
        and rng.random() < light.on_chance
    ]


def lights_going_off(rng: random.Random, lit: set[str]) -> list[Light]:
    """Lights that go off by the end of a trip."""
    return [light for light in LIGHTS if light.name in lit and rng.random() < light.off_chance]


def service_due(spec: ModelSpec, km_since_service: float, oil_pct: float) -> bool:
    """Whether the owner would book a visit: the interval has run out or the oil is low."""
    low_oil = spec.powertrain.has_engine_oil and oil_pct < OIL_SERVICE_BELOW_PCT
    return km_since_service >= SERVICE_INTERVAL_KM or low_oil


def service_visit(spec: ModelSpec, metro: Metro, odometer_km: float) -> ServiceVisit:
    """A visit to the nearest dealer, as the service_performed event reports it."""
    code, place = DEALERS.get(metro.name, ("00000", metro.name.split(",")[0]))
    if spec.powertrain.has_engine_oil:
        category, description = "oil_change", "Oil and filter change, multi-point inspection"
    else:
        category, description = "scheduled_maintenance", "Tire rotation, multi-point inspection"
    return ServiceVisit(
        category=category,
        description=description,
        odometer_km=round(odometer_km, 1),
        dealer_code=code,
        dealer_name=f"{spec.make} of {place}",
    )


def maybe_visit_dealer(v: "SimVehicle") -> "list[Uplink]":
    """Half the time a service is due, the owner goes: fresh oil, interval restarted,
    lit telltales cleared, and the unit reports the visit."""
    if v.rng.random() >= 0.5:
        return []
    v.oil_pct, v.km_since_service = 100.0, 0.0
    out = [
        v.event(EventKind.WARNING_LIGHT_OFF, light.warning())
        for light in LIGHTS
        if light.name in v.lights
    ]
    v.lights.clear()
    visit = service_visit(v.spec, v.metro, v.odometer_km)
    return [*out, v.event(EventKind.SERVICE_PERFORMED, service=visit)]
