"""Ingestion throughput from the broker to the store: `python -m bench.ingest`.

Starts a real `fleetlink serve --demo` process on a temporary SQLite file (and on a PostgreSQL
database of its own when one is reachable), connected to a Mosquitto of the bench's own,
configured as docs/telematics.md asks of a deployment's broker (or to the broker at
--mqtt-url). Publisher clients then send telemetry for the 25 demo vehicles at QoS 1, as fast
as the broker acknowledges it (or, with --max-backlog, as fast as the server keeps up), and
the bench times how long it takes until every message is a row of `vehicle_messages`. It then
re-publishes messages already stored and times how long the server takes to recognise them as
duplicates. See bench/README.md.
"""

import argparse
import asyncio
import ctypes
import logging
import math
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiomqtt
import httpx
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, make_url, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench.common import (
    POSTGRES_URL,
    fleetlink_revision,
    free_port,
    load_average,
    machine_table,
    postgres_database,
    server_version,
    terminate,
    until_stopped,
)
from bench.procs import child_env
from fleetlink.domain.vehicle import ConnectionState, Powertrain
from fleetlink.simulator.metros import METROS
from fleetlink.storage.database import create_engine
from fleetlink.storage.tables import vehicle_messages, vehicles
from fleetlink.telematics.encoding import encode_connection, encode_telemetry
from fleetlink.telematics.link import BrokerAddress
from fleetlink.telematics.topics import Channel, topic

API = "/connected/v1"
POLL_S = 0.05  # how often /metrics (and, near the end, the store) is looked at while waiting
COUNT_S = 0.25  # how often the store is looked at before that
START_TIMEOUT_S = 60.0
_DEGREES_PER_KM = 1 / 111.0
PR_SET_PDEATHSIG = 1  # prctl(2)
LOG_TAIL = 15  # lines of the server's log shown when a run fails
# The bench's own broker, as docs/telematics.md asks of a deployment's: room for the cloud's
# session (Mosquitto's default of 1000 queued messages drops a burst it cannot take at once).
OWN_BROKER_QUEUE = 1_000_000
OWN_BROKER_BACKLOG = 0  # publishers are never held back: the broker's queue holds the burst
SHARED_BROKER_BACKLOG = 500  # --mqtt-url: a broker of default limits needs the publishers held
_MOSQUITTO_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])

# Written to a file or a pipe, the tables keep their width rather than Rich's 80 columns.
console = Console(width=None if sys.stdout.isatty() else 132)
_MQTT_LOG = logging.getLogger("bench.ingest.mqtt")
_MQTT_LOG.setLevel(logging.ERROR)  # not "There are 11 pending publish calls."


class BenchError(RuntimeError):
    """Something that stops a backend's run; the message says what and why."""


@dataclass(frozen=True, slots=True)
class Options:
    """What to send and how long to wait for it."""

    messages: int
    duplicates: int
    publishers: int
    in_flight: int
    timeout: float
    stall: float
    seed: int
    max_backlog: int
    rounds: int
    broker_log: Path
    broker: BrokerAddress
    mqtt_url: str
    backends: tuple[str, ...]
    own_broker: bool = False  # a Mosquitto of the bench's own (no --mqtt-url)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message as a vehicle publishes it."""

    vin: str
    topic: str
    payload: bytes
    message_id: str = ""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the server's /metrics said at one moment."""

    received: float = 0.0
    dropped: float = 0.0
    duplicates: float = 0.0
    batches: float = 0.0
    batch_seconds: float = 0.0
    buckets: tuple[tuple[float, float], ...] = ()  # (upper bound s, cumulative count)

    def minus(self, before: "Snapshot") -> "Snapshot":
        """The change since before."""
        earlier = dict(before.buckets)
        return Snapshot(
            received=self.received - before.received,
            dropped=self.dropped - before.dropped,
            duplicates=self.duplicates - before.duplicates,
            batches=self.batches - before.batches,
            batch_seconds=self.batch_seconds - before.batch_seconds,
            buckets=tuple((le, n - earlier.get(le, 0.0)) for le, n in self.buckets),
        )

    def batch_quantile(self, q: float) -> float | None:
        """The upper bound, in seconds, of the histogram bucket holding the q-quantile batch."""
        if self.batches <= 0:
            return None
        for le, cumulative in self.buckets:
            if cumulative >= q * self.batches:
                return le
        return None


@dataclass(frozen=True, slots=True)
class Phase:
    """One timed publish-and-wait."""

    messages: int
    publish_seconds: float  # first publish until the last PUBACK
    total_seconds: float  # first publish until the store shows every message
    metrics: Snapshot
    server_cpu_seconds: float | None
    rows_before: int
    rows_after: int
    # Published, acknowledged by the broker, and never stored (or counted): the broker
    # dropped them from a full session queue, or the server lost them.
    dropped: int = 0

    @property
    def publish_rate(self) -> float:
        return self.messages / self.publish_seconds

    @property
    def end_to_end_rate(self) -> float:
        """Messages that arrived a second, first publish until the last one did."""
        return (self.messages - self.dropped) / self.total_seconds


@dataclass(frozen=True, slots=True)
class Run:
    """A backend's figures."""

    backend: str
    server: str
    vehicles: int
    ingest: Phase
    duplicates: Phase | None
    server_warnings: int
    bare: Phase | None = None  # the same messages to a subscriber that only counts
    broker_log: str = ""  # what the broker logged about dropping, for the run's clients
    round_no: int = 1
    load: str = ""  # the load average as the round began

    @property
    def ratio(self) -> float | None:
        """fleetlink's end-to-end rate ÷ the bare broker's."""
        if self.bare is None or not self.bare.end_to_end_rate:
            return None
        return self.ingest.end_to_end_rate / self.bare.end_to_end_rate

    @property
    def dropped(self) -> int:
        phases = (self.ingest, self.duplicates, self.bare)
        return sum(p.dropped for p in phases if p is not None)


@dataclass
class Server:
    """A started `fleetlink serve` process and where its output goes."""

    process: asyncio.subprocess.Process
    port: int
    client_id: str
    stdout: Path
    stderr: Path
    token: str = ""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float | None:
        """User plus system CPU time of the server process so far (Linux only)."""
        return _cpu_seconds(self.process.pid)

    def warnings(self) -> list[str]:
        """What the server logged (it runs at level warning, so only warnings and errors)."""
        try:
            return [line for line in self.stderr.read_text().splitlines() if line.strip()]
        except OSError:
            return []


