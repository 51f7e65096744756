"""Access tokens verify only when this server signed them, for this API, and in time."""

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from fleetlink.auth.keys import ALGORITHM
from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.bootstrap import Container
from fleetlink.domain.errors import Unauthenticated
from fleetlink.services.tokens import TokenService

SUBJECT = "6f1c2c4e-2b8a-4d7e-9a57-1d2f0b3c4a5e"
HOUR = timedelta(hours=1)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _claims(now: datetime, **overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": "fleetlink",
        "aud": TOYOTA_AUDIENCE,
        "sub": SUBJECT,
        "iat": int(now.timestamp()),
        "exp": int((now + HOUR).timestamp()),
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


async def _current_kid(container: Container) -> str:
    async with container.store.reading() as uow:
        key = await uow.keys.current()
    assert key is not None
    return key.kid


async def _sign_with_server_key(container: Container, claims: dict[str, Any]) -> str:
    """Sign arbitrary claims with the server's own key, as only the server could."""
    async with container.store.reading() as uow:
        key = await uow.keys.current()
    assert key is not None
    private = load_pem_private_key(key.private_pem.encode(), password=None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    return jwt.encode(claims, private, algorithm=ALGORITHM, headers={"kid": key.kid})


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_an_issued_token_verifies_with_its_subject_and_audience(
    container: Container,
) -> None:
    now = _now()
    token = await container.tokens.issue(SUBJECT, TOYOTA_AUDIENCE, HOUR, now)

    claims = await container.tokens.verify(token, TOYOTA_AUDIENCE, now)

    assert claims.subject == SUBJECT
    assert claims.audience == TOYOTA_AUDIENCE
    assert claims.issued_at == now
    assert claims.expires_at == now + HOUR
    assert claims.token_id


async def test_every_token_has_its_own_id(container: Container) -> None:
    now = _now()
    first = await container.tokens.issue(SUBJECT, TOYOTA_AUDIENCE, HOUR, now)
    second = await container.tokens.issue(SUBJECT, TOYOTA_AUDIENCE, HOUR, now)

    ids = {
        (await container.tokens.verify(t, TOYOTA_AUDIENCE, now)).token_id for t in (first, second)
    }

    assert len(ids) == 2


async def test_a_token_names_the_current_key_and_es256(container: Container) -> None:
    token = await container.tokens.issue(SUBJECT, TOYOTA_AUDIENCE, HOUR, _now())

    header = jwt.get_unverified_header(token)

    assert header["alg"] == "ES256"
    assert header["kid"] == await _current_kid(container)


async def test_the_jwks_publishes_the_public_key_without_its_private_part(
    container: Container,
) -> None:
    token = await container.tokens.issue(SUBJECT, TOYOTA_AUDIENCE, HOUR, _now())

    jwks = await container.tokens.jwks()

    assert all("d" not in k for k in jwks["keys"])
    kid = await _current_kid(container)
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == kid]
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("EC", "P-256", "ES256")
    public = jwt.PyJWK(jwk).key
    decoded = jwt.decode(token, public, algorithms=["ES256"], audience=TOYOTA_AUDIENCE)
    assert decoded["sub"] == SUBJECT


async def test_an_expired_token_is_refused_as_expired(container: Container) -> None:
    issued = _now() - 2 * HOUR
    token = await container.tokens.issue(SUBJECT, TOYOTA_AUDIENCE, HOUR, issued)

    with pytest.raises(Unauthenticated, match="expired"):
        await container.tokens.verify(token, TOYOTA_AUDIENCE, _now())


async def test_a_token_a_few_seconds_past_expiry_is_still_accepted(container: Container) -> None:
    # Clocks of servers and clients drift: 30 seconds of leeway.
    issued = _now() - HOUR - timedelta(seconds=10)
    token = await container.tokens.issue(SUBJECT, TOYOTA_AUDIENCE, HOUR, issued)

    claims = await container.tokens.verify(token, TOYOTA_AUDIENCE, _now())

    assert claims.subject == SUBJECT


async def test_expiry_is_judged_by_the_clock_passed_to_verify(container: Container) -> None:
    now = _now()
    token = await container.tokens.issue(SUBJECT, TOYOTA_AUDIENCE, HOUR, now)

    with pytest.raises(Unauthenticated, match="expired"):
        await container.tokens.verify(token, TOYOTA_AUDIENCE, now + 2 * HOUR)


async def test_a_token_is_valid_within_its_lifetime_on_the_clock_passed_to_verify(
    container: Container,
) -> None:
    issued = datetime(2020, 1, 1, 12, 0, tzinfo=UTC)
    token = await container.tokens.issue(SUBJECT, TOYOTA_AUDIENCE, HOUR, issued)

    claims = await container.tokens.verify(token, TOYOTA_AUDIENCE, issued + timedelta(minutes=59))

    assert claims.expires_at == issued + HOUR


async def test_a_token_issued_in_the_future_is_refused(container: Container) -> None:
    token = await container.tokens.issue(SUBJECT, TOYOTA_AUDIENCE, HOUR, _now() + HOUR)

    with pytest.raises(Unauthenticated, match="not yet valid"):
        await container.tokens.verify(token, TOYOTA_AUDIENCE, _now())


async def test_a_token_for_another_audience_is_refused(container: Container) -> None:
    now = _now()
    token = await container.tokens.issue(SUBJECT, "fleetlink:high-mobility", HOUR, now)

    with pytest.raises(Unauthenticated, match="not meant for this API"):
        await container.tokens.verify(token, TOYOTA_AUDIENCE, now)


async def test_a_token_from_another_issuer_over_the_same_keys_is_refused(
    container: Container,
) -> None:
    now = _now()
    other = TokenService(container.store, "someone-else")
    token = await other.issue(SUBJECT, TOYOTA_AUDIENCE, HOUR, now)

    assert (await other.verify(token, TOYOTA_AUDIENCE, now)).subject == SUBJECT
    with pytest.raises(Unauthenticated, match="issued by someone else"):
        await container.tokens.verify(token, TOYOTA_AUDIENCE, now)


async def test_a_token_signed_by_a_foreign_key_under_our_kid_is_refused(
    container: Container,
) -> None:
    now = _now()
    foreign = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(
        _claims(now), foreign, algorithm="ES256", headers={"kid": await _current_kid(container)}
    )

    with pytest.raises(Unauthenticated, match="invalid token: Signature verification failed"):
        await container.tokens.verify(token, TOYOTA_AUDIENCE, now)


async def test_a_token_naming_an_unknown_key_is_refused(container: Container) -> None:
    now = _now()
    foreign = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(_claims(now), foreign, algorithm="ES256", headers={"kid": "not-ours"})

    with pytest.raises(Unauthenticated, match="unknown key"):
        await container.tokens.verify(token, TOYOTA_AUDIENCE, now)


async def test_an_unsigned_token_is_refused(container: Container) -> None:
    now = _now()
    kid = await _current_kid(container)
    token = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{_b64(_claims(now))}."

    with pytest.raises(Unauthenticated, match="not signed by this server"):
        await container.tokens.verify(token, TOYOTA_AUDIENCE, now)


async def test_a_token_signed_with_a_shared_secret_is_refused(container: Container) -> None:
    now = _now()
    kid = await _current_kid(container)
    token = jwt.encode(
        _claims(now),
        "a-shared-secret-of-32-bytes-or-more!",
        algorithm="HS256",
        headers={"kid": kid},
    )

    with pytest.raises(Unauthenticated, match="not signed by this server"):
        await container.tokens.verify(token, TOYOTA_AUDIENCE, now)


async def test_a_token_whose_header_claims_es256_over_an_hmac_signature_is_refused(
    container: Container,
) -> None:
    now = _now()
    kid = await _current_kid(container)
    hmac_token = jwt.encode(_claims(now), "x" * 32, algorithm="HS256")
    _, body, signature = hmac_token.split(".")
    token = f"{_b64({'alg': 'ES256', 'typ': 'JWT', 'kid': kid})}.{body}.{signature}"

    with pytest.raises(Unauthenticated, match="invalid token"):
        await container.tokens.verify(token, TOYOTA_AUDIENCE, now)


async def test_a_token_without_a_kid_is_refused(container: Container) -> None:
    now = _now()
    foreign = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(_claims(now), foreign, algorithm="ES256")

    with pytest.raises(Unauthenticated, match="not signed by this server"):
        await container.tokens.verify(token, TOYOTA_AUDIENCE, now)


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "iss", "aud"])
async def test_a_token_missing_a_required_claim_is_refused_even_if_we_signed_it(
    container: Container, missing: str
) -> None:
    now = _now()
    token = await _sign_with_server_key(container, _claims(now, **{missing: None}))

    with pytest.raises(Unauthenticated, match=r"invalid token|not meant|issued by"):
        await container.tokens.verify(token, TOYOTA_AUDIENCE, now)


