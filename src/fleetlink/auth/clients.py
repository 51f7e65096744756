"""OAuth clients: the applications of fleet operators and app developers."""

from collections.abc import Iterable
from urllib.parse import urlsplit

from fleetlink.auth.scopes import within
from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.oauth import ApiClient, Scope

MAX_NAME_LENGTH = 255
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def check_client_name(name: str) -> str:
    """The name, trimmed; it must say something and fit."""
    trimmed = name.strip()
    if not trimmed or len(trimmed) > MAX_NAME_LENGTH:
        raise InvalidInput(f"a client name needs 1 to {MAX_NAME_LENGTH} characters")
    return trimmed


def check_redirect_uris(uris: Iterable[str]) -> tuple[str, ...]:
    """Redirect URIs an owner may be sent back to: absolute, no fragment (RFC 6749 §3.1.2).

    https anywhere, http only to the loopback interface (RFC 8252 §7.3, native apps).
    """
    checked = []
    for uri in uris:
        parts = urlsplit(uri)
        if parts.fragment or not parts.netloc or parts.scheme not in {"https", "http"}:
            raise InvalidInput(f"redirect URI {uri!r} must be an absolute http(s) URL, no fragment")
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
            raise InvalidInput(f"redirect URI {uri!r}: plain http is only allowed to localhost")
        checked.append(uri)
    return tuple(dict.fromkeys(checked))


def granted_scopes(client: ApiClient, asked: str | None) -> frozenset[Scope]:
    """The scopes a request gets: what it asks, within what the client may have."""
    return within(client.scopes, asked, "this client")
