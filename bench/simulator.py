"""Simulator capacity: `python -m bench.simulator`.

How many simulated vehicles one core keeps in real time, measured two ways in one run:

1. the model alone (no network): SimVehicle.advance() for a generated fleet through hours of a
   simulated weekday, at the model's own driving tick (5 s) and at the cadence FleetRunner
   advances it at time scale 1 (every second);
2. end to end over MQTT: FleetRunner with growing fleets, every vehicle setting off at the
   start (rush hour), against the embedded amqtt broker (in this process, and in a process of
   its own so that its CPU time is its own) and against the machine's Mosquitto when it is
   reachable. A run falls behind when a vehicle's simulated clock lags the runner's clock by
   more than --max-lag wall seconds, or when the fleet cannot connect.

See bench/README.md.
"""

import argparse
import asyncio
import ctypes
import logging
import os
import platform
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiomqtt
from rich.console import Console
from rich.table import Table

from bench.common import fleetlink_revision, terminate, until_stopped
from fleetlink.domain.vin import is_valid_vin
from fleetlink.logging import configure_logging
from fleetlink.simulator.fleet import simulate_generated
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.simulator.model import DRIVING_TICK, SimVehicle
from fleetlink.simulator.runner import FleetRunner, SimClock
from fleetlink.telematics.broker import EmbeddedBroker
from fleetlink.telematics.credentials import credential_key, password_for
from fleetlink.telematics.device_gate import DeviceGate
from fleetlink.telematics.link import BrokerAddress
from fleetlink.telematics.topics import Channel, topic

SECRET = "bench-secret"
FIRST_SERIAL = 60_000  # away from the demo fleet's serials
CHUNK = 1_000  # vehicles per generate_fleet call, each with serials of its own
MAX_VEHICLES = 99_999 - FIRST_SERIAL + 1  # serials have five digits
MODEL_START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday: a midday trip, the rush hour
MQTT_START = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
RUNNER_TICK_S = 1.0  # FleetRunner's default: every vehicle advances once a wall second
SAMPLE_S = 0.5  # how often the vehicles' lag is looked at during a run
PROBE_S = 0.05  # the event-loop latency probe's sleep
TEARDOWN_S = 30.0  # how long a cancelled fleet may take to disconnect before its broker stops
BROKER_START_TIMEOUT_S = 30.0
PR_SET_PDEATHSIG = 1  # prctl(2)
BENCH_ROOT = Path(__file__).resolve().parent.parent  # where `-m bench.simulator` resolves

# Wide tables: when the output is not a terminal, do not squeeze them into 80 columns.
console = Console(width=None if sys.stdout.isatty() else 150)


# --------------------------------------------------------------------------------------------
# The fleet


def build_fleet(count: int, start: datetime, seed: int) -> list[SimVehicle]:
    """count models starting at start; generated CHUNK at a time with disjoint serials."""
    vehicles: list[SimVehicle] = []
    for i, first in enumerate(range(0, count, CHUNK)):
        size = min(CHUNK, count - first)
        fleet = generate_fleet(seed + i, size, start, first_serial=FIRST_SERIAL + first)
        vehicles += simulate_generated(fleet, seed + i, start)
    return vehicles


# --------------------------------------------------------------------------------------------
# 1. The model alone


@dataclass(frozen=True, slots=True)
class ModelResult:
    """One pass of a fleet through a span of simulated time."""

    label: str
    vehicles: int
    step_s: float
    span_s: float
    wall_s: float  # advancing and encoding, perf_counter
    cpu_s: float  # the same, process_time
    driving_calls: int
    parked_calls: int
    driving_s: float  # in advance() for vehicles driving at the step's start
    parked_s: float
    encode_s: float
    messages: int
    driving_messages: int

    @property
    def vehicle_seconds(self) -> float:
        return self.vehicles * self.span_s

    @property
    def driving_share(self) -> float:
        return self.driving_calls / max(1, self.driving_calls + self.parked_calls)

    @property
    def speedup(self) -> float:
        """Simulated seconds per wall second per vehicle."""
        return self.span_s / self.wall_s

    @property
    def per_core(self) -> float:
        """Vehicles one core keeps at time scale 1 with this pass's mix of driving and parked."""
        return self.vehicle_seconds / self.wall_s

    @property
    def encode_per_message_s(self) -> float:
        return self.encode_s / max(1, self.messages)

    def per_core_all(self, driving: bool) -> float:
        """Vehicles per core at time scale 1 if every one were driving (or parked)."""
        calls = self.driving_calls if driving else self.parked_calls
        if calls == 0:
            return float("nan")
        spent = self.driving_s if driving else self.parked_s
        messages = self.driving_messages if driving else self.messages - self.driving_messages
        per_call = (spent + messages * self.encode_per_message_s) / calls
        return self.step_s / per_call


