"""Client secrets, authorization codes and refresh tokens: made random, kept only as digests.

Each is 256 random bits, so a fast digest is as strong as a slow one would be: guessing is
hopeless either way. Client secrets are hashed with a key the store holds, so a copy of the
clients table alone cannot even be checked against a guess offline; codes and refresh tokens
live minutes to days and are plain SHA-256 digests. Every check compares in constant time.
"""

import hashlib
import hmac
import secrets

_CLIENT_SECRET_CONTEXT = b"fleetlink oauth client secrets v1"


def new_token() -> str:
    """A fresh random value, URL-safe: a client secret, a code, a refresh token."""
    return secrets.token_urlsafe(32)


def new_client_id() -> str:
    """A client id: random, public, short enough to paste."""
    return secrets.token_hex(16)


def secret_key(stored_secret: str) -> bytes:
    """The key client secrets are hashed with, derived from a secret kept in the store."""
    return hmac.new(stored_secret.encode(), _CLIENT_SECRET_CONTEXT, hashlib.sha256).digest()


def hash_secret(key: bytes, secret: str) -> str:
    """The keyed hash of a client secret, as stored."""
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def secret_matches(key: bytes, secret: str, stored_hash: str) -> bool:
    """Whether secret is the one stored_hash was made from, in constant time."""
    return hmac.compare_digest(hash_secret(key, secret), stored_hash)


def digest(token: str) -> str:
    """The SHA-256 digest a code or refresh token is stored and looked up by."""
    return hashlib.sha256(token.encode()).hexdigest()
