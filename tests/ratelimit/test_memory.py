"""The in-memory limiter: buckets per client and per client's vehicle, on the service clock."""

from datetime import timedelta

from fleetlink.domain.ratelimit import Rate, micros
from fleetlink.ratelimit import Limiter, MemoryBucketStore
from tests.conftest import Clock

VIN_A = "JTDKARFU0J3000001"
VIN_B = "JTDKARFU0J3000002"


def _limiter(store: MemoryBucketStore | None = None) -> Limiter:
    return Limiter(
        MemoryBucketStore() if store is None else store,
        client=Rate(per_minute=60, burst=5),
        vehicle=Rate(per_minute=6, burst=2),
    )


async def test_a_client_gets_its_burst_then_waits_for_the_next_token(clock: Clock) -> None:
    limiter = _limiter()

    verdicts = [await limiter.check("c1", None, clock()) for _ in range(6)]
    clock.advance(timedelta(seconds=verdicts[-1].retry_after_seconds))
    after_waiting = await limiter.check("c1", None, clock())

    assert [v.allowed for v in verdicts] == [True] * 5 + [False]
    assert verdicts[-1].retry_after_seconds == 1
    assert after_waiting.allowed


async def test_clients_do_not_share_a_budget(clock: Clock) -> None:
    limiter = _limiter()
    for _ in range(5):
        await limiter.check("c1", None, clock())

    assert not (await limiter.check("c1", None, clock())).allowed
    assert (await limiter.check("c2", None, clock())).allowed


async def test_a_vehicle_budget_is_per_vin_and_reported_when_tighter(clock: Clock) -> None:
    limiter = _limiter()

    first = await limiter.check("c1", VIN_A, clock())
    await limiter.check("c1", VIN_A, clock())
    refused = await limiter.check("c1", VIN_A, clock())
    other_vin = await limiter.check("c1", VIN_B, clock())

    assert (first.limit, first.remaining) == (2, 1)  # the vehicle's bucket, nearer empty
    assert not refused.allowed and refused.retry_after_seconds == 10
    assert other_vin.allowed


async def test_a_request_refused_for_a_vehicle_costs_the_client_nothing(clock: Clock) -> None:
    limiter = _limiter()
    for _ in range(2):
        await limiter.check("c1", VIN_A, clock())
    for _ in range(10):
        await limiter.check("c1", VIN_A, clock())

    # Two tokens spent by the allowed requests, none by the ten refusals.
    assert (await limiter.check("c1", None, clock())).remaining == 2


async def test_a_vehicle_budget_belongs_to_one_client(clock: Clock) -> None:
    limiter = _limiter()
    for _ in range(3):
        await limiter.check("someone-else", VIN_A, clock())

    assert (await limiter.check("owner", VIN_A, clock())).allowed


async def test_full_buckets_are_forgotten(clock: Clock) -> None:
    store = MemoryBucketStore()
    limiter = _limiter(store)
    await limiter.check("c1", VIN_A, clock())
    assert len(store) == 2

    clock.advance(timedelta(seconds=9))
    store.sweep(micros(clock()))
    assert len(store) == 1  # the client's bucket refilled after 1 s; the vehicle's needs 10

    clock.advance(timedelta(seconds=1))
    store.sweep(micros(clock()))
    assert len(store) == 0