def bench_model(label: str, vehicles: int, hours: float, step_s: float, seed: int) -> ModelResult:
    fleet = build_fleet(vehicles, MODEL_START, seed)
    step = timedelta(seconds=step_s)
    end = MODEL_START + timedelta(hours=hours)
    now = MODEL_START
    driving_calls = parked_calls = messages = driving_messages = 0
    driving_s = parked_s = encode_s = 0.0
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    while now < end:
        now += step
        driving = [v for v in fleet if v.driving]
        parked = [v for v in fleet if not v.driving]
        t0 = time.perf_counter()
        out_driving = [v.advance(now) for v in driving]
        t1 = time.perf_counter()
        out_parked = [v.advance(now) for v in parked]
        t2 = time.perf_counter()
        payloads = [m.payload for out in (out_driving, out_parked) for batch in out for m in batch]
        t3 = time.perf_counter()
        driving_s += t1 - t0
        parked_s += t2 - t1
        encode_s += t3 - t2
        assert all(payloads)
        driving_calls += len(driving)
        parked_calls += len(parked)
        n_driving = sum(map(len, out_driving))
        driving_messages += n_driving
        messages += n_driving + sum(map(len, out_parked))
    return ModelResult(
        label=label,
        vehicles=vehicles,
        step_s=step_s,
        span_s=hours * 3600,
        wall_s=time.perf_counter() - wall_before,
        cpu_s=time.process_time() - cpu_before,
        driving_calls=driving_calls,
        parked_calls=parked_calls,
        driving_s=driving_s,
        parked_s=parked_s,
        encode_s=encode_s,
        messages=messages,
        driving_messages=driving_messages,
    )


# --------------------------------------------------------------------------------------------
# Logging: counted, not printed


class CountingHandler(logging.Handler):
    """Counts warnings and errors by event (structlog) or logger name (everything else)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        event = record.msg.get("event") if isinstance(record.msg, dict) else None
        self.counts[str(event) if event else record.name] += 1

    def take(self) -> Counter[str]:
        counts, self.counts = self.counts, Counter()
        return counts


def quiet_logging() -> CountingHandler:
    """structlog and the standard loggers at level warning, into a counter."""
    configure_logging("warning")
    handler = CountingHandler()
    logging.getLogger().handlers[:] = [handler]
    return handler


# --------------------------------------------------------------------------------------------
# Brokers


def proc_cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of a process so far (Linux only)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def find_pid(command: str) -> int | None:
    """The one process whose command name is command, if there is exactly one."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError):
                if (entry / "comm").read_text().strip() == command:
                    found.append(int(entry.name))
    return found[0] if len(found) == 1 else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Broker:
    """Where the vehicles connect, and how to read the broker's CPU time if it has its own."""

    host: str
    port: int
    password: Callable[[str], str | None]
    cpu: Callable[[], float | None] = lambda: None
    shared: bool = False  # a broker others use: clean up what the vehicles left


@dataclass(frozen=True, slots=True)
class BrokerKind:
    """One of the brokers the sweep runs against."""

    name: str
    label: str
    broker_cpu: str  # where its CPU time is counted


KINDS = {
    "embedded": BrokerKind(
        "embedded", "embedded amqtt, same process", "in the bench process's CPU"
    ),
    "embedded-subprocess": BrokerKind(
        "embedded-subprocess", "embedded amqtt, own process", "its own process"
    ),
    "mosquitto": BrokerKind("mosquitto", "Mosquitto", "the mosquitto process (shared)"),
}


