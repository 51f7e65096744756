"""The OAuth model: scopes, clients, and owners' grants with what is issued under them.

A grant is one consent: an owner let one client reach chosen vehicles with some scopes.
It is also the family of every code, refresh token and access token issued under it, so
revoking it (the owner in the panel, or reuse detection) ends them all at once.

These are the records the store returns; the rules that use them live in `fleetlink.auth`.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Scope(StrEnum):
    """What a token may do."""

    VEHICLE_DATA = "vehicle:data"
    FLEET_CLEARANCE = "fleet:clearance"
    ELIGIBILITY_CHECK = "vehicle:eligibility-check"


@dataclass(frozen=True, slots=True)
class ApiClient:
    """A registered client; its secret is never here, only its hash in the store."""

    client_id: str
    name: str
    redirect_uris: tuple[str, ...]
    scopes: frozenset[Scope]
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Whether the client may still get and use tokens."""
        return self.revoked_at is None


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


def is_client_id(text: str) -> bool:
    """Whether text has the shape of a client id: 32 lowercase hex digits."""
    return len(text) == 32 and all(c in "0123456789abcdef" for c in text)
