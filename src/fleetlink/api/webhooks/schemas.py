"""The webhooks API's bodies (specs/fleetlink-extensions.openapi.yaml)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from fleetlink.domain.webhooks import Attempt, Subscription


def _text(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("a time is an ISO 8601 string with its offset")
    return value


# JSON carries a time as a string, which strict mode refuses: a field of this type parses it
# (not lax, so a number is not taken for seconds since 1970), offset required.
IsoTime = Annotated[AwareDatetime, BeforeValidator(_text)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class NewSubscription(_Strict):
    url: str = Field(min_length=1, max_length=2000)
    event_types: list[str] = Field(min_length=1, max_length=16)
    format: Literal["standard", "high-mobility"] = "standard"


class Replay(_Strict):
    event_ids: list[str] | None = Field(default=None, min_length=1, max_length=10_000)
    start: IsoTime | None = Field(default=None, strict=False)
    end: IsoTime | None = Field(default=None, strict=False)


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
