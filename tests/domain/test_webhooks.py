"""The retry schedule and the formats a subscription may choose."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.events import EventType
from fleetlink.domain.webhooks import (
    RETRY_SCHEDULE,
    Subscriber,
    WebhookFormat,
    next_attempt,
    webhook_format,
)
from fleetlink.settings import Settings

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_the_schedule_spreads_retries_over_about_three_days() -> None:
    rng = random.Random(1)
    waits = [next_attempt(n, NOW, None, rng) for n in range(len(RETRY_SCHEDULE))]
    assert all(w is not None for w in waits)
    assert next_attempt(len(RETRY_SCHEDULE), NOW, None, rng) is None
    assert timedelta(days=2) < sum(RETRY_SCHEDULE, timedelta()) < timedelta(days=4)


def test_a_scale_shortens_every_delay_but_not_a_receivers_retry_after() -> None:
    at = next_attempt(2, NOW, None, random.Random(1), scale=0.001)
    assert at is not None and at - NOW < timedelta(seconds=1)  # 5 min × 0.001 ± 10 %
    asked = next_attempt(2, NOW, timedelta(seconds=30), random.Random(1), scale=0.001)
    assert asked == NOW + timedelta(seconds=30)


@pytest.mark.parametrize("scale", ["0", "2", "-1"])
def test_the_retry_scale_setting_can_only_shorten_the_schedule(scale: str) -> None:
    with pytest.raises(ValidationError):
        Settings(webhooks_retry_scale=scale)  # type: ignore[arg-type]


def test_the_high_mobility_format_is_a_fleets_for_its_clearances_only() -> None:
    clearance = frozenset({EventType.CLEARANCE_CHANGED})
    fleet, owner = Subscriber(client_id="c"), Subscriber(account_id=1)
    assert webhook_format("high-mobility", fleet, clearance) is WebhookFormat.HIGH_MOBILITY
    assert webhook_format("standard", owner, clearance) is WebhookFormat.STANDARD
    for who, types in [(owner, clearance), (fleet, clearance | {EventType.TRIP_FINISHED})]:
        with pytest.raises(InvalidInput):
            webhook_format("high-mobility", who, types)
