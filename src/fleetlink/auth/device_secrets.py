"""Device secrets: made random, kept only as SHA-256 digests.

A unit's secret is 256 random bits, so a guess is hopeless whatever the hash, and a slow
one (Argon2, as for people's passwords) would only make every broker sign-in cost 0.1 s of
CPU: a reconnect storm of ten thousand units would hold the broker for minutes. A plain
SHA-256 digest is as safe for a secret like this and costs a microsecond. Unlike a derived
password, each secret stands alone: one leaked unit gives away no other.
"""

import hashlib
import secrets

# Longer than any secret issued here; a longer one is refused before it is hashed.
MAX_SECRET_LENGTH = 256


def new_device_secret() -> str:
    """A fresh secret for a telematics unit, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def device_secret_hash(secret: str) -> str:
    """The digest a device secret is stored and checked by."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
