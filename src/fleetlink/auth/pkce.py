"""Proof Key for Code Exchange (RFC 7636), S256 only: `plain` would show the verifier to
whoever sees the authorization request, which is what PKCE is there to prevent."""

import base64
import hashlib
import hmac
import re

from fleetlink.domain.errors import OAuthError

S256 = "S256"
# RFC 7636 §4.1: 43 to 128 characters of the unreserved set.
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
# An S256 challenge is the unpadded base64url of a SHA-256 digest: always 43 characters.
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")


def s256(verifier: str) -> str:
    """The S256 challenge of a verifier."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def check_challenge(challenge: str | None, method: str | None) -> str:
    """The challenge of an authorization request; anything but a well-formed S256 one is refused.

    RFC 7636 §4.4.1 answers a missing challenge or an unsupported method with invalid_request.
    """
    if not challenge:
        raise OAuthError("invalid_request", "code_challenge is required (PKCE, method S256)")
    if method != S256:
        shown = "plain (the default)" if method in (None, "", "plain") else repr(method)
        raise OAuthError(
            "invalid_request", f"code_challenge_method {shown} is not supported; use S256"
        )
    if not _CHALLENGE.fullmatch(challenge):
        raise OAuthError(
            "invalid_request", "code_challenge must be the base64url SHA-256 of the verifier"
        )
    return challenge


def check_verifier(verifier: str | None) -> str:
    """The code_verifier of a token request, if it is shaped as RFC 7636 §4.1 requires."""
    if not verifier:
        raise OAuthError("invalid_request", "code_verifier is required (PKCE)")
    if not _VERIFIER.fullmatch(verifier):
        raise OAuthError(
            "invalid_request",
            "code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_', '~'",
        )
    return verifier


def verifier_matches(verifier: str, challenge: str) -> bool:
    """Whether verifier is the one challenge was made from, compared in constant time."""
    return hmac.compare_digest(s256(verifier), challenge)
