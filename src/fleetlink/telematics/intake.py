"""What the uplink does with a batch: decode each message, store what can be, say what cannot.

Shared by the live link and by replays of dead letters, so a replayed message meets exactly
the checks it first failed.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import structlog

from fleetlink.domain.deadletters import STORE_FAILED
from fleetlink.domain.text import scrubbed
from fleetlink.services.context import ServiceContext
from fleetlink.services.ingestion import ingest_isolating
from fleetlink.services.telemetry import Arrival, IngestResult
from fleetlink.telematics import metrics
from fleetlink.telematics.codec import decode_message
from fleetlink.telematics.payload import DEFAULT_WINDOW, MalformedMessage, TimeWindow
from fleetlink.telematics.topics import parse_topic

log = structlog.get_logger(__name__)
# Unknown signals are counted by name, but a metric's labels must stay few: names that look
# like VSS, up to a bound per process; the rest are counted together.
_VSS_NAME = re.compile(r"Vehicle(\.[A-Za-z][A-Za-z0-9_]{0,63}){1,12}")
MAX_NAMED_UNKNOWN = 256
DECODE_FAILED = "decode_failed"
_named_unknown: set[str] = set()


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message off the wire, as it arrived."""

    topic: str
    payload: bytes
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Refused:
    """A message of the batch that was not stored, and why."""

    index: int
    reason: str
    error: str


@dataclass
class Taken:
    """What a batch did: the ingest totals, and the messages refused."""

    result: IngestResult = field(default_factory=IngestResult)
    refused: list[Refused] = field(default_factory=list)


def unknown_signal_label(name: str) -> str:
    """The metric label an unknown signal is counted under."""
    if _VSS_NAME.fullmatch(name) and (
        name in _named_unknown or len(_named_unknown) < MAX_NAMED_UNKNOWN
    ):
        _named_unknown.add(name)
        return name
    return "other"


def _vin_of(topic_name: str) -> str | None:
    parsed = parse_topic(topic_name)
    return scrubbed(parsed.vin, 17) if parsed else None


class Intake:
    """Decodes with the deployment's time window and stores through the services."""

    def __init__(self, ctx: ServiceContext, window: TimeWindow = DEFAULT_WINDOW) -> None:
        self._ctx = ctx
        self._window = window

    async def take(self, batch: Sequence[Incoming]) -> Taken:
        """Store what can be stored; raise Unavailable if the store cannot be reached."""
        taken = Taken()
        arrivals: list[Arrival] = []
        positions: list[int] = []
        for index, incoming in enumerate(batch):
            arrival = self._decode(index, incoming, taken)
            if arrival is not None:
                arrivals.append(arrival)
                positions.append(index)
        isolated = await ingest_isolating(self._ctx, arrivals)
        taken.result = isolated.result
        for position, error in sorted(isolated.failed.items()):
            taken.refused.append(Refused(positions[position], STORE_FAILED, error))
        return taken

    def _decode(self, index: int, incoming: Incoming, taken: Taken) -> Arrival | None:
        try:
            decoded = decode_message(
                incoming.topic, incoming.payload, incoming.received_at, self._window
            )
        except MalformedMessage as exc:
            metrics.DROPPED.labels(exc.reason).inc()
            log.warning(
                "mqtt.malformed",
                topic=scrubbed(incoming.topic, 200),
                vin=_vin_of(incoming.topic),
                reason=exc.reason,
                detail=exc.detail,
            )
            taken.refused.append(Refused(index, exc.reason, scrubbed(exc.detail, 2000)))
            return None
        except Exception as exc:
            # A rule the codec missed: this message's fault all the same, never the fleet's.
            metrics.DROPPED.labels(DECODE_FAILED).inc()
            log.error("mqtt.decode_failed", vin=_vin_of(incoming.topic), exc_info=exc)
            error = scrubbed(f"{type(exc).__name__}: {exc}", 2000)
            taken.refused.append(Refused(index, DECODE_FAILED, error))
            return None
        for name in decoded.unknown_signals:
            metrics.UNKNOWN_SIGNALS.labels(unknown_signal_label(name)).inc()
        if decoded.unknown_signals:
            log.debug(
                "mqtt.unknown_signals",
                vin=decoded.report.vin,
                signals=list(decoded.unknown_signals[:10]),
            )
        return Arrival(decoded.report, decoded.channel.value, decoded.body, incoming.received_at)
