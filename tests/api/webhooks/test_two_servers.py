"""Two `fleetlink serve` processes on one PostgreSQL deliver one receiver's webhooks: each
attempt once, and a server killed mid-delivery leaves nothing stuck (its leases lapse and
the other server delivers)."""

import asyncio
import json
import signal
from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select

from fleetlink.bootstrap import Container
from fleetlink.domain.webhooks import DeliveryStatus
from fleetlink.services.signing_keys import ensure_signing_key
from fleetlink.storage.tables import webhook_deliveries
from fleetlink.telematics.credentials import CLOUD_USERNAME, credential_key, password_for
from fleetlink.telematics.encoding import encode_telemetry
from fleetlink.telematics.intake import Incoming, Intake
from fleetlink.telematics.topics import Channel, topic
from tests.api.webhooks.conftest import HOOKS
from tests.api.webhooks.receiver import Receiver
from tests.conftest import Owner, OwnerFactory
from tests.live import LiveServer, free_port, start_server

PER_ENDPOINT = 4
SENDING = {
    "FLEETLINK_WEBHOOKS_ALLOW_HTTP": "true",
    "FLEETLINK_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
    # A short timeout makes a short lease (twice it, and 30 s): a killed server's claims
    # lapse within about 35 s.
    "FLEETLINK_WEBHOOKS_TIMEOUT_SECONDS": "2",
    "FLEETLINK_WEBHOOKS_PER_ENDPOINT": str(PER_ENDPOINT),
    "FLEETLINK_LOG_LEVEL": "info",
    "FLEETLINK_LOG_JSON": "true",  # every attempt a line of JSON, read back below
}


async def _drive(intake: Intake, owner: Owner, first: int, count: int) -> None:
    """count odometer readings spread over the owner's cars, each stored on its own."""
    for n in range(first, first + count):
        vin = owner.vehicles[n % len(owner.vehicles)].vin
        now = datetime.now(UTC)
        payload = encode_telemetry(f"m{n}", now, {"Vehicle.TraveledDistance": 1000.0 + n})
        await intake.take([Incoming(topic(vin, Channel.TELEMETRY), payload, now)])


async def _received(receiver: Receiver, count: int, within_s: float) -> None:
    for _ in range(int(within_s * 10)):
        if len({h["webhook-id"] for h in receiver.headers}) >= count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{len(receiver.headers)} of {count} within {within_s} s")


async def _unsettled(container: Container) -> int:
    async with container.store.engine.connect() as conn:
        found = await conn.scalar(
            select(func.count())
            .select_from(webhook_deliveries)
            .where(webhook_deliveries.c.status != DeliveryStatus.SUCCEEDED.value)
        )
    return found or 0


async def _settled(container: Container, within_s: float) -> None:
    for _ in range(int(within_s * 2)):
        if not await _unsettled(container):
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"{await _unsettled(container)} deliveries stuck after {within_s} s")


async def _cloud_password(container: Container) -> str:
    """The broker password every server process of the deployment derives for itself."""
    key = await ensure_signing_key(container.store, container.services.clock())
    return password_for(credential_key(key.private_pem), CLOUD_USERNAME)


def _sent_by(server: LiveServer) -> int:
    return sum("webhook.attempt" in line for line in server.stderr + server.stdout)


def _failed_by(server: LiveServer) -> int:
    """Attempts the server logged as failed: each may have reached the receiver all the same
    (a receiver slow past the timeout on a loaded machine), and is then sent again."""
    failed = 0
    for line in server.stderr + server.stdout:
        if "webhook.attempt" in line and line.lstrip().startswith("{"):
            entry = json.loads(line)
            failed += entry.get("error") is not None or not 200 <= (entry.get("status") or 0) < 300
    return failed


async def test_two_servers_deliver_each_event_once_and_a_killed_one_leaves_nothing_stuck(
    container: Container, database_url: str, make_owner: OwnerFactory
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("servers share a PostgreSQL database; a SQLite file has one process")
    owner = await make_owner(count=4)
    receiver = Receiver(delay_s=0.05)
    await receiver.start()
    mqtt = free_port()
    first = await start_server(
        database_url, env={"FLEETLINK_MQTT_LISTEN": f"127.0.0.1:{mqtt}", **SENDING}
    )
    second = await start_server(
        database_url,
        env={
            "FLEETLINK_MQTT_URL": f"mqtt://{CLOUD_USERNAME}:{await _cloud_password(container)}"
            f"@127.0.0.1:{mqtt}",
            "FLEETLINK_MQTT_CLIENT_ID": "fleetlink-second",
            **SENDING,
        },
    )
    intake = Intake(container.services)
    try:
        async with httpx.AsyncClient(base_url=first.base_url, timeout=30) as http:
            hook = await http.post(
                HOOKS,
                json={"url": receiver.url, "event_types": ["vehicle.state_changed"]},
                headers=owner.headers,
            )
            assert hook.status_code == 201, hook.text
            receiver.secret = hook.json()["secret"]

        # Both alive: every event once, some by each.
        await _drive(intake, owner, 0, 200)
        await _received(receiver, 200, 60)
        await asyncio.sleep(1)  # anything sent twice would have come by now
        ids = Counter(h["webhook-id"] for h in receiver.headers)
        assert len(ids) == 200 and max(ids.values()) == 1
        assert _sent_by(first) > 0 and _sent_by(second) > 0

        # The second dies (SIGKILL) while it sends: the first delivers what it held.
        receiver.delay_s = 0.3
        await _drive(intake, owner, 200, 200)
        await _received(receiver, 210, 30)
        second.process.send_signal(signal.SIGKILL)
        await second.process.wait()
        await _received(receiver, 400, 90)
        # What it held is leased until its lease lapses; then the first sends it again.
        await _settled(container, within_s=90)
    finally:
        await second.stop()
        await first.stop()
        await receiver.stop()

    ids = Counter(h["webhook-id"] for h in receiver.headers)
    assert len(ids) == 400 and receiver.unverified == 0
    # Sent again only what the killed server had in flight, unrecorded (at least once), and
    # what an attempt that failed (a timeout) may have delivered after all.
    retried = _failed_by(first) + _failed_by(second)
    assert sum(n - 1 for n in ids.values()) <= PER_ENDPOINT + retried