@pytest.mark.parametrize(
    ("claim", "value"),
    [("exp", "tomorrow"), ("exp", True), ("iat", [1]), ("iat", "now"), ("exp", 10**20)],
)
async def test_a_token_whose_times_are_not_times_is_refused(
    container: Container, claim: str, value: object
) -> None:
    now = _now()
    token = await _sign_with_server_key(container, _claims(now, **{claim: value}))

    with pytest.raises(Unauthenticated, match="invalid token"):
        await container.tokens.verify(token, TOYOTA_AUDIENCE, now)


async def test_a_token_not_valid_before_a_later_time_is_refused(container: Container) -> None:
    now = _now()
    not_before = int((now + HOUR).timestamp())
    token = await _sign_with_server_key(container, _claims(now, nbf=not_before))

    with pytest.raises(Unauthenticated, match="not yet valid"):
        await container.tokens.verify(token, TOYOTA_AUDIENCE, now)
    later = await container.tokens.verify(token, TOYOTA_AUDIENCE, now + HOUR)
    assert later.subject == SUBJECT


async def test_a_token_we_signed_with_every_claim_right_is_accepted(container: Container) -> None:
    now = _now()
    token = await _sign_with_server_key(container, _claims(now))

    assert (await container.tokens.verify(token, TOYOTA_AUDIENCE, now)).subject == SUBJECT


