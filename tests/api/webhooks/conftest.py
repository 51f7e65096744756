"""What the webhook tests share: a receiver, a container that may send to it, delivery."""

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest_asyncio

from fleetlink.bootstrap import Container
from fleetlink.services.webhook_delivery import WebhookDelivery
from fleetlink.services.webhook_sender import HttpSender
from fleetlink.services.webhook_urls import WebhookPolicy
from tests.api.conftest import Fleet, with_clearance
from tests.api.webhooks.receiver import Receiver
from tests.conftest import Owner

HOOKS = "/fleetlink/v1/webhooks"
ALL = [
    "vehicle.state_changed",
    "vehicle.connection_changed",
    "trip.finished",
    "command.settled",
    "notification.created",
    "fleet.clearance_changed",
]
DEV = WebhookPolicy(allow_http=True, allow_private=True)


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


@pytest_asyncio.fixture
async def dev(clocked: Container) -> Container:
    """The clocked container, allowing local HTTP receivers, with an approving sandbox."""
    sandbox = with_clearance(clocked, auto_approve=True, delay_s=0)
    return replace(sandbox, services=replace(sandbox.services, webhooks=DEV))


@pytest_asyncio.fixture
async def delivery(dev: Container) -> AsyncIterator[WebhookDelivery]:
    sender = HttpSender(dev.services.webhooks)
    yield WebhookDelivery(dev.services, sender)
    await sender.close()


async def deliver(delivery: WebhookDelivery) -> None:
    """Fan out and send everything due now, as the background task does in turns."""
    await delivery.fan_out()
    await delivery.deliver_due(wait=True)
    await delivery.record()


async def subscribe(
    http: httpx.AsyncClient, headers: dict[str, str], receiver: Receiver, types: list[str] = ALL
) -> dict[str, str]:
    response = await http.post(
        HOOKS, json={"url": receiver.url, "event_types": types}, headers=headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, str] = response.json()
    receiver.secret = created["secret"]
    return created


async def clear(http: httpx.AsyncClient, fleet: Fleet, owner: Owner) -> str:
    """Register the owner's car in the fleet; the sandbox approves it at once."""
    vin = owner.vehicles[0].vin
    registered = await http.post(
        "/v1/fleet/vehicles", json={"vin": vin, "brand": "toyota"}, headers=fleet.headers
    )
    assert registered.status_code == 201, registered.text
    assert (await http.get("/v1/fleet/vehicles", headers=fleet.headers)).status_code == 200
    return vin
