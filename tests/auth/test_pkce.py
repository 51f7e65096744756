"""PKCE (RFC 7636), S256 only."""

import pytest

from fleetlink.auth.pkce import check_challenge, check_verifier, s256, verifier_matches
from fleetlink.domain.errors import OAuthError


def test_s256_matches_the_rfc_7636_appendix_b_example() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

    assert s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert verifier_matches(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    assert not verifier_matches(verifier + "x", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")


@pytest.mark.parametrize("method", [None, "", "plain", "S512", "s256"])
def test_only_s256_is_accepted(method: str | None) -> None:
    with pytest.raises(OAuthError) as caught:
        check_challenge(s256("x" * 43), method)

    assert caught.value.error == "invalid_request"
    assert "S256" in caught.value.message


@pytest.mark.parametrize("challenge", [None, "", "short", "=" * 43, "a" * 44])
def test_a_challenge_must_look_like_an_s256_digest(challenge: str | None) -> None:
    with pytest.raises(OAuthError):
        check_challenge(challenge, "S256")


@pytest.mark.parametrize(
    ("verifier", "ok"),
    [
        ("a" * 43, True),
        ("A-._~" * 25 + "abc", True),
        ("a" * 42, False),
        ("a" * 129, False),
        ("a" * 42 + "+", False),
        ("a" * 42 + " ", False),
        ("", False),
        (None, False),
    ],
)
def test_a_verifier_is_43_to_128_unreserved_characters(verifier: str | None, ok: bool) -> None:
    if ok:
        assert check_verifier(verifier) == verifier
    else:
        with pytest.raises(OAuthError) as caught:
            check_verifier(verifier)
        assert caught.value.error == "invalid_request"
