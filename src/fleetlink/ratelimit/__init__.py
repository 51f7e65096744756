"""Rate limits: token buckets per API client and per vehicle, in memory or in Redis.

The arithmetic is `fleetlink.domain.ratelimit` (pure GCRA); this package keeps the buckets
(`memory`, `redis_store`) and decides which ones a request spends from (`limiter`). The HTTP
side, shared by both façades, is `fleetlink.api.ratelimit`.
"""

from fleetlink.domain.ratelimit import Rate
from fleetlink.ratelimit.limiter import Limiter
from fleetlink.ratelimit.memory import MemoryBucketStore
from fleetlink.ratelimit.redis_store import RedisBucketStore
from fleetlink.ratelimit.store import BucketStore

__all__ = ["BucketStore", "Limiter", "MemoryBucketStore", "Rate", "RedisBucketStore"]