def _die_with_parent() -> None:
    """In the server's process, before exec: on Linux, get SIGTERM when the bench dies, so
    that a bench killed outright (SIGKILL) leaves no server behind."""
    if sys.platform == "linux":
        with suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _start_server(database_url: str, options: Options, workdir: Path) -> Server:
    """Run `fleetlink serve --demo` on a free port; wait until it is healthy and subscribed."""
    port = _free_port()
    client_id = f"fleetlink-bench-{uuid.uuid4().hex[:8]}"
    stdout, stderr = workdir / f"serve-{port}.out", workdir / f"serve-{port}.err"
    # The worktree's fleetlink first on the server's path, as the revision printed says.
    env = child_env(
        {
            "FLEETLINK_DATABASE_URL": database_url,
            "FLEETLINK_MQTT_URL": options.mqtt_url,
            "FLEETLINK_MQTT_CLIENT_ID": client_id,
            # The bench plays the vehicles; the demo fleet's own simulator would add traffic.
            "FLEETLINK_DEMO_SIMULATE": "false",
            "FLEETLINK_DEMO_HISTORY_DAYS": "0",
            "FLEETLINK_LOG_LEVEL": "warning",
            "FLEETLINK_LOG_JSON": "false",
            # Only used by a server that embeds a broker; keep it off 1883 whatever happens.
            "FLEETLINK_MQTT_LISTEN": f"127.0.0.1:{_free_port()}",
        }
    )
    # Files, not pipes: nobody reads a pipe while the bench runs, and a full one would block
    # the server's logging and so its ingestion.
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "fleetlink",
            "serve",
            "--port",
            str(port),
            "--demo",
            env=env,
            stdout=out,
            stderr=err,
            preexec_fn=_die_with_parent,
        )
    server = Server(process, port, client_id, stdout, stderr)
    try:
        await _wait_until_ready(server)
        server.token = _printed_token(stdout.read_text())
    except BaseException:
        await _stop_server(server)
        raise
    return server


async def _wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    healthy = False
    async with httpx.AsyncClient(base_url=server.base_url, timeout=5) as client:
        while time.monotonic() < deadline:
            if server.process.returncode is not None:
                raise BenchError(
                    f"fleetlink serve exited with {server.process.returncode}:\n"
                    + "\n".join(server.warnings()[-20:])
                )
            try:
                if not healthy:
                    healthy = (await client.get("/healthz")).status_code == 200
                if (
                    healthy
                    and "fleetlink_mqtt_connected 1.0" in (await client.get("/metrics")).text
                ):
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    what = "subscribed to the broker" if healthy else "healthy"
    raise BenchError(f"fleetlink serve did not become {what} within {START_TIMEOUT_S:.0f} s")


def _printed_token(banner: str) -> str:
    lines = banner.splitlines()
    for i, line in enumerate(lines[:-1]):
        if "access token" in line:
            return lines[i + 1].strip()
    raise BenchError(f"fleetlink serve --demo printed no access token:\n{banner}")


async def _stop_server(server: Server) -> None:
    """SIGTERM, as an operator would; SIGKILL if it has not gone after 20 s."""
    if server.process.returncode is None:
        server.process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(server.process.wait(), timeout=20)
    except TimeoutError:
        server.process.kill()
        await server.process.wait()


async def _metrics(client: httpx.AsyncClient) -> Snapshot:
    response = await client.get("/metrics")
    response.raise_for_status()
    values: dict[str, float] = {}
    buckets: list[tuple[float, float]] = []
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == "fleetlink_ingest_batch_seconds_bucket":
                buckets.append((float(sample.labels["le"]), sample.value))
            else:
                values[sample.name] = values.get(sample.name, 0.0) + sample.value
    return Snapshot(
        received=values.get("fleetlink_mqtt_messages_received_total", 0.0),
        dropped=values.get("fleetlink_mqtt_messages_dropped_total", 0.0),
        duplicates=values.get("fleetlink_mqtt_messages_duplicate_total", 0.0),
        batches=values.get("fleetlink_ingest_batch_seconds_count", 0.0),
        batch_seconds=values.get("fleetlink_ingest_batch_seconds_sum", 0.0),
        buckets=tuple(sorted(buckets)),
    )


async def _fleet(server: Server, engine: AsyncEngine) -> dict[str, Powertrain]:
    """The demo VINs, as the owner's app sees them, with their powertrains from the store."""
    async with httpx.AsyncClient(
        base_url=server.base_url, headers={"Authorization": f"Bearer {server.token}"}
    ) as client:
        response = await client.get(f"{API}/vehicles")
        response.raise_for_status()
        vins = [v["vin"] for v in response.json()["data"]]
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(vehicles.c.vin, vehicles.c.powertrain).where(vehicles.c.vin.in_(vins))
        )
        return {row.vin: Powertrain(row.powertrain) for row in rows}


@dataclass
class _Drive:
    """A vehicle on the road: each sample moves it on by one second."""

    powertrain: Powertrain
    latitude: float
    longitude: float
    heading: float
    odometer_km: float
    speed_kmh: float
    soc_pct: float
    fuel_pct: float

    def step(self, rng: random.Random) -> dict[str, Any]:
        self.speed_kmh = min(max(self.speed_kmh + rng.gauss(0, 4), 0.0), 130.0)
        km = self.speed_kmh / 3600
        self.heading += rng.gauss(0, 0.05)
        self.latitude += math.cos(self.heading) * km * _DEGREES_PER_KM
        self.longitude += math.sin(self.heading) * km * _DEGREES_PER_KM
        self.odometer_km += km
        signals: dict[str, Any] = {
            "Vehicle.Speed": round(self.speed_kmh, 1),
            "Vehicle.IsMoving": self.speed_kmh > 0,
            "Vehicle.CurrentLocation.Latitude": round(self.latitude, 6),
            "Vehicle.CurrentLocation.Longitude": round(self.longitude, 6),
            "Vehicle.TraveledDistance": round(self.odometer_km, 2),
        }
        if self.powertrain.has_traction_battery:
            self.soc_pct = max(self.soc_pct - km * 0.15, 5.0)
            signals["Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"] = round(
                self.soc_pct, 1
            )
        if self.powertrain.is_pluggable:
            signals["Vehicle.Powertrain.TractionBattery.Range"] = round(self.soc_pct * 4.0, 1)
        if self.powertrain.has_fuel_tank:
            self.fuel_pct = max(self.fuel_pct - km * 0.02, 3.0)
            signals["Vehicle.Powertrain.FuelSystem.RelativeLevel"] = round(self.fuel_pct, 1)
            signals["Vehicle.Powertrain.FuelSystem.Range"] = round(self.fuel_pct * 6.5, 1)
        return signals


