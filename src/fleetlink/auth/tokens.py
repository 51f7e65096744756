"""Access tokens: ES256 JWTs, signed and checked in full (the keys come from the caller)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from jwt.algorithms import ECAlgorithm

from fleetlink.auth.keys import ALGORITHM
from fleetlink.domain.errors import Unauthenticated
from fleetlink.domain.records import StoredKey

TOYOTA_AUDIENCE = "fleetlink:toyota-connected"
# Operator tokens: accepted by the operator API only, and refused by both contract APIs.
OPERATOR_AUDIENCE = "fleetlink:operator"
_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
KID = re.compile(r"[A-Za-z0-9_-]{1,64}")
REGISTERED = frozenset({"iss", "aud", "sub", "iat", "exp", "nbf", "jti"})
# Clocks of separate hosts drift; a little slack keeps a fresh token from being refused.
_LEEWAY = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a verified token says."""

    subject: str
    audience: str
    issued_at: datetime
    expires_at: datetime
    token_id: str | None
    # The claims beyond the registered ones (an API client's id, grant and scope…).
    extra: Mapping[str, Any] = field(default_factory=dict)


def sign(key: StoredKey, payload: Mapping[str, Any]) -> str:
    """The payload as a JWT signed with key."""
    private = load_pem_private_key(key.private_pem.encode(), password=None)
    return jwt.encode(dict(payload), private, algorithm=ALGORITHM, headers={"kid": key.kid})  # type: ignore[arg-type]


def key_id(token: str) -> str:
    """The id of the key a token says it is signed with, if it has the shape this server makes.

    The header is unverified: only a key id of that shape (an RFC 7638 thumbprint) may
    reach the store, never arbitrary text.
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise Unauthenticated("malformed bearer token") from exc
    kid = header.get("kid")
    if header.get("alg") != ALGORITHM or not isinstance(kid, str) or not KID.fullmatch(kid):
        raise Unauthenticated("token is not signed by this server")
    return kid


def public_key(stored: StoredKey) -> EllipticCurvePublicKey:
    """The public half of a stored key."""
    key = ECAlgorithm.from_jwk(stored.public_jwk)
    if not isinstance(key, EllipticCurvePublicKey):
        raise Unauthenticated("token signed with an unusable key")
    return key


def signed_claims(
    token: str, key: EllipticCurvePublicKey, audience: str, issuer: str
) -> dict[str, Any]:
    """The claims of a token whose signature, issuer and audience check out; times unjudged.

    Raise Unauthenticated on any failure. What the claims say of time is for
    `claims_at` to judge against the service's clock, on every use.
    """
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            options={
                "require": _REQUIRED_CLAIMS,
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.InvalidAudienceError as exc:
        raise Unauthenticated("token is not meant for this API") from exc
    except jwt.InvalidIssuerError as exc:
        raise Unauthenticated("token was issued by someone else") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"invalid token: {exc}") from exc
    return claims


def _instant(claims: dict[str, Any], name: str) -> datetime:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unauthenticated(f"invalid token: {name} is not a time")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise Unauthenticated(f"invalid token: {name} is out of range") from exc


def claims_at(claims: dict[str, Any], audience: str, now: datetime) -> TokenClaims:
    """Judge signed claims' times against now and return what they say."""
    issued_at = _instant(claims, "iat")
    expires_at = _instant(claims, "exp")
    if now >= expires_at + _LEEWAY:
        raise Unauthenticated("token has expired")
    if issued_at > now + _LEEWAY:
        raise Unauthenticated("token is not yet valid: issued in the future")
    if "nbf" in claims and _instant(claims, "nbf") > now + _LEEWAY:
        raise Unauthenticated("token is not yet valid (nbf)")
    if not isinstance(claims["sub"], str):
        raise Unauthenticated("invalid token: subject is not a string")
    token_id = claims.get("jti")
    return TokenClaims(
        subject=claims["sub"],
        audience=audience,
        issued_at=issued_at,
        expires_at=expires_at,
        token_id=token_id if isinstance(token_id, str) else None,
        extra={k: v for k, v in claims.items() if k not in REGISTERED},
    )
