"""Issuing and verifying access tokens with the signing keys kept in the store."""

import uuid
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey

from fleetlink.auth.tokens import (
    REGISTERED,
    TokenClaims,
    claims_at,
    key_id,
    public_key,
    sign,
    signed_claims,
)
from fleetlink.domain.errors import Unauthenticated
from fleetlink.storage.uow import Store

# How many verified tokens a process remembers (a few MB at most).
VERIFIED_KEPT = 4096


class TokenService:
    """Issues and verifies access tokens for one issuer."""

    def __init__(self, store: Store, issuer: str) -> None:
        self._store = store
        self._issuer = issuer
        # Keys never change once written, so a cache entry can never be stale;
        # an unknown kid is looked up in the store, where another process may have put it.
        self._public: dict[str, EllipticCurvePublicKey] = {}
        # Tokens whose signature, issuer and audience checked out, by (token, audience):
        # an app sends the same token on every request, and checking an ES256 signature
        # costs more than the rest of a read. Keyed by the whole token, so only the very
        # bytes that were verified hit; times are judged again on every use, and what can
        # be revoked (an account, a client, a grant) is looked up by the callers every time.
        self._verified: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()

    async def issue(
        self,
        subject: str,
        audience: str,
        ttl: timedelta,
        now: datetime,
        claims: Mapping[str, Any] | None = None,
    ) -> str:
        """Sign a token for subject, valid for ttl from now, carrying claims besides."""
        clash = REGISTERED.intersection(claims or {})
        if clash:
            raise ValueError(f"registered claims are set by the service: {sorted(clash)}")
        async with self._store.reading() as uow:
            key = await uow.keys.current()
        if key is None:
            raise RuntimeError("no signing key: the server creates one when it starts")
        payload = {
            **(claims or {}),
            "iss": self._issuer,
            "aud": audience,
            "sub": subject,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            "jti": str(uuid.uuid4()),
        }
        return sign(key, payload)

    async def _public_key(self, kid: str) -> EllipticCurvePublicKey:
        cached = self._public.get(kid)
        if cached is not None:
            return cached
        async with self._store.reading() as uow:
            stored = await uow.keys.by_kid(kid)
        if stored is None:
            raise Unauthenticated("token signed with an unknown key")
        public = public_key(stored)
        self._public[kid] = public
        return public

    async def verify(self, token: str, audience: str, now: datetime) -> TokenClaims:
        """Check signature, expiry, issuer and audience; raise Unauthenticated on any failure."""
        cache_key = (token, audience)
        claims = self._verified.get(cache_key)
        if claims is None:
            key = await self._public_key(key_id(token))
            claims = signed_claims(token, key, audience, self._issuer)
            checked = claims_at(claims, audience, now)
            self._verified[cache_key] = claims
            if len(self._verified) > VERIFIED_KEPT:
                self._verified.popitem(last=False)
            return checked
        self._verified.move_to_end(cache_key)
        return claims_at(claims, audience, now)

    async def jwks(self) -> dict[str, Any]:
        """The public keys, as a JSON Web Key Set."""
        async with self._store.reading() as uow:
            keys = await uow.keys.all()
        return {"keys": [k.public_jwk for k in keys]}
