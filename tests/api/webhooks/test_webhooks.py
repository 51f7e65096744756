"""Webhooks end to end: a fleet subscribes a real receiver, things happen to a car through
the real paths, and the receiver gets them signed so that `standardwebhooks` verifies them."""

import json
from datetime import timedelta

import pytest

from fleetlink.bootstrap import Container
from fleetlink.services.webhook_delivery import WebhookDelivery
from fleetlink.telematics.encoding import encode_result, encode_telemetry
from fleetlink.telematics.intake import Incoming, Intake
from fleetlink.telematics.topics import Channel, topic
from tests.api.conftest import FleetFactory
from tests.api.webhooks.conftest import HOOKS, clear, deliver, subscribe
from tests.api.webhooks.receiver import Receiver
from tests.conftest import ClientFactory, Clock, OwnerFactory


def _telemetry(vin: str, mid: str, clock: Clock, **signals: float) -> Incoming:
    payload = encode_telemetry(mid, clock(), {"Vehicle.TraveledDistance": signals["odometer"]})
    return Incoming(topic(vin, Channel.TELEMETRY), payload, clock())


async def test_a_fleet_receives_its_clearance_a_command_and_state_signed_and_in_order(
    dev: Container,
    clock: Clock,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
    receiver: Receiver,
    delivery: WebhookDelivery,
) -> None:
    http = await make_client(dev)
    owner = await make_owner(count=1)
    fleet = await make_fleet(http)
    await subscribe(http, fleet.headers, receiver)
    vin = await clear(http, fleet, owner)
    sent = await http.post(
        f"/connected/v1/vehicles/{vin}/remote-command",
        json={"command": "lock"},
        headers=owner.headers,
    )
    assert sent.status_code == 200, sent.text
    intake = Intake(dev.services)
    clock.advance(timedelta(seconds=1))
    await intake.take([_telemetry(vin, "t1", clock, odometer=12_345.0)])

    await deliver(delivery)

    assert receiver.unverified == 0
    clearances = receiver.of_type("fleet.clearance_changed")
    assert [c["data"]["status"] for c in clearances] == ["pending", "approved"]
    state = receiver.of_type("vehicle.state_changed")
    assert state and state[-1]["data"]["signals"]["Vehicle.TraveledDistance"] == 12_345.0
    assert state[-1]["vin"] == vin
    sequences = [e["sequence"] for e in receiver.received if e["vin"] == vin]
    assert len(set(sequences)) == len(sequences)
    assert all(
        h["webhook-id"] == e["id"] for h, e in zip(receiver.headers, receiver.received, strict=True)
    )
    assert receiver.of_type("command.settled") == []  # the car has not answered yet


async def test_a_failing_receiver_gets_the_event_again_after_the_backoff(
    dev: Container,
    clock: Clock,
    make_client: ClientFactory,
    make_owner: OwnerFactory,
    receiver: Receiver,
    delivery: WebhookDelivery,
) -> None:
    http = await make_client(dev)
    owner = await make_owner(count=1)
    hook = await subscribe(http, owner.headers, receiver, ["vehicle.state_changed"])
    receiver.answers.extend([500, 503])
    vin = owner.vehicles[0].vin
    await Intake(dev.services).take([_telemetry(vin, "t1", clock, odometer=100.0)])

    await deliver(delivery)  # 500
    assert receiver.received == []
    clock.advance(timedelta(seconds=4))
    await deliver(delivery)  # not due yet (5 s ± 10 %)
    clock.advance(timedelta(seconds=2))
    await deliver(delivery)  # 503
    clock.advance(timedelta(minutes=6))
    await deliver(delivery)  # 204

    assert [e["data"]["signals"]["Vehicle.TraveledDistance"] for e in receiver.received] == [100.0]
    attempts = (await http.get(f"{HOOKS}/{hook['id']}/attempts", headers=owner.headers)).json()
    assert [a["status_code"] for a in attempts] == [204, 503, 500]
    event_id = receiver.received[0]["id"]

    replayed = await http.post(
        f"{HOOKS}/{hook['id']}/replay", json={"event_ids": [event_id]}, headers=owner.headers
    )
    assert replayed.json() == {"queued": 1}
    await deliver(delivery)
    assert [e["id"] for e in receiver.received] == [event_id, event_id]


async def test_a_replay_by_time_takes_rfc_3339_date_times(
    dev: Container, make_client: ClientFactory, make_owner: OwnerFactory, receiver: Receiver
) -> None:
    """Strict bodies refused every date-time string; schemathesis found it (issue 15)."""
    http = await make_client(dev)
    owner = await make_owner(count=1)
    hook = await subscribe(http, owner.headers, receiver, ["vehicle.state_changed"])
    url = f"{HOOKS}/{hook['id']}/replay"

    by_time = await http.post(
        url,
        json={"start": "2000-01-01T00:00:00Z", "end": "2000-01-02T00:00:00+02:00"},
        headers=owner.headers,
    )
    naive = {"start": "2000-01-01T00:00:00", "end": "2000-01-02T00:00:00Z"}
    without_offset = await http.post(url, json=naive, headers=owner.headers)
    a_number = await http.post(url, json={"start": 0, "end": 1}, headers=owner.headers)

    assert by_time.status_code == 202, by_time.text
    assert by_time.json() == {"queued": 0}
    assert without_offset.status_code == 400
    assert a_number.status_code == 400


