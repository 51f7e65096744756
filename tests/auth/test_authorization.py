"""The authorization request, checked in the order RFC 6749 §4.1.2.1 asks."""

import dataclasses
from datetime import UTC, datetime

import pytest

from fleetlink.auth.authorization import (
    RedirectedError,
    UntrustedRedirect,
    check_authorization_request,
    redirect_uri_matches,
    with_params,
)
from fleetlink.auth.pkce import s256
from fleetlink.auth.scopes import ALL_SCOPES
from fleetlink.domain.oauth import ApiClient, Scope

CLIENT = ApiClient(
    client_id="c1",
    name="App",
    redirect_uris=("https://app.example/cb", "http://127.0.0.1:8765/cb"),
    scopes=ALL_SCOPES,
    created_at=datetime(2026, 1, 1, tzinfo=UTC),
)
GOOD = {
    "response_type": "code",
    "client_id": "c1",
    "redirect_uri": "https://app.example/cb",
    "scope": "vehicle:data",
    "state": "s",
    "code_challenge": s256("v" * 50),
    "code_challenge_method": "S256",
}


def test_a_good_request_is_read_whole() -> None:
    request = check_authorization_request(CLIENT, GOOD)

    assert request.redirect_uri == "https://app.example/cb"
    assert request.redirect_uri_sent
    assert request.scopes == {Scope.VEHICLE_DATA}
    assert request.parameters() == GOOD


def test_an_unverified_client_or_redirect_uri_is_never_redirected_to() -> None:
    worse = {**GOOD, "response_type": "token", "scope": "nope"}
    revoked = dataclasses.replace(CLIENT, revoked_at=CLIENT.created_at)

    for client, params in [
        (None, worse),
        (revoked, worse),
        (CLIENT, {**worse, "redirect_uri": "https://app.example/cb/"}),
        (CLIENT, {**worse, "client_id": ""}),
    ]:
        with pytest.raises(UntrustedRedirect):
            check_authorization_request(client, params)


def test_later_errors_go_to_the_redirect_uri_with_the_state() -> None:
    with pytest.raises(RedirectedError) as caught:
        check_authorization_request(CLIENT, {**GOOD, "scope": "fleet:clearance"})

    assert caught.value.error == "invalid_scope"
    assert caught.value.location.startswith("https://app.example/cb?error=invalid_scope&")
    assert caught.value.location.endswith("&state=s")


def test_asking_no_scope_means_what_an_owner_may_grant() -> None:
    request = check_authorization_request(CLIENT, {**GOOD, "scope": ""})

    assert request.scopes == {Scope.VEHICLE_DATA, Scope.ELIGIBILITY_CHECK}


def test_params_are_added_to_the_query_a_redirect_uri_already_has() -> None:
    assert with_params("https://a.example/cb?x=1", code="c d", state=None) == (
        "https://a.example/cb?x=1&code=c+d"
    )


@pytest.mark.parametrize(
    ("stored", "sent", "ok"),
    [
        ("https://app.example/cb", "https://app.example/cb", True),
        ("https://app.example/cb", None, False),
        ("https://app.example/cb", "http://127.0.0.1:8765/cb", False),
        ("", None, True),
        ("", "http://127.0.0.1:8765/cb", True),
        ("", "https://evil.example/", False),
    ],
)
def test_the_token_request_repeats_the_redirect_uri_it_was_given(
    stored: str, sent: str | None, ok: bool
) -> None:
    assert redirect_uri_matches(stored, sent, CLIENT) is ok
