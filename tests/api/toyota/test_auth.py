"""Every Toyota operation needs a valid bearer token; anything else is a 401 Error."""

import base64
import json
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.bootstrap import Container
from tests.conftest import OwnerFactory

VIN = "JTMAAAAA0PJ000001"
OPERATIONS = [
    ("GET", "/connected/v1/vehicles", None),
    ("GET", f"/connected/v1/vehicles/{VIN}", None),
    ("PUT", f"/connected/v1/vehicles/{VIN}", {"alias": "x"}),
    ("GET", f"/connected/v1/vehicles/{VIN}/status", None),
    ("POST", f"/connected/v1/vehicles/{VIN}/status/refresh", {}),
    ("GET", f"/connected/v1/vehicles/{VIN}/health", None),
    ("GET", f"/connected/v1/vehicles/{VIN}/location", None),
    ("GET", f"/connected/v1/vehicles/{VIN}/electric", None),
    ("POST", f"/connected/v1/vehicles/{VIN}/electric/refresh", None),
    ("GET", f"/connected/v1/vehicles/{VIN}/climate", None),
    ("PUT", f"/connected/v1/vehicles/{VIN}/climate", {}),
    ("POST", f"/connected/v1/vehicles/{VIN}/climate/command", {"command": "start"}),
    ("GET", f"/connected/v1/vehicles/{VIN}/trips?fromDate=2026-01-01&toDate=2026-01-02", None),
    ("GET", f"/connected/v1/vehicles/{VIN}/notifications", None),
    ("POST", f"/connected/v1/vehicles/{VIN}/remote-command", {"command": "lock"}),
    ("GET", f"/connected/v1/vehicles/{VIN}/service-history", None),
    ("GET", f"/connected/v1/vehicles/{VIN}/commands/abc", None),
]


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
async def test_every_operation_refuses_a_request_without_a_token(
    client: httpx.AsyncClient, method: str, path: str, body: object
) -> None:
    response = await client.request(method, path, json=body)

    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"
    assert "Authorization" in response.json()["message"]
    assert response.headers["www-authenticate"].startswith("Bearer")


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_bad_tokens_are_refused_with_a_reason(
    client: httpx.AsyncClient, container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    now = datetime.now(UTC)
    header = jwt.get_unverified_header(owner.token)
    claims = jwt.decode(owner.token, options={"verify_signature": False})
    foreign_key = ec.generate_private_key(ec.SECP256R1())
    forged = jwt.encode(claims, foreign_key, algorithm="ES256", headers={"kid": header["kid"]})
    unsigned = f"{_b64({'alg': 'none', 'kid': header['kid']})}.{_b64(claims)}."
    tampered_claims = {**claims, "sub": "someone-else"}
    head, _, signature = owner.token.split(".")
    tampered = f"{head}.{_b64(tampered_claims)}.{signature}"
    expired = await container.tokens.issue(
        owner.account.guid, TOYOTA_AUDIENCE, timedelta(minutes=5), now - timedelta(hours=2)
    )
    other_audience = await container.tokens.issue(
        owner.account.guid, "fleetlink:high-mobility", timedelta(minutes=5), now
    )
    cases = {
        "garbage": ("Bearer not-a-jwt", "malformed"),
        "wrong scheme": (f"Basic {owner.token}", "Bearer"),
        "empty bearer": ("Bearer ", "Bearer"),
        "forged signature": (f"Bearer {forged}", "invalid token"),
        "alg none": (f"Bearer {unsigned}", "not signed by this server"),
        "tampered claims": (f"Bearer {tampered}", "invalid token"),
        "expired": (f"Bearer {expired}", "expired"),
        "other audience": (f"Bearer {other_audience}", "not meant for this API"),
    }
    for label, (authorization, reason) in cases.items():
        response = await client.get(
            "/connected/v1/vehicles", headers={"Authorization": authorization}
        )
        assert response.status_code == 401, label
        assert reason in response.json()["message"], label


async def test_a_token_from_another_issuer_is_refused(
    client: httpx.AsyncClient, container: Container, make_owner: OwnerFactory
) -> None:
    from fleetlink.services.tokens import TokenService

    owner = await make_owner(count=1)
    impostor = TokenService(container.store, issuer="someone-else")
    token = await impostor.issue(
        owner.account.guid, TOYOTA_AUDIENCE, timedelta(minutes=5), datetime.now(UTC)
    )

    response = await client.get(
        "/connected/v1/vehicles", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 401
    assert "issued by someone else" in response.json()["message"]


async def test_a_token_for_an_account_that_does_not_exist_is_refused(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await container.tokens.issue(
        "00000000-0000-0000-0000-000000000000",
        TOYOTA_AUDIENCE,
        timedelta(minutes=5),
        datetime.now(UTC),
    )

    response = await client.get(
        "/connected/v1/vehicles", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 401


async def test_the_jwks_publishes_the_key_that_verifies_tokens(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)

    keys = (await client.get("/.well-known/jwks.json")).json()["keys"]

    kid = jwt.get_unverified_header(owner.token)["kid"]
    jwk = next(k for k in keys if k["kid"] == kid)
    assert "d" not in jwk, "the private part must never be published"
    public = jwt.PyJWK(jwk).key
    claims = jwt.decode(owner.token, public, algorithms=["ES256"], audience=TOYOTA_AUDIENCE)
    assert claims["sub"] == owner.account.guid
