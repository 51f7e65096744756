"""Owners' grants to apps, and the codes and refresh tokens issued under them.

A grant is one consent: an owner let one client reach chosen vehicles with some scopes.
It is also the family of every code, refresh token and access token issued under it, so
revoking it (the owner in the panel, or reuse detection) ends them all at once.
"""

from dataclasses import dataclass
from datetime import datetime

from fleetlink.auth.scopes import Scope


@dataclass(frozen=True, slots=True)
class GrantFamily:
    """A grant as a token request sees it: for which client and owner, and whether it stands."""

    grant_id: str
    client_id: str
    account_guid: str
    scopes: frozenset[Scope]
    revoked: bool


@dataclass(frozen=True, slots=True)
class StoredCode:
    """An authorization code, as the store keeps it (its value is only a digest there)."""

    family: GrantFamily
    # The redirect URI the authorization request named, or "" when it named none.
    redirect_uri: str
    code_challenge: str
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredRefreshToken:
    """A refresh token, as the store keeps it."""

    family: GrantFamily
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True, slots=True)
class GrantVehicle:
    """A vehicle an owner chose for a grant, as the panel lists it."""

    vin: str
    model: str
    year: int
    alias: str | None


@dataclass(frozen=True, slots=True)
class GrantedApp:
    """An owner's standing grant, as the panel shows it."""

    grant_id: str
    client_name: str
    scopes: frozenset[Scope]
    created_at: datetime
    vehicles: tuple[GrantVehicle, ...]
