"""Fleets for the API tests: a registered OAuth client and its own client-credentials token."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta

import httpx
import pytest

from fleetlink.auth.scopes import ALL_SCOPES, Scope
from fleetlink.bootstrap import Container
from fleetlink.services.clients import create_client
from fleetlink.services.context import ClearancePolicy


@dataclass
class Fleet:
    """An OAuth client acting as a fleet operator, with a client-credentials token."""

    client_id: str
    secret: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


FleetFactory = Callable[..., Awaitable[Fleet]]


@pytest.fixture
def make_fleet(container: Container) -> FleetFactory:
    """Register clients and get their tokens through the real token endpoint."""

    async def make(
        client: httpx.AsyncClient, name: str = "fleet", scopes: frozenset[Scope] = ALL_SCOPES
    ) -> Fleet:
        registered, secret = await create_client(container.services, name, scopes=scopes)
        response = await client.post(
            "/v1/access_token",
            data={
                "grant_type": "client_credentials",
                "client_id": registered.client_id,
                "client_secret": secret,
            },
        )
        assert response.status_code == 200, response.text
        return Fleet(registered.client_id, secret, response.json()["access_token"])

    return make


def with_clearance(container: Container, *, auto_approve: bool, delay_s: float = 10) -> Container:
    """The container with a clearance policy of the test's choosing."""
    policy = ClearancePolicy(auto_approve=auto_approve, delay=timedelta(seconds=delay_s))
    return replace(container, services=replace(container.services, clearance=policy))