def _vehicle_password(key: bytes) -> Callable[[str], str | None]:
    def password(vin: str) -> str | None:
        return password_for(key, vin)

    return password


def _storeless_broker(port: int) -> EmbeddedBroker:
    """An EmbeddedBroker with no store: vehicles sign in with passwords derived from SECRET."""
    broker = EmbeddedBroker("127.0.0.1", port, DeviceGate(None))
    broker.gate.key = credential_key(SECRET)
    return broker


@asynccontextmanager
async def embedded_in_process() -> AsyncIterator[Broker]:
    """An EmbeddedBroker in this event loop, on a free port."""
    broker = _storeless_broker(free_port())
    await broker.start()
    try:
        yield Broker(broker.host, broker.port, _vehicle_password(broker.gate.key))
    finally:
        with suppress(TimeoutError):  # amqtt with many sessions half-open can take its time
            await asyncio.wait_for(broker.stop(), TEARDOWN_S)


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM when the bench dies."""
    if sys.platform == "linux":
        with suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@asynccontextmanager
async def embedded_subprocess(workdir: Path) -> AsyncIterator[Broker]:
    """An EmbeddedBroker in a Python process of its own (this module, --serve-broker)."""
    port = free_port()
    with (workdir / f"broker-{port}.err").open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.simulator",
            "--serve-broker",
            str(port),
            cwd=BENCH_ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=err,
            preexec_fn=_die_with_parent,
        )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), BROKER_START_TIMEOUT_S)
        if line.strip() != b"ready":
            raise RuntimeError(
                f"the broker process did not start: {(workdir / f'broker-{port}.err').read_text()}"
            )
        pid = process.pid
        yield Broker(
            "127.0.0.1",
            port,
            _vehicle_password(credential_key(SECRET)),
            cpu=lambda: proc_cpu_seconds(pid),
        )
    finally:
        await terminate(process)


async def serve_broker(port: int) -> None:
    """The child's side of embedded_subprocess: serve until SIGTERM."""
    configure_logging("error")
    broker = _storeless_broker(port)
    await broker.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()
    await broker.stop()


@asynccontextmanager
async def mosquitto(address: BrokerAddress) -> AsyncIterator[Broker]:
    """The machine's broker, as is; its CPU time from /proc when it is the only mosquitto."""
    pid = find_pid("mosquitto")
    yield Broker(
        address.host,
        address.port,
        lambda _vin: address.password,
        cpu=(lambda: proc_cpu_seconds(pid)) if pid is not None else (lambda: None),
        shared=True,
    )


def reachable(address: BrokerAddress) -> str | None:
    """None if the broker's port accepts connections, else why not."""
    try:
        socket.create_connection((address.host, address.port), timeout=2).close()
    except OSError as exc:
        return str(exc)
    return None


async def clean_up_shared(broker: Broker, address: BrokerAddress, vins: Sequence[str]) -> None:
    """Remove the vehicles' sessions (connect with each client id and a clean session), then
    their retained connection messages (an empty retained payload), wills included."""
    gate = asyncio.Semaphore(50)

    async def forget(vin: str) -> None:
        async with (
            gate,
            aiomqtt.Client(
                broker.host,
                broker.port,
                identifier=vin,
                username=address.username,
                password=address.password,
                clean_session=True,
                timeout=20,
            ),
        ):
            pass

    await asyncio.gather(*(forget(vin) for vin in vins))
    async with aiomqtt.Client(
        broker.host,
        broker.port,
        identifier=f"fleetlink-bench-clean-{uuid.uuid4().hex[:6]}",
        username=address.username,
        password=address.password,
        clean_session=True,
    ) as client:
        for vin in vins:
            await client.publish(topic(vin, Channel.CONNECTION), b"", qos=1, retain=True)


# --------------------------------------------------------------------------------------------
# 2. Over MQTT


@dataclass(frozen=True, slots=True)
class Options:
    vehicles: tuple[int, ...]
    seconds: float
    time_scales: tuple[float, ...]
    max_lag: float
    connect_timeout: float
    model_vehicles: int
    model_hours: float
    brokers: tuple[str, ...]
    address: BrokerAddress
    seed: int


