"""RFC 3339 date-times as the contracts' `format: date-time` means them, for every façade.

Pydantic's lax datetime takes a number as a Unix time ("0.5" became 1970-01-01T00:00:00.5Z)
and its strict one takes no string at all, so a façade parses these itself.
"""

from datetime import datetime


def parse_date_time(raw: object) -> datetime:
    """The date-time raw spells, with its UTC offset; ValueError saying what is wrong."""
    if not isinstance(raw, str) or "T" not in raw.upper():
        raise ValueError("must be an RFC 3339 date-time string, such as 2026-01-05T08:00:00Z")
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"must be an RFC 3339 date-time, got {raw[:40]!r}") from None
    if parsed.utcoffset() is None:
        raise ValueError("must carry its offset from UTC (Z or ±hh:mm)")
    return parsed
