"""OAuth clients, owners' grants, authorization codes and refresh tokens."""

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.auth.clients import ApiClient
from fleetlink.auth.grants import (
    GrantedApp,
    GrantFamily,
    GrantVehicle,
    StoredCode,
    StoredRefreshToken,
)
from fleetlink.auth.scopes import Scope
from fleetlink.auth.secrets import is_client_id
from fleetlink.storage.tables import (
    accounts,
    oauth_clients,
    oauth_codes,
    oauth_grant_vehicles,
    oauth_grants,
    oauth_refresh_tokens,
    vehicles,
)


def _client(row: Any) -> ApiClient:
    return ApiClient(
        client_id=row.client_id,
        name=row.name,
        redirect_uris=tuple(row.redirect_uris),
        scopes=frozenset(Scope(s) for s in row.scopes),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def _scopes(text: str) -> frozenset[Scope]:
    return frozenset(Scope(s) for s in text.split())


def _family_select(*columns: Any) -> Select[Any]:
    """A grant with its owner's guid, and more columns of a table joined to it."""
    return select(
        oauth_grants.c.id.label("grant_id"),
        oauth_grants.c.client_id,
        oauth_grants.c.scope,
        oauth_grants.c.revoked_at.label("grant_revoked_at"),
        accounts.c.guid.label("account_guid"),
        *columns,
    ).join(accounts, accounts.c.id == oauth_grants.c.account_id)


def _family(row: Any) -> GrantFamily:
    return GrantFamily(
        grant_id=row.grant_id,
        client_id=row.client_id,
        account_guid=row.account_guid,
        scopes=_scopes(row.scope),
        revoked=row.grant_revoked_at is not None,
    )


# A grant reaches a chosen vehicle while it stands and its owner still owns the vehicle
# (a sold car leaves the grants its former owner gave).
_COVERED = and_(
    oauth_grants.c.id == oauth_grant_vehicles.c.grant_id,
    oauth_grants.c.revoked_at.is_(None),
    vehicles.c.id == oauth_grant_vehicles.c.vehicle_id,
    vehicles.c.owner_id == oauth_grants.c.account_id,
)


class OAuthRepository:
    """Clients, grants, codes and refresh tokens, in one transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_client(self, client: ApiClient, secret_hash: str) -> None:
        """Register a client with the keyed hash of its secret."""
        await self._conn.execute(
            insert(oauth_clients).values(
                client_id=client.client_id,
                name=client.name,
                secret_hash=secret_hash,
                redirect_uris=list(client.redirect_uris),
                scopes=sorted(client.scopes),
                created_at=client.created_at,
            )
        )

    async def client(self, client_id: str) -> tuple[ApiClient, str] | None:
        """A client and its secret's hash; text that is no client id finds none."""
        if not is_client_id(client_id):
            return None
        stmt = select(oauth_clients).where(oauth_clients.c.client_id == client_id)
        row = (await self._conn.execute(stmt)).first()
        return (_client(row), row.secret_hash) if row else None

    async def clients(self) -> list[ApiClient]:
        """Every client, oldest first."""
        stmt = select(oauth_clients).order_by(oauth_clients.c.created_at, oauth_clients.c.name)
        return [_client(row) for row in await self._conn.execute(stmt)]

    async def revoke_client(self, client_id: str, at: datetime) -> bool:
        """Mark a client revoked; False when there is no such active client."""
        if not is_client_id(client_id):
            return False
        result = await self._conn.execute(
            update(oauth_clients)
            .where(oauth_clients.c.client_id == client_id, oauth_clients.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return result.rowcount > 0

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

    async def access_active(self, client_id: str, grant_id: str | None) -> bool:
        """Whether a token of client_id (under grant_id, if any) may still be used, in one query.

        A client-credentials token needs its client unrevoked; an authorization-code token
        also needs its grant to stand and to belong to that client.
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
                .where(
                    client_ok, oauth_grants.c.id == grant_id, oauth_grants.c.revoked_at.is_(None)
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
                scopes=_scopes(g.scope),
                created_at=g.created_at,
                vehicles=tuple(by_grant.get(g.id, ())),
            )
            for g in grants
        ]

    async def add_code(
        self,
        code_hash: str,
        grant_id: str,
        redirect_uri: str,
        code_challenge: str,
        at: datetime,
        expires_at: datetime,
    ) -> None:
        """Store an authorization code's digest and what it is bound to."""
        await self._conn.execute(
            insert(oauth_codes).values(
                code_hash=code_hash,
                grant_id=grant_id,
                redirect_uri=redirect_uri,
                code_challenge=code_challenge,
                created_at=at,
                expires_at=expires_at,
            )
        )

    async def code(self, code_hash: str) -> StoredCode | None:
        """The code with this digest, with its grant."""
        stmt = _family_select(
            oauth_codes.c.redirect_uri,
            oauth_codes.c.code_challenge,
            oauth_codes.c.expires_at,
            oauth_codes.c.used_at,
        ).join(oauth_codes, oauth_codes.c.grant_id == oauth_grants.c.id)
        row = (await self._conn.execute(stmt.where(oauth_codes.c.code_hash == code_hash))).first()
        if row is None:
            return None
        return StoredCode(
            family=_family(row),
            redirect_uri=row.redirect_uri,
            code_challenge=row.code_challenge,
            expires_at=row.expires_at,
            used_at=row.used_at,
        )

    async def use_code(self, code_hash: str, at: datetime) -> bool:
        """Mark a code used; False if it already was (by this or another server's request)."""
        result = await self._conn.execute(
            update(oauth_codes)
            .where(oauth_codes.c.code_hash == code_hash, oauth_codes.c.used_at.is_(None))
            .values(used_at=at)
        )
        return result.rowcount == 1

    async def add_refresh_token(
        self, token_hash: str, grant_id: str, at: datetime, expires_at: datetime
    ) -> None:
        """Store a refresh token's digest in its grant's family."""
        await self._conn.execute(
            insert(oauth_refresh_tokens).values(
                token_hash=token_hash, grant_id=grant_id, issued_at=at, expires_at=expires_at
            )
        )

    async def refresh_token(self, token_hash: str) -> StoredRefreshToken | None:
        """The refresh token with this digest, with its grant."""
        stmt = _family_select(
            oauth_refresh_tokens.c.expires_at, oauth_refresh_tokens.c.used_at
        ).join(oauth_refresh_tokens, oauth_refresh_tokens.c.grant_id == oauth_grants.c.id)
        row = (
            await self._conn.execute(stmt.where(oauth_refresh_tokens.c.token_hash == token_hash))
        ).first()
        if row is None:
            return None
        return StoredRefreshToken(
            family=_family(row), expires_at=row.expires_at, used_at=row.used_at
        )

    async def use_refresh_token(self, token_hash: str, at: datetime) -> bool:
        """Mark a refresh token used; False if it already was.

        The condition is checked by the database as it writes, so of two servers presenting
        the same token at once exactly one sees True.
        """
        result = await self._conn.execute(
            update(oauth_refresh_tokens)
            .where(
                oauth_refresh_tokens.c.token_hash == token_hash,
                oauth_refresh_tokens.c.used_at.is_(None),
            )
            .values(used_at=at)
        )
        return result.rowcount == 1

    async def delete_expired_before(self, at: datetime) -> tuple[int, int]:
        """Delete codes and refresh tokens that expired before at: (codes, refresh tokens).

        Used or not: once expired, neither can be redeemed, and a reuse of one so old no
        longer needs to be told from a stranger's guess.
        """
        codes = await self._conn.execute(delete(oauth_codes).where(oauth_codes.c.expires_at < at))
        tokens = await self._conn.execute(
            delete(oauth_refresh_tokens).where(oauth_refresh_tokens.c.expires_at < at)
        )
        return codes.rowcount, tokens.rowcount
