"""What a High Mobility API token grants, and how that is written into its claims.

A client-credentials token acts for the client's own fleet; an authorization-code token
acts for the vehicles an owner chose in a grant. Both are the service's ES256 JWTs, for
the High Mobility audience, so the Toyota API (which wants its own audience) refuses them.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fleetlink.auth.tokens import TokenClaims
from fleetlink.domain.errors import Unauthenticated
from fleetlink.domain.oauth import Scope

HIGH_MOBILITY_AUDIENCE = "fleetlink:high-mobility"


class GrantType(StrEnum):
    """How the token was obtained."""

    CLIENT_CREDENTIALS = "client_credentials"
    AUTHORIZATION_CODE = "authorization_code"


@dataclass(frozen=True, slots=True)
class ApiAccess:
    """The verified identity behind a High Mobility API request."""

    client_id: str
    grant_type: GrantType
    scopes: frozenset[Scope]
    # The owner's grant an authorization-code token acts under (None for a fleet token).
    grant_id: str | None = None

    def subject(self, account_guid: str | None = None) -> str:
        """The token's `sub`: the owner for a consent, the client itself for a fleet."""
        if self.grant_type is GrantType.AUTHORIZATION_CODE:
            if account_guid is None:
                raise ValueError("an authorization-code token acts for an owner")
            return account_guid
        return f"client:{self.client_id}"

    def claims(self) -> dict[str, Any]:
        """The private claims that carry this access."""
        claims: dict[str, Any] = {
            "client_id": self.client_id,
            "grant_type": self.grant_type.value,
            "scope": " ".join(sorted(self.scopes)),
        }
        if self.grant_id is not None:
            claims["grant_id"] = self.grant_id
        return claims


def access_from(claims: TokenClaims) -> ApiAccess:
    """Read the access a verified token carries; a token without it is not for this API."""
    extra = claims.extra
    client_id, grant, scope = extra.get("client_id"), extra.get("grant_type"), extra.get("scope")
    if not all(isinstance(v, str) for v in (client_id, grant, scope)):
        raise Unauthenticated("token was not issued to an API client")
    try:
        grant_type = GrantType(str(grant))
        scopes = frozenset(Scope(s) for s in str(scope).split())
    except ValueError as exc:
        raise Unauthenticated("token carries an unknown grant or scope") from exc
    grant_id = extra.get("grant_id")
    if grant_type is GrantType.AUTHORIZATION_CODE and not isinstance(grant_id, str):
        raise Unauthenticated("token names no owner grant")
    return ApiAccess(
        client_id=str(client_id),
        grant_type=grant_type,
        scopes=scopes,
        grant_id=grant_id if grant_type is GrantType.AUTHORIZATION_CODE else None,
    )
