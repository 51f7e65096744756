"""Signing keys: an EC P-256 pair made on first start and kept in the store for every process."""

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from fleetlink.domain.records import StoredKey

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
