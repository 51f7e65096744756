"""Pages of a long list: a filter, a limit, and an opaque cursor over a stable, unique key.

A cursor is the last key of the page before, so a page is an index range scan whatever the
list's length, and rows added or removed meanwhile shift no page (unlike an offset).
"""

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.vehicle import ConnectionState, Powertrain

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_KEY = 320


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list, and the cursor of the next (None on the last)."""

    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class VehicleFilter:
    """Which vehicles an operator lists; every field left None matches all."""

    # The owner's guid (services also take an email and resolve it).
    owner: str | None = None
    make: str | None = None
    powertrain: Powertrain | None = None
    connection: ConnectionState | None = None
    seen_before: datetime | None = None
    seen_after: datetime | None = None


def check_limit(limit: int) -> int:
    """A page size between 1 and MAX_LIMIT."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    return limit


def encode_cursor(key: str) -> str:
    """The opaque cursor that resumes after key."""
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The key a cursor resumes after; InvalidInput if this server did not make it."""
    if cursor is None:
        return None
    try:
        key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(f"cursor {cursor[:40]!r} is not one this server gave") from exc
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise InvalidInput(f"cursor {cursor[:40]!r} is not one this server gave")
    return key


def page_of(rows: list[T], limit: int, key_of: Callable[[T], str]) -> Page[T]:
    """A page from up to limit + 1 rows read: the extra one only says there is more."""
    if len(rows) <= limit:
        return Page(rows, None)
    kept = rows[:limit]
    return Page(kept, encode_cursor(key_of(kept[-1])))
