"""An endpoint that is gone, or has failed for five days, is disabled; its owner is told on the
owner panel and through the API, enables it again, and replays what it missed."""

from datetime import timedelta

import httpx

from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.bootstrap import Container
from fleetlink.services.webhook_delivery import WebhookDelivery
from fleetlink.telematics.encoding import encode_telemetry
from fleetlink.telematics.intake import Incoming, Intake
from fleetlink.telematics.topics import Channel, topic
from tests.api.webhooks.conftest import HOOKS, deliver, subscribe
from tests.api.webhooks.receiver import Receiver
from tests.conftest import ClientFactory, Clock, Owner, OwnerFactory
from tests.oauth import form_posting_to, sign_in


def _odometer(vin: str, mid: str, clock: Clock, km: float) -> Incoming:
    payload = encode_telemetry(mid, clock(), {"Vehicle.TraveledDistance": km})
    return Incoming(topic(vin, Channel.TELEMETRY), payload, clock())


async def _headers(dev: Container, owner: Owner, clock: Clock) -> dict[str, str]:
    """A fresh token of the owner's, after the clock jumped days past the first."""
    token = await dev.tokens.issue(owner.account.guid, TOYOTA_AUDIENCE, timedelta(hours=1), clock())
    return {"Authorization": f"Bearer {token}"}


async def _panel(make_client: ClientFactory, dev: Container, owner: Owner) -> httpx.AsyncClient:
    browser = await make_client(dev)
    page = await browser.get("/oauth/sign-in")
    assert (await sign_in(browser, page, owner.account.email)).status_code == 303
    return browser


def _odometers(receiver: Receiver) -> list[float]:
    return [e["data"]["signals"]["Vehicle.TraveledDistance"] for e in receiver.received]


async def test_a_gone_endpoint_is_disabled_shown_to_its_owner_and_enabled_again(
    dev: Container,
    clock: Clock,
    make_client: ClientFactory,
    make_owner: OwnerFactory,
    receiver: Receiver,
    delivery: WebhookDelivery,
) -> None:
    http = await make_client(dev)
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    hook = await subscribe(http, owner.headers, receiver, ["vehicle.state_changed"])
    intake = Intake(dev.services)
    receiver.answers.append(410)
    start = clock()
    await intake.take([_odometer(vin, "m1", clock, 1.0)])
    await deliver(delivery)

    read = (await http.get(f"{HOOKS}/{hook['id']}", headers=owner.headers)).json()
    assert read["status"] == "disabled"
    assert read["disabled_reason"] == "the endpoint answered 410 Gone"
    clock.advance(timedelta(minutes=1))
    await intake.take([_odometer(vin, "m2", clock, 2.0)])
    await deliver(delivery)
    assert _odometers(receiver) == []  # the 410 kept nothing, and nothing more was sent

    panel = await _panel(make_client, dev, owner)
    home = await panel.get("/oauth/grants")
    assert "A webhook endpoint of yours was disabled" in home.text
    assert "the endpoint answered 410 Gone" in home.text
    page = await panel.get("/oauth/webhooks")
    form = form_posting_to(page, f"/webhooks/{hook['id']}/enable")
    enabled = await panel.post(form.action, data=dict(form.fields))
    assert enabled.status_code == 303
    assert "Enabled" in (await panel.get(enabled.headers["location"])).text
    assert "was disabled" not in (await panel.get("/oauth/grants")).text

    clock.advance(timedelta(minutes=1))
    await intake.take([_odometer(vin, "m3", clock, 3.0)])
    await deliver(delivery)
    # The delivery pending when it was disabled resumes; what happened meanwhile was not
    # queued for it, and a replay of that time sends it.
    assert _odometers(receiver) == [1.0, 3.0]
    replayed = await http.post(
        f"{HOOKS}/{hook['id']}/replay",
        json={"start": start.isoformat(), "end": (clock() + timedelta(seconds=1)).isoformat()},
        headers=owner.headers,
    )
    assert replayed.status_code == 202, replayed.text
    await deliver(delivery)
    assert sorted(_odometers(receiver)) == [1.0, 1.0, 2.0, 3.0, 3.0]


async def test_an_endpoint_failing_for_five_days_is_disabled_and_says_since_when(
    dev: Container,
    clock: Clock,
    make_client: ClientFactory,
    make_owner: OwnerFactory,
    receiver: Receiver,
    delivery: WebhookDelivery,
) -> None:
    http = await make_client(dev)
    owner, other = await make_owner(count=1), await make_owner(count=1)
    vin = owner.vehicles[0].vin
    hook = await subscribe(http, owner.headers, receiver, ["vehicle.state_changed"])
    receiver.answers.extend([500] * 50)
    failed_at = clock()
    intake = Intake(dev.services)
    await intake.take([_odometer(vin, "m1", clock, 1.0)])
    await deliver(delivery)

    read = (await http.get(f"{HOOKS}/{hook['id']}", headers=owner.headers)).json()
    assert read["status"] == "enabled"
    assert read["failing_since"].startswith(failed_at.strftime("%Y-%m-%dT%H:%M"))
    panel = await _panel(make_client, dev, owner)
    assert "Every delivery has failed since" in (await panel.get("/oauth/webhooks")).text

    clock.advance(timedelta(days=4, hours=23))
    await intake.take([_odometer(vin, "m2", clock, 2.0)])
    await deliver(delivery)
    headers = await _headers(dev, owner, clock)
    assert (await http.get(f"{HOOKS}/{hook['id']}", headers=headers)).json()["status"] == "enabled"
    clock.advance(timedelta(hours=1))
    await intake.take([_odometer(vin, "m3", clock, 3.0)])
    await deliver(delivery)

    headers = await _headers(dev, owner, clock)
    read = (await http.get(f"{HOOKS}/{hook['id']}", headers=headers)).json()
    assert read["status"] == "disabled"
    assert read["disabled_reason"] == "every delivery failed for 5 days"
    panel = await _panel(make_client, dev, owner)
    assert "every delivery failed for 5 days" in (await panel.get("/oauth/grants")).text
    stranger = await _headers(dev, other, clock)
    refused = await http.post(f"{HOOKS}/{hook['id']}/enable", headers=stranger)
    assert refused.status_code == 404, refused.text

    receiver.answers.clear()
    enabled = await http.post(f"{HOOKS}/{hook['id']}/enable", headers=headers)
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["status"] == "enabled"
    assert "failing_since" not in enabled.json() and "disabled_reason" not in enabled.json()
    clock.advance(timedelta(minutes=1))
    await intake.take([_odometer(vin, "m4", clock, 4.0)])
    await deliver(delivery)
    # m3's first attempt was the one that disabled it: its retry resumes beside m4 (m2's is
    # due minutes later; m1's schedule ran out after three days).
    assert _odometers(receiver) == [3.0, 4.0]
