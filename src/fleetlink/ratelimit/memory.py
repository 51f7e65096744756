"""Buckets in this process's memory: the default, and the stand-in while Redis is away."""

from collections.abc import Sequence

from fleetlink.domain.ratelimit import Rate, Verdict, admit

SWEEP_EVERY = 4096  # writes between two sweeps of idle buckets


class MemoryBucketStore:
    """A dict of TATs; atomic because acquire() never awaits between reading and writing."""

    def __init__(self) -> None:
        self._tats: dict[str, int] = {}
        self._writes = 0

    def __len__(self) -> int:
        return len(self._tats)

    async def acquire(self, buckets: Sequence[tuple[str, Rate]], now_us: int) -> Verdict:
        """Spend one token from every bucket, or none if any is empty."""
        keys = [key for key, _ in buckets]
        verdict, tats = admit(
            [self._tats.get(key) for key in keys], now_us, [rate for _, rate in buckets]
        )
        if tats is not None:
            self._tats.update(zip(keys, tats, strict=True))
            self._writes += 1
            if self._writes % SWEEP_EVERY == 0:
                self.sweep(now_us)
        return verdict

    async def peek(self, buckets: Sequence[tuple[str, Rate]], now_us: int) -> Verdict:
        """What acquire would answer now, spending nothing."""
        tats = [self._tats.get(key) for key, _ in buckets]
        return admit(tats, now_us, [rate for _, rate in buckets])[0]

    def sweep(self, now_us: int) -> None:
        """Forget full buckets: an absent bucket is a full one, as Redis's TTL makes it."""
        self._tats = {key: tat for key, tat in self._tats.items() if tat > now_us}

    async def close(self) -> None:
        """Nothing to release."""
