"""The webhooks API's bodies (specs/fleetlink-extensions.openapi.yaml)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from fleetlink.api.datetimes import parse_date_time
from fleetlink.domain.webhooks import Attempt, Subscription


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class NewSubscription(_Strict):
    url: str = Field(min_length=1, max_length=2000)
    event_types: list[str] = Field(min_length=1, max_length=16)
    format: Literal["standard", "high-mobility"] = "standard"


# Strict mode takes no string for a datetime (JSON has none), so every replay by time was
# refused: the contract's date-time strings are parsed here instead.
DateTime = Annotated[datetime, BeforeValidator(parse_date_time)]


class Replay(_Strict):
    event_ids: list[str] | None = Field(default=None, min_length=1, max_length=10_000)
    start: DateTime | None = None
    end: DateTime | None = None


class SubscriptionOut(BaseModel):
    id: str
    url: str
    event_types: list[str]
    format: str
    status: str
    disabled_reason: str | None
    # Since when every delivery has failed; five days of it disables the endpoint.
    failing_since: datetime | None = None
    created_at: datetime
    # Only in the answers that create or rotate it: it is shown once.
    secret: str | None = None


class AttemptOut(BaseModel):
    event_id: str
    attempted_at: datetime
    status_code: int | None
    latency_ms: float
    error: str | None


class Replayed(BaseModel):
    queued: int


def subscription(s: Subscription, *, with_secret: bool = False) -> SubscriptionOut:
    return SubscriptionOut(
        id=s.id,
        url=s.url,
        event_types=sorted(t.value for t in s.event_types),
        format=s.format.value,
        status=s.status.value,
        disabled_reason=s.disabled_reason,
        failing_since=s.failing_since,
        created_at=s.created_at,
        secret=s.secret if with_secret else None,
    )


def attempt(a: Attempt) -> AttemptOut:
    return AttemptOut(
        event_id=a.event_id,
        attempted_at=a.attempted_at,
        status_code=a.status_code,
        latency_ms=round(a.latency_ms, 1),
        error=a.error,
    )
