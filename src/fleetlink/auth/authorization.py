"""The authorization request of the code flow (RFC 6749 §4.1.1 with RFC 7636), checked purely.

The order matters (§4.1.2.1): until the client and its redirect URI are known good, an error
is shown to the owner and never redirected, or the page would be an open redirector; after
that, errors go back to the client at its redirect URI, with the state it sent.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fleetlink.auth.pkce import check_challenge
from fleetlink.auth.scopes import OWNER_GRANTABLE, within
from fleetlink.domain.errors import OAuthError
from fleetlink.domain.oauth import ApiClient, Scope

# The query parameters an authorization request carries, kept through sign-in and consent.
PARAMETERS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


class UntrustedRedirect(OAuthError):
    """The client or its redirect URI could not be verified: tell the owner, never redirect."""


class RedirectedError(OAuthError):
    """An error the client hears about at its redirect URI (RFC 6749 §4.1.2.1)."""

    def __init__(self, error: str, description: str, redirect_uri: str, state: str | None) -> None:
        super().__init__(error, description)
        self.location = with_params(
            redirect_uri, error=error, error_description=description, state=state
        )


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """A checked request for an owner's consent."""

    client: ApiClient
    # Where the owner goes back to, and whether the request named it: if it did, the
    # token request must name the same one (RFC 6749 §4.1.3).
    redirect_uri: str
    redirect_uri_sent: bool
    scopes: frozenset[Scope]
    state: str | None
    code_challenge: str

    def parameters(self) -> dict[str, str]:
        """The request as query parameters, to carry it through sign-in and the consent form."""
        params = {
            "response_type": "code",
            "client_id": self.client.client_id,
            "scope": " ".join(sorted(self.scopes)),
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
        }
        if self.redirect_uri_sent:
            params["redirect_uri"] = self.redirect_uri
        if self.state is not None:
            params["state"] = self.state
        return params

    def redirect(self, **params: str | None) -> str:
        """The redirect URI with params and the request's state added."""
        return with_params(self.redirect_uri, **params, state=self.state)


def with_params(uri: str, **params: str | None) -> str:
    """uri with params added to its query, keeping the query it has (RFC 6749 §3.1.2)."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


def resolve_redirect_uri(client: ApiClient, asked: str | None) -> str:
    """The registered redirect URI the owner goes back to; exact match only (RFC 6749 §3.1.2.3)."""
    if asked:
        if asked not in client.redirect_uris:
            raise UntrustedRedirect(
                "invalid_request", "redirect_uri is not one this app registered"
            )
        return asked
    if len(client.redirect_uris) == 1:
        return client.redirect_uris[0]
    if not client.redirect_uris:
        raise UntrustedRedirect("unauthorized_client", "this app registered no redirect URI")
    raise UntrustedRedirect(
        "invalid_request", "this app registered several redirect URIs: redirect_uri is required"
    )


def check_authorization_request(
    client: ApiClient | None, params: Mapping[str, str]
) -> AuthorizationRequest:
    """The request params make, for client (None when unknown or revoked)."""
    if not params.get("client_id"):
        raise UntrustedRedirect("invalid_request", "client_id is required")
    if client is None or not client.active:
        raise UntrustedRedirect("invalid_client", "no such app is registered here")
    redirect_uri = resolve_redirect_uri(client, params.get("redirect_uri"))
    state = params.get("state")

    def fail(error: str, description: str) -> RedirectedError:
        return RedirectedError(error, description, redirect_uri, state)

    response_type = params.get("response_type")
    if response_type != "code":
        raise fail(
            "unsupported_response_type" if response_type else "invalid_request",
            "response_type must be code",
        )
    try:
        scopes = within(client.scopes & OWNER_GRANTABLE, params.get("scope"), "an owner's grant")
        if not scopes:
            raise OAuthError("invalid_scope", "this app may ask owners for no scope")
        challenge = check_challenge(
            params.get("code_challenge"), params.get("code_challenge_method")
        )
    except OAuthError as exc:
        raise fail(exc.error, exc.message) from exc
    return AuthorizationRequest(
        client=client,
        redirect_uri=redirect_uri,
        redirect_uri_sent=bool(params.get("redirect_uri")),
        scopes=scopes,
        state=state,
        code_challenge=challenge,
    )


def redirect_uri_matches(code: str, sent: str | None, client: ApiClient) -> bool:
    """Whether a token request's redirect_uri agrees with the code's (RFC 6749 §4.1.3).

    code is the one the authorization request named, or "" when it named none; then a
    redirect_uri sent now must at least be one the client registered.
    """
    if code:
        return sent == code
    return sent is None or sent == "" or sent in client.redirect_uris