@dataclass(frozen=True, slots=True)
class RunResult:
    """One fleet size against one broker at one time scale."""

    vehicles: int
    time_scale: float
    connected: int
    connect_s: float
    window_s: float
    published: int
    lags_s: tuple[float, ...]  # simulated seconds, per vehicle, at the end
    max_sampled_lag_s: float  # simulated seconds, the worst seen during the window
    loop_delay_mean_s: float
    loop_delay_max_s: float
    bench_cpu_s: float
    broker_cpu_s: float | None
    driving_start: int
    driving_end: int
    warnings: Counter[str] = field(default_factory=Counter)
    max_lag: float = 3.0  # wall seconds
    teardown_s: float = 0.0  # from cancelling the fleet until its tasks ended (or TEARDOWN_S)
    fleet: "asyncio.Task[None] | None" = None  # still cancelling if teardown_s hit TEARDOWN_S
    crashed: str | None = None  # why FleetRunner.run() ended by itself, if it did

    @property
    def worst_lag_wall_s(self) -> float:
        worst = max([self.max_sampled_lag_s, *self.lags_s], default=0.0)
        return worst / self.time_scale

    @property
    def behind(self) -> bool:
        return (
            self.crashed is not None
            or self.connected < self.vehicles
            or self.worst_lag_wall_s > self.max_lag
        )

    @property
    def rate(self) -> float:
        return self.published / self.window_s if self.window_s > 0 else 0.0

    @property
    def vehicle_seconds(self) -> float:
        return self.vehicles * max(self.window_s, 1e-9)


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


def _crash(task: "asyncio.Task[None]") -> str:
    """What ended a fleet that was meant to run until cancelled."""
    if task.cancelled():
        return "cancelled"
    exc = task.exception()
    if exc is None:
        return "FleetRunner.run() returned"
    counts = Counter(f"{type(e).__name__}: {e}" for e in _leaves(exc))
    return f"FleetRunner.run() raised {type(exc).__name__} of " + ", ".join(
        f"{n}× {what}" for what, n in counts.most_common(3)
    )


async def _finish(fleet: "asyncio.Task[None]") -> None:
    """Wait for a cancelled fleet to end, cancelling its vehicles' tasks again meanwhile.

    A vehicle task cancelled while aiomqtt connects can see the cancellation turned into an
    MqttError, which FleetRunner takes for a lost connection: it reconnects, and keeps
    running. FleetRunner names each vehicle's task by its VIN, so those are found and
    cancelled again, lest they live on into the next run."""
    deadline = time.perf_counter() + TEARDOWN_S
    while not fleet.done() and time.perf_counter() < deadline:
        for task in asyncio.all_tasks():
            if is_valid_vin(task.get_name()) and not task.done():
                task.cancel()
        await asyncio.wait({fleet}, timeout=0.5)
    if not fleet.done():
        console.print("[yellow]  some vehicle tasks would not stop; they may skew later runs")


