"""Trips and their routes, and the compact encoding a route is stored in."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from itertools import accumulate
from typing import NamedTuple

from fleetlink.domain.errors import InvalidInput

MAX_TRIPS_PAGE = 50
MAX_OFFSET = 2**31 - 1
_COORD_SCALE = 1e5  # 1e-5 degree is about 1.1 m: finer than consumer GPS
# A polyline value: characters with the continuation bit ('_'…'~'), then one without ('?'…'^').
_VALUE = re.compile(r"[_-~]*[?-^]")
_ENCODED = re.compile(r"(?:[_-~]*[?-^])*")


class RoutePoint(NamedTuple):
    """A point of a route, with the vehicle's time for it.

    A named tuple rather than a dataclass: a page of trips decodes thousands of these, and a
    tuple is made in C (decode_route), at a fifth of a frozen dataclass's cost.
    """

    latitude: float
    longitude: float
    at: datetime


@dataclass(frozen=True, slots=True)
class Trip:
    """A finished trip, in SI units."""

    id: str
    vehicle_id: int
    start: RoutePoint
    end: RoutePoint
    distance_km: float
    max_speed_kmh: float
    route: tuple[RoutePoint, ...] = ()
    start_address: str | None = None
    end_address: str | None = None
    # The traction battery's charge and the tank's level as the trip began and ended, when
    # the vehicle reports them: what the trip used (docs/charging.md, statistics).
    soc_from_pct: float | None = None
    soc_to_pct: float | None = None
    fuel_from_pct: float | None = None
    fuel_to_pct: float | None = None

    def __post_init__(self) -> None:
        if self.end.at < self.start.at:
            raise InvalidInput("a trip cannot end before it starts")
        if self.distance_km < 0 or self.max_speed_kmh < 0:
            raise InvalidInput("trip distance and speed cannot be negative")

    @property
    def duration(self) -> timedelta:
        """How long the trip took."""
        return self.end.at - self.start.at

    @property
    def average_speed_kmh(self) -> float:
        """Distance over duration; zero for a trip of no duration."""
        hours = self.duration.total_seconds() / 3600.0
        return self.distance_km / hours if hours > 0 else 0.0


@dataclass(frozen=True, slots=True)
class TripQuery:
    """A page of trips that started between two dates, inclusive."""

    from_date: date
    to_date: date
    limit: int = MAX_TRIPS_PAGE
    offset: int = 0
    include_route: bool = False

    def __post_init__(self) -> None:
        if self.from_date > self.to_date:
            raise InvalidInput(
                f"fromDate ({self.from_date}) must not be after toDate ({self.to_date})"
            )
        if not 1 <= self.limit <= MAX_TRIPS_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_TRIPS_PAGE}, got {self.limit}")
        if not 0 <= self.offset <= MAX_OFFSET:
            raise InvalidInput(f"offset must be between 0 and {MAX_OFFSET}, got {self.offset}")


@dataclass(frozen=True, slots=True)
class TripPage:
    """One page of trips and how many there are in the whole range."""

    trips: tuple[Trip, ...]
    total: int


def _encode_signed(value: int, out: list[str]) -> None:
    value = ~(value << 1) if value < 0 else value << 1
    while value >= 0x20:
        out.append(chr((0x20 | (value & 0x1F)) + 63))
        value >>= 5
    out.append(chr(value + 63))


def _scaled(point: RoutePoint) -> tuple[int, int, int]:
    return (
        round(point.latitude * _COORD_SCALE),
        round(point.longitude * _COORD_SCALE),
        int(point.at.timestamp()),
    )


def encode_route(points: Sequence[RoutePoint], after: RoutePoint | None = None) -> str:
    """Encode a route as one string: Google's polyline algorithm over (lat, lon, seconds).

    The first point's time is absolute (Unix seconds); every value after is a delta,
    so a route of a few hundred points takes a few kilobytes. Given the last point of an
    encoded route as after, the result extends that route: appending needs no decoding.
    """
    out: list[str] = []
    previous = (0, 0, 0) if after is None else _scaled(after)
    for point in points:
        current = _scaled(point)
        for now_value, before in zip(current, previous, strict=True):
            _encode_signed(now_value - before, out)
        previous = current
    return "".join(out)


def _signed(chunk: str) -> int:
    """The signed integer one polyline value encodes."""
    result = shift = 0
    for char in chunk:
        result |= ((ord(char) - 63) & 0x1F) << shift
        shift += 5
    return ~(result >> 1) if result & 1 else result >> 1


class _Chunks(dict[str, int]):
    """Every value of one or two characters decoded up front, of three kept once met.

    Nearly every delta of a route fits in three characters (up to ±16,383: some 18 km of
    latitude, or 4.5 hours), so decoding a route is a dictionary lookup a value, made in C by
    map. The three-character values are 32,768 at most; longer ones (a route's first point)
    are decoded each time.
    """

    def __missing__(self, chunk: str) -> int:
        value = _signed(chunk)
        if len(chunk) == 3:
            self[chunk] = value
        return value


_CHUNKS = _Chunks()
for _last in range(ord("?"), ord("^") + 1):
    _CHUNKS[chr(_last)] = _signed(chr(_last))
    for _first in range(ord("_"), ord("~") + 1):
        _CHUNKS[chr(_first) + chr(_last)] = _signed(chr(_first) + chr(_last))


def _values(encoded: str) -> list[int]:
    """The signed integers of a polyline string."""
    if not _ENCODED.fullmatch(encoded):
        raise InvalidInput("corrupt route encoding: it ends in the middle of a value")
    return list(map(_CHUNKS.__getitem__, _VALUE.findall(encoded)))


# RoutePoint._make checks the length in Python; zip's tuples always hold three.
_new_point = partial(tuple.__new__, RoutePoint)


def decode_route(encoded: str) -> tuple[RoutePoint, ...]:
    """Decode what encode_route wrote, times in UTC."""
    values = _values(encoded)
    if len(values) % 3:
        raise InvalidInput("corrupt route encoding: points are not whole")
    lats, lons, times = (accumulate(values[i::3]) for i in range(3))
    to_time = datetime.fromtimestamp
    return tuple(
        map(
            _new_point,
            zip(
                [lat / _COORD_SCALE for lat in lats],
                [lon / _COORD_SCALE for lon in lons],
                [to_time(seconds, UTC) for seconds in times],
                strict=True,
            ),
        )
    )
