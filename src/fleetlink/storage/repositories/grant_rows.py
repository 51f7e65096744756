"""Reading a grant's family beside the rows issued under it (codes, refresh tokens)."""

from typing import Any

from sqlalchemy import Select, select

from fleetlink.domain.oauth import GrantFamily, Scope
from fleetlink.storage.tables import accounts, oauth_grants


def scopes(text: str) -> frozenset[Scope]:
    """The scopes of a grant, kept as one space-separated column."""
    return frozenset(Scope(s) for s in text.split())


def family_select(*columns: Any) -> Select[Any]:
    """A grant with its owner's guid, and more columns of a table joined to it."""
    return select(
        oauth_grants.c.id.label("grant_id"),
        oauth_grants.c.client_id,
        oauth_grants.c.scope,
        oauth_grants.c.revoked_at.label("grant_revoked_at"),
        accounts.c.guid.label("account_guid"),
        *columns,
    ).join(accounts, accounts.c.id == oauth_grants.c.account_id)


def family(row: Any) -> GrantFamily:
    """The grant family of a row read with family_select."""
    return GrantFamily(
        grant_id=row.grant_id,
        client_id=row.client_id,
        account_guid=row.account_guid,
        scopes=scopes(row.scope),
        revoked=row.grant_revoked_at is not None,
    )
