"""A generated vehicle's past at the dealer: the service visits its age and mileage imply.

A demo fleet's history is a few weeks of lived days, which rarely include a visit. Its cars
are years old and tens of thousands of kilometres in, though, so each gets the visits a
careful owner would have had: the first at 6 months or 5,000 km, then every 12 months or
SERVICE_INTERVAL_KM, whichever comes first, at the mileage the car had then (driven evenly
since it was new). Each visit is the `service_performed` event the unit sends after one, so
the cloud records it exactly as it records a live visit. Pure and repeatable: the same seed
gives the same visits and message ids.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from fleetlink.domain.reports import EventKind
from fleetlink.simulator import health
from fleetlink.simulator.fleetgen import FleetVehicle
from fleetlink.telematics.encoding import Uplink, event_message

FIRST_AFTER = timedelta(days=182)
FIRST_AFTER_KM = 5_000.0
EVERY = timedelta(days=365)
# Owners book a little before or after the day the car asks.
JITTER_DAYS = 21
# The latest visit is at least this long before the history ends (the lived days follow).
SETTLED = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class PastVisit:
    """One visit: when, at what mileage, and the message that reports it."""

    at: datetime
    odometer_km: float
    message: Uplink


def delivered_at(vehicle: FleetVehicle, rng: random.Random, until: datetime) -> datetime:
    """When the car was new: within its model year's selling season, not in the last months."""
    season_start = datetime(vehicle.year - 1, 9, 1, tzinfo=until.tzinfo)
    new = season_start + timedelta(days=rng.uniform(0, 365))
    return min(new, until - timedelta(days=110))


def past_visits(vehicle: FleetVehicle, seed: int, until: datetime) -> list[PastVisit]:
    """The visits from the car's delivery to until, oldest first."""
    rng = random.Random(f"{seed}:{vehicle.vin}:service-history")
    odometer = vehicle.state.odometer_km or 0.0
    new = delivered_at(vehicle, rng, until)
    km_per_day = odometer / max(1.0, (until - new).total_seconds() / 86_400)
    visits: list[PastVisit] = []
    last = new
    first = True
    while True:
        interval, interval_km = (
            (FIRST_AFTER, FIRST_AFTER_KM) if first else (EVERY, health.SERVICE_INTERVAL_KM)
        )
        by_km = timedelta(days=interval_km / km_per_day) if km_per_day > 0 else interval
        at = last + min(interval, by_km) + timedelta(days=rng.uniform(-JITTER_DAYS, JITTER_DAYS))
        at = max(at, last + timedelta(days=30)).replace(microsecond=0)
        if at > until - SETTLED:
            return visits
        km = round(min(odometer, km_per_day * (at - new).total_seconds() / 86_400), 1)
        visit = health.service_visit(vehicle.spec, vehicle.metro, km)
        message_id = str(uuid.UUID(int=rng.getrandbits(128)))
        message = event_message(message_id, at, EventKind.SERVICE_PERFORMED, service=visit)
        visits.append(PastVisit(at, km, message))
        last, first = at, False
