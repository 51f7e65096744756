"""Delivering events to webhooks: fan out from the outbox, claim what is due, send, record.

Runs in the primary server process (app.py), under the supervisor. Everything it knows
lives in the database, so a restart, or another server on the same PostgreSQL, carries on
where it stopped: events not yet fanned out are marked so; deliveries claimed by a process
that died are claimed again once their lease lapses. Sends run as tasks, at most
`per_endpoint` at once to one endpoint, so a slow endpoint holds only its own slots, never
another endpoint's events nor ingestion (which only writes the outbox).
"""

import asyncio
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from fleetlink.domain.events import Event, EventType
from fleetlink.domain.webhooks import (
    FAILING_DISABLES_AFTER,
    Attempt,
    Delivery,
    DeliveryStatus,
    Subscriber,
    Subscription,
    next_attempt,
)
from fleetlink.services.context import ServiceContext
from fleetlink.services.ids import new_id
from fleetlink.services.webhook_access import readable, readers
from fleetlink.services.webhook_sender import Sender, Sent

log = structlog.get_logger(__name__)
FAN_OUT_BATCH = 100
CLAIM_BATCH = 100
POLL_S = 0.5
# While ingestion keeps the process busier than this share of the time, a turn is smaller
# and followed by a pause long enough that turns take at most GIVE_WAY_SHARE of the time,
# which leaves ingestion at least 0.8 of what it does alone (bench/webhooks.py measures it).
GIVE_WAY_ABOVE = 0.3
GIVE_WAY_BATCH = 20
GIVE_WAY_SHARE = 0.1
ACCESS_ENDED = "not sent: the subscriber may no longer read this vehicle"


@dataclass(frozen=True, slots=True)
class _Outcome:
    delivery: Delivery
    subscription: Subscription
    attempt: Attempt
    retry_after: timedelta | None
    # Sent: it held one of its endpoint's slots, until its attempt is recorded.
    sent: bool = False


def _by_subscriber_and_type(
    subs: list[Subscription],
) -> dict[tuple[Subscriber, EventType], list[Subscription]]:
    wanting: dict[tuple[Subscriber, EventType], list[Subscription]] = defaultdict(list)
    for sub in subs:
        for kind in sub.event_types:
            wanting[(sub.subscriber, kind)].append(sub)
    return wanting


