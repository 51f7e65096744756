"""The first line of defence: a vehicle's bytes become a JSON object every store accepts, or not.

Whatever passes here is strict UTF-8 JSON of bounded size and depth, with finite numbers and
no text a database refuses (NUL, lone surrogates), so nothing a vehicle sends can make a
later commit fail. The codec then checks meaning: fields, types, ranges and times.
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fleetlink.domain.text import UNSTORABLE, scrubbed

MAX_PAYLOAD_BYTES = 64 * 1024
# Protocol v1 nests three levels at most (a command's params); a little room for extensions.
MAX_DEPTH = 8
_HUGE_NUMBER = re.compile(r"[0-9.][eE]\+?0*[0-9]{3}|[0-9]{300}")


class MalformedMessage(ValueError):
    """A message that breaks the protocol; reason says how, for the log, counter and dead letter."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _refuse_constant(name: str) -> Any:
    raise MalformedMessage("bad_number", f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise MalformedMessage("bad_number", f"{text[:32]} does not fit a double")
    return value


# Built once: json.loads with any option builds a decoder per call, which costs more than
# the parse of a whole sample.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)
_FINITE_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite)


def parse(payload: bytes) -> Any:
    """Parse a payload as strict JSON, refusing what a store could not keep."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise MalformedMessage("too_large", f"{len(payload)} bytes > {MAX_PAYLOAD_BYTES}")
    try:
        # Strict UTF-8 first: json.loads on bytes would let encoded surrogates through.
        text = payload.decode("utf-8")
        # Only a number written with a large exponent, or hundreds of digits, can overflow
        # a double; checking every float through a callback would cost every sample.
        decoder = _FINITE_DECODER if _HUGE_NUMBER.search(text) else _DECODER
        body = decoder.decode(text)
    except RecursionError as exc:
        raise MalformedMessage("too_deep", f"nested deeper than {MAX_DEPTH}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, MalformedMessage):
            raise
        raise MalformedMessage("not_json", str(exc)[:200]) from exc
    escapes = "\\u" in text
    # Only an escape (\u0000, \ud800) can put unstorable text in strict UTF-8 JSON, and a
    # body with no more brackets than the depth allowed cannot nest deeper: the common
    # sample needs no walk at all.
    if escapes or text.count("{") + text.count("[") > MAX_DEPTH:
        check_tree(body, escapes=escapes)
    return body


def check_tree(body: Any, *, escapes: bool = True) -> None:
    """Refuse a parsed body nested too deep or holding text a store refuses."""
    stack: list[tuple[Any, int]] = [(body, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if depth > MAX_DEPTH:
                raise MalformedMessage("too_deep", f"nested deeper than {MAX_DEPTH}")
            for key, value in node.items():
                if escapes:
                    storable_text(key)
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            if depth > MAX_DEPTH:
                raise MalformedMessage("too_deep", f"nested deeper than {MAX_DEPTH}")
            stack.extend((value, depth + 1) for value in node)
        elif escapes and isinstance(node, str):
            storable_text(node)
        elif isinstance(node, float) and node != node:  # NaN, from a sender in this process
            raise MalformedMessage("bad_number", "NaN is not a JSON number")


def storable_text(value: str) -> str:
    """Return value if every store can keep it, else raise MalformedMessage."""
    found = UNSTORABLE.search(value)
    if found is not None:
        raise MalformedMessage(
            "bad_text", f"U+{ord(found.group()):04X} at {found.start()} cannot be stored"
        )
    return value


def printable(value: str) -> str:
    """value with anything unstorable replaced, for logs and dead letters."""
    return scrubbed(value)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """How far from a message's arrival the vehicle's own time may plausibly be."""

    ahead: timedelta = timedelta(minutes=5)
    behind: timedelta = timedelta(days=31)

    def check(self, at: datetime, received_at: datetime, key: str) -> datetime:
        """at, if it lies in the window around received_at; else raise MalformedMessage."""
        if at - received_at > self.ahead:
            raise MalformedMessage(
                "from_future",
                f"{key}={at.isoformat()} is more than {self.ahead} ahead of "
                f"{received_at.isoformat()}",
            )
        if received_at - at > self.behind:
            raise MalformedMessage(
                "too_old",
                f"{key}={at.isoformat()} is more than {self.behind} before "
                f"{received_at.isoformat()}",
            )
        return at


DEFAULT_WINDOW = TimeWindow()


def parse_time(raw: object, key: str) -> datetime:
    """An RFC 3339 time with an offset, as aware UTC; any calendar edge is refused cleanly."""
    if not isinstance(raw, str) or len(raw) > 40:
        raise MalformedMessage("bad_timestamp", f"{key} must be an RFC 3339 string")
    try:
        at = datetime.fromisoformat(raw)
        if at.tzinfo is None:
            raise MalformedMessage("bad_timestamp", f"{key}={raw!r} has no offset")
        # 0001-01-01T00:00+01:00 and 9999-12-31T23:59-01:00 lie outside datetime in UTC.
        return at.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        if isinstance(exc, MalformedMessage):
            raise
        raise MalformedMessage("bad_timestamp", f"{key}={printable(raw)!r}") from exc
