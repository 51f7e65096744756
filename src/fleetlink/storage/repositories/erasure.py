"""Erasing an owner: their account and what was recorded while they owned each vehicle.

Every delete is one statement over its table, whatever the number of vehicles or rows:
"while they owned it" is a correlated EXISTS over their ownership periods, so the store
finds the rows itself. A period opened when the vehicle was registered reaches back without
a start: what the vehicle reported of earlier times was its first owner's to see (see
Vehicle.owners_record), so it is theirs to erase too.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.storage.tables import (
    accounts,
    charge_progress,
    charging_sessions,
    commands,
    dead_letters,
    events,
    notifications,
    oauth_codes,
    oauth_grant_vehicles,
    oauth_grants,
    oauth_refresh_tokens,
    password_links,
    service_records,
    trip_progress,
    trips,
    vehicle_messages,
    vehicle_owners,
    vehicle_state,
    vehicles,
    webhook_attempts,
    webhook_deliveries,
    webhook_subscriptions,
)

# What a vehicle records over time, each with the column that says when.
_RECORDED: Sequence[tuple[str, Table, str]] = (
    ("trips", trips, "start_at"),
    ("chargingSessions", charging_sessions, "started_at"),
    ("notifications", notifications, "created_at"),
    ("commands", commands, "created_at"),
    ("vehicleMessages", vehicle_messages, "recorded_at"),
)


class ErasureRepository:
    """Deletes an owner's personal data and their time with each vehicle."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    def _during(self, account_id: int, vehicle: Any, at: Any, *, by_vin: bool = False) -> Any:
        """Whether at falls in one of the owner's periods with the vehicle: vehicle is a
        vehicle id column, or with by_vin a VIN column (dead letters name vehicles so)."""
        periods = select(vehicle_owners.c.id).join(
            vehicles, vehicles.c.id == vehicle_owners.c.vehicle_id
        )
        return exists(
            periods.where(
                vehicle_owners.c.account_id == account_id,
                vehicles.c.vin == vehicle if by_vin else vehicle_owners.c.vehicle_id == vehicle,
                or_(
                    at >= vehicle_owners.c.from_at,
                    vehicle_owners.c.from_at <= vehicles.c.created_at,
                ),
                or_(vehicle_owners.c.to_at.is_(None), at < vehicle_owners.c.to_at),
            )
        )

    async def _delete(self, table: Table, where: Any) -> int:
        result = await self._conn.execute(delete(table).where(where))
        return int(result.rowcount)

    async def erase(self, account_id: int) -> dict[str, int]:
        """Delete the account and everything named above; how many rows of each kind went.

        Its vehicles must have left it first (release()); the caller's transaction holds it all.
        """
        count: dict[str, int] = {}
        their_events = select(events.c.id).where(
            self._during(account_id, events.c.vehicle_id, events.c.occurred_at)
        )
        their_subscriptions = select(webhook_subscriptions.c.id).where(
            webhook_subscriptions.c.account_id == account_id
        )
        # Deliveries of their events (to anyone) and to their subscriptions, with attempts.
        count["webhookAttempts"] = await self._delete(
            webhook_attempts,
            or_(
                webhook_attempts.c.event_id.in_(their_events),
                webhook_attempts.c.subscription_id.in_(their_subscriptions),
            ),
        )
        count["webhookDeliveries"] = await self._delete(
            webhook_deliveries,
            or_(
                webhook_deliveries.c.event_id.in_(their_events),
                webhook_deliveries.c.subscription_id.in_(their_subscriptions),
            ),
        )
        count["webhookSubscriptions"] = await self._delete(
            webhook_subscriptions, webhook_subscriptions.c.account_id == account_id
        )
        count["events"] = await self._delete(events, events.c.id.in_(their_events))
        for kind, table, column in _RECORDED:
            count[kind] = await self._delete(
                table, self._during(account_id, table.c.vehicle_id, table.c[column])
            )
        count["serviceRecords"] = await self._delete(
            service_records,
            self._during(account_id, service_records.c.vehicle_id, service_records.c.service_date),
        )
        count["latestStates"] = await self._delete(
            vehicle_state,
            or_(
                self._during(account_id, vehicle_state.c.vehicle_id, vehicle_state.c.reported_at),
                self._during(account_id, vehicle_state.c.vehicle_id, vehicle_state.c.position_at),
            ),
        )
        count["tripProgress"] = await self._delete(
            trip_progress,
            or_(
                self._during(account_id, trip_progress.c.vehicle_id, trip_progress.c.seen_at),
                self._during(account_id, trip_progress.c.vehicle_id, trip_progress.c.position_at),
            ),
        )
        count["chargeProgress"] = await self._delete(
            charge_progress,
            self._during(account_id, charge_progress.c.vehicle_id, charge_progress.c.seen_at),
        )
        count["deadLetters"] = await self._delete(
            dead_letters,
            self._during(account_id, dead_letters.c.vin, dead_letters.c.received_at, by_vin=True),
        )
        count.update(await self._erase_grants(account_id))
        count["passwordLinks"] = await self._delete(
            password_links, password_links.c.account_id == account_id
        )
        count["ownershipPeriods"] = await self._delete(
            vehicle_owners, vehicle_owners.c.account_id == account_id
        )
        count["accounts"] = await self._delete(accounts, accounts.c.id == account_id)
        return count

    async def _erase_grants(self, account_id: int) -> dict[str, int]:
        """Their consents to apps, with every code and refresh token issued under them."""
        grants = select(oauth_grants.c.id).where(oauth_grants.c.account_id == account_id)
        return {
            "oauthCodes": await self._delete(oauth_codes, oauth_codes.c.grant_id.in_(grants)),
            "oauthRefreshTokens": await self._delete(
                oauth_refresh_tokens, oauth_refresh_tokens.c.grant_id.in_(grants)
            ),
            "oauthGrantVehicles": await self._delete(
                oauth_grant_vehicles, oauth_grant_vehicles.c.grant_id.in_(grants)
            ),
            "oauthGrants": await self._delete(
                oauth_grants, oauth_grants.c.account_id == account_id
            ),
        }

    async def release(self, account_id: int, at: datetime) -> list[int]:
        """Leave the owner's vehicles without an owner (and without their alias for them), in
        one statement; their store ids."""
        result = await self._conn.execute(
            update(vehicles)
            .where(vehicles.c.owner_id == account_id)
            .values(owner_id=None, owner_since=at, alias=None)
            .returning(vehicles.c.id)
        )
        return [row.id for row in result]
