"""The messages a simulated unit sends: protocol v1 envelopes for its uplink."""

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message for the vehicle's uplink: channel name and JSON body."""

    channel: str
    body: dict[str, Any]


def envelope(channel: str, rng: random.Random, now: datetime, **body: Any) -> Outgoing:
    """A message with its version, id and the vehicle's own timestamp."""
    h = f"{rng.getrandbits(128):032x}"
    return Outgoing(
        channel,
        {
            "v": 1,
            # A UUID's text form, from the seeded generator so lives repeat exactly.
            "id": f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}",
            "ts": now.isoformat().replace("+00:00", "Z"),
            **body,
        },
    )
