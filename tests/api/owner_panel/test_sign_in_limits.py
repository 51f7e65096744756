"""Sign-in limits: a guesser's address runs out of tries, and the owner, from their own, gets in.

Each test runs with the limiter in memory and in Redis (the `limited` container).
"""

from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from fleetlink.bootstrap import Container
from fleetlink.ratelimit import Limiter, Rate, RedisBucketStore
from tests.conftest import OWNER_PASSWORD, REDIS_URL, ClientFactory, Clock, OwnerFactory
from tests.oauth import sign_in

ATTACKER = "203.0.113.7"
OWNER_HOME = "198.51.100.20"


async def _sign_in(browser: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await sign_in(browser, await browser.get("/oauth/sign-in"), email, password)


async def _guess(browser: httpx.AsyncClient, email: str, tries: int) -> list[int]:
    return [(await _sign_in(browser, email, "guess")).status_code for _ in range(tries)]


async def test_a_guessers_address_is_refused_while_the_owner_signs_in_from_their_own(
    limited: Container, clock: Clock, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    email = owner.account.email
    attacker = await make_client(limited, address=ATTACKER)

    guesses = await _guess(attacker, email, 6)
    right_but_refused = await _sign_in(attacker, email, OWNER_PASSWORD)
    at_home = await _sign_in(await make_client(limited, address=OWNER_HOME), email, OWNER_PASSWORD)

    assert guesses == [200, 200, 200, 200, 200, 429]
    assert right_but_refused.status_code == 429, "the address has no tries left"
    assert int(right_but_refused.headers["retry-after"]) >= 1
    assert "Too many attempts" in right_but_refused.text
    assert at_home.status_code == 303, "the owner, from another address, still gets in"
    clock.advance(timedelta(seconds=int(right_but_refused.headers["retry-after"])))
    assert await _guess(attacker, email, 2) == [200, 429], "one more try per 10 s"


async def test_a_guesser_spreading_over_accounts_runs_out_at_the_address(
    limited: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    attacker = await make_client(limited, address=ATTACKER)

    spread = [
        (await _sign_in(attacker, f"victim-{n}@example.com", "guess")).status_code
        for n in range(21)
    ]
    neighbour = await make_client(limited, address="203.0.113.8")

    assert spread == [200] * 20 + [429]
    assert (await _sign_in(neighbour, owner.account.email, OWNER_PASSWORD)).status_code == 303


async def test_only_failures_count_so_an_owner_signing_in_often_is_never_refused(
    limited: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)

    answers = [
        (
            await _sign_in(
                await make_client(limited, address=OWNER_HOME),
                owner.account.email,
                OWNER_PASSWORD,
            )
        ).status_code
        for _ in range(8)
    ]
    typo = await _sign_in(
        await make_client(limited, address=OWNER_HOME), owner.account.email, "typo"
    )

    assert answers == [303] * 8
    assert typo.status_code == 200 and "Wrong email or password" in typo.text


async def test_an_ipv6_guesser_cannot_dodge_the_limit_by_changing_address_within_its_64(
    limited: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    email = owner.account.email

    answers = [
        (
            await _sign_in(
                await make_client(limited, address=f"2001:db8:1:2::{n:x}"), email, "guess"
            )
        ).status_code
        for n in range(1, 7)
    ]
    elsewhere = await make_client(limited, address="2001:db8:1:3::1")

    assert answers == [200, 200, 200, 200, 200, 429]
    assert (await _sign_in(elsewhere, email, OWNER_PASSWORD)).status_code == 303


async def test_ipv4_guessers_on_a_dual_stack_listener_are_told_apart(
    limited: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    email = owner.account.email
    attacker = await make_client(limited, address=f"::ffff:{ATTACKER}")

    guesses = await _guess(attacker, email, 6)
    at_home = await _sign_in(
        await make_client(limited, address=f"::ffff:{OWNER_HOME}"), email, OWNER_PASSWORD
    )

    assert guesses == [200, 200, 200, 200, 200, 429]
    assert at_home.status_code == 303, "not one of ::/64 with the guesser"


@pytest.mark.redis
async def test_two_servers_on_one_redis_share_a_guessers_count(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory, redis_prefix: str
) -> None:
    owner = await make_owner(count=1)
    limiters = [
        Limiter(
            RedisBucketStore.from_url(REDIS_URL),
            client=Rate(600, 100),
            vehicle=Rate(600, 100),
            prefix=redis_prefix,
        )
        for _ in range(2)
    ]
    servers = [
        await make_client(replace(container, limiter=limiter), address=ATTACKER)
        for limiter in limiters
    ]

    try:
        answers = [
            (await _sign_in(servers[n % 2], owner.account.email, "guess")).status_code
            for n in range(6)
        ]
    finally:
        for limiter in limiters:
            await limiter.close()

    assert answers == [200, 200, 200, 200, 200, 429]
