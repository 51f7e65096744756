"""What a rate-limit backend does: spend one token from several buckets at once."""

from collections.abc import Sequence
from typing import Protocol

from fleetlink.domain.ratelimit import Rate, Verdict


class BucketStore(Protocol):
    """Keeps bucket state (one GCRA TAT per key) and applies `domain.ratelimit.admit` to it."""

    async def acquire(self, buckets: Sequence[tuple[str, Rate]], now_us: int) -> Verdict:
        """Spend one token from every bucket, or none if any is empty, atomically."""
        ...

    async def peek(self, buckets: Sequence[tuple[str, Rate]], now_us: int) -> Verdict:
        """What acquire would answer now, spending nothing."""
        ...

    async def close(self) -> None:
        """Release connections, if any."""
        ...
