"""How busy a piece of work keeps the process: a share of the last second, decaying.

Ingestion marks its batches with it, and work that can wait (webhook delivery) asks it
before each turn: while ingestion is saturated, the waiting work takes smaller turns with
pauses between them, so that acknowledging vehicles' data comes first (docs/events.md).
"""

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Busy time counts for about this long: the gauge answers for the last second or so.
WINDOW_S = 0.1


class BusyGauge:
    """The share of recent wall time spent inside `busy()` blocks (overlaps add up)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._busy_s = 0.0
        self._at = clock()

    def _decayed(self, now: float) -> float:
        return self._busy_s * math.exp(-(now - self._at) / WINDOW_S)

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Count the time the block takes as busy."""
        began = self._clock()
        try:
            yield
        finally:
            now = self._clock()
            # The block's own time, weighted as it fades: its older part counts less.
            own = WINDOW_S * (1 - math.exp(-(now - began) / WINDOW_S))
            self._busy_s = self._decayed(now) + own
            self._at = now

    def share(self) -> float:
        """Busy seconds in about the last second, from 0 (idle) up (1: busy throughout)."""
        return self._decayed(self._clock()) / WINDOW_S