def _telemetry(fleet: dict[str, Powertrain], count: int, seed: int, prefix: str) -> list[Outgoing]:
    """count samples spread over the fleet in turn, one second apart per vehicle, ending now;
    their message ids start with prefix."""
    rng = random.Random(seed)
    vins = sorted(fleet)
    per_vehicle = math.ceil(count / len(vins))
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=per_vehicle + 5)
    drives = {}
    for vin in vins:
        metro = rng.choice(METROS)
        drives[vin] = _Drive(
            powertrain=fleet[vin],
            latitude=metro.latitude + rng.uniform(-0.1, 0.1),
            longitude=metro.longitude + rng.uniform(-0.1, 0.1),
            heading=rng.uniform(0, 2 * math.pi),
            odometer_km=rng.uniform(2_000, 90_000),
            speed_kmh=rng.uniform(0, 90),
            soc_pct=rng.uniform(40, 95),
            fuel_pct=rng.uniform(30, 95),
        )
    out = []
    for i in range(count):
        vin = vins[i % len(vins)]
        at = start + timedelta(seconds=i // len(vins))
        message_id = f"{prefix}{uuid.uuid4()}"
        payload = encode_telemetry(message_id, at, drives[vin].step(rng))
        out.append(Outgoing(vin, topic(vin, Channel.TELEMETRY), payload, message_id))
    return out


async def _stored(engine: AsyncEngine, prefix: str) -> int:
    """How many of the bench's messages (their ids start with prefix) the store holds."""
    async with engine.connect() as conn:
        count = await conn.execute(
            select(func.count())
            .select_from(vehicle_messages)
            .where(vehicle_messages.c.message_id.startswith(prefix))
        )
        return int(count.scalar_one())


async def _again(engine: AsyncEngine, sent: Sequence[Outgoing], count: int) -> list[Outgoing]:
    """count of the messages sent, spread over them, that the store holds."""
    async with engine.connect() as conn:
        stored = {
            row[0]
            for row in await conn.execute(
                select(vehicle_messages.c.message_id).where(
                    vehicle_messages.c.message_id.in_([m.message_id for m in sent])
                )
            )
        }
    held = [m for m in sent if m.message_id in stored]
    stride = max(len(held) // max(count, 1), 1)
    return held[::stride][:count]


def _client(options: Options, identifier: str, **settings: Any) -> aiomqtt.Client:
    """An MQTT client of the bench's on the broker; aiomqtt's chatter goes unlogged."""
    return aiomqtt.Client(
        options.broker.host,
        options.broker.port,
        username=options.broker.username,
        password=options.broker.password,
        identifier=identifier,
        logger=_MQTT_LOG,
        **settings,
    )


class Backlog:
    """Holds publishers back while the server is limit messages behind them (0: never)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.published = 0
        self.received = 0.0
        self._moved = asyncio.Event()

    def update(self, received: float) -> None:
        """The server has now received this many of the phase's messages."""
        self.received = received
        self._moved.set()

    async def admit(self) -> None:
        """Wait until one more message may go."""
        while self.limit and self.published - self.received >= self.limit:
            self._moved.clear()
            await self._moved.wait()
        self.published += 1


class Publishers:
    """A few MQTT clients, each sending for its share of the fleet, in order per vehicle."""

    def __init__(self, vins: Sequence[str], options: Options) -> None:
        self._options = options
        count = min(options.publishers, len(vins))
        self._owner = {vin: i % count for i, vin in enumerate(sorted(vins))}
        self._clients = [
            _client(
                options,
                f"fleetlink-bench-pub-{i}-{uuid.uuid4().hex[:6]}",
                max_inflight_messages=max(options.in_flight, 20),
            )
            for i in range(count)
        ]
        self._stack = AsyncExitStack()

    async def __aenter__(self) -> "Publishers":
        async with AsyncExitStack() as stack:
            for client in self._clients:
                await stack.enter_async_context(client)
            self._stack = stack.pop_all()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    async def publish(
        self, messages: Sequence[Outgoing], *, retain: bool = False, backlog: Backlog | None = None
    ) -> None:
        """Publish every message at QoS 1; return once the broker has acknowledged them all."""
        shares: list[list[Outgoing]] = [[] for _ in self._clients]
        for message in messages:
            shares[self._owner[message.vin]].append(message)
        gate = backlog or Backlog(0)
        await asyncio.gather(
            *(
                self._send(client, share, retain, gate)
                for client, share in zip(self._clients, shares, strict=True)
            )
        )

    async def _send(
        self, client: aiomqtt.Client, share: list[Outgoing], retain: bool, backlog: Backlog
    ) -> None:
        # A window of in-flight publishes; they start in order, so each topic keeps its order.
        window = asyncio.Semaphore(self._options.in_flight)

        async def one(message: Outgoing) -> None:
            try:
                await client.publish(message.topic, message.payload, qos=1, retain=retain)
            finally:
                window.release()

        async with asyncio.TaskGroup() as group:
            for message in share:
                await backlog.admit()
                await window.acquire()
                group.create_task(one(message))


async def _timed(
    publishers: Publishers,
    messages: Sequence[Outgoing],
    server: Server,
    engine: AsyncEngine,
    metrics: httpx.AsyncClient,
    options: Options,
    *,
    prefix: str,
    rows_expected: int,
    what: str,
    duplicates: bool,
) -> Phase:
    """Publish messages and wait until the store holds rows_expected rows of the bench's
    (and, for duplicates, until the server has counted every one as such)."""
    rows_before = await _stored(engine, prefix)
    before = await _metrics(metrics)
    cpu_before = server.cpu_seconds()
    started = time.perf_counter()
    published: list[float] = []
    backlog = Backlog(options.max_backlog)

    async def publish() -> None:
        await publishers.publish(messages, backlog=backlog)
        published.append(time.perf_counter())

    sending = asyncio.create_task(publish())
    rows, progress_at, counted_at, snapshot = rows_before, started, started, before
    dropped = 0

    def gave_up() -> str:
        return _stuck(
            what,
            len(messages),
            rows - rows_before,
            before,
            snapshot,
            progress_at - started,
            published[0] - started if published else None,
        )

    try:
        with console.status(f"{what}…") as status:
            while True:
                await asyncio.sleep(POLL_S)
                if sending.done():
                    sending.result()  # a failed publish fails the run now
                now = time.perf_counter()
                latest = await _metrics(metrics)
                # Counting rows costs the database a scan: four times a second, and at every
                # poll only when the server has received enough for the phase to be done.
                count = rows
                enough = latest.received - before.received >= len(messages)
                if enough or now - counted_at >= COUNT_S:
                    count, counted_at = await _stored(engine, prefix), now
                # Progress: the bench's rows, and anything the server receives (a phase that
                # stops receiving before it is done has lost messages at the broker).
                if (
                    count != rows
                    or latest.received != snapshot.received
                    or (duplicates and latest.duplicates != snapshot.duplicates)
                ):
                    progress_at = now
                rows, snapshot = count, latest
                backlog.update(snapshot.received - before.received)
                settled = snapshot.duplicates - before.duplicates >= len(messages)
                if published and rows >= rows_expected and (settled or not duplicates):
                    break
                status.update(
                    f"{what}: {'published' if published else 'publishing'}, "
                    f"server received {snapshot.received - before.received:,.0f}, "
                    f"{rows - rows_before:,} new rows"
                )
                if server.process.returncode is not None:
                    raise BenchError(f"the server exited with {server.process.returncode}")
                if published and now - max(progress_at, published[0]) > options.stall:
                    done = (
                        int(snapshot.duplicates - before.duplicates)
                        if duplicates
                        else rows - rows_before
                    )
                    dropped = len(messages) - done
                    if dropped <= 0:
                        raise BenchError(gave_up())
                    console.print(
                        f"[red]{what}: dropped: {dropped:,}[/] (published and acknowledged by "
                        f"the broker, never {'counted' if duplicates else 'stored'}; nothing "
                        f"moved for {options.stall:g} s)"
                    )
                    break
                if now - started > options.timeout:
                    raise BenchError(gave_up())
    finally:
        if not sending.done():
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)
    total = time.perf_counter() - started
    if dropped:
        total = max(progress_at - started, published[0] - started)
    cpu_after = server.cpu_seconds()
    return Phase(
        messages=len(messages),
        publish_seconds=published[0] - started,
        total_seconds=total,
        metrics=snapshot.minus(before),
        server_cpu_seconds=(
            cpu_after - cpu_before if cpu_after is not None and cpu_before is not None else None
        ),
        rows_before=rows_before,
        rows_after=rows,
        dropped=dropped,
    )


def _stuck(
    what: str,
    sent: int,
    stored: int,
    before: Snapshot,
    now: Snapshot,
    active_s: float,
    publish_s: float | None,
) -> str:
    delta = now.minus(before)
    publishing = (
        f"{sent:,} published in {publish_s:.2f} s ({sent / publish_s:,.0f} msg/s, all "
        "acknowledged by the broker)"
        if publish_s
        else f"{sent:,} still being published"
    )
    lines = [
        f"{what}: gave up waiting; {publishing}; {stored:,} of them stored. The server "
        f"received {delta.received:,.0f} uplink messages meanwhile (anyone's on the broker), "
        f"counted {delta.duplicates:,.0f} as duplicates and dropped {delta.dropped:,.0f} as "
        "malformed or of an unknown vehicle.",
        f"While it was busy ({active_s:.2f} s from the first publish to its last progress) "
        f"the server stored {stored / active_s if active_s > 0 else 0:,.0f} of the bench's "
        "messages a second"
        + (
            f", in {delta.batches:,.0f} batches of {delta.received / delta.batches:,.1f} "
            f"messages taking {delta.batch_seconds / delta.batches * 1000:,.1f} ms each on "
            "average."
            if delta.batches
            else "."
        ),
    ]
    if delta.received < sent:
        lines.append(
            f"At least {sent - delta.received:,.0f} messages never reached the server: the "
            "broker dropped them from the server's session queue (Mosquitto keeps at most "
            "max_queued_messages, default 1000, beyond max_inflight_messages, default 20, "
            "for a client, and logs 'Outgoing messages are being dropped'). "
            "--max-backlog 500 holds the publishers back so that the broker never has to."
        )
    elif stored < sent:
        lines.append(
            f"{sent - stored:,} of the bench's messages are not in the store; the broker's "
            "log says whether it dropped them ('Outgoing messages are being dropped'), the "
            "server's log below whether it refused them."
        )
    return "\n".join(lines)


async def _bare(
    publishers: Publishers,
    messages: Sequence[Outgoing],
    options: Options,
    *,
    prefix: str,
    what: str,
) -> tuple[Phase, str]:
    """The same messages, from the same publishers, to a subscriber that only counts
    (bench.mqtt_counter, a process of its own with a persistent session and a QoS 1
    subscription). Returns the phase and the counter's client id."""
    client_id = f"fleetlink-bench-count-{uuid.uuid4().hex[:8]}"
    argv = [
        sys.executable,
        "-m",
        "bench.mqtt_counter",
        "--host",
        options.broker.host,
        "--port",
        str(options.broker.port),
        "--client-id",
        client_id,
        "--topic",
        topic("+", Channel.TELEMETRY),
        "--marker",
        prefix,
    ]
    if options.broker.username:
        argv += ["--username", options.broker.username]
        if options.broker.password:
            argv += ["--password", options.broker.password]
    counter = await asyncio.create_subprocess_exec(
        *argv,
        env=child_env({}),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        preexec_fn=_die_with_parent,
    )
    assert counter.stdout is not None
    counted = 0
    ready = asyncio.Event()
    backlog = Backlog(options.max_backlog)

    async def read() -> None:
        nonlocal counted
        assert counter.stdout is not None
        async for raw in counter.stdout:
            line = raw.decode().strip()
            if line == "ready":
                ready.set()
            elif line.startswith("count "):
                counted = int(line.split()[1])
                backlog.update(counted)

    reader = asyncio.create_task(read())
    published: list[float] = []
    sending: asyncio.Task[None] | None = None
    try:
        try:
            await asyncio.wait_for(ready.wait(), timeout=START_TIMEOUT_S)
        except TimeoutError:
            raise BenchError(f"{what}: the counting subscriber never subscribed") from None
        cpu_before = _cpu_seconds(counter.pid)
        started = time.perf_counter()

        async def publish() -> None:
            await publishers.publish(messages, backlog=backlog)
            published.append(time.perf_counter())

        sending = asyncio.create_task(publish())
        seen, progress_at, dropped = 0, started, 0
        with console.status(f"{what}…") as status:
            while True:
                await asyncio.sleep(POLL_S / 5)
                if sending.done():
                    sending.result()
                now = time.perf_counter()
                if counted != seen:
                    seen, progress_at = counted, now
                if published and seen >= len(messages):
                    break
                status.update(f"{what}: counted {seen:,}")
                if counter.returncode is not None:
                    raise BenchError(f"{what}: the counter exited with {counter.returncode}")
                if published and now - max(progress_at, published[0]) > options.stall:
                    dropped = len(messages) - seen
                    console.print(
                        f"[red]{what}: dropped: {dropped:,}[/] (acknowledged by the broker, "
                        f"never delivered to the counter; nothing moved for {options.stall:g} s)"
                    )
                    break
                if now - started > options.timeout:
                    raise BenchError(f"{what}: {seen:,} of {len(messages):,} counted in time")
        total = (progress_at if dropped else time.perf_counter()) - started
        cpu_after = _cpu_seconds(counter.pid)
        phase = Phase(
            messages=len(messages),
            publish_seconds=published[0] - started,
            total_seconds=max(total, published[0] - started),
            metrics=Snapshot(),
            server_cpu_seconds=(
                cpu_after - cpu_before if cpu_after is not None and cpu_before is not None else None
            ),
            rows_before=0,
            rows_after=seen,
            dropped=dropped,
        )
    finally:
        if sending is not None and not sending.done():
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)
        if counter.returncode is None:
            counter.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(counter.wait(), timeout=10)
        except TimeoutError:
            counter.kill()
            await counter.wait()
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        with suppress(aiomqtt.MqttError):
            await _forget_session(options, client_id)
    return phase, client_id