async def test_a_replay_of_ids_no_database_can_hold_queues_nothing(
    dev: Container, make_client: ClientFactory, make_owner: OwnerFactory, receiver: Receiver
) -> None:
    """A NUL in an event id failed the request on PostgreSQL with a 500 (schemathesis found
    it, issue 15); such an id names no event."""
    http = await make_client(dev)
    owner = await make_owner(count=1)
    hook = await subscribe(http, owner.headers, receiver, ["vehicle.state_changed"])

    replayed = await http.post(
        f"{HOOKS}/{hook['id']}/replay",
        content=b'{"event_ids": ["\\u0000", "a\\ud800b", "not-an-event"]}',
        headers={**owner.headers, "Content-Type": "application/json"},
    )

    assert replayed.status_code == 202, replayed.text
    assert replayed.json() == {"queued": 0}


@pytest.mark.parametrize("subscription_id", ["%00", "a%00b", "%ED%A0%80"])
async def test_a_subscription_id_no_database_can_hold_is_not_found(
    dev: Container, make_client: ClientFactory, make_owner: OwnerFactory, subscription_id: str
) -> None:
    """A NUL in the path failed the request on PostgreSQL with a 500 (issue 15)."""
    http = await make_client(dev)
    owner = await make_owner(count=1)

    got = await http.get(f"{HOOKS}/{subscription_id}", headers=owner.headers)
    replayed = await http.post(
        f"{HOOKS}/{subscription_id}/replay", json={"event_ids": ["x"]}, headers=owner.headers
    )

    assert got.status_code == 404, got.text
    assert replayed.status_code == 404, replayed.text


async def test_events_stop_when_the_fleet_loses_the_vehicle(
    dev: Container,
    clock: Clock,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
    receiver: Receiver,
    delivery: WebhookDelivery,
) -> None:
    http = await make_client(dev)
    owner = await make_owner(count=1)
    fleet = await make_fleet(http)
    vin = await clear(http, fleet, owner)
    await subscribe(http, fleet.headers, receiver)
    intake = Intake(dev.services)
    await intake.take([_telemetry(vin, "t1", clock, odometer=1.0)])
    await deliver(delivery)
    assert len(receiver.of_type("vehicle.state_changed")) == 1

    removed = await http.delete(f"/v1/fleet/vehicles/{vin}", headers=fleet.headers)
    assert removed.status_code in (200, 204), removed.text
    clock.advance(timedelta(seconds=1))
    await intake.take([_telemetry(vin, "t2", clock, odometer=2.0)])
    await deliver(delivery)

    assert len(receiver.of_type("vehicle.state_changed")) == 1
    assert receiver.of_type("fleet.clearance_changed")[-1]["data"]["status"] == "revoked"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",  # plain HTTP
        "https://127.0.0.1/hook",  # loopback
        "https://10.1.2.3/hook",  # private
        "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
        "https://[::1]/hook",
        "https://user:pw@example.com/hook",
    ],
)
async def test_an_endpoint_that_is_not_public_https_is_refused(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory, url: str
) -> None:
    http = await make_client(container)
    owner = await make_owner(count=1)

    response = await http.post(
        HOOKS, json={"url": url, "event_types": ["trip.finished"]}, headers=owner.headers
    )

    assert response.status_code == 400, response.text


async def test_a_subscription_is_read_rotated_and_deleted_only_by_its_owner(
    dev: Container, make_client: ClientFactory, make_owner: OwnerFactory, receiver: Receiver
) -> None:
    http = await make_client(dev)
    owner, other = await make_owner(count=1), await make_owner(count=1)
    hook = await subscribe(http, owner.headers, receiver, ["trip.finished"])

    listed = (await http.get(HOOKS, headers=owner.headers)).json()
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    assert (await http.get(f"{HOOKS}/{hook['id']}", headers=other.headers)).status_code == 404
    rotated = (await http.post(f"{HOOKS}/{hook['id']}/rotate-secret", headers=owner.headers)).json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != hook["secret"]
    assert (await http.delete(f"{HOOKS}/{hook['id']}", headers=owner.headers)).status_code == 204
    assert (await http.get(f"{HOOKS}/{hook['id']}", headers=owner.headers)).status_code == 404
    assert (await http.get(HOOKS)).status_code == 401


async def test_a_command_result_through_intake_is_told_settled(
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
    await subscribe(http, owner.headers, receiver, ["command.settled"])
    sent = await http.post(
        f"/connected/v1/vehicles/{vin}/remote-command",
        json={"command": "lock"},
        headers=owner.headers,
    )
    request_id = sent.json()["requestId"]
    result = encode_result("r1", clock(), request_id, ok=True, code="000000", reason=None)
    await Intake(dev.services).take(
        [Incoming(topic(vin, Channel.COMMAND_RESULTS), result, clock())]
    )

    await deliver(delivery)

    assert [(e["data"]["requestId"], e["data"]["status"]) for e in receiver.received] == [
        (request_id, "succeeded")
    ]
    assert json.dumps(receiver.received[0])
