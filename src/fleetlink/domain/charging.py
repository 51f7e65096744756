"""Charging sessions, their charge curves, and the queries that page through them."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from fleetlink.domain.errors import InvalidInput

MAX_SESSIONS_PAGE = 100
MAX_OFFSET = 2**31 - 1
# What a query's times may be: any plausible time, and none that overflows on the way to UTC.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
# The namespace of session ids: a session is named by its vehicle and start, so detecting it
# twice (a batch retried after a failed commit) names it the same.
SESSION_IDS = uuid.UUID("0b8f1c52-54a5-4d1e-9f0c-7d3c2f7e9a41")


class Current(StrEnum):
    """What the charger delivers: alternating current (on board converter) or direct."""

    AC = "ac"
    DC = "dc"


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """One point of a charge curve: the battery's charge and the power flowing in."""

    at: datetime
    soc_pct: float | None = None
    power_kw: float | None = None


@dataclass(frozen=True, slots=True)
class ChargingSession:
    """A finished charging session, in SI units (kWh, kW, %)."""

    id: str
    vehicle_id: int
    started_at: datetime
    ended_at: datetime
    latitude: float | None
    longitude: float | None
    soc_from_pct: float | None
    soc_to_pct: float | None
    energy_added_kwh: float
    peak_power_kw: float
    mean_power_kw: float
    current: Current
    curve: tuple[CurvePoint, ...] = ()

    def __post_init__(self) -> None:
        if self.ended_at < self.started_at:
            raise InvalidInput("a charging session cannot end before it starts")
        if min(self.energy_added_kwh, self.peak_power_kw, self.mean_power_kw) < 0:
            raise InvalidInput("energy and power of a charging session cannot be negative")

    @property
    def duration(self) -> timedelta:
        """How long the vehicle charged."""
        return self.ended_at - self.started_at


def session_id(vehicle_id: int, started_at: datetime) -> str:
    """The id of the session a vehicle started at started_at."""
    return str(uuid.uuid5(SESSION_IDS, f"{vehicle_id}/{started_at.isoformat()}"))


@dataclass(frozen=True, slots=True)
class ChargingQuery:
    """A page of sessions that started within [start, end), newest first."""

    start: datetime | None = None
    end: datetime | None = None
    limit: int = 50
    offset: int = 0

    def __post_init__(self) -> None:
        for at in (self.start, self.end):
            if at is None:
                continue
            if at.utcoffset() is None:
                raise InvalidInput("times must carry their offset from UTC")
            if not EARLIEST <= at < LATEST:
                raise InvalidInput(f"times must be in the years 1970 to 2999, got {at.isoformat()}")
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise InvalidInput(f"from ({self.start.isoformat()}) must be before to")
        if not 1 <= self.limit <= MAX_SESSIONS_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_SESSIONS_PAGE}, got {self.limit}")
        if not 0 <= self.offset <= MAX_OFFSET:
            raise InvalidInput(f"offset must be between 0 and {MAX_OFFSET}, got {self.offset}")


@dataclass(frozen=True, slots=True)
class ChargingPage:
    """One page of sessions and how many there are in the whole range."""

    sessions: tuple[ChargingSession, ...]
    total: int
