"""Webhook delivery under load: `python -m bench.webhooks [--rounds R] [--backend B]`.

In one process, as a server's primary process runs them: the real ingestion (Intake) of
telemetry for 50 owners' cars, and the real delivery loop (WebhookDelivery, HttpSender)
to 1,000 subscriptions, 20 per owner, of which 10 % are dead (half refuse the connection,
half accept it and never answer). The live ones point at one local HTTP receiver, in a
process of its own, that answers 204 at once and notes when each request came. Figures:

- ingestion throughput with the delivery loop stopped and running, in interleaved rounds
  (the issue wants the second at least 0.8× the first), and the median of their ratios;
- events per second while delivering, from the first round with delivery on to the
  receiver's last 2xx, and the delay from a vehicle's message (its timestamp) to each
  webhook's arrival, p50 and p99.

SQLite in a temporary file (a server's default), or with `--backend postgresql` a database
of the bench's own on the local PostgreSQL (dropped afterwards). The server's log goes to
stderr, as a server's does: `python -m bench.webhooks 2>/dev/null`. See bench/README.md.
"""

import argparse
import asyncio
import gc
import multiprocessing
import multiprocessing.process
import statistics
import tempfile
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from sqlalchemy import select

from bench.common import (
    fleetlink_revision,
    load_average,
    machine_table,
    postgres_database,
    server_version,
)
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
    """Answers 204 to every POST and notes when each event's request arrived.

    It runs in a process of its own, as a receiver runs on a machine of its own: its work is
    not the server's. Each arrival is a line of the file it is given ("event-id time").
    """

    def __init__(self, notes: Path) -> None:
        self.notes = notes
        self.port = 0
        self._process: multiprocessing.process.BaseProcess | None = None

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        ports: multiprocessing.Queue[int] = context.Queue()
        self._process = context.Process(target=_receive, args=(self.notes, ports), daemon=True)
        self._process.start()
        self.port = ports.get(timeout=30)

    def arrived(self) -> list[tuple[str, float]]:
        """The arrivals noted so far, as (event id, time)."""
        out = []
        for line in self.notes.read_text().splitlines():
            event_id, _, at = line.partition(" ")
            if at:
                out.append((event_id, float(at)))
        return out

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join(5)


def _receive(notes: Path, ports: "multiprocessing.Queue[int]") -> None:
    asyncio.run(_serve_receiver(notes, ports))


async def _serve_receiver(notes: Path, ports: "multiprocessing.Queue[int]") -> None:
    with notes.open("a", buffering=1) as out:

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
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
                    out.write(f"{event_id} {time.time()}\n")
                    writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        ports.put(server.sockets[0].getsockname()[1])
        await server.serve_forever()


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


async def main(messages: int, rounds: int, backend: str) -> None:
    # As a server logs (every attempt is a line, to stderr): the figures include its cost.
    configure_logging("info", json=True)
    notes = Path(tempfile.mkdtemp()) / "arrivals"
    notes.touch()
    receiver = Receiver(notes)
    receiver.start()
    silent = await asyncio.start_server(_silent, "127.0.0.1", 0)
    silent_port = silent.sockets[0].getsockname()[1]
    refused_port = silent_port + 1 if silent_port < 65535 else silent_port - 1
    async with AsyncExitStack() as stack:
        if backend == "postgresql":
            url = await stack.enter_async_context(postgres_database(console))
            if url is None:
                raise SystemExit("PostgreSQL is not reachable: nothing to measure")
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(
            database_url=url,
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
        await _ingest(intake, vins, 0, BATCH * 5)  # warm up
        sender = HttpSender(ctx.webhooks)
        delivery = WebhookDelivery(ctx, sender)
        while await delivery.fan_out():  # what start-up wrote goes to no one
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
        # Rounds with the delivery loop stopped (the outbox is written as always; nothing
        # reads it meanwhile) and running, interleaved, so that a change in the machine's
        # load falls on both alike. Delivery's backlog carries over from round to round.
        began = time.time()
        paired: list[tuple[float, float]] = []
        loop: asyncio.Task[None] | None = None
        for r in range(rounds):
            if loop is not None:
                loop.cancel()
                await asyncio.gather(loop, return_exceptions=True)
            off_s, _ = await _ingest(intake, vins, 100_000 + 2 * r * messages, messages)
            loop = asyncio.create_task(delivery.run())
            on_s, _ = await _ingest(intake, vins, 100_000 + (2 * r + 1) * messages, messages)
            paired.append((off_s, on_s))
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
            if len(receiver.arrived()) >= expected:
                break
            await asyncio.sleep(0.2)
        arrived = receiver.arrived()
        receiver.stop()
        notes.unlink()
        notes.parent.rmdir()
        ended = max(t for _, t in arrived)
        if loop is not None:
            loop.cancel()
        delays = [t - occurred[e] for e, t in arrived if e in occurred]
        await sender.close()
        store = await server_version(container.store.engine)
        await container.close()
    table = machine_table()
    table.add_row("fleetlink", fleetlink_revision())
    table.add_row("Load average", load_average())
    table.add_row("Store", store)
    table.add_row(
        "Subscriptions", f"{OWNERS * MAX_SUBSCRIPTIONS} ({OWNERS * MAX_SUBSCRIPTIONS - live} dead)"
    )
    table.add_row(
        "Messages",
        f"{rounds} × ({messages} off, {messages} on) in batches of {BATCH}, {len(vins)} vehicles",
    )
    ratios = sorted(off / on for off, on in paired)
    table.add_row(
        "Ingestion, webhooks off",
        "  ".join(f"{messages / off:,.0f}" for off, _ in paired) + " messages/s",
    )
    table.add_row(
        "Ingestion, webhooks on",
        "  ".join(f"{messages / on:,.0f}" for _, on in paired) + " messages/s",
    )
    table.add_row(
        "On ÷ off (median of rounds)",
        f"{statistics.median(ratios):.2f}× (rounds: "
        + ", ".join(f"{off / on:.2f}×" for off, on in paired)
        + ")",
    )
    table.add_row("Events", f"{len(occurred)}, {len(arrived)} webhooks received of {expected}")
    # Delivery ran from the first round with it on to the last 2xx, but for the rounds off.
    took = ended - began - sum(off for off, _ in paired)
    rates = f"{len(occurred) / took:,.0f} events/s ({len(arrived) / took:,.0f} webhooks/s)"
    table.add_row("Events to 2xx, while delivering", rates)
    p50, p99 = statistics.median(delays) * 1000, _quantile(delays, 0.99) * 1000
    table.add_row("Message → webhook", f"p50 {p50:,.0f} ms, p99 {p99:,.0f} ms")
    console.print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="per round and phase")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved off/on pairs")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.rounds, args.backend))
