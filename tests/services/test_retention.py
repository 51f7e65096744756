"""The hourly sweep: raw messages past the retention, codes and refresh tokens long expired."""

from datetime import timedelta

from sqlalchemy import func, select

from fleetlink.bootstrap import Container
from fleetlink.services.retention import EXPIRED_KEPT, sweep
from fleetlink.storage.tables import oauth_codes, oauth_refresh_tokens
from tests.conftest import ClientFactory, Clock, OwnerFactory
from tests.oauth import consent_code, owner_consent, pkce_pair, refresh, register_client


async def _count(container: Container) -> tuple[int | None, int | None]:
    async with container.store.engine.connect() as conn:
        codes = await conn.scalar(select(func.count()).select_from(oauth_codes))
        tokens = await conn.scalar(select(func.count()).select_from(oauth_refresh_tokens))
    return codes, tokens


async def test_codes_and_refresh_tokens_go_a_day_after_they_expire(
    clocked: Container, clock: Clock, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    http = await make_client(clocked)
    app = await register_client(clocked)
    owner = await make_owner(count=1)
    tokens = await owner_consent(http, app, owner)  # one code used, one refresh token
    await consent_code(http, app, owner, pkce_pair()[1])  # one code never redeemed
    ttl = clocked.settings.refresh_token_ttl

    clock.advance(ttl + EXPIRED_KEPT - timedelta(minutes=1))
    first = await sweep(clocked.services)
    clock.advance(timedelta(minutes=2))
    second = await sweep(clocked.services)

    assert (first.codes, first.refresh_tokens) == (2, 0)
    assert (second.codes, second.refresh_tokens) == (0, 1)
    assert await _count(clocked) == (0, 0)
    again = await refresh(http, app, tokens["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
