"""Dead letters: uplink messages set aside because they could not be stored, with why."""

from dataclasses import dataclass
from datetime import datetime

# A reason for messages whose decoding passed but whose storing failed, not a codec rule.
STORE_FAILED = "store_failed"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One message as it arrived, and the reason it was set aside."""

    id: str
    topic: str
    vin: str | None
    reason: str
    error: str
    payload: bytes
    received_at: datetime
    set_aside_at: datetime
    replays: int = 0
