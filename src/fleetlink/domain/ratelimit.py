"""Token buckets as GCRA: the arithmetic of rate limits, with no clock and no storage.

A bucket holds up to `burst` tokens and earns one back every `interval`. The generic cell
rate algorithm (GCRA, what redis-cell's CL.THROTTLE implements) keeps that as one number per
bucket: the theoretical arrival time (TAT), when the bucket would be full again. A request
spends a token when `now >= TAT + interval - burst * interval`; an absent TAT is a full
bucket, so a store may forget buckets once their TAT has passed.

Times are whole microseconds since the epoch, so that this module and the Redis script
(`fleetlink.ratelimit.redis_store`, which mirrors `admit` in Lua) compute exactly the same.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MICROS_PER_SECOND = 1_000_000
MICROS_PER_MINUTE = 60 * MICROS_PER_SECOND
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment: datetime) -> int:
    """A timezone-aware moment as whole microseconds since the epoch, without float rounding."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _ceil_seconds(us: int) -> int:
    return -(-us // MICROS_PER_SECOND)


@dataclass(frozen=True, slots=True)
class Rate:
    """A bucket's size: `burst` tokens, refilled at `per_minute`."""

    per_minute: int
    burst: int

    def __post_init__(self) -> None:
        if self.per_minute < 1 or self.burst < 1:
            raise ValueError(f"a rate needs per_minute ≥ 1 and burst ≥ 1, not {self}")

    @property
    def interval_us(self) -> int:
        """Microseconds to earn one token back."""
        # Floor, not round: at most 1 µs per token more generous than asked, never stricter.
        return max(1, MICROS_PER_MINUTE // self.per_minute)

    @property
    def capacity_us(self) -> int:
        """How far the TAT may run ahead of now: the whole burst's worth of intervals."""
        return self.interval_us * self.burst


@dataclass(frozen=True, slots=True)
class Verdict:
    """One answer about one request: let it through or not, and what to tell the caller."""

    allowed: bool
    limit: int
    remaining: int
    retry_after_us: int  # 0 when allowed
    reset_us: int  # until the bucket is full again

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds for a Retry-After header: rounded up, and never 0."""
        return max(1, _ceil_seconds(self.retry_after_us))

    @property
    def reset_seconds(self) -> int:
        """Whole seconds until the bucket is full again, rounded up."""
        return _ceil_seconds(self.reset_us)


def step(tat_us: int | None, now_us: int, rate: Rate) -> tuple[Verdict, int]:
    """Try to spend one token of a bucket; the verdict, and the TAT to store if allowed."""
    tat = now_us if tat_us is None else max(tat_us, now_us)
    new_tat = tat + rate.interval_us
    allow_at = new_tat - rate.capacity_us
    if now_us < allow_at:
        return Verdict(False, rate.burst, 0, allow_at - now_us, tat - now_us), tat
    remaining = (now_us - allow_at) // rate.interval_us
    return Verdict(True, rate.burst, remaining, 0, new_tat - now_us), new_tat


def combine(verdicts: Sequence[Verdict]) -> Verdict:
    """Several buckets' answer: the longest wait if any refuses, else the one nearest empty.

    That is the limit a caller runs into first, as the RateLimit header draft asks.
    """
    if not verdicts:
        raise ValueError("combine needs at least one verdict")
    refused = [v for v in verdicts if not v.allowed]
    if refused:
        return max(refused, key=lambda v: v.retry_after_us)
    return min(verdicts, key=lambda v: (v.remaining, -v.reset_us))


def admit(
    tats_us: Sequence[int | None], now_us: int, rates: Sequence[Rate]
) -> tuple[Verdict, list[int] | None]:
    """Spend a token from every bucket, or from none if any is empty.

    Returns the combined verdict and the TATs to store, or None when nothing may change:
    a refused request costs nothing, so a client throttled on one vehicle keeps its budget.
    """
    steps = [step(tat, now_us, rate) for tat, rate in zip(tats_us, rates, strict=True)]
    verdict = combine([v for v, _ in steps])
    return verdict, ([tat for _, tat in steps] if verdict.allowed else None)
