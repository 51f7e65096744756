"""The hourly sweep: raw messages and events past their retention, codes and refresh tokens
long expired."""

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from fleetlink.bootstrap import Container
from fleetlink.domain.events import Event
from fleetlink.domain.webhooks import Subscriber, WebhookFormat
from fleetlink.services.retention import EXPIRED_KEPT, sweep
from fleetlink.services.telemetry import ingest
from fleetlink.services.webhook_delivery import WebhookDelivery
from fleetlink.services.webhook_sender import Sent
from fleetlink.services.webhook_urls import WebhookPolicy
from fleetlink.services.webhooks import create_subscription
from fleetlink.storage.tables import (
    events,
    oauth_codes,
    oauth_refresh_tokens,
    webhook_attempts,
    webhook_deliveries,
)
from tests.conftest import ClientFactory, Clock, OwnerFactory
from tests.oauth import consent_code, owner_consent, pkce_pair, refresh, register_client
from tests.services.test_telemetry import T0, sample


async def _count(container: Container) -> tuple[int | None, int | None]:
    async with container.store.engine.connect() as conn:
        codes = await conn.scalar(select(func.count()).select_from(oauth_codes))
        tokens = await conn.scalar(select(func.count()).select_from(oauth_refresh_tokens))
    return codes, tokens


async def test_codes_and_refresh_tokens_go_a_day_after_they_expire(
    clocked: Container, clock: Clock, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    http = await make_client(clocked)
    app = await register_client(clocked)
    owner = await make_owner(count=1)
    tokens = await owner_consent(http, app, owner)  # one code used, one refresh token
    await consent_code(http, app, owner, pkce_pair()[1])  # one code never redeemed
    ttl = clocked.settings.refresh_token_ttl

    clock.advance(ttl + EXPIRED_KEPT - timedelta(minutes=1))
    first = await sweep(clocked.services)
    clock.advance(timedelta(minutes=2))
    second = await sweep(clocked.services)

    assert (first.codes, first.refresh_tokens) == (2, 0)
    assert (second.codes, second.refresh_tokens) == (0, 1)
    assert await _count(clocked) == (0, 0)
    again = await refresh(http, app, tokens["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


class _Endpoints:
    """A sender that answers for each endpoint what the test says, counting what it sent."""

    def __init__(self) -> None:
        self.answers: dict[str, int] = {}

    async def send(self, url: str, secrets: list[str], event: Event, fmt: WebhookFormat) -> Sent:
        return Sent(self.answers[url], 1.0)


async def _outbox(container: Container) -> tuple[int | None, int | None, int | None]:
    async with container.store.engine.connect() as conn:
        return (
            await conn.scalar(select(func.count()).select_from(events)),
            await conn.scalar(select(func.count()).select_from(webhook_deliveries)),
            await conn.scalar(select(func.count()).select_from(webhook_attempts)),
        )


async def test_old_events_go_with_their_deliveries_once_no_delivery_is_pending(
    clocked: Container, clock: Clock, make_owner: OwnerFactory
) -> None:
    dev = replace(
        clocked.services,
        webhooks=WebhookPolicy(allow_http=True, allow_private=True),
        event_retention=timedelta(days=30),
    )
    owner = await make_owner(count=1)
    car = owner.vehicles[0]
    endpoints = _Endpoints()
    delivery = WebhookDelivery(dev, endpoints)
    me = Subscriber(account_id=owner.account.id)
    for name, status in (("ok", 200), ("down", 503)):
        url = f"http://127.0.0.1:9/{name}"
        endpoints.answers[url] = status
        await create_subscription(dev, me, url, ["vehicle.state_changed"])
    await ingest(dev, [sample(car.vin, "m1", T0, odometer=10.0, speed=20.0)])
    await delivery.fan_out()
    await delivery.deliver_due(wait=True)
    await delivery.record()
    assert await _outbox(clocked) == (1, 2, 2)

    clock.advance(timedelta(days=31))
    # A recent event, not yet fanned out, stays whatever happens to the old one.
    await ingest(dev, [sample(car.vin, "m2", T0 + timedelta(hours=1), odometer=20.0)])
    kept = await sweep(dev, event_batch=1)
    endpoints.answers["http://127.0.0.1:9/down"] = 200  # the endpoint recovers
    await delivery.deliver_due(wait=True)
    await delivery.record()
    swept = await sweep(dev, event_batch=1)

    assert (kept.events, kept.deliveries, kept.attempts) == (0, 0, 0)
    assert (swept.events, swept.deliveries, swept.attempts) == (1, 2, 3)
    assert await _outbox(clocked) == (1, 0, 0)
