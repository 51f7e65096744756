"""The GCRA arithmetic behaves as a token bucket: a burst, then one token per interval."""

from datetime import UTC, datetime, timedelta

import pytest

from fleetlink.domain.ratelimit import Rate, Verdict, admit, combine, micros, step

NOW = 1_750_000_000 * 1_000_000
PER_SECOND = Rate(per_minute=60, burst=3)  # one token a second, three at once


def _spend(rate: Rate, times: int, now: int = NOW, tat: int | None = None) -> list[Verdict]:
    verdicts = []
    for _ in range(times):
        verdict, new_tat = step(tat, now, rate)
        verdicts.append(verdict)
        if verdict.allowed:
            tat = new_tat
    return verdicts


def test_a_full_bucket_lets_a_burst_through_then_refuses() -> None:
    verdicts = _spend(PER_SECOND, 4)

    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert [v.remaining for v in verdicts] == [2, 1, 0, 0]
    assert all(v.limit == 3 for v in verdicts)


def test_a_refusal_says_when_the_next_token_comes_and_when_the_bucket_is_full() -> None:
    refused = _spend(PER_SECOND, 4)[-1]

    assert refused.retry_after_us == 1_000_000
    assert refused.reset_us == 3_000_000
    assert (refused.retry_after_seconds, refused.reset_seconds) == (1, 3)


def test_tokens_come_back_one_interval_at_a_time() -> None:
    _, tat = step(None, NOW, PER_SECOND)
    for _ in range(2):
        _, tat = step(tat, NOW, PER_SECOND)

    half_a_second = step(tat, NOW + 500_000, PER_SECOND)[0]
    one_second = step(tat, NOW + 1_000_000, PER_SECOND)[0]

    assert not half_a_second.allowed and half_a_second.retry_after_us == 500_000
    assert one_second.allowed and one_second.remaining == 0


def test_an_idle_bucket_refills_to_its_burst_and_no_further() -> None:
    _, tat = step(None, NOW, PER_SECOND)

    much_later = step(tat, NOW + 3_600_000_000, PER_SECOND)[0]

    assert much_later.remaining == PER_SECOND.burst - 1


def test_a_refusal_does_not_change_the_bucket() -> None:
    _, tat = step(None, NOW, Rate(per_minute=60, burst=1))

    refused, kept = step(tat, NOW, Rate(per_minute=60, burst=1))

    assert not refused.allowed and kept == tat


def test_retry_after_is_at_least_one_second_even_for_a_fast_bucket() -> None:
    fast = Rate(per_minute=6000, burst=1)  # a token every 10 ms
    refused = _spend(fast, 2)[-1]

    assert refused.retry_after_us == 10_000
    assert refused.retry_after_seconds == 1


def test_combine_reports_the_longest_wait_of_the_refusing_buckets() -> None:
    short = Verdict(False, 10, 0, 1_000_000, 5_000_000)
    long = Verdict(False, 3, 0, 7_000_000, 9_000_000)
    open_ = Verdict(True, 100, 99, 0, 1)

    assert combine([short, open_, long]) is long


def test_combine_reports_the_bucket_nearest_empty_when_all_allow() -> None:
    roomy = Verdict(True, 100, 80, 0, 1_000_000)
    tight = Verdict(True, 30, 2, 0, 4_000_000)

    assert combine([roomy, tight]) is tight


def test_admit_spends_from_every_bucket_or_from_none() -> None:
    client, vehicle = Rate(60, 10), Rate(60, 1)
    first, tats = admit([None, None], NOW, [client, vehicle])
    assert first.allowed and tats is not None

    second, unchanged = admit(tats, NOW, [client, vehicle])

    assert not second.allowed and second.limit == 1
    assert unchanged is None  # the client bucket was not charged for the refused request


def test_a_rate_needs_at_least_one_token() -> None:
    with pytest.raises(ValueError, match="burst"):
        Rate(per_minute=10, burst=0)


def test_micros_is_exact_for_any_moment() -> None:
    moment = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)

    assert micros(moment) - micros(moment - timedelta(microseconds=1)) == 1
    assert micros(moment) % 1_000_000 == 123456
