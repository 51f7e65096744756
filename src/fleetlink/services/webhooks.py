"""Webhook subscriptions: an app or an owner registers an endpoint and the events it wants."""

import base64
import os
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import structlog

from fleetlink.domain.errors import InvalidInput, NotFound
from fleetlink.domain.events import Event
from fleetlink.domain.webhooks import (
    SECRET_PREFIX,
    Attempt,
    Delivery,
    DeliveryStatus,
    Subscriber,
    Subscription,
    SubscriptionStatus,
    WebhookFormat,
    event_types,
    webhook_format,
)
from fleetlink.services.context import ServiceContext
from fleetlink.services.ids import new_id
from fleetlink.services.webhook_access import readable
from fleetlink.services.webhook_urls import check_destination
from fleetlink.storage.uow import UnitOfWork

log = structlog.get_logger(__name__)
MAX_SUBSCRIPTIONS = 20
MAX_REPLAY = 10_000
MAX_ATTEMPTS_PAGE = 100


def new_secret() -> str:
    """A Standard Webhooks signing secret: whsec_ and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(32)).decode()


class SubscriptionNotFound(NotFound):
    """No such subscription of the caller's."""

    def __init__(self, subscription_id: str) -> None:
        super().__init__(f"no webhook subscription {subscription_id!r}")


async def create_subscription(
    ctx: ServiceContext,
    subscriber: Subscriber,
    url: str,
    types: list[str],
    fmt: str = WebhookFormat.STANDARD.value,
) -> Subscription:
    """Register an endpoint; the subscription returned carries its secret (shown once)."""
    wanted = event_types(types)
    chosen = webhook_format(fmt, subscriber, wanted)
    await check_destination(url, ctx.webhooks)
    sub = Subscription(new_id(), subscriber, url, wanted, new_secret(), ctx.clock(), format=chosen)
    async with ctx.store.writing() as uow:
        if len(await uow.webhooks.of(subscriber)) >= MAX_SUBSCRIPTIONS:
            raise InvalidInput(f"at most {MAX_SUBSCRIPTIONS} webhook subscriptions each")
        await uow.webhooks.add(sub)
        await uow.commit()
    log.info(
        "webhook.subscribed",
        subscription_id=sub.id,
        url=url,
        types=sorted(wanted),
        format=chosen.value,
    )
    return sub


async def list_subscriptions(ctx: ServiceContext, subscriber: Subscriber) -> list[Subscription]:
    """The caller's subscriptions."""
    async with ctx.store.reading() as uow:
        return await uow.webhooks.of(subscriber)


async def _own(uow: UnitOfWork, subscriber: Subscriber, subscription_id: str) -> Subscription:
    sub = await uow.webhooks.get(subscription_id, subscriber)
    if sub is None:
        raise SubscriptionNotFound(subscription_id)
    return sub


async def get_subscription(
    ctx: ServiceContext, subscriber: Subscriber, subscription_id: str
) -> Subscription:
    """One of the caller's subscriptions."""
    async with ctx.store.reading() as uow:
        return await _own(uow, subscriber, subscription_id)


async def delete_subscription(
    ctx: ServiceContext, subscriber: Subscriber, subscription_id: str
) -> None:
    """Stop and forget a subscription, with its deliveries and attempts."""
    async with ctx.store.writing() as uow:
        await _own(uow, subscriber, subscription_id)
        await uow.webhooks.delete(subscription_id)
        await uow.commit()


async def rotate_secret(
    ctx: ServiceContext, subscriber: Subscriber, subscription_id: str
) -> Subscription:
    """A new secret signs from now on; the old one signs beside it during the grace period."""
    now = ctx.clock()
    async with ctx.store.writing() as uow:
        sub = await _own(uow, subscriber, subscription_id)
        secret, until = new_secret(), now + ctx.webhooks.rotation_grace
        await uow.webhooks.rotate(sub.id, secret, sub.secret, until)
        await uow.commit()
    return replace(sub, secret=secret, previous_secret=sub.secret, previous_secret_until=until)


async def enable_subscription(
    ctx: ServiceContext, subscriber: Subscriber, subscription_id: str
) -> Subscription:
    """Send to a disabled endpoint again: the deliveries it had pending resume, and a replay of
    the time it was disabled sends the events that happened meanwhile."""
    async with ctx.store.writing() as uow:
        sub = await _own(uow, subscriber, subscription_id)
        await uow.webhooks.enable(sub.id)
        await uow.commit()
    log.info("webhook.enabled", subscription_id=sub.id, was=sub.status.value)
    return replace(sub, status=SubscriptionStatus.ENABLED, disabled_reason=None, failing_since=None)


async def list_attempts(
    ctx: ServiceContext, subscriber: Subscriber, subscription_id: str, limit: int
) -> list[Attempt]:
    """The subscription's latest delivery attempts, newest first."""
    if not 1 <= limit <= MAX_ATTEMPTS_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_ATTEMPTS_PAGE}")
    async with ctx.store.reading() as uow:
        await _own(uow, subscriber, subscription_id)
        return await uow.deliveries.attempts_of(subscription_id, limit)


async def replay(
    ctx: ServiceContext,
    subscriber: Subscriber,
    subscription_id: str,
    *,
    event_ids: Sequence[str] = (),
    start: datetime | None = None,
    end: datetime | None = None,
) -> int:
    """Send again the events named, or stored in [start, end), that the caller may read now.

    Each goes out as a new delivery with its original id, so a receiver that had it sees a
    duplicate it can drop. Returns how many were queued.
    """
    if bool(event_ids) == (start is not None or end is not None):
        raise InvalidInput("replay either events by id, or a time range (start and end)")
    if len(event_ids) > MAX_REPLAY:
        raise InvalidInput(f"replay at most {MAX_REPLAY} events at once")
    now = ctx.clock()
    async with ctx.store.writing() as uow:
        sub = await _own(uow, subscriber, subscription_id)
        found: list[Event]
        if event_ids:
            found = await uow.events.by_ids(list(event_ids))
        else:
            if start is None or end is None or start >= end:
                raise InvalidInput("a replay's time range needs start before end")
            found = await uow.events.recorded_between(start, end, MAX_REPLAY)
        wanted = [e for e in found if sub.wants(e.type)]
        allowed = await readable(uow, [(sub.subscriber, e) for e in wanted])
        queued = [
            Delivery(new_id(), sub.id, e.id, DeliveryStatus.PENDING, 0, now, now)
            for e, ok in zip(wanted, allowed, strict=True)
            if ok
        ]
        await uow.deliveries.add_many(queued)
        await uow.commit()
    log.info("webhook.replayed", subscription_id=sub.id, events=len(queued))
    return len(queued)
