"""Webhook delivery under load: `python -m bench.webhooks [--messages N]`.

In one process, as a server's primary process runs them: the real ingestion (Intake) of
telemetry for 50 owners' cars, and the real delivery loop (WebhookDelivery, HttpSender)
to 1,000 subscriptions, 20 per owner, of which 10 % are dead (half refuse the connection,
half accept it and never answer). The live ones point at one local HTTP receiver that
answers 204 at once and notes when each request came. Figures:

- ingestion throughput with the delivery loop stopped, then running (the issue wants the
  second at least 0.8× the first), the same messages, the same store;
- events per second from the first message to the receiver's last 2xx, and the delay from
  a vehicle's message (its timestamp) to each webhook's arrival, p50 and p99.

SQLite in a temporary file (a server's default). The server's log goes to stderr, as a
server's does: `python -m bench.webhooks 2>/dev/null`. See bench/README.md.
"""

import argparse
import asyncio
import gc
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from sqlalchemy import select

from bench.common import fleetlink_revision, load_average, machine_table
from fleetlink.bootstrap import build
from fleetlink.domain.webhooks import Subscriber
from fleetlink.logging import configure_logging
from fleetlink.seeding.registration import as_new_vehicle
from fleetlink.services.accounts import create_account
from fleetlink.services.vehicles import register_vehicles
from fleetlink.services.webhook_delivery import WebhookDelivery
from fleetlink.services.webhook_sender import HttpSender
from fleetlink.services.webhooks import MAX_SUBSCRIPTIONS, create_subscription
from fleetlink.settings import Settings
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.storage.tables import events
from fleetlink.telematics.encoding import encode_telemetry
from fleetlink.telematics.intake import Incoming, Intake
from fleetlink.telematics.topics import Channel, topic

console = Console()
OWNERS = 50
DEAD_EVERY = 10  # one subscription in ten is a dead endpoint
BATCH = 10  # messages per ingestion batch, as the MQTT link groups them under load


class Receiver:
    """Answers 204 to every POST and notes when each event's request arrived."""

    def __init__(self) -> None:
        self.arrived: list[tuple[str, float]] = []
        self.port = 0

    async def start(self) -> None:
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length, event_id = 0, ""
                for line in head.decode().split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                    elif name.lower() == "webhook-id":
                        event_id = value.strip()
                await reader.readexactly(length)
                self.arrived.append((event_id, time.time()))
                writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        await asyncio.sleep(3600)  # accepts, reads nothing, never answers
    except asyncio.CancelledError:
        writer.close()


async def _ingest(
    intake: Intake, vins: list[str], first: int, count: int
) -> tuple[float, dict[str, float]]:
    """Ingest count messages in batches; the seconds it took and each message's time."""
    began = time.perf_counter()
    sent: dict[str, float] = {}
    for start in range(first, first + count, BATCH):
        batch = []
        for n in range(start, min(start + BATCH, first + count)):
            now = datetime.now(UTC)
            vin = vins[n % len(vins)]
            payload = encode_telemetry(f"b{n}", now, {"Vehicle.TraveledDistance": 1000.0 + n})
            batch.append(Incoming(topic(vin, Channel.TELEMETRY), payload, now))
        await intake.take(batch)
    return time.perf_counter() - began, sent


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(messages: int) -> None:
    # As a server logs (every attempt is a line, to stderr): the figures include its cost.
    configure_logging("info", json=True)
    receiver = Receiver()
    await receiver.start()
    silent = await asyncio.start_server(_silent, "127.0.0.1", 0)
    silent_port = silent.sockets[0].getsockname()[1]
    refused_port = silent_port + 1 if silent_port < 65535 else silent_port - 1
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
            webhooks_allow_http=True,
            webhooks_allow_private_addresses=True,
            geocode=False,
        )
        container = build(settings)
        await container.start()
        ctx = container.services
        vins: list[str] = []
        subscribers = []
        for o in range(OWNERS):
            account = await create_account(ctx, f"bench-{o}@example.com", "correct horse battery")
            fleet = generate_fleet(o, 1, ctx.clock(), first_serial=1 + o * 10)
            registered = await register_vehicles(ctx, account, [as_new_vehicle(v) for v in fleet])
            vins += [v.vin for v in registered]
            subscribers.append(Subscriber(account_id=account.id))
        intake = Intake(ctx)
        # As `fleetlink serve` does once started: what start-up made is left out of collections.
        gc.collect()
        gc.freeze()
        # Off: the outbox is written as always; nothing reads it meanwhile.
        await _ingest(intake, vins, 0, BATCH * 5)  # warm up
        off_s, _ = await _ingest(intake, vins, 100_000, messages)
        sender = HttpSender(ctx.webhooks)
        delivery = WebhookDelivery(ctx, sender)
        while await delivery.fan_out():  # what was written so far goes to no one
            pass
        live = 0
        for o, who in enumerate(subscribers):
            for i in range(MAX_SUBSCRIPTIONS):
                k = o * MAX_SUBSCRIPTIONS + i
                if k % DEAD_EVERY == 0:
                    port = silent_port if (k // DEAD_EVERY) % 2 else refused_port
                else:
                    port, live = receiver.port, live + 1
                url = f"http://127.0.0.1:{port}/hooks/{k}"
                await create_subscription(ctx, who, url, ["vehicle.state_changed"])
        loop = asyncio.create_task(delivery.run())
        began = time.time()
        on_s, _ = await _ingest(intake, vins, 200_000, messages)
        async with container.store.engine.connect() as conn:
            rows = await conn.execute(
                select(events.c.id, events.c.occurred_at).where(
                    events.c.recorded_at
                    >= datetime.fromtimestamp(began, UTC) - timedelta(seconds=1)
                )
            )
            occurred = {r.id: r.occurred_at.timestamp() for r in rows}
        expected = len(occurred) * live // OWNERS
        for _ in range(3000):  # ten minutes at most
            if len(receiver.arrived) >= expected:
                break
            await asyncio.sleep(0.2)
        ended = max(t for _, t in receiver.arrived)
        loop.cancel()
        delays = [t - occurred[e] for e, t in receiver.arrived if e in occurred]
        await sender.close()
        await container.close()
    table = machine_table()
    table.add_row("fleetlink", fleetlink_revision())
    table.add_row("Load average", load_average())
    table.add_row("Store", "SQLite (file)")
    table.add_row(
        "Subscriptions", f"{OWNERS * MAX_SUBSCRIPTIONS} ({OWNERS * MAX_SUBSCRIPTIONS - live} dead)"
    )
    table.add_row("Messages", f"{messages} in batches of {BATCH}, {len(vins)} vehicles")
    table.add_row("Ingestion, webhooks off", f"{messages / off_s:,.0f} messages/s")
    table.add_row(
        "Ingestion, webhooks on", f"{messages / on_s:,.0f} messages/s ({off_s / on_s:.2f}×)"
    )
    table.add_row(
        "Events", f"{len(occurred)}, {len(receiver.arrived)} webhooks received of {expected}"
    )
    took = ended - began
    rates = f"{len(occurred) / took:,.0f} events/s ({len(receiver.arrived) / took:,.0f} webhooks/s)"
    table.add_row("Events to 2xx", rates)
    p50, p99 = statistics.median(delays) * 1000, _quantile(delays, 0.99) * 1000
    table.add_row("Message → webhook", f"p50 {p50:,.0f} ms, p99 {p99:,.0f} ms")
    console.print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(main(args.messages))
