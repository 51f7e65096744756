"""Webhook subscriptions and deliveries: who is told what, and when a failed delivery retries.

pending ──► succeeded              a 2xx
   │──────► pending (attempts+1)   anything else, while the schedule lasts
   └──────► failed                 the schedule is spent, or the endpoint is disabled
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.events import EventType

# Standard Webhooks' schedule, stretched to about three days: the delay before each attempt.
RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    *(timedelta(hours=10),) * 5,
)
JITTER = 0.1  # each delay varies by up to ±10 %, so failed receivers are not hit in step
# Retry-After is honoured up to this; a longer one waits this long.
MAX_RETRY_AFTER = timedelta(hours=10)
# An endpoint that has failed every attempt for this long is disabled.
FAILING_DISABLES_AFTER = timedelta(days=5)
MAX_EVENT_TYPES = len(EventType)
SECRET_PREFIX = "whsec_"


class SubscriptionStatus(StrEnum):
    """Whether an endpoint is sent events."""

    ENABLED = "enabled"
    DISABLED = "disabled"


class WebhookFormat(StrEnum):
    """How a subscription's requests are shaped and signed."""

    # fleetlink's envelope, signed as Standard Webhooks (every event type).
    STANDARD = "standard"
    # High Mobility's own webhook shape and X-HM-Signature-256, for fleet.clearance_changed
    # only: a receiver written for High Mobility works unchanged.
    HIGH_MOBILITY = "high-mobility"


class DeliveryStatus(StrEnum):
    """Where one event's delivery to one endpoint stands."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Subscriber:
    """Who owns a subscription: a High Mobility client's fleet, or an owner's account."""

    client_id: str | None = None
    account_id: int | None = None

    def __post_init__(self) -> None:
        if (self.client_id is None) == (self.account_id is None):
            raise ValueError("a subscriber is a client or an account, not both or neither")


@dataclass(frozen=True, slots=True)
class Subscription:
    """An endpoint an app registered, with the event types it wants."""

    id: str
    subscriber: Subscriber
    url: str
    event_types: frozenset[EventType]
    # Signing needs the secret itself (HMAC), so it is kept as it is, never as a hash.
    secret: str
    created_at: datetime
    status: SubscriptionStatus = SubscriptionStatus.ENABLED
    disabled_reason: str | None = None
    # The secret before the last rotation, still signing beside the new one until then.
    previous_secret: str | None = None
    previous_secret_until: datetime | None = None
    failing_since: datetime | None = None
    format: WebhookFormat = WebhookFormat.STANDARD

    def secrets(self, now: datetime) -> list[str]:
        """The secrets that sign a delivery now: the current one, and the previous in its grace."""
        out = [self.secret]
        if self.previous_secret and self.previous_secret_until and now < self.previous_secret_until:
            out.append(self.previous_secret)
        return out

    def wants(self, event_type: EventType) -> bool:
        """Whether the subscription asked for this type of event."""
        return event_type in self.event_types


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event owed to one endpoint."""

    id: str
    subscription_id: str
    event_id: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at delivering, as it went."""

    delivery_id: str
    subscription_id: str
    event_id: str
    attempted_at: datetime
    status_code: int | None
    latency_ms: float
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        """Whether the receiver said 2xx."""
        return self.status_code is not None and 200 <= self.status_code < 300


def event_types(names: list[str]) -> frozenset[EventType]:
    """The event types named, each one known; at least one."""
    if not names:
        raise InvalidInput("name at least one event type")
    try:
        return frozenset(EventType(n) for n in names)
    except ValueError:
        known = ", ".join(t.value for t in EventType)
        raise InvalidInput(f"unknown event type among {names!r}; known: {known}") from None


def webhook_format(name: str, subscriber: Subscriber, types: frozenset[EventType]) -> WebhookFormat:
    """The format named, if the subscriber and the event types can have it."""
    try:
        chosen = WebhookFormat(name)
    except ValueError:
        known = ", ".join(f.value for f in WebhookFormat)
        raise InvalidInput(f"unknown format {name!r}; known: {known}") from None
    if chosen is WebhookFormat.HIGH_MOBILITY:
        if subscriber.client_id is None:
            raise InvalidInput("the high-mobility format is for a High Mobility fleet's webhooks")
        if types != {EventType.CLEARANCE_CHANGED}:
            raise InvalidInput(
                "the high-mobility format carries fleet.clearance_changed only; "
                "subscribe other event types in the standard format"
            )
    return chosen


def next_attempt(
    attempts: int,
    now: datetime,
    retry_after: timedelta | None,
    rng: random.Random,
    scale: float = 1.0,
) -> datetime | None:
    """When to try again after attempts failed ones; None when the schedule is spent.

    A receiver's Retry-After (on 429 or 503) replaces the schedule's delay for that try.
    scale shortens the schedule's delays (tests and demonstrations; 1 in production).
    """
    if attempts >= len(RETRY_SCHEDULE):
        return None
    if retry_after is not None:
        return now + min(max(retry_after, timedelta(0)), MAX_RETRY_AFTER)
    delay = RETRY_SCHEDULE[attempts] * scale
    return now + delay * (1 + rng.uniform(-JITTER, JITTER))
