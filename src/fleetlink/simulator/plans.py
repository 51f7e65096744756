"""Where and when a simulated household drives: commutes, errands, weekend trips, the weather."""

import math
import random
from datetime import datetime, timedelta

from fleetlink.simulator.metros import Metro
from fleetlink.simulator.routes import Point, distance_km, offset

AT_PLACE_KM = 0.5
# Roads are longer than the crow flies: a grid route is about this much longer.
ROAD_FACTOR = 1.3
SEASON_SWING_C = 8.0
DAY_SWING_C = 6.0
YEAR_DAYS = 365.2425
# Days after 1 January (the Unix epoch's day 0 was one) when summer peaks.
JULY_PEAK_DAY = 200.0


def next_departure(rng: random.Random, now: datetime) -> datetime:
    """When the car leaves next: the morning commute, the drive home, or an errand later."""
    hour = now.hour + now.minute / 60
    weekday = now.weekday() < 5
    if weekday and hour < 7.5:
        wait = (7.5 - hour) * 60 + rng.uniform(0, 45)
    elif weekday and hour < 17:
        wait = max(5.0, (17 - hour) * 60 + rng.uniform(0, 60))
    else:
        wait = rng.uniform(90, 600)
    return now + timedelta(minutes=wait)


def destination(rng: random.Random, now: datetime, here: Point, home: Point, work: Point) -> Point:
    """Where this trip goes: work on weekday mornings, mostly home after, errands otherwise."""
    at_home = distance_km(here, home) < AT_PLACE_KM
    if now.weekday() < 5 and 6 <= now.hour < 10 and at_home:
        return work
    if not at_home and rng.random() < 0.7:
        return home
    reach = 40.0 if now.weekday() >= 5 and rng.random() < 0.3 else 8.0
    return offset(here, rng.uniform(-reach, reach), rng.uniform(-reach, reach))


def on_the_way(rng: random.Random, here: Point, there: Point) -> Point:
    """A stop (a fast charger) a little off the line, about a third of the way."""
    share = rng.uniform(0.2, 0.45)
    middle = (here[0] + (there[0] - here[0]) * share, here[1] + (there[1] - here[1]) * share)
    return offset(middle, rng.uniform(-1, 1), rng.uniform(-1, 1))


def local(metro: Metro, at: datetime) -> datetime:
    """The metro's clock (solar time, its longitude's whole hours): lives follow it, not UTC."""
    return at + timedelta(hours=round(metro.longitude / 15))


def outside_c(metro: Metro, at: datetime) -> float:
    """Air temperature: warmest in late July and at 3 pm local (all demo metros are northern)."""
    days = at.timestamp() / 86_400 + metro.longitude / 360
    season = SEASON_SWING_C * math.cos(2 * math.pi * (days % YEAR_DAYS - JULY_PEAK_DAY) / YEAR_DAYS)
    daily = DAY_SWING_C * math.cos(2 * math.pi * (days % 1 - 15 / 24))
    return metro.mean_temperature_c + season + daily
