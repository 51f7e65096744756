"""Limits on failed client authentication at the token endpoint: per address, and per address
and client id, so a guesser is slowed and the real client, from its own address, gets tokens.

Each test runs with the limiter in memory and in Redis (the `limited` container).
"""

from dataclasses import replace
from datetime import timedelta

import httpx

from fleetlink.bootstrap import Container
from tests.conftest import ClientFactory, Clock
from tests.oauth import TOKEN_PATH, RegisteredClient, register_client

ATTACKER = "203.0.113.7"
FLEET_OFFICE = "198.51.100.20"


async def _token(
    http: httpx.AsyncClient, client_id: str, secret: str, grant: str = "client_credentials"
) -> httpx.Response:
    data = {"grant_type": grant, "client_id": client_id, "client_secret": secret}
    if grant == "refresh_token":
        data["refresh_token"] = "not-a-refresh-token"
    return await http.post(TOKEN_PATH, data=data)


async def _statuses(http: httpx.AsyncClient, app: RegisteredClient, tries: int) -> list[int]:
    return [(await _token(http, app.client_id, "wrong")).status_code for _ in range(tries)]


async def test_wrong_secrets_get_429_at_that_address_while_the_client_gets_its_tokens(
    limited: Container, clock: Clock, make_client: ClientFactory
) -> None:
    app = await register_client(limited)
    attacker = await make_client(limited, address=ATTACKER)

    wrong = await _statuses(attacker, app, 3)
    wrong.append((await _token(attacker, app.client_id, "wrong", "refresh_token")).status_code)
    wrong += await _statuses(attacker, app, 2)
    refused = await _token(attacker, app.client_id, app.secret)
    office = await _token(
        await make_client(limited, address=FLEET_OFFICE), app.client_id, app.secret
    )

    assert wrong == [401, 401, 401, 401, 401, 429], "both grants' failures count"
    assert refused.status_code == 429, "the right secret waits too, from that address"
    assert refused.json()["error"] == "temporarily_unavailable"
    assert "too many failed client authentications" in refused.json()["error_description"]
    assert refused.headers["retry-after"] == "10"  # 6 a minute per address and client
    assert refused.headers["cache-control"] == "no-store"
    assert office.status_code == 200, office.text
    clock.advance(timedelta(seconds=10))
    assert (await _token(attacker, app.client_id, app.secret)).status_code == 200


async def test_a_guesser_spreading_over_client_ids_runs_out_at_the_address(
    limited: Container, make_client: ClientFactory
) -> None:
    app = await register_client(limited)
    attacker = await make_client(limited, address=ATTACKER)

    spread = [(await _token(attacker, f"client-{n}", "guess")).status_code for n in range(21)]
    office = await _token(
        await make_client(limited, address=FLEET_OFFICE), app.client_id, app.secret
    )

    assert spread == [401] * 20 + [429]
    assert office.status_code == 200


async def test_a_fleet_fetching_tokens_often_is_never_refused(
    limited: Container, make_client: ClientFactory
) -> None:
    app = await register_client(limited)
    office = await make_client(limited, address=FLEET_OFFICE)

    answers = [(await _token(office, app.client_id, app.secret)).status_code for _ in range(30)]

    assert answers == [200] * 30, "only failed authentications count"
    assert "ratelimit-limit" not in (await _token(office, app.client_id, app.secret)).headers


async def test_the_settings_set_the_failed_authentication_limits(
    limited: Container, make_client: ClientFactory
) -> None:
    """FLEETLINK_RATE_LIMIT_FAILED_AUTH_SUBJECT_BURST and the others (raised for the fuzzer)."""
    settings = limited.settings.model_copy(update={"rate_limit_failed_auth_subject_burst": 2})
    container = replace(limited, settings=settings)
    app = await register_client(container)
    attacker = await make_client(container, address=ATTACKER)

    assert await _statuses(attacker, app, 3) == [401, 401, 429]
