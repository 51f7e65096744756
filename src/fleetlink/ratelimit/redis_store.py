"""Buckets in Redis, so that every server process spends from the same ones.

One Lua script per check, so one round trip and no race between processes: it mirrors
`domain.ratelimit.admit` (all buckets or none) over integer microseconds. The clock is the
Redis server's TIME, the one clock every process agrees on; each bucket's key expires when
the bucket would be full again, so idle buckets disappear on their own.

The keys of one check must live in one Redis Cluster slot; the limiter puts the client's
name in a hash tag (`{…}`) for that.
"""

from collections.abc import Sequence

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from fleetlink.domain.ratelimit import Rate, Verdict, combine

# KEYS: the buckets. ARGV[1]: now in µs, or "" for the server's TIME; then, per key, the
# interval in µs and the burst; last, "1" to spend or "0" to only look. Returns, per key:
# allowed (0/1), remaining, retry_after_us, reset_us. Writes only when every bucket allows
# and the caller spends, like admit().
GCRA_SCRIPT = """
local now
if ARGV[1] == '' then
  -- Only Redis < 5 needs this to write after reading a clock; later versions ignore it.
  if redis.replicate_commands then redis.replicate_commands() end
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000000 + tonumber(time[2])
else
  now = tonumber(ARGV[1])
end
local out, tats, all = {}, {}, true
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local new_tat = tat + interval
  local allow_at = new_tat - interval * burst
  if now < allow_at then
    all = false
    for _, v in ipairs({0, 0, allow_at - now, tat - now}) do out[#out + 1] = v end
  else
    tats[i] = new_tat
    local remaining = math.floor((now - allow_at) / interval)
    for _, v in ipairs({1, remaining, 0, new_tat - now}) do out[#out + 1] = v end
  end
end
if all and ARGV[2 * #KEYS + 2] == '1' then
  for i, key in ipairs(KEYS) do
    local ttl_ms = math.max(1, math.ceil((tats[i] - now) / 1000))
    -- %d: tostring() would write a large number as 1.7e+15 and lose microseconds.
    redis.call('SET', key, string.format('%d', tats[i]), 'PX', string.format('%d', ttl_ms))
  end
end
return out
"""


class RedisBucketStore:
    """GCRA buckets in Redis over one shared connection pool."""

    def __init__(self, client: Redis, *, use_caller_clock: bool = False) -> None:
        # The caller's clock is for tests that replay exact times; servers use Redis's TIME,
        # since the clocks of several machines drift apart and each would refill on its own.
        self._client = client
        self._script = client.register_script(GCRA_SCRIPT)
        self._use_caller_clock = use_caller_clock

    @classmethod
    def from_url(cls, url: str, *, timeout_s: float = 0.5) -> "RedisBucketStore":
        """A store over a new pool; nothing connects until the first check."""
        # A short timeout and one immediate retry (for a pooled connection a Redis restart
        # closed), not redis-py's ten with backoff: a check that waits holds up a request,
        # and the limiter answers from memory when Redis fails.
        client = Redis.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 1),
        )
        return cls(client)

    async def acquire(self, buckets: Sequence[tuple[str, Rate]], now_us: int) -> Verdict:
        """Spend one token from every bucket, or none if any is empty, in one round trip."""
        return await self._run(buckets, now_us, spend=True)

    async def peek(self, buckets: Sequence[tuple[str, Rate]], now_us: int) -> Verdict:
        """What acquire would answer now, spending nothing."""
        return await self._run(buckets, now_us, spend=False)

    async def _run(
        self, buckets: Sequence[tuple[str, Rate]], now_us: int, *, spend: bool
    ) -> Verdict:
        args: list[int | str] = [now_us if self._use_caller_clock else ""]
        for _, rate in buckets:
            args += [rate.interval_us, rate.burst]
        args.append(1 if spend else 0)
        flat = await self._script(keys=[key for key, _ in buckets], args=args)
        verdicts = []
        for index, (_, rate) in enumerate(buckets):
            allowed, remaining, retry_after_us, reset_us = (
                int(n) for n in flat[4 * index : 4 * index + 4]
            )
            verdicts.append(Verdict(bool(allowed), rate.burst, remaining, retry_after_us, reset_us))
        return combine(verdicts)

    async def close(self) -> None:
        """Close the pool's connections."""
        await self._client.aclose()