class LoopProbe:
    """How late the event loop wakes a task that sleeps PROBE_S."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(PROBE_S)
            self.delays.append(time.perf_counter() - before - PROBE_S)


def _lags(clock: SimClock, fleet: Sequence[SimVehicle]) -> list[float]:
    """How far each vehicle trails the clock beyond the one tick a moving unit may wait."""
    now = clock.now()
    return [
        max(0.0, (now - v.now - (v.tick if v.driving else timedelta(0))).total_seconds())
        for v in fleet
    ]


async def run_once(
    kind: BrokerKind,
    broker: Broker,
    vehicles: int,
    time_scale: float,
    options: Options,
    logs: CountingHandler,
) -> RunResult:
    fleet = build_fleet(vehicles, MQTT_START, options.seed)
    for vehicle in fleet:
        vehicle.next_departure = vehicle.now  # rush hour: everyone sets off at once
    clock = SimClock.starting(MQTT_START, time_scale)
    runner = FleetRunner(fleet, broker.host, broker.port, clock, password=broker.password)
    probe = LoopProbe()
    logs.take()
    started = time.perf_counter()
    running = asyncio.create_task(runner.run(), name="fleet")
    probing = asyncio.create_task(probe.run(), name="probe")
    try:
        what = f"{kind.label}: {vehicles} vehicles at ×{time_scale:g}"
        with console.status(f"{what}, connecting…") as status:
            deadline = started + options.connect_timeout
            connected = 0
            crashed: str | None = None
            while time.perf_counter() < deadline:
                await asyncio.sleep(0.1)
                if running.done():
                    crashed = _crash(running)
                    break
                connected = sum(1 for v in fleet if v.now > MQTT_START)
                status.update(f"{what}, {connected:,} connected…")
                if connected == vehicles:
                    break
            connect_s = time.perf_counter() - started
            probe.delays.clear()
            published0, cpu0, broker0 = runner.published, time.process_time(), broker.cpu()
            driving_start = sum(1 for v in fleet if v.driving)
            t0 = time.perf_counter()
            max_sampled = 0.0
            while not crashed and (elapsed := time.perf_counter() - t0) < options.seconds:
                await asyncio.sleep(min(SAMPLE_S, options.seconds - elapsed))
                if running.done():
                    crashed = _crash(running)
                    break
                max_sampled = max(max_sampled, *_lags(clock, fleet))
                status.update(f"{what}: {runner.published - published0:,} published")
            window = time.perf_counter() - t0
            lags = _lags(clock, fleet)
            published = runner.published - published0
            cpu = time.process_time() - cpu0
            broker1 = broker.cpu()
            delays = list(probe.delays)
    finally:
        running.cancel()
        probing.cancel()
        teardown = time.perf_counter()
        # A swamped broker makes aiomqtt's connects and disconnects slow to give up; the
        # broker's stop, after this, closes whatever is still open.
        with console.status(f"{what}: stopping the fleet…"):
            await asyncio.wait({running, probing}, timeout=TEARDOWN_S)
        teardown_s = time.perf_counter() - teardown
    return RunResult(
        vehicles=vehicles,
        time_scale=time_scale,
        connected=connected,
        connect_s=connect_s,
        window_s=window,
        published=published,
        lags_s=tuple(lags),
        max_sampled_lag_s=max_sampled,
        loop_delay_mean_s=statistics.fmean(delays) if delays else 0.0,
        loop_delay_max_s=max(delays, default=0.0),
        bench_cpu_s=cpu,
        broker_cpu_s=None if broker0 is None or broker1 is None else broker1 - broker0,
        driving_start=driving_start,
        driving_end=sum(1 for v in fleet if v.driving),
        warnings=logs.take(),
        max_lag=options.max_lag,
        teardown_s=teardown_s,
        fleet=running,
        crashed=crashed,
    )


@asynccontextmanager
async def open_broker(kind: BrokerKind, options: Options, workdir: Path) -> AsyncIterator[Broker]:
    if kind.name == "embedded":
        async with embedded_in_process() as broker:
            yield broker
    elif kind.name == "embedded-subprocess":
        async with embedded_subprocess(workdir) as broker:
            yield broker
    else:
        async with mosquitto(options.address) as broker:
            yield broker


async def sweep(
    kind: BrokerKind, time_scale: float, options: Options, logs: CountingHandler, workdir: Path
) -> list[RunResult]:
    """Growing fleets until one falls behind; a fresh broker (for embedded ones) each time."""
    results: list[RunResult] = []
    for vehicles in options.vehicles:
        async with open_broker(kind, options, workdir) as broker:
            try:
                result = await run_once(kind, broker, vehicles, time_scale, options, logs)
            finally:
                if broker.shared:
                    with console.status(f"{kind.label}: cleaning up {vehicles} vehicles…"):
                        vins = [v.vin for v in build_fleet(vehicles, MQTT_START, options.seed)]
                        await clean_up_shared(broker, options.address, vins)
        if result.fleet is not None and not result.fleet.done():
            # Its broker has stopped now (or, for Mosquitto, it had all the time it needed).
            await _finish(result.fleet)
        results.append(result)
        console.print(
            f"  {kind.label} ×{time_scale:g}: {vehicles:>5} vehicles, "
            f"{result.rate:8,.0f} msg/s, worst lag {result.worst_lag_wall_s:6.2f} s, "
            f"CPU {_pct(result.bench_cpu_s, result.window_s)}"
            + ("  [red]behind[/]" if result.behind else "")
            + (f" [red]{result.crashed}[/]" if result.crashed else "")
            + (f", fleet took {result.teardown_s:.0f} s to stop" if result.teardown_s > 5 else "")
        )
        if result.behind:
            break
    return results

    # --------------------------------------------------------------------------------------------
    # Output


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min)"


def machine_table(options: Options, mosquitto_state: str) -> Table:
    table = Table(title="Machine", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Platform", platform.platform())
    table.add_row("Processor", platform.processor() or platform.machine())
    table.add_row("CPUs", f"{os.cpu_count()} (this process may use {len(os.sched_getaffinity(0))})")
    table.add_row("Python", f"{platform.python_implementation()} {platform.python_version()}")
    table.add_row("fleetlink", fleetlink_revision())
    table.add_row("Load average", _load())
    table.add_row("Mosquitto", mosquitto_state)
    table.add_row(
        "Runs",
        f"model: {options.model_vehicles:,} vehicles × {options.model_hours:g} h; MQTT: "
        f"{', '.join(map(str, options.vehicles))} vehicles × {options.seconds:g} s at time "
        f"scale {', '.join(f'{s:g}' for s in options.time_scales)} on "
        f"{', '.join(options.brokers)}",
    )
    return table


def _n(x: float) -> str:
    return "—" if x != x else f"{x:,.0f}"  # NaN: no such calls


def model_table(results: Sequence[ModelResult]) -> Table:
    table = Table(title="Model only (SimVehicle.advance + JSON encoding, no network, one core)")
    table.add_column("Cadence")
    table.add_column("Vehicles", justify="right")
    table.add_column("Simulated", justify="right")
    table.add_column("Driving", justify="right")
    table.add_column("Wall", justify="right")
    table.add_column("Sim s / wall s\nper vehicle", justify="right")
    table.add_column("Messages/s", justify="right")
    table.add_column("µs per call\ndriving · parked", justify="right")
    table.add_column("µs per\nencode", justify="right")
    table.add_column("Vehicles/core at ×1\nthis mix · all driving · all parked", justify="right")
    for r in results:
        table.add_row(
            r.label,
            f"{r.vehicles:,}",
            f"{r.span_s / 3600:g} h",
            f"{r.driving_share:.0%}",
            f"{r.wall_s:.1f} s (CPU {r.cpu_s:.1f} s)",
            f"{r.speedup:,.0f}",
            f"{r.messages / r.wall_s:,.0f}\n{r.messages:,} in all",
            f"{r.driving_s / max(1, r.driving_calls) * 1e6:.1f} · "
            f"{r.parked_s / max(1, r.parked_calls) * 1e6:.2f}",
            f"{r.encode_per_message_s * 1e6:.1f}",
            f"{_n(r.per_core)} · {_n(r.per_core_all(True))} · {_n(r.per_core_all(False))}",
        )
    return table


def _pct(part: float, whole: float) -> str:
    return f"{part / whole:.0%}" if whole >= 0.1 else "—"


def mqtt_table(kind: BrokerKind, time_scale: float, results: Sequence[RunResult]) -> Table:
    table = Table(
        title=f"Over MQTT: {kind.label}, time scale {time_scale:g}, every vehicle driving at start"
    )
    table.add_column("Vehicles", justify="right")
    table.add_column("Connect", justify="right")
    table.add_column("Published", justify="right")
    table.add_column("Lag at end (wall s)\np50 · p95 · max", justify="right")
    table.add_column("Worst lag\nseen", justify="right")
    table.add_column("Loop delay\nmean · max", justify="right")
    table.add_column("Bench CPU\nof one core", justify="right")
    table.add_column("Broker CPU\nof one core", justify="right")
    table.add_column("CPU ms per\nvehicle-s\nbench · broker", justify="right")
    table.add_column("Driving\nstart → end", justify="right")
    table.add_column("Warnings", justify="left")
    table.add_column("Kept up", justify="center")
    for r in results:
        lags = sorted(x / r.time_scale for x in r.lags_s)
        q = statistics.quantiles(lags, n=100) if len(lags) > 1 else lags * 99
        broker = "—" if r.broker_cpu_s is None else _pct(r.broker_cpu_s, r.window_s)
        broker_ms = (
            "—" if r.broker_cpu_s is None else f"{r.broker_cpu_s / r.vehicle_seconds * 1e3:.2f}"
        )
        if kind.name == "embedded":
            broker = "(in bench)"
        table.add_row(
            f"{r.vehicles:,}",
            f"{r.connected:,} in {r.connect_s:.1f} s",
            f"{r.rate:,.0f} msg/s\n{r.published:,} in {r.window_s:.1f} s",
            f"{q[49]:.2f} · {q[94]:.2f} · {max(lags, default=0):.2f}",
            f"{r.worst_lag_wall_s:.2f} s",
            f"{r.loop_delay_mean_s * 1e3:.1f} · {r.loop_delay_max_s * 1e3:.0f} ms",
            _pct(r.bench_cpu_s, r.window_s),
            broker,
            f"{r.bench_cpu_s / r.vehicle_seconds * 1e3:.2f} · {broker_ms}"
            if r.window_s >= 0.1
            else "—",
            f"{r.driving_start:,} → {r.driving_end:,}",
            "\n".join(f"{n}× {name}" for name, n in r.warnings.most_common(3)) or "none",
            ("[red]crashed[/]" if r.crashed else "[red]no[/]") if r.behind else "yes",
        )
    return table


def summary_table(
    model: Sequence[ModelResult],
    sweeps: Sequence[tuple[BrokerKind, float, list[RunResult]]],
    options: Options,
) -> Table:
    table = Table(title="Capacity at a glance (vehicles one core keeps in real time)")
    table.add_column("Where")
    table.add_column("Vehicles", justify="right")
    table.add_column("How it was found")
    for r in model:
        table.add_row(
            f"model only, {r.label}",
            f"{_n(r.per_core_all(True))} driving\n{_n(r.per_core)} in this mix",
            f"{r.vehicles:,} vehicles × {r.span_s / 3600:g} simulated h, CPU per advance() "
            "and per encoded message",
        )
    for kind, scale, results in sweeps:
        kept = [r for r in results if not r.behind]
        best = max(kept, key=lambda r: r.vehicles, default=None)
        last = results[-1] if results else None
        if best is None:
            found = "the smallest fleet already fell behind"
        elif last is not None and last.behind:
            why = (
                last.crashed
                if last.crashed
                else f"{last.connected:,} connected in {last.connect_s:.0f} s"
                if last.connected < last.vehicles
                else f"worst lag {last.worst_lag_wall_s:.1f} s"
            )
            found = f"kept up with {best.vehicles:,}, fell behind at {last.vehicles:,} ({why})"
        else:
            found = f"kept up with every fleet tried, up to {best.vehicles:,}"
        extrapolated = ""
        if best is not None and best.bench_cpu_s > 0:
            extrapolated = (
                f"\n{best.vehicle_seconds / best.bench_cpu_s:,.0f} by the bench's CPU per "
                "vehicle"
                + (" (simulator + broker)" if kind.name == "embedded" else " (simulator alone)")
            )
        table.add_row(
            f"{kind.label}, ×{scale:g}",
            f"≥ {best.vehicles:,}" if best else "—",
            found + extrapolated,
        )
    return table


# --------------------------------------------------------------------------------------------


async def main(options: Options) -> int:
    logs = quiet_logging()
    unreachable = reachable(options.address)
    pid = find_pid("mosquitto")
    mosquitto_state = (
        f"not reachable at {options.address.host}:{options.address.port} ({unreachable})"
        if unreachable
        else f"reachable at {options.address.host}:{options.address.port}"
        + (f", pid {pid}" if pid is not None else ", its process not found (CPU not measured)")
    )
    console.print(machine_table(options, mosquitto_state))

    model: list[ModelResult] = []
    runner_vehicles = max(1, options.model_vehicles // 5)
    for label, vehicles, step in (
        (f"model tick ({DRIVING_TICK.total_seconds():g} s)", options.model_vehicles, 5.0),
        ("FleetRunner at ×1 (1 s)", runner_vehicles, RUNNER_TICK_S),
    ):
        with console.status(f"model only: {label}, {vehicles:,} vehicles…"):
            model.append(bench_model(label, vehicles, options.model_hours, step, options.seed))
    console.print(model_table(model))

    sweeps: list[tuple[BrokerKind, float, list[RunResult]]] = []
    with tempfile.TemporaryDirectory(prefix="fleetlink-bench-sim-") as tmp:
        for scale in options.time_scales:
            for name in options.brokers:
                kind = KINDS[name]
                if name == "mosquitto" and unreachable:
                    console.print(f"[yellow]Mosquitto skipped: {mosquitto_state}")
                    continue
                results = await sweep(kind, scale, options, logs, Path(tmp))
                console.print(mqtt_table(kind, scale, results))
                sweeps.append((kind, scale, results))
    console.print(summary_table(model, sweeps, options))
    console.print(f"Load average at the end: {_load()}")
    return 0


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(x) for x in text.split(",") if x.strip())


def parse(argv: list[str]) -> Options | int:
    parser = argparse.ArgumentParser(prog="python -m bench.simulator", description=__doc__)
    parser.add_argument(
        "--vehicles",
        default="25,100,250,500,1000,2000",
        help="fleet sizes over MQTT, comma-separated, smallest first; the sweep stops at the "
        "first that falls behind",
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="wall seconds per MQTT run")
    parser.add_argument(
        "--time-scale",
        default="1",
        help="simulated seconds per wall second, comma-separated for several sweeps",
    )
    parser.add_argument(
        "--max-lag",
        type=float,
        default=3.0,
        help="a run falls behind when a vehicle lags the clock by more than this many wall s",
    )
    parser.add_argument(
        "--connect-timeout", type=float, default=60.0, help="wall seconds for a fleet to connect"
    )
    parser.add_argument(
        "--model-vehicles",
        type=int,
        default=1000,
        help="vehicles in the model-only pass at the 5 s tick (a fifth of them at 1 s)",
    )
    parser.add_argument("--model-hours", type=float, default=6.0, help="simulated hours")
    parser.add_argument(
        "--brokers",
        default="embedded,embedded-subprocess,mosquitto",
        help=f"comma-separated, of {', '.join(KINDS)}",
    )
    parser.add_argument(
        "--mqtt-url", default="mqtt://127.0.0.1:1883", help="the machine's broker (Mosquitto)"
    )
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--serve-broker", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_broker is not None:
        return int(args.serve_broker)
    try:
        vehicles = tuple(int(x) for x in _floats(args.vehicles))
        scales = _floats(args.time_scale)
        address = BrokerAddress.parse(args.mqtt_url)
    except ValueError as exc:
        parser.error(str(exc))
    if not vehicles or min(vehicles) < 1 or max(vehicles) > MAX_VEHICLES:
        parser.error(f"--vehicles must be between 1 and {MAX_VEHICLES:,}")
    if not scales or min(scales) <= 0:
        parser.error("--time-scale must be positive")
    brokers = tuple(b.strip() for b in args.brokers.split(",") if b.strip())
    if unknown := [b for b in brokers if b not in KINDS]:
        parser.error(f"unknown broker {', '.join(unknown)}: choose from {', '.join(KINDS)}")
    if args.model_vehicles < 5 or args.seconds <= 0:
        parser.error("--model-vehicles must be at least 5 and --seconds positive")
    return Options(
        vehicles=tuple(sorted(vehicles)),
        seconds=args.seconds,
        time_scales=scales,
        max_lag=args.max_lag,
        connect_timeout=args.connect_timeout,
        model_vehicles=args.model_vehicles,
        model_hours=args.model_hours,
        brokers=brokers,
        address=address,
        seed=args.seed,
    )


if __name__ == "__main__":
    parsed = parse(sys.argv[1:])
    if isinstance(parsed, int):
        asyncio.run(serve_broker(parsed))
        sys.exit(0)
    try:
        sys.exit(asyncio.run(until_stopped(main(parsed))))
    except (KeyboardInterrupt, asyncio.CancelledError):
        console.print("[yellow]interrupted: brokers stopped, Mosquitto cleaned up")
        sys.exit(130)
