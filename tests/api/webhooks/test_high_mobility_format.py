"""A High Mobility fleet's clearance webhooks in High Mobility's own shape, verified as a
receiver written for High Mobility verifies them."""

import httpx
import pytest

from fleetlink.bootstrap import Container
from fleetlink.domain.clearance import ClearanceReason
from fleetlink.services.webhook_delivery import WebhookDelivery
from tests.api.conftest import Fleet, FleetFactory
from tests.api.webhooks.conftest import HOOKS, clear, deliver
from tests.api.webhooks.receiver import Receiver, high_mobility
from tests.conftest import ClientFactory, OwnerFactory

CLEARANCE = ["fleet.clearance_changed"]


async def _subscribe_as_high_mobility(
    http: httpx.AsyncClient, fleet: Fleet, receiver: Receiver
) -> str:
    """Subscribe the receiver to the fleet's clearances in High Mobility's shape; its secret."""
    created = await http.post(
        HOOKS,
        json={"url": receiver.url, "event_types": CLEARANCE, "format": "high-mobility"},
        headers=fleet.headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["format"] == "high-mobility"
    receiver.verify = high_mobility
    secret: str = created.json()["secret"]
    return secret


async def test_a_fleet_gets_its_clearance_as_high_mobility_sends_it(
    dev: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
    receiver: Receiver,
    delivery: WebhookDelivery,
) -> None:
    http = await make_client(dev)
    owner = await make_owner(count=1)
    fleet = await make_fleet(http)
    receiver.secret = await _subscribe_as_high_mobility(http, fleet, receiver)
    vin = await clear(http, fleet, owner)

    await deliver(delivery)

    assert receiver.unverified == 0
    assert receiver.received == [
        {
            "vehicle": {"vin": vin},
            "event": {"type": "fleet_clearance_changed", "action": action, "detail": detail},
        }
        for action, detail in (
            ("pending", ClearanceReason.REQUESTED),
            ("approved", ClearanceReason.AUTO_APPROVED),
        )
    ]
    assert all(h["x-hm-event"] == "fleet_clearance_changed" for h in receiver.headers)
    # One delivery id per event, the same on a retry; no Standard Webhooks headers.
    deliveries = [h["x-hm-delivery"] for h in receiver.headers]
    assert len(set(deliveries)) == 2
    assert all(h["x-hm-signature"].startswith("sha1=") for h in receiver.headers)
    assert not any("webhook-signature" in h for h in receiver.headers)
    listed = (await http.get(HOOKS, headers=fleet.headers)).json()
    assert [h["format"] for h in listed] == ["high-mobility"]


async def test_a_tampered_high_mobility_body_does_not_verify(
    dev: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
    receiver: Receiver,
    delivery: WebhookDelivery,
) -> None:
    http = await make_client(dev)
    owner = await make_owner(count=1)
    fleet = await make_fleet(http)
    receiver.secret = await _subscribe_as_high_mobility(http, fleet, receiver) + "x"
    await clear(http, fleet, owner)

    await deliver(delivery)

    assert receiver.received == [] and receiver.unverified == 2


@pytest.mark.parametrize(
    ("who", "types", "fmt", "says"),
    [
        ("owner", CLEARANCE, "high-mobility", "High Mobility fleet"),
        ("fleet", ["fleet.clearance_changed", "trip.finished"], "high-mobility", "only"),
        ("fleet", CLEARANCE, "smartcar", "format"),
    ],
)
async def test_the_high_mobility_format_is_refused_where_it_has_no_meaning(
    dev: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
    receiver: Receiver,
    who: str,
    types: list[str],
    fmt: str,
    says: str,
) -> None:
    http = await make_client(dev)
    headers = (
        (await make_owner(count=1)).headers if who == "owner" else (await make_fleet(http)).headers
    )

    response = await http.post(
        HOOKS, json={"url": receiver.url, "event_types": types, "format": fmt}, headers=headers
    )

    assert response.status_code == 400, response.text
    assert says in response.json()["errors"][0]["detail"]
