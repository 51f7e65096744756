"""A vehicle's month in figures, from its trips and charging sessions (TeslaMate's kind).

Energy used is what the traction battery gave on trips: the fall in its charge from each
trip's start to its end, times the battery's capacity; fuel likewise, with the tank. What is
lost while parked is the fall in charge between one trip's end and the next one's start, net
of what charging sessions in between added (a battery warming itself, the 12 V battery kept
up, a car awake for an app): TeslaMate's "vampire drain". A figure the reports cannot give
(no capacity, no charge reported) is None rather than a guess.
"""

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fleetlink.domain.catalog import Stores
from fleetlink.domain.charging import ChargingSession
from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.trips import Trip

_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, slots=True)
class Month:
    """A calendar month, in UTC."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Month":
        """The month text names (YYYY-MM), or InvalidInput."""
        found = _MONTH.fullmatch(text)
        if found is None or not 1 <= int(found[2]) <= 12 or not 1970 <= int(found[1]) <= 2999:
            raise InvalidInput(f"month must be YYYY-MM (1970-01 to 2999-12), got {text[:20]!r}")
        return cls(int(found[1]), int(found[2]))

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first instant of the next month."""
        if self.month == 12:
            return datetime(self.year + 1, 1, 1, tzinfo=UTC)
        return datetime(self.year, self.month + 1, 1, tzinfo=UTC)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True, slots=True)
class MonthStatistics:
    """A vehicle's month: distances and times, energy and fuel, in SI units."""

    month: Month
    distance_km: float
    driving_time: timedelta
    trips: int
    charging_sessions: int
    energy_charged_kwh: float
    energy_used_kwh: float | None
    energy_lost_parked_kwh: float | None
    fuel_used_l: float | None

    @property
    def kwh_per_100km(self) -> float | None:
        return _per_100km(self.energy_used_kwh, self.distance_km)

    @property
    def l_per_100km(self) -> float | None:
        return _per_100km(self.fuel_used_l, self.distance_km)


def _per_100km(used: float | None, km: float) -> float | None:
    return None if used is None or km <= 0 else used / km * 100.0


def _used(
    levels: Sequence[tuple[float | None, float | None]], capacity: float | None
) -> float | None:
    """What a store gave over the trips: the sum of each known fall, times its capacity."""
    known = [a - b for a, b in levels if a is not None and b is not None]
    if capacity is None or not known:
        return None
    return sum(max(0.0, fall) for fall in known) / 100.0 * capacity


def _lost_parked(
    before: Trip | None,
    trips: Sequence[Trip],
    sessions: Sequence[ChargingSession],
    battery_kwh: float | None,
) -> float | None:
    """The charge lost between trips, net of charging in between, in kWh."""
    if battery_kwh is None:
        return None
    chain = [*([before] if before is not None else []), *trips]
    lost, known = 0.0, False
    for left, right in itertools.pairwise(chain):
        if left.soc_to_pct is None or right.soc_from_pct is None:
            continue
        added = sum(
            (s.soc_to_pct or 0.0) - (s.soc_from_pct or 0.0)
            for s in sessions
            if left.end.at <= s.started_at < right.start.at
        )
        lost += max(0.0, left.soc_to_pct + added - right.soc_from_pct)
        known = True
    return lost / 100.0 * battery_kwh if known else None


def month_statistics(
    month: Month,
    stores: Stores,
    trips: Sequence[Trip],
    sessions: Sequence[ChargingSession],
    before: Trip | None = None,
) -> MonthStatistics:
    """The month's figures from the trips that started in it (oldest first), the charging
    sessions from the end of before (the last trip before the month) to the month's end."""
    ordered = sorted(trips, key=lambda t: t.start.at)
    in_month = [s for s in sessions if month.start <= s.started_at < month.end]
    return MonthStatistics(
        month=month,
        distance_km=sum(t.distance_km for t in ordered),
        driving_time=sum((t.duration for t in ordered), timedelta()),
        trips=len(ordered),
        charging_sessions=len(in_month),
        energy_charged_kwh=sum(s.energy_added_kwh for s in in_month),
        energy_used_kwh=_used(
            [(t.soc_from_pct, t.soc_to_pct) for t in ordered], stores.battery_kwh
        ),
        energy_lost_parked_kwh=_lost_parked(before, ordered, sessions, stores.battery_kwh),
        fuel_used_l=_used([(t.fuel_from_pct, t.fuel_to_pct) for t in ordered], stores.tank_l),
    )
