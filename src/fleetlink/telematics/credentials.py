"""Broker credentials for the embedded broker, derived from a secret every process shares.

A vehicle signs in with its VIN as username and a password only the cloud can derive,
so no per-vehicle secret has to be stored; the cloud signs in as CLOUD_USERNAME.
"""

import hashlib
import hmac

CLOUD_USERNAME = "fleetlink-cloud"
_CONTEXT = b"fleetlink mqtt credentials v1"


def credential_key(secret: str) -> bytes:
    """The key credentials are derived from, itself derived from a stored secret."""
    return hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).digest()


def password_for(key: bytes, username: str) -> str:
    """The broker password of a vehicle (its VIN) or of the cloud."""
    return hmac.new(key, username.encode(), hashlib.sha256).hexdigest()


def verify(key: bytes, username: str, password: str) -> bool:
    """Check a presented password in constant time."""
    return hmac.compare_digest(password_for(key, username), password)
