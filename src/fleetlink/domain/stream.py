"""Reading the outbox in order while other transactions still write to it: a cursor.

Positions are handed out when an event is inserted, but transactions commit in their own
order: on PostgreSQL, position 11 can be visible while 10 is still being written. A reader
that moved past 10 on seeing 11 would never tell 10. So the cursor keeps a floor (every
position at or below it was told or given up) and remembers the holes above it; a hole is
waited for `hole_wait` (a transaction still running fills it), then given up (one that
rolled back, or a row retention deleted, never will). The reader asks again for everything
above the floor and tells only what it has not told yet.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

T = TypeVar("T")
HOLE_WAIT = timedelta(seconds=10)
# More positions than this below what was read are not waited for: no set of transactions
# in flight at once writes that many, and a resume past a range retention deleted would
# otherwise wait on every one of them.
MAX_GAP = 10_000


@dataclass
class Cursor:
    """Where a reader of the outbox stands; take() turns each read into what is new."""

    floor: int
    hole_wait: timedelta = HOLE_WAIT
    _told: set[int] = field(default_factory=set)
    _holes: dict[int, datetime] = field(default_factory=dict)

    def take(self, rows: Sequence[tuple[int, T]], now: datetime) -> list[tuple[int, T]]:
        """The rows (read above the floor, in order) not told before; moves the floor up."""
        new = [(p, row) for p, row in rows if p > self.floor and p not in self._told]
        self._told.update(p for p, _ in new)
        top = max(self._told, default=self.floor)
        if top - self.floor > MAX_GAP:
            self.floor = top - MAX_GAP
            self._told = {p for p in self._told if p > self.floor}
            self._holes = {p: at for p, at in self._holes.items() if p > self.floor}
        for p in range(self.floor + 1, top):
            if p not in self._told:
                self._holes.setdefault(p, now)
        for p in [p for p in self._holes if p in self._told]:
            del self._holes[p]  # filled: a late commit
        while True:
            nxt = self.floor + 1
            if nxt in self._told:
                self._told.discard(nxt)
            elif nxt in self._holes and now - self._holes[nxt] >= self.hole_wait:
                del self._holes[nxt]
            else:
                break
            self.floor = nxt
        return new

    @property
    def waiting(self) -> int:
        """How many holes it still waits for."""
        return len(self._holes)