def _cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of a process so far (Linux only)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command name: state is field 3, utime 14 and stime 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _log_size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _broker_drops(path: Path, offset: int | None, client_ids: Sequence[str]) -> str:
    """What the broker's log says, since offset, about dropping messages for these clients."""
    if offset is None:
        return f"not readable ({path})"
    try:
        with path.open("rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
    except OSError:
        return f"not readable ({path})"
    lines = [
        line
        for line in text.splitlines()
        if "dropped" in line.lower() and any(cid in line for cid in client_ids)
    ]
    if not lines:
        return "no drop logged for the run's clients"
    return f"{len(lines)} line(s): " + "; ".join(line[-160:] for line in lines[-3:])


async def _announce_online(
    publishers: Publishers, vins: Sequence[str], metrics: httpx.AsyncClient
) -> None:
    """What a vehicle does on connecting: a retained `online` on its connection topic. Waits
    until the server has taken them, so that they are not part of the timed phase."""
    before = await _metrics(metrics)
    now = datetime.now(UTC)
    await publishers.publish(
        [
            Outgoing(
                vin,
                topic(vin, Channel.CONNECTION),
                encode_connection(str(uuid.uuid4()), now, ConnectionState.ONLINE),
            )
            for vin in vins
        ],
        retain=True,
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while (await _metrics(metrics)).received - before.received < len(vins):
        if time.monotonic() > deadline:
            raise BenchError("the server never received the vehicles' `online` messages")
        await asyncio.sleep(POLL_S)


async def _clear_retained(options: Options, vins: Sequence[str]) -> None:
    """Empty retained payloads delete what the bench left on the connection topics."""
    async with _client(options, f"fleetlink-bench-clean-{uuid.uuid4().hex[:6]}") as client:
        for vin in vins:
            await client.publish(topic(vin, Channel.CONNECTION), b"", qos=1, retain=True)


async def _forget_session(options: Options, client_id: str) -> None:
    """Connecting with the server's client id and a clean session discards its queue."""
    async with _client(options, client_id, clean_session=True):
        pass


async def _bench(backend: str, url: str, options: Options, workdir: Path) -> Run:
    engine = create_engine(url)
    server: Server | None = None
    vins: list[str] = []
    try:
        with console.status(f"[bold]{backend}[/]: starting fleetlink serve --demo…"):
            server = await _start_server(url, options, workdir)
            version = await server_version(engine)
            fleet = await _fleet(server, engine)
        vins = sorted(fleet)
        if not vins:
            raise BenchError("the demo fleet has no vehicles")
        prefix = f"bench-{uuid.uuid4().hex[:8]}-"
        sent = _telemetry(fleet, options.messages, options.seed, prefix)
        log_offset = _log_size(options.broker_log)
        async with (
            Publishers(vins, options) as publishers,
            httpx.AsyncClient(base_url=server.base_url) as metrics,
        ):
            await _announce_online(publishers, vins, metrics)
            ingest = await _timed(
                publishers,
                sent,
                server,
                engine,
                metrics,
                options,
                prefix=prefix,
                rows_expected=len(sent),
                what=f"{backend}: {len(sent):,} messages",
                duplicates=False,
            )
            duplicates = None
            # Only messages the store holds are duplicates (the broker may have dropped some).
            again = await _again(engine, sent, options.duplicates)
            if again:
                duplicates = await _timed(
                    publishers,
                    again,
                    server,
                    engine,
                    metrics,
                    options,
                    prefix=prefix,
                    rows_expected=ingest.rows_after,
                    what=f"{backend}: {len(again):,} duplicates",
                    duplicates=True,
                )
            warnings = len(server.warnings())
            # The server must not take the bare phase's messages, nor its session have them
            # queued: stopped, and its session gone, first.
            await _stop_server(server)
            await _forget_session(options, server.client_id)
            bare, counter_id = await _bare(
                publishers,
                sent,
                options,
                prefix=prefix,
                what=f"{backend}: the bare broker, {len(sent):,} messages",
            )
        drops = _broker_drops(options.broker_log, log_offset, [server.client_id, counter_id])
        return Run(
            backend, version, len(vins), ingest, duplicates, warnings, bare=bare, broker_log=drops
        )
    except BenchError as exc:
        if server is None or not server.warnings():
            raise
        tail = "\n".join(server.warnings()[-LOG_TAIL:])
        raise BenchError(f"{exc}\nThe server's log ends with:\n{tail}") from exc
    finally:
        if server is not None:
            await _cleanup(server, options, vins)
        await engine.dispose()


async def _cleanup(server: Server, options: Options, vins: Sequence[str]) -> None:
    """Stop the server, then leave nothing of the run on the broker."""
    await _stop_server(server)
    try:
        if vins:
            await _clear_retained(options, vins)
        await _forget_session(options, server.client_id)
    except aiomqtt.MqttError as exc:
        console.print(f"[red]cleaning the broker up failed: {exc}")


async def _postgres_version() -> str:
    engine = create_async_engine(POSTGRES_URL, connect_args={"timeout": 5})
    try:
        async with engine.connect() as conn:
            version = (await conn.execute(text("SHOW server_version"))).scalar_one()
            return f"{version} at {make_url(POSTGRES_URL).render_as_string()}"
    except (OSError, SQLAlchemyError) as exc:
        return f"not reachable at {POSTGRES_URL} ({type(exc).__name__})"
    finally:
        await engine.dispose()


async def _mosquitto_version(options: Options) -> str | None:
    """What the broker says it is ($SYS/broker/version), or None if it does not say."""
    try:
        async with _client(
            options, f"fleetlink-bench-probe-{uuid.uuid4().hex[:6]}", timeout=5
        ) as client:
            await client.subscribe("$SYS/broker/version")
            message = await asyncio.wait_for(anext(aiter(client.messages)), timeout=2)
            payload = message.payload
            return payload.decode() if isinstance(payload, bytes) else str(payload)
    except (aiomqtt.MqttError, TimeoutError):
        return None


def _broker_reachable(options: Options) -> str | None:
    """None if the broker's port accepts connections, else why not."""
    try:
        socket.create_connection((options.broker.host, options.broker.port), timeout=2).close()
    except OSError as exc:
        return str(exc)
    return None


async def _machine_table(options: Options, broker: str) -> Table:
    table = machine_table()
    table.add_row("fleetlink", fleetlink_revision())
    table.add_row("SQLite", sqlite3.sqlite_version)
    table.add_row(
        "PostgreSQL",
        await _postgres_version() if "postgresql" in options.backends else "not asked for",
    )
    table.add_row("MQTT broker", broker)
    table.add_row("Load average", f"{load_average()} (1, 5, 15 min) before the runs")
    table.add_row(
        "Load",
        f"{options.messages:,} telemetry messages, QoS 1, from {options.publishers} publishers "
        f"with up to {options.in_flight} unacknowledged each"
        + (
            f", held back while the server is {options.max_backlog:,} behind"
            if options.max_backlog
            else ", as fast as the broker takes them"
        )
        + f"; then {options.duplicates:,} of them again; then the same to a subscriber that "
        f"only counts; {options.rounds} rounds, each on a fresh server and store",
    )
    return table


def _rate(n: float) -> str:
    return f"{n:,.0f} msg/s"


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:,.1f} ms"


def _results_table(run: Run) -> Table:
    table = Table(title=f"{run.backend} ({run.server}), round {run.round_no}", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_column(style="dim")
    phase = run.ingest
    m = phase.metrics
    table.add_row(
        "End to end",
        _rate(phase.end_to_end_rate),
        f"{phase.messages:,} messages for {run.vehicles} vehicles, first publish → last row "
        "stored, "
        f"{phase.total_seconds:.2f} s",
    )
    table.add_row(
        "Publish alone",
        _rate(phase.publish_rate),
        f"first publish → last PUBACK, {phase.publish_seconds:.2f} s",
    )
    table.add_row(
        "Behind at last PUBACK",
        f"{phase.total_seconds - phase.publish_seconds:.2f} s",
        "until the store caught up",
    )
    table.add_row("Rows stored", f"{phase.rows_after - phase.rows_before:,}", "in vehicle_messages")
    _dropped_row(table, phase, "stored")
    _other_traffic(table, phase)
    _batch_rows(table, m, phase)
    if run.duplicates is not None:
        d = run.duplicates
        table.add_section()
        table.add_row(
            "Duplicates",
            f"{d.messages:,}",
            "message ids already stored, published again",
        )
        table.add_row(
            "Rows after",
            f"{d.rows_after:,}",
            "of the bench's, unchanged"
            if d.rows_after == d.rows_before
            else f"of the bench's, CHANGED from {d.rows_before:,}",
        )
        table.add_row(
            "Counted as duplicate",
            f"{d.metrics.duplicates:,.0f}",
            "fleetlink_mqtt_messages_duplicate_total",
        )
        table.add_row(
            "Duplicate path",
            _rate(d.end_to_end_rate),
            f"first publish → last one counted, {d.total_seconds:.2f} s",
        )
        _other_traffic(table, d)
        _batch_rows(table, d.metrics, d)
    if run.bare is not None:
        b = run.bare
        table.add_section()
        table.add_row(
            "Bare broker",
            _rate(b.end_to_end_rate),
            f"the same {b.messages:,} messages and publishers to a subscriber that only counts, "
            f"first publish → last one counted, {b.total_seconds:.2f} s",
        )
        table.add_row("Publish alone", _rate(b.publish_rate), f"{b.publish_seconds:.2f} s")
        _dropped_row(table, b, "counted")
        if b.server_cpu_seconds is not None:
            table.add_row(
                "Counter CPU",
                f"{b.server_cpu_seconds:,.2f} s",
                f"{b.server_cpu_seconds / b.messages * 1e6:,.0f} µs per message",
            )
        if run.ratio is not None:
            table.add_row(
                "fleetlink ÷ bare", f"×{run.ratio:.2f}", "end to end, messages that arrived"
            )
    table.add_section()
    table.add_row("Broker log", "", run.broker_log)
    table.add_row(
        "Server log",
        f"{run.server_warnings:,} lines",
        "at level warning" if run.server_warnings else "nothing at level warning",
    )
    return table


def _dropped_row(table: Table, phase: Phase, how: str) -> None:
    table.add_row(
        "Dropped",
        f"[red]{phase.dropped:,}[/]" if phase.dropped else "0",
        f"acknowledged by the broker, never {how}",
    )


def _other_traffic(table: Table, phase: Phase) -> None:
    other = phase.metrics.received - phase.messages
    if other > 0:
        table.add_row(
            "Other uplink",
            f"{other:,.0f}",
            "messages the server received meanwhile from others (in the batch figures too)",
        )


def _batch_rows(table: Table, m: Snapshot, phase: Phase) -> None:
    if m.batches <= 0:
        table.add_row("Batches", "0", "fleetlink_ingest_batch_seconds saw nothing")
        return
    table.add_row(
        "Batches",
        f"{m.batches:,.0f}",
        f"mean {m.received / m.batches:,.1f} messages "
        "(received ÷ fleetlink_ingest_batch_seconds_count)",
    )
    p50, p95 = m.batch_quantile(0.5), m.batch_quantile(0.95)
    table.add_row(
        "Batch store time",
        f"mean {_ms(m.batch_seconds / m.batches)}",
        f"p50 ≤ {_ms(p50)}, p95 ≤ {_ms(p95)} (histogram buckets)",
    )
    table.add_row(
        "Time in ingest()",
        f"{m.batch_seconds:,.2f} s",
        f"{m.batch_seconds / phase.total_seconds:.0%} of the wall time",
    )
    if phase.server_cpu_seconds is not None:
        table.add_row(
            "Server CPU",
            f"{phase.server_cpu_seconds:,.2f} s",
            f"{phase.server_cpu_seconds / phase.total_seconds:.0%} of one core, "
            f"{phase.server_cpu_seconds / phase.messages * 1e6:,.0f} µs per message",
        )


def _rounds_table(runs: Sequence[Run]) -> Table:
    table = Table(title="Ingestion, round by round")
    table.add_column("Round", justify="right")
    table.add_column("Backend")
    table.add_column("Load average at its start")
    for name in ("Bare broker", "fleetlink", "÷ bare", "Dropped", "Mean batch", "Duplicates"):
        table.add_column(name, justify="right")
    for run in runs:
        m = run.ingest.metrics
        d = run.duplicates
        batch = (
            f"{m.received / m.batches:,.0f} in {_ms(m.batch_seconds / m.batches)}"
            if m.batches
            else "—"
        )
        again = "—"
        if d is not None:
            stored = "none stored" if d.rows_after == d.rows_before else "STORED AGAIN"
            again = f"{d.messages:,} in {d.total_seconds:.2f} s, {stored}"
        table.add_row(
            str(run.round_no),
            run.server,
            run.load,
            "—" if run.bare is None else _rate(run.bare.end_to_end_rate),
            _rate(run.ingest.end_to_end_rate),
            "—" if run.ratio is None else f"×{run.ratio:.2f}",
            _drops(run),
            batch,
            again,
        )
    return table


def _drops(run: Run) -> str:
    phases = (("fleetlink", run.ingest), ("duplicates", run.duplicates), ("bare", run.bare))
    dropped = [(who, p.dropped) for who, p in phases if p is not None and p.dropped]
    if not dropped:
        return "0"
    return "\n".join(f"[red]{who}: {n:,}[/]" for who, n in dropped)


def _median(values: Sequence[float], fmt: str, mark: str = "") -> str:
    if not values:
        return "—"
    middle = format(statistics.median(values), fmt)
    if len(values) == 1:
        return f"{mark}{middle}"
    return f"{mark}{middle} [dim]({format(min(values), fmt)}–{format(max(values), fmt)})[/]"


def _summary_table(runs: Sequence[Run]) -> Table:
    rounds = max(run.round_no for run in runs)
    table = Table(
        title=f"Ingestion, broker → durable store, beside the bare broker: {rounds} rounds",
        caption="median of the rounds (lowest–highest). bare broker: the same messages from "
        "the same publishers to a subscriber that only counts (QoS 1, persistent session, "
        "each acknowledged), in the same round. msg/s: messages that arrived ÷ first publish "
        "→ last arrival; ÷ bare: round by round. Goal: ×0.5 or more, none dropped in any "
        "round",
    )
    table.add_column("Backend")
    for name in ("Bare broker msg/s", "fleetlink msg/s", "÷ bare", "Dropped, round by round"):
        table.add_column(name, justify="right")
    for server in dict.fromkeys(run.server for run in runs):
        mine = [run for run in runs if run.server == server]
        bare = [run.bare.end_to_end_rate for run in mine if run.bare is not None]
        drops = [run.dropped for run in mine]
        table.add_row(
            server,
            _median(bare, ",.0f"),
            _median([run.ingest.end_to_end_rate for run in mine], ",.0f"),
            _median([run.ratio for run in mine if run.ratio is not None], ".2f", "×"),
            " / ".join(f"[red]{n:,}[/]" if n else "0" for n in drops),
        )
    return table


@asynccontextmanager
async def _own_mosquitto(directory: Path) -> AsyncIterator[str]:
    """A Mosquitto of the bench's own on a free port, as docs/telematics.md asks of a
    deployment's broker: its URL. Its log (drops included) is directory/mosquitto.log."""
    executable = shutil.which("mosquitto", path=_MOSQUITTO_PATH)
    if executable is None:
        raise BenchError(
            "mosquitto is not installed (Debian: `apt-get install mosquitto`); or pass "
            "--mqtt-url to use a broker that runs already"
        )
    port = free_port()
    config = directory / "mosquitto.conf"
    log = directory / "mosquitto.log"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        # Started as root, Mosquitto would become user mosquitto, who may not write its log
        # into this directory: it stays root.
        + ("user root\n" if os.geteuid() == 0 else "")
        + f"max_queued_messages {OWN_BROKER_QUEUE}\nlog_dest file {log}\n"
        + "".join(f"log_type {kind}\n" for kind in ("error", "warning", "notice", "information"))
    )
    errors = directory / "mosquitto.err"
    with errors.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            executable,
            "-c",
            str(config),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=err,
            preexec_fn=_die_with_parent,
        )

    def failed() -> BenchError:
        # Once it has read its configuration, Mosquitto says why in its log.
        said = errors.read_text() + (log.read_text() if log.exists() else "")
        return BenchError(f"mosquitto did not start: {said[-500:]}")

    try:
        deadline = time.monotonic() + 10
        while True:
            with suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            if process.returncode is not None or time.monotonic() > deadline:
                raise failed()
            await asyncio.sleep(0.05)
        # What answered may be another process that took the port first: ours then exits.
        with suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), 0.3)
            raise failed()
        yield f"mqtt://127.0.0.1:{port}"
    finally:
        await terminate(process)