async def test_a_token_whose_body_was_altered_is_refused(container: Container) -> None:
    now = _now()
    token = await container.tokens.issue(SUBJECT, TOYOTA_AUDIENCE, HOUR, now)
    header, _, signature = token.split(".")
    forged = f"{header}.{_b64(_claims(now, sub='someone-else'))}.{signature}"

    with pytest.raises(Unauthenticated, match="invalid token"):
        await container.tokens.verify(forged, TOYOTA_AUDIENCE, now)


@pytest.mark.parametrize(
    "garbage",
    ["", "garbage", "a.b.c", "Bearer abc", "....", "eyJhbGciOiJFUzI1NiJ9", "\x00\xff"],
)
async def test_garbage_is_refused_as_a_malformed_token(container: Container, garbage: str) -> None:
    with pytest.raises(Unauthenticated, match="malformed bearer token"):
        await container.tokens.verify(garbage, TOYOTA_AUDIENCE, _now())


async def test_a_remembered_token_still_expires_on_the_clock_passed_to_verify(
    container: Container,
) -> None:
    now = _now()
    token = await container.tokens.issue(SUBJECT, TOYOTA_AUDIENCE, HOUR, now)
    assert (await container.tokens.verify(token, TOYOTA_AUDIENCE, now)).subject == SUBJECT

    again = await container.tokens.verify(token, TOYOTA_AUDIENCE, now + timedelta(minutes=30))
    with pytest.raises(Unauthenticated, match="expired"):
        await container.tokens.verify(token, TOYOTA_AUDIENCE, now + 2 * HOUR)

    assert again.subject == SUBJECT


async def test_a_token_verified_for_one_audience_is_still_refused_for_another(
    container: Container,
) -> None:
    now = _now()
    token = await container.tokens.issue(SUBJECT, TOYOTA_AUDIENCE, HOUR, now)
    await container.tokens.verify(token, TOYOTA_AUDIENCE, now)

    with pytest.raises(Unauthenticated, match="not meant for this API"):
        await container.tokens.verify(token, "fleetlink:high-mobility", now)


async def test_an_altered_copy_of_a_remembered_token_is_refused(container: Container) -> None:
    now = _now()
    token = await container.tokens.issue(SUBJECT, TOYOTA_AUDIENCE, HOUR, now)
    await container.tokens.verify(token, TOYOTA_AUDIENCE, now)
    header, body, signature = token.split(".")
    forged = f"{header}.{body}.{signature[:-4]}AAAA"

    with pytest.raises(Unauthenticated):
        await container.tokens.verify(forged, TOYOTA_AUDIENCE, now)