class WebhookDelivery:
    """The delivery loop of one process."""

    def __init__(
        self, ctx: ServiceContext, sender: Sender, rng: random.Random | None = None
    ) -> None:
        self._ctx = ctx
        self._sender = sender
        self._rng = rng or random.Random()
        self._in_flight: dict[str, int] = defaultdict(int)
        self._tasks: set[asyncio.Task[None]] = set()
        self._done: list[_Outcome] = []
        self._lease = ctx.webhooks.timeout * 2 + timedelta(seconds=30)

    async def run(self) -> None:
        """Fan out, send and record, for ever."""
        try:
            while True:
                giving_way = self._ctx.ingest_load.share() > GIVE_WAY_ABOVE
                batch = GIVE_WAY_BATCH if giving_way else None
                began = time.monotonic()
                busy = await self.fan_out(batch) + await self.deliver_due(batch=batch)
                await self.record()
                if not busy:
                    await asyncio.sleep(POLL_S)
                elif giving_way:
                    took = time.monotonic() - began
                    await asyncio.sleep(took * (1 - GIVE_WAY_SHARE) / GIVE_WAY_SHARE)
        finally:
            for task in self._tasks:
                task.cancel()

    async def fan_out(self, batch: int | None = None) -> int:
        """Turn events not yet fanned out into deliveries, for subscriptions allowed them."""
        now = self._ctx.clock()
        async with self._ctx.store.writing(brief=True) as uow:
            pending = await uow.deliveries.undispatched(batch or FAN_OUT_BATCH)
            if not pending:
                return 0
            told = [e for _, e in pending]
            candidates = await uow.webhooks.enabled_for(
                sorted({e.vehicle_id for e in told if e.vehicle_id is not None}),
                sorted({e.client_id for e in told if e.client_id is not None}),
            )
            # With no subscription that could hear of these vehicles (a deployment without
            # webhooks, a burst from unwatched cars), the turn only marks them fanned out.
            if candidates:
                wanting = _by_subscriber_and_type(candidates)
                who = await readers(uow, told, sorted({s.subscriber for s in candidates}, key=str))
                await uow.deliveries.add_many(
                    [
                        Delivery(new_id(), s.id, e.id, DeliveryStatus.PENDING, 0, now, now)
                        for e, allowed in zip(told, who, strict=True)
                        for subscriber in allowed
                        for s in wanting.get((subscriber, e.type), ())
                    ]
                )
            await uow.deliveries.mark_dispatched([p for p, _ in pending])
            await uow.commit()
        return len(pending)

    async def deliver_due(self, *, wait: bool = False, batch: int | None = None) -> int:
        """Claim due deliveries and start sending them (and wait for the sends, if asked)."""
        now = self._ctx.clock()
        limit = self._ctx.webhooks.per_endpoint
        busy = [s for s, n in self._in_flight.items() if n >= limit]
        async with self._ctx.store.writing(brief=True) as uow:
            claimed = await uow.deliveries.claim(
                now, now + self._lease, batch or CLAIM_BATCH, busy, self._free_slots
            )
            subs = await uow.webhooks.get_many(sorted({d.subscription_id for d, _ in claimed}))
            pairs = [(subs[d.subscription_id], e) for d, e in claimed]
            allowed = await readable(uow, [(s.subscriber, e) for s, e in pairs])
            await uow.commit()
        started = []
        for (delivery, event), ok in zip(claimed, allowed, strict=True):
            sub = subs[delivery.subscription_id]
            if not ok:
                self._done.append(self._unsent(delivery, sub, event, now))
                continue
            self._in_flight[sub.id] += 1
            task = asyncio.create_task(self._send(delivery, sub, event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            started.append(task)
        if wait and started:
            await asyncio.gather(*started)
        return len(claimed)

    def _free_slots(self, subscription_id: str) -> int:
        return self._ctx.webhooks.per_endpoint - self._in_flight.get(subscription_id, 0)

    def _unsent(self, d: Delivery, s: Subscription, e: Event, now: datetime) -> _Outcome:
        attempt = Attempt(d.id, s.id, e.id, now, None, 0.0, ACCESS_ENDED)
        return _Outcome(d, s, attempt, None)

    async def _send(self, delivery: Delivery, sub: Subscription, event: Event) -> None:
        now = self._ctx.clock()
        try:
            sent = await self._sender.send(sub.url, sub.secrets(now), event, sub.format)
        except asyncio.CancelledError:
            # Never recorded: its lease lapses and it is claimed again.
            self._in_flight[sub.id] -= 1
            raise
        except Exception as exc:  # a sender's bug costs this attempt, not the loop
            log.exception("webhook.send_failed", vin=event.vin, subscription_id=sub.id)
            sent = Sent(None, 0.0, error=f"{type(exc).__name__}: {exc}"[:500])
        attempt = Attempt(
            delivery.id, sub.id, event.id, now, sent.status_code, sent.latency_ms, sent.error
        )
        log.info(
            "webhook.attempt",
            vin=event.vin,
            event_id=event.id,
            subscription_id=sub.id,
            status=sent.status_code,
            latency_ms=round(sent.latency_ms, 1),
            error=sent.error,
        )
        self._done.append(_Outcome(delivery, sub, attempt, sent.retry_after, sent=True))

    async def record(self) -> int:
        """Write the attempts finished so far, and what each delivery does next: one commit."""
        done, self._done = self._done, []
        if not done:
            return 0
        now = self._ctx.clock()
        settled: list[tuple[str, DeliveryStatus, int, datetime]] = []
        # Whether each endpoint failed (True) or answered (False); an answer outweighs.
        failing: dict[str, bool] = {}
        disabled: dict[str, str] = {}
        for o in done:
            attempts = o.delivery.attempts + 1
            if o.attempt.succeeded:
                settled.append((o.delivery.id, DeliveryStatus.SUCCEEDED, attempts, now))
                failing[o.subscription.id] = False
                continue
            if o.attempt.error == ACCESS_ENDED:
                settled.append((o.delivery.id, DeliveryStatus.FAILED, attempts, now))
                continue
            if o.attempt.status_code == 410:
                disabled[o.subscription.id] = "the endpoint answered 410 Gone"
            since = o.subscription.failing_since
            if since is not None and now - since >= FAILING_DISABLES_AFTER:
                disabled[o.subscription.id] = "every delivery failed for 5 days"
            failing.setdefault(o.subscription.id, True)
            retry = next_attempt(
                attempts, now, o.retry_after, self._rng, self._ctx.webhooks.retry_scale
            )
            status = DeliveryStatus.PENDING if retry is not None else DeliveryStatus.FAILED
            settled.append((o.delivery.id, status, attempts, retry or now))
        try:
            await self._write_down(done, settled, failing, disabled, now)
        finally:
            # A send holds its endpoint's slot until its attempt is written down: what a
            # server killed now would send again is at most its slots' worth per endpoint.
            for o in done:
                if o.sent:
                    self._in_flight[o.subscription.id] -= 1
        return len(done)

    async def _write_down(
        self,
        done: list[_Outcome],
        settled: list[tuple[str, DeliveryStatus, int, datetime]],
        failing: dict[str, bool],
        disabled: dict[str, str],
        now: datetime,
    ) -> None:
        async with self._ctx.store.writing(brief=True) as uow:
            await uow.deliveries.add_attempts([o.attempt for o in done])
            await uow.deliveries.settle(settled)
            await uow.webhooks.set_failing(
                sorted(s for s, failed in failing.items() if failed),
                sorted(s for s, failed in failing.items() if not failed),
                now,
            )
            for sub_id, reason in disabled.items():
                await uow.webhooks.disable(sub_id, reason)
                log.warning("webhook.disabled", subscription_id=sub_id, reason=reason)
            await uow.commit()

    async def drain(self) -> None:
        """Wait for the sends under way and record them (tests; shutdown)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.record()