async def main(options: Options) -> int:
    if not options.own_broker:
        return await _main(options)
    with tempfile.TemporaryDirectory(prefix="fleetlink-bench-broker-") as tmp:
        try:
            async with _own_mosquitto(Path(tmp)) as url:
                own = replace(
                    options,
                    broker=BrokerAddress.parse(url),
                    mqtt_url=url,
                    broker_log=Path(tmp) / "mosquitto.log",
                )
                return await _main(own)
        except BenchError as exc:
            console.print(f"[red bold]error:[/] {exc}")
            return 2


async def _main(options: Options) -> int:
    unreachable = _broker_reachable(options)
    if unreachable is not None:
        console.print(
            f"[red bold]error:[/] no MQTT broker at {options.broker.host}:{options.broker.port} "
            f"({unreachable}). This bench needs one (Mosquitto: `apt-get install mosquitto`, "
            "then `mosquitto -d`), or pass --mqtt-url."
        )
        return 2
    version = await _mosquitto_version(options)
    broker = (
        f"the bench's own, on port {options.broker.port}, max_queued_messages "
        f"{OWN_BROKER_QUEUE:,} (docs/telematics.md)"
        if options.own_broker
        else f"reachable at {options.broker.host}:{options.broker.port}"
    ) + (f" ({version})" if version else "")
    console.print(await _machine_table(options, broker))
    runs: list[Run] = []
    failed = False
    unreachable_postgres = False
    with tempfile.TemporaryDirectory(prefix="fleetlink-bench-") as tmp:
        workdir = Path(tmp)
        # Rounds interleave the stores, so a change in the machine's load falls on both.
        for round_no in range(1, options.rounds + 1):
            load = load_average()
            if "sqlite" in options.backends:
                url = f"sqlite+aiosqlite:///{workdir / f'bench-{round_no}.db'}"
                failed |= not await _one("SQLite", url, options, workdir, runs, round_no, load)
            if "postgresql" in options.backends and not unreachable_postgres:
                async with postgres_database(console) as postgres_url:
                    if postgres_url is None:
                        unreachable_postgres = True
                    else:
                        failed |= not await _one(
                            "PostgreSQL", postgres_url, options, workdir, runs, round_no, load
                        )
    if runs:
        console.print(_rounds_table(runs))
        console.print(_summary_table(runs))
    dropped = sum(run.dropped for run in runs)
    if dropped:
        console.print(f"[red bold]dropped: {dropped:,}[/] messages in all (see each phase above)")
    console.print(f"Load average {load_average()} (1, 5, 15 min) after the runs")
    return 1 if failed or dropped else 0


