"""Signing keys: an EC P-256 pair made on first start and kept in the store for every process."""

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from fleetlink.domain.errors import Conflict
from fleetlink.storage.repositories.keys import StoredKey
from fleetlink.storage.uow import Store

ALGORITHM = "ES256"


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint, used as the key id."""
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_key(generation: int, now: datetime) -> StoredKey:
    """Generate a fresh key pair."""
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(private.public_key()))
    kid = _thumbprint(jwk)
    jwk.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
    return StoredKey(kid, generation, ALGORITHM, pem, jwk, now)


async def ensure_signing_key(store: Store, now: datetime) -> StoredKey:
    """Return the current key, creating the first one if there is none.

    Processes that start together race to insert generation 1; the unique
    constraint lets exactly one win, and the others read the winner's key.
    """
    async with store.reading() as uow:
        current = await uow.keys.current()
    if current is not None:
        return current
    candidate = new_key(1, now)
    try:
        async with store.writing() as uow:
            await uow.keys.add(candidate)
            await uow.commit()
        return candidate
    except Conflict:
        async with store.reading() as uow:
            winner = await uow.keys.current()
        if winner is None:
            raise
        return winner
