"""Owners' grants to apps: which client may reach which of their vehicles, and how."""

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, exists, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.oauth import GrantedApp, GrantVehicle, Scope
from fleetlink.storage.repositories.grant_rows import scopes
from fleetlink.storage.tables import (
    accounts,
    oauth_clients,
    oauth_grant_vehicles,
    oauth_grants,
    vehicles,
)

# A grant reaches a chosen vehicle while it stands and its owner still owns the vehicle
# (a sold car leaves the grants its former owner gave).
_COVERED = and_(
    oauth_grants.c.id == oauth_grant_vehicles.c.grant_id,
    oauth_grants.c.revoked_at.is_(None),
    vehicles.c.id == oauth_grant_vehicles.c.vehicle_id,
    vehicles.c.owner_id == oauth_grants.c.account_id,
)


class GrantRepository:
    """Grants and the vehicles each reaches."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_grant(
        self,
        grant_id: str,
        client_id: str,
        account_id: int,
        scopes: frozenset[Scope],
        vehicle_ids: Collection[int],
        at: datetime,
    ) -> None:
        """Record an owner's consent to a client for the vehicles chosen."""
        await self._conn.execute(
            insert(oauth_grants).values(
                id=grant_id,
                client_id=client_id,
                account_id=account_id,
                scope=" ".join(sorted(scopes)),
                created_at=at,
            )
        )
        await self._conn.execute(
            insert(oauth_grant_vehicles),
            [{"grant_id": grant_id, "vehicle_id": vid} for vid in sorted(vehicle_ids)],
        )

    async def revoke_grant(
        self, grant_id: str, at: datetime, reason: str, *, account_id: int | None = None
    ) -> bool:
        """End a grant and every token of its family; False when none stood (of account_id)."""
        stmt = update(oauth_grants).where(
            oauth_grants.c.id == grant_id, oauth_grants.c.revoked_at.is_(None)
        )
        if account_id is not None:
            stmt = stmt.where(oauth_grants.c.account_id == account_id)
        result = await self._conn.execute(stmt.values(revoked_at=at, revoked_reason=reason))
        return result.rowcount > 0

    async def drop_vehicle(self, account_id: int, vehicle_id: int, at: datetime) -> int:
        """Take a vehicle out of every grant account_id gave; revoke those left with none.

        Returns how many grants reached it. Another vehicle of the same grant stays granted.
        """
        theirs = select(oauth_grants.c.id).where(oauth_grants.c.account_id == account_id)
        dropped = await self._conn.execute(
            delete(oauth_grant_vehicles)
            .where(
                oauth_grant_vehicles.c.vehicle_id == vehicle_id,
                oauth_grant_vehicles.c.grant_id.in_(theirs),
            )
            .returning(oauth_grant_vehicles.c.grant_id)
        )
        grant_ids = [row.grant_id for row in dropped]
        if grant_ids:
            left = select(oauth_grant_vehicles.c.grant_id).where(
                oauth_grant_vehicles.c.grant_id == oauth_grants.c.id
            )
            await self._conn.execute(
                update(oauth_grants)
                .where(
                    oauth_grants.c.id.in_(grant_ids),
                    oauth_grants.c.revoked_at.is_(None),
                    ~exists(left),
                )
                .values(revoked_at=at, revoked_reason="the vehicle changed owner")
            )
        return len(grant_ids)

    async def access_active(self, client_id: str, grant_id: str | None) -> bool:
        """Whether a token of client_id (under grant_id, if any) may still be used, in one query.

        A client-credentials token needs its client unrevoked; an authorization-code token
        also needs its grant to stand, to belong to that client, and its owner still active.
        """
        client_ok = and_(
            oauth_clients.c.client_id == client_id, oauth_clients.c.revoked_at.is_(None)
        )
        if grant_id is None:
            stmt = select(literal(1)).where(client_ok)
        else:
            stmt = (
                select(literal(1))
                .select_from(oauth_grants)
                .join(oauth_clients, oauth_clients.c.client_id == oauth_grants.c.client_id)
                # An owner's disabled account ends the tokens of every grant they gave.
                .join(accounts, accounts.c.id == oauth_grants.c.account_id)
                .where(
                    client_ok,
                    oauth_grants.c.id == grant_id,
                    oauth_grants.c.revoked_at.is_(None),
                    accounts.c.disabled_at.is_(None),
                )
            )
        return (await self._conn.execute(stmt)).first() is not None

    def _covered(self, grant_id: str) -> Select[Any]:
        return (
            select(oauth_grant_vehicles.c.vehicle_id)
            .select_from(oauth_grant_vehicles)
            .join(oauth_grants, oauth_grants.c.id == oauth_grant_vehicles.c.grant_id)
            .join(vehicles, vehicles.c.id == oauth_grant_vehicles.c.vehicle_id)
            .where(oauth_grant_vehicles.c.grant_id == grant_id, _COVERED)
        )

    async def grant_vehicle_ids(self, grant_id: str) -> frozenset[int]:
        """Store ids of the vehicles a standing grant reaches (empty once it is revoked)."""
        rows = await self._conn.execute(self._covered(grant_id))
        return frozenset(row.vehicle_id for row in rows)

    async def grant_covers(self, grant_id: str, vehicle_id: int) -> bool:
        """Whether a standing grant reaches the vehicle."""
        stmt = self._covered(grant_id).where(oauth_grant_vehicles.c.vehicle_id == vehicle_id)
        return (await self._conn.execute(stmt)).first() is not None

    async def granted_apps(self, account_id: int) -> list[GrantedApp]:
        """An owner's standing grants, newest first, with the app's name and the vehicles."""
        stmt = (
            select(oauth_grants, oauth_clients.c.name.label("client_name"))
            .join(oauth_clients, oauth_clients.c.client_id == oauth_grants.c.client_id)
            .where(
                oauth_grants.c.account_id == account_id,
                oauth_grants.c.revoked_at.is_(None),
                oauth_clients.c.revoked_at.is_(None),
            )
            .order_by(oauth_grants.c.created_at.desc(), oauth_grants.c.id)
        )
        grants = list(await self._conn.execute(stmt))
        if not grants:
            return []
        # One query for every grant's vehicles, not one per grant.
        chosen = (
            select(
                oauth_grant_vehicles.c.grant_id,
                vehicles.c.vin,
                vehicles.c.model,
                vehicles.c.year,
                vehicles.c.alias,
            )
            .join(vehicles, vehicles.c.id == oauth_grant_vehicles.c.vehicle_id)
            .where(
                oauth_grant_vehicles.c.grant_id.in_([g.id for g in grants]),
                vehicles.c.owner_id == account_id,
            )
            .order_by(vehicles.c.vin)
        )
        by_grant: dict[str, list[GrantVehicle]] = {}
        for row in await self._conn.execute(chosen):
            by_grant.setdefault(row.grant_id, []).append(
                GrantVehicle(vin=row.vin, model=row.model, year=row.year, alias=row.alias)
            )
        return [
            GrantedApp(
                grant_id=g.id,
                client_name=g.client_name,
                scopes=scopes(g.scope),
                created_at=g.created_at,
                vehicles=tuple(by_grant.get(g.id, ())),
            )
            for g in grants
        ]
