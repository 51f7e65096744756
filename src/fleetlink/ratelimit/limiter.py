"""The limiter: which buckets a request spends from, and what happens when Redis is away."""

import time
from datetime import datetime

import structlog
from prometheus_client import Counter
from redis.exceptions import RedisError

from fleetlink.domain.ratelimit import Rate, Verdict, micros
from fleetlink.ratelimit.memory import MemoryBucketStore
from fleetlink.ratelimit.store import BucketStore

log = structlog.get_logger(__name__)

REFUSED = Counter("fleetlink_ratelimit_refused_total", "Requests refused with 429 by a rate limit")
FALLBACKS = Counter(
    "fleetlink_ratelimit_fallbacks_total",
    "Rate-limit checks answered from this process's memory because the shared store failed",
)
RETRY_SHARED_AFTER_S = 5.0  # how long to stay on memory buckets after the shared store fails


class Limiter:
    """Per-client and per-vehicle token buckets over one store.

    A client's vehicle buckets are its own (`client × VIN`): the VIN is checked for access
    only after the limit, so a bucket shared by every caller of a VIN would let anyone who
    knows a VIN throttle its owner's app. Both keys carry the client in a hash tag, so one
    check's keys share a Redis Cluster slot.

    If the shared store fails, the limiter answers from buckets in this process's memory
    (logged once per outage, counted in FALLBACKS) and tries the store again a few seconds
    later: a Redis outage loosens limits to per-process ones instead of failing requests.
    """

    def __init__(
        self,
        store: BucketStore,
        *,
        client: Rate,
        vehicle: Rate,
        prefix: str = "fleetlink:ratelimit:",
    ) -> None:
        self.store = store
        self.client = client
        self.vehicle = vehicle
        self.prefix = prefix
        self._local = store if isinstance(store, MemoryBucketStore) else MemoryBucketStore()
        self._shared_down_until: float | None = None

    def buckets(self, client_key: str, vin: str | None) -> list[tuple[str, Rate]]:
        """The keys and rates one request spends from."""
        tag = f"{self.prefix}{{{client_key}}}"
        buckets = [(f"{tag}:client", self.client)]
        if vin is not None:
            # The façades accept a VIN in any case; one bucket per vehicle, not per spelling.
            buckets.append((f"{tag}:vehicle:{vin.strip().upper()}", self.vehicle))
        return buckets

    async def check(self, client_key: str, vin: str | None, now: datetime) -> Verdict:
        """Spend a token of the client's bucket and of its bucket for the VIN, if any."""
        return await self.spend(self.buckets(client_key, vin), now)

    def key(self, tag: str, name: str) -> str:
        """A bucket key of one's own (sign-in attempts…); buckets of one tag share a slot."""
        return f"{self.prefix}{{{tag}}}:{name}"

    async def spend(self, buckets: list[tuple[str, Rate]], now: datetime) -> Verdict:
        """Spend a token of every bucket, or of none."""
        return await self._verdict(buckets, now, spend=True)

    async def peek(self, buckets: list[tuple[str, Rate]], now: datetime) -> Verdict:
        """Whether spend would be allowed now, spending nothing (for limits on failures)."""
        return await self._verdict(buckets, now, spend=False)

    async def _verdict(
        self, buckets: list[tuple[str, Rate]], now: datetime, *, spend: bool
    ) -> Verdict:
        now_us = micros(now)
        verdict = await self._shared(buckets, now_us, spend)
        if verdict is None:
            FALLBACKS.inc()
            verdict = await _ask(self._local, buckets, now_us, spend)
        if not verdict.allowed:
            REFUSED.inc()
        return verdict

    async def _shared(
        self, buckets: list[tuple[str, Rate]], now_us: int, spend: bool
    ) -> Verdict | None:
        if self.store is self._local:
            return await _ask(self._local, buckets, now_us, spend)
        if self._shared_down_until is not None and time.monotonic() < self._shared_down_until:
            return None
        try:
            verdict = await _ask(self.store, buckets, now_us, spend)
        except (RedisError, OSError) as exc:
            if self._shared_down_until is None:
                log.warning("ratelimit.store_unreachable", error=str(exc), fallback="memory")
            self._shared_down_until = time.monotonic() + RETRY_SHARED_AFTER_S
            return None
        if self._shared_down_until is not None:
            log.info("ratelimit.store_back")
            self._shared_down_until = None
        return verdict

    async def close(self) -> None:
        """Release the store's connections."""
        await self.store.close()


async def _ask(
    store: BucketStore, buckets: list[tuple[str, Rate]], now_us: int, spend: bool
) -> Verdict:
    return await (store.acquire if spend else store.peek)(buckets, now_us)
