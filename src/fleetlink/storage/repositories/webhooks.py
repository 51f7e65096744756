"""Webhook subscriptions in the store."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.clearance import ClearanceStatus
from fleetlink.domain.events import EventType
from fleetlink.domain.webhooks import (
    Subscriber,
    Subscription,
    SubscriptionStatus,
    WebhookFormat,
)
from fleetlink.storage.tables import (
    fleet_vehicles,
    vehicles,
    webhook_attempts,
    webhook_deliveries,
    webhook_subscriptions,
)
from fleetlink.storage.text import storable

t = webhook_subscriptions


def _subscription(row: Any) -> Subscription:
    return Subscription(
        id=row.id,
        subscriber=Subscriber(row.client_id, row.account_id),
        url=row.url,
        event_types=frozenset(EventType(n) for n in row.event_types),
        secret=row.secret,
        created_at=row.created_at,
        status=SubscriptionStatus(row.status),
        disabled_reason=row.disabled_reason,
        previous_secret=row.previous_secret,
        previous_secret_until=row.previous_secret_until,
        failing_since=row.failing_since,
        format=WebhookFormat(row.format),
    )


def _owned_by(subscriber: Subscriber) -> Any:
    if subscriber.client_id is not None:
        return t.c.client_id == subscriber.client_id
    return t.c.account_id == subscriber.account_id


class SubscriptionRepository:
    """Reads and writes webhook subscriptions."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, s: Subscription) -> None:
        """Store a new subscription."""
        await self._conn.execute(
            insert(t).values(
                id=s.id,
                client_id=s.subscriber.client_id,
                account_id=s.subscriber.account_id,
                url=s.url,
                event_types=sorted(e.value for e in s.event_types),
                secret=s.secret,
                status=s.status.value,
                created_at=s.created_at,
                format=s.format.value,
            )
        )

    async def of(self, subscriber: Subscriber) -> list[Subscription]:
        """A subscriber's subscriptions, oldest first."""
        rows = await self._conn.execute(
            select(t).where(_owned_by(subscriber)).order_by(t.c.created_at, t.c.id)
        )
        return [_subscription(r) for r in rows]

    async def get(
        self, subscription_id: str, subscriber: Subscriber | None = None
    ) -> Subscription | None:
        """One subscription (of subscriber, when given)."""
        if not storable(subscription_id):
            return None
        stmt = select(t).where(t.c.id == subscription_id)
        if subscriber is not None:
            stmt = stmt.where(_owned_by(subscriber))
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else _subscription(row)

    async def get_many(self, ids: Sequence[str]) -> dict[str, Subscription]:
        """Subscriptions by id."""
        if not ids:
            return {}
        rows = await self._conn.execute(select(t).where(t.c.id.in_(list(ids))))
        return {r.id: _subscription(r) for r in rows}

    async def enabled(self) -> list[Subscription]:
        """Every subscription that is sent events."""
        rows = await self._conn.execute(
            select(t).where(t.c.status == SubscriptionStatus.ENABLED.value)
        )
        return [_subscription(r) for r in rows]

    async def enabled_for(
        self, vehicle_ids: Sequence[int], client_ids: Sequence[str]
    ) -> list[Subscription]:
        """The enabled subscriptions that may hear of these vehicles or these clients: their
        present owners', those of fleets with an approved clearance for one of them, and
        the clients' own. A superset of who may be told (the access check decides per event),
        found by index however many subscriptions there are."""
        f = fleet_vehicles
        whose = []
        if vehicle_ids:
            ids = list(vehicle_ids)
            whose.append(
                t.c.account_id.in_(select(vehicles.c.owner_id).where(vehicles.c.id.in_(ids)))
            )
            cleared = select(f.c.client_id).where(
                f.c.vehicle_id.in_(ids),
                f.c.status == ClearanceStatus.APPROVED.value,
                f.c.removed_at.is_(None),
            )
            whose.append(t.c.client_id.in_(cleared))
        if client_ids:
            whose.append(t.c.client_id.in_(list(client_ids)))
        if not whose:
            return []
        rows = await self._conn.execute(
            select(t).where(and_(t.c.status == SubscriptionStatus.ENABLED.value, or_(*whose)))
        )
        return [_subscription(r) for r in rows]

    async def delete(self, subscription_id: str) -> None:
        """Delete a subscription with its deliveries and their attempts."""
        await self._conn.execute(
            delete(webhook_attempts).where(webhook_attempts.c.subscription_id == subscription_id)
        )
        await self._conn.execute(
            delete(webhook_deliveries).where(
                webhook_deliveries.c.subscription_id == subscription_id
            )
        )
        await self._conn.execute(delete(t).where(t.c.id == subscription_id))

    async def rotate(
        self, subscription_id: str, secret: str, previous: str, previous_until: datetime
    ) -> None:
        """Sign with a new secret from now on, and with the old one too until previous_until."""
        await self._conn.execute(
            update(t)
            .where(t.c.id == subscription_id)
            .values(secret=secret, previous_secret=previous, previous_secret_until=previous_until)
        )

    async def disable(self, subscription_id: str, reason: str) -> None:
        """Stop sending to an endpoint, saying why."""
        await self._conn.execute(
            update(t)
            .where(t.c.id == subscription_id)
            .values(status=SubscriptionStatus.DISABLED.value, disabled_reason=reason)
        )

    async def enable(self, subscription_id: str) -> None:
        """Send to an endpoint again, as if it had never failed."""
        await self._conn.execute(
            update(t)
            .where(t.c.id == subscription_id)
            .values(
                status=SubscriptionStatus.ENABLED.value, disabled_reason=None, failing_since=None
            )
        )

    async def set_failing(
        self, failing: Sequence[str], answering: Sequence[str], now: datetime
    ) -> None:
        """Record that endpoints fail since now (unless they failed already) and that others
        answer again: two statements, whatever the number of endpoints."""
        if failing:
            # Only the first failure of a run sets the time.
            await self._conn.execute(
                update(t)
                .where(t.c.id.in_(failing), t.c.failing_since.is_(None))
                .values(failing_since=now)
            )
        if answering:
            await self._conn.execute(
                update(t)
                .where(t.c.id.in_(answering), t.c.failing_since.is_not(None))
                .values(failing_since=None)
            )
