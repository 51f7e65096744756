"""The High Mobility API's OAuth scopes, and the scope parameter's wire form (RFC 6749 §3.3)."""

from collections.abc import Iterable

from fleetlink.domain.errors import OAuthError
from fleetlink.domain.oauth import Scope

ALL_SCOPES = frozenset(Scope)
# What an owner can give an app at the consent page. Fleet clearance is the fleet operator's
# own business, done with its client credentials; an owner's consent adds nothing to it.
OWNER_GRANTABLE = frozenset({Scope.VEHICLE_DATA, Scope.ELIGIBILITY_CHECK})
# The consent page says in words what the app asks for.
DESCRIPTIONS = {
    Scope.VEHICLE_DATA: (
        "Read the data of the vehicles you choose: location, doors and locks, charging, "
        "fuel, mileage and diagnostics"
    ),
    Scope.ELIGIBILITY_CHECK: "Check which data your vehicles can share, from their VINs",
    Scope.FLEET_CLEARANCE: "Register vehicles to its fleet and follow their clearance",
}


def parse_scope(text: str | None) -> frozenset[Scope]:
    """The scopes of a space-separated scope parameter; an unknown one is invalid_scope."""
    scopes = set()
    for name in (text or "").split():
        try:
            scopes.add(Scope(name))
        except ValueError:
            known = ", ".join(sorted(ALL_SCOPES))
            raise OAuthError("invalid_scope", f"unknown scope {name!r}; known: {known}") from None
    return frozenset(scopes)


def format_scope(scopes: Iterable[Scope]) -> str:
    """The scope parameter for scopes, in a stable order."""
    return " ".join(sorted(scopes))


def within(allowed: frozenset[Scope], asked: str | None, whose: str) -> frozenset[Scope]:
    """The scopes asked for, which must lie within allowed; asking for none means all of them.

    RFC 6749 §3.3 lets the server choose a default; §6 forbids a refresh to widen a grant.
    """
    wanted = parse_scope(asked)
    if not wanted:
        return allowed
    beyond = wanted - allowed
    if beyond:
        raise OAuthError("invalid_scope", f"{whose} may not have {format_scope(beyond)}")
    return wanted
