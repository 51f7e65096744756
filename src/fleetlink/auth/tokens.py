"""Access tokens: ES256 JWTs signed with the store's key, checked in full on every request."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from jwt.algorithms import ECAlgorithm

from fleetlink.auth.keys import ALGORITHM
from fleetlink.domain.errors import Unauthenticated
from fleetlink.storage.repositories.keys import StoredKey
from fleetlink.storage.uow import Store

TOYOTA_AUDIENCE = "fleetlink:toyota-connected"
_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a verified token says."""

    subject: str
    audience: str
    issued_at: datetime
    expires_at: datetime
    token_id: str | None


class TokenService:
    """Issues and verifies access tokens for one issuer."""

    def __init__(self, store: Store, issuer: str) -> None:
        self._store = store
        self._issuer = issuer
        # Keys never change once written, so a cache entry can never be stale;
        # an unknown kid is looked up in the store, where another process may have put it.
        self._public: dict[str, EllipticCurvePublicKey] = {}

    async def issue(self, subject: str, audience: str, ttl: timedelta, now: datetime) -> str:
        """Sign a token for subject, valid for ttl from now."""
        async with self._store.reading() as uow:
            key = await uow.keys.current()
        if key is None:
            raise RuntimeError("no signing key: the server creates one when it starts")
        claims = {
            "iss": self._issuer,
            "aud": audience,
            "sub": subject,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            "jti": str(uuid.uuid4()),
        }
        private = load_pem_private_key(key.private_pem.encode(), password=None)
        return jwt.encode(claims, private, algorithm=ALGORITHM, headers={"kid": key.kid})  # type: ignore[arg-type]

    async def _public_key(self, kid: str) -> EllipticCurvePublicKey:
        cached = self._public.get(kid)
        if cached is not None:
            return cached
        async with self._store.reading() as uow:
            stored = await uow.keys.by_kid(kid)
        if stored is None:
            raise Unauthenticated("token signed with an unknown key")
        public = _public_from_jwk(stored)
        self._public[kid] = public
        return public

    async def verify(self, token: str, audience: str, now: datetime) -> TokenClaims:
        """Check signature, expiry, issuer and audience; raise Unauthenticated on any failure."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("malformed bearer token") from exc
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM or not isinstance(kid, str):
            raise Unauthenticated("token is not signed by this server")
        key = await self._public_key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=audience,
                issuer=self._issuer,
                options={"require": _REQUIRED_CLAIMS},
                leeway=timedelta(seconds=30),
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("token has expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthenticated("token is not meant for this API") from exc
        except jwt.InvalidIssuerError as exc:
            raise Unauthenticated("token was issued by someone else") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}") from exc
        if not isinstance(claims["sub"], str):
            raise Unauthenticated("invalid token: subject is not a string")
        return TokenClaims(
            subject=claims["sub"],
            audience=audience,
            issued_at=datetime.fromtimestamp(claims["iat"], now.tzinfo),
            expires_at=datetime.fromtimestamp(claims["exp"], now.tzinfo),
            token_id=claims.get("jti"),
        )

    async def jwks(self) -> dict[str, Any]:
        """The public keys, as a JSON Web Key Set."""
        async with self._store.reading() as uow:
            keys = await uow.keys.all()
        return {"keys": [k.public_jwk for k in keys]}


def _public_from_jwk(stored: StoredKey) -> EllipticCurvePublicKey:
    key = ECAlgorithm.from_jwk(stored.public_jwk)
    if not isinstance(key, EllipticCurvePublicKey):
        raise Unauthenticated("token signed with an unusable key")
    return key