async def _one(
    backend: str,
    url: str,
    options: Options,
    workdir: Path,
    runs: list[Run],
    round_no: int,
    load: str,
) -> bool:
    """Run one backend once; print its figures in full for the last round or when it
    dropped messages. False if it failed."""
    try:
        run = await _bench(backend, url, options, workdir)
    except BenchError as exc:
        console.print(f"[red bold]failed:[/] {backend}, round {round_no}: {exc}")
        return False
    run = replace(run, round_no=round_no, load=load)
    if round_no == options.rounds or run.dropped:
        console.print(_results_table(run))
    runs.append(run)
    return True


def _parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000, help="telemetry messages to send")
    parser.add_argument(
        "--duplicates", type=int, default=2_000, help="already stored messages to send again"
    )
    parser.add_argument(
        "--publishers", type=int, default=25, help="MQTT clients publishing (at most one per VIN)"
    )
    parser.add_argument(
        "--in-flight", type=int, default=10, help="unacknowledged publishes per publisher"
    )
    parser.add_argument(
        "--max-backlog",
        type=int,
        default=None,
        help="hold publishers back while the server (or the counting subscriber) has not yet "
        "received this many of the messages published (0: never, publish as fast as the "
        f"broker takes them). Default: {OWN_BROKER_BACKLOG} on the bench's own broker, "
        f"{SHARED_BROKER_BACKLOG} with --mqtt-url (a broker of Mosquitto's default limits "
        "drops what its queue for the server cannot hold)",
    )
    parser.add_argument(
        "--broker-log",
        type=Path,
        default=Path("/var/log/mosquitto/mosquitto.log"),
        help="the broker's log, read for 'Outgoing messages are being dropped' (if readable)",
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds to wait for a phase in all"
    )
    parser.add_argument(
        "--stall",
        type=float,
        default=10.0,
        help="after publishing, end the phase when nothing moves for this many seconds, and "
        "count what never arrived as dropped",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="runs per store, each on a fresh server and store, the stores interleaved",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--mqtt-url",
        default=None,
        help="a broker that runs already (the machine's: mqtt://127.0.0.1:1883); without it, "
        "the bench starts a Mosquitto of its own",
    )
    parser.add_argument(
        "--backend", choices=["sqlite", "postgresql", "all"], default="all", help="what to run on"
    )
    args = parser.parse_args(argv)
    for name in ("messages", "publishers", "in_flight", "rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    own_broker = args.mqtt_url is None
    if args.max_backlog is None:
        args.max_backlog = OWN_BROKER_BACKLOG if own_broker else SHARED_BROKER_BACKLOG
    if args.max_backlog < 0:
        parser.error("--max-backlog must be 0 (no limit) or more")
    if args.duplicates < 0 or args.duplicates > args.messages:
        parser.error("--duplicates must be between 0 and --messages")
    try:
        # The own broker's address is known once it runs (main): a placeholder until then.
        broker = BrokerAddress.parse(args.mqtt_url or "mqtt://127.0.0.1:1883")
    except ValueError as exc:
        parser.error(str(exc))
    backends = ("sqlite", "postgresql") if args.backend == "all" else (args.backend,)
    return Options(
        messages=args.messages,
        duplicates=args.duplicates,
        publishers=args.publishers,
        in_flight=args.in_flight,
        timeout=args.timeout,
        stall=args.stall,
        seed=args.seed,
        max_backlog=args.max_backlog,
        rounds=args.rounds,
        broker_log=args.broker_log,
        broker=broker,
        mqtt_url=args.mqtt_url or "",
        backends=backends,
        own_broker=own_broker,
    )


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(until_stopped(main(_parse(sys.argv[1:])))))
    except (KeyboardInterrupt, asyncio.CancelledError):
        console.print("[yellow]interrupted: the server was stopped and the broker cleaned up")
        sys.exit(130)
