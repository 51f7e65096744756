"""fleetlink's read path over real HTTP beside floor apps: `python -m bench.http_reads`.

Starts a real `fleetlink serve` on a temporary SQLite file (and, with --backend all, on a
PostgreSQL database of its own) holding the demo fleet and its lived history, and beside it
the floors: a pure ASGI app and a FastAPI app sending fleetlink's own answers byte for byte
(bench/floor_asgi.py, bench/floor_fastapi.py), and Stoplight Prism mocking the Toyota
contract when `npx` is there. Each server runs on one CPU (`taskset`), wrk on another. wrk
then reads the same requests from each server in turn, for interleaved rounds, so that a
change in the machine's load falls on every server alike. It prints the machine and its
load, then per request and server: requests/s, the server's CPU per request, p50/p99
latency, and fleetlink's ratios to the floors and to Prism, as medians with the spread of
the rounds; and the latency of a page of trips with their routes. See bench/README.md.
"""

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import httpx
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bench import memory, scaling
from bench.common import (
    fleetlink_revision,
    free_port,
    load_average,
    machine_table,
    postgres_database,
    server_version,
    until_stopped,
)
from bench.floors import STATUS, VEHICLE_DATA, VEHICLES, Answer, write_answers
from bench.procs import (
    REPO,
    BenchError,
    Driver,
    Fleet,
    Sample,
    Server,
    child_env,
    figure_column,
    fleetlink_argv,
    fleetlink_env,
    lua,
    pinned,
    run_wrk,
    spawn,
    spread,
    stop,
    wait_until_answering,
)
from fleetlink.api.contracts import TOYOTA_SPEC
from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.bootstrap import build
from fleetlink.domain.brands import decode_vin
from fleetlink.logging import configure_logging
from fleetlink.seeding.demo import prepare_demo
from fleetlink.seeding.lifeworker import usable_cpus
from fleetlink.services.clients import create_client
from fleetlink.settings import Settings

# Written to a file or a pipe, the tables keep their width rather than Rich's 80 columns.
console = Console(width=None if sys.stdout.isatty() else 132)

API = "/connected/v1"
HM_DATA = "/v1/vehicle-data/autoapi-13"
TRIPS_C1 = "trips-c1"
TRIPS_CN = "trips-cn"
QUERY_DAYS = 30  # the trips page asks for the last month, as bench.api_reads does
TRIPS_PAGE = 50
START_TIMEOUT_S = 90.0
CLEARANCE_TIMEOUT_S = 30.0
TOKEN_TTL = timedelta(hours=24)
PRISM_PACKAGE = "@stoplight/prism-cli@5"
SPECS = REPO / "specs"
IDLE_S = 5.0

ASGI_FLOOR = "ASGI floor"
FASTAPI_FLOOR = "FastAPI floor"
PRISM = "Prism"


@dataclass(frozen=True, slots=True)
class Options:
    """What to load, which servers to run and how hard to drive them."""

    backends: tuple[str, ...]
    vehicles: int
    history_days: float
    seed: int
    rounds: int
    seconds: int
    warmup: int
    connections: int
    trips_connections: int
    threads: int
    server_cpu: int
    wrk_cpu: int
    pin: bool
    prism: bool
    prism_timeout: float
    workers: bool  # --workers 1 beside --workers 2 (bench.scaling)
    redis_url: str
    memory_vehicles: int  # 0: no server with many vehicles (bench.memory)
    memory_seconds: int
    soak_seconds: int  # 0: no soak
    soak_interval: float


@dataclass(frozen=True, slots=True)
class Scenario:
    """One request, read the same way from every server that answers it."""

    key: str
    title: str
    paths: Callable[[Sequence[str]], tuple[str, ...]]  # fleetlink's paths, given the VINs
    fleet_token: bool  # the High Mobility fleet client's token, not the owner's
    connections: int
    floors: bool  # also asked of the floor apps (and of Prism, if it has the path)


@dataclass(frozen=True, slots=True)
class Setup:
    """What preparing a fleetlink store took."""

    backend: str  # the store and its version
    messages: int
    trips: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Prepared:
    """A store ready to serve, and the credentials the bench reads it with."""

    setup: Setup
    owner_token: str
    client_id: str
    client_secret: str


@dataclass
class Report:
    """Everything measured, for the tables."""

    servers: list[Server]
    scenarios: list[Scenario]
    samples: dict[tuple[str, str], list[Sample]]
    round_loads: list[str]
    setups: list[Setup]
    prism: str
    trips_page: dict[str, str]  # per fleetlink server: what a page of trips held
    logs: dict[str, tuple[int, str]] = field(default_factory=dict)  # fleetlink's: lines, tail
    idle: dict[str, float | None] = field(default_factory=dict)  # share of a core, unloaded


def _scenarios(options: Options) -> list[Scenario]:
    today = datetime.now(UTC).date()
    window = (
        f"fromDate={today - timedelta(days=QUERY_DAYS)}&toDate={today}"
        f"&limit={TRIPS_PAGE}&includeRoute=true"
    )

    def trips(vins: Sequence[str]) -> tuple[str, ...]:
        return tuple(f"{API}/vehicles/{vin}/trips?{window}" for vin in vins)

    return [
        Scenario(
            STATUS,
            f"Toyota GET {API}/vehicles/{{vin}}/status, VINs in turn",
            lambda vins: tuple(f"{API}/vehicles/{vin}/status" for vin in vins),
            fleet_token=False,
            connections=options.connections,
            floors=True,
        ),
        Scenario(
            VEHICLE_DATA,
            f"High Mobility GET {HM_DATA}/{{vin}}, VINs in turn, a fleet client's token",
            lambda vins: tuple(f"{HM_DATA}/{vin}" for vin in vins),
            fleet_token=True,
            connections=options.connections,
            floors=True,
        ),
        Scenario(
            VEHICLES,
            f"Toyota GET {API}/vehicles",
            lambda vins: (f"{API}/vehicles",),
            fleet_token=False,
            connections=options.connections,
            floors=True,
        ),
        Scenario(
            TRIPS_C1,
            f"Toyota GET …/{{vin}}/trips, {TRIPS_PAGE} a page with routes, one at a time",
            trips,
            fleet_token=False,
            connections=1,
            floors=False,
        ),
        Scenario(
            TRIPS_CN,
            f"Toyota GET …/{{vin}}/trips, {TRIPS_PAGE} a page with routes, "
            f"{options.trips_connections} at a time",
            trips,
            fleet_token=False,
            connections=options.trips_connections,
            floors=False,
        ),
    ]


# fleetlink


async def _prepare_store(url: str, options: Options) -> Prepared:
    """Live the demo fleet's history into the store (as `fleetlink seed` does), issue the
    owner a token and register a High Mobility fleet client. The bench's own process does it,
    with every CPU (the vehicle models in a worker process), before the server starts."""
    container = build(Settings(database_url=url))
    await container.start()
    try:
        store = await server_version(container.store.engine)
        started = time.perf_counter()
        fleet, _, lived = await prepare_demo(
            container.services,
            seed=options.seed,
            count=options.vehicles,
            history_days=options.history_days,
            worker=usable_cpus() > 1,
        )
        now = container.services.clock()
        token = await container.tokens.issue(fleet.account.guid, TOYOTA_AUDIENCE, TOKEN_TTL, now)
        client, secret = await create_client(container.services, "bench http reads")
        setup = Setup(
            backend=store,
            messages=lived.messages if lived else 0,
            trips=lived.trips if lived else 0,
            seconds=time.perf_counter() - started,
        )
        return Prepared(setup, token, client.client_id, secret)
    finally:
        await container.close()


async def _start_fleetlink(
    backend: str, url: str, options: Options, workdir: Path, stack: AsyncExitStack
) -> tuple[Server, Setup]:
    with console.status(
        f"[bold]{backend}[/]: living {options.history_days:g} days of the demo fleet's history…"
    ):
        prepared = await _prepare_store(url, options)
    port = free_port()
    env = fleetlink_env(url, {"FLEETLINK_TOKEN_TTL_SECONDS": str(int(TOKEN_TTL.total_seconds()))})
    argv = [*_pinned(options, options.server_cpu), *fleetlink_argv(port)]
    placeholder = Fleet((), prepared.owner_token, "")
    with console.status(f"[bold]{backend}[/]: starting fleetlink serve…"):
        server = await spawn(f"fleetlink {backend}", argv, env, workdir, placeholder, port)
        stack.push_async_callback(stop, server)
        await wait_until_answering(server, "/healthz", {}, START_TIMEOUT_S)
        server.fleet = await _enrol_fleet(server, prepared)
    server.store = prepared.setup.backend
    server.fleetlink = True
    return server, prepared.setup


async def _enrol_fleet(server: Server, prepared: Prepared) -> Fleet:
    """The owner's VINs; a fleet client's token, with every VIN registered and cleared."""
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        owner = {"Authorization": f"Bearer {prepared.owner_token}"}
        listed = await client.get(f"{API}/vehicles", headers=owner)
        _expect_ok(server, listed)
        vins = tuple(v["vin"] for v in listed.json()["data"])
        if not vins:
            raise BenchError(f"{server.name}: the demo owner has no vehicles")
        issued = await client.post(
            "/v1/access_token",
            data={
                "grant_type": "client_credentials",
                "client_id": prepared.client_id,
                "client_secret": prepared.client_secret,
            },
        )
        _expect_ok(server, issued)
        fleet_token: str = issued.json()["access_token"]
        fleet = {"Authorization": f"Bearer {fleet_token}"}
        for vin in vins:
            added = await client.post(
                "/v1/fleet/vehicles",
                json={"vin": vin, "brand": decode_vin(vin).brand},
                headers=fleet,
            )
            _expect_ok(server, added)
        deadline = time.monotonic() + CLEARANCE_TIMEOUT_S
        for vin in vins:
            while (
                response := await client.get(f"{HM_DATA}/{vin}", headers=fleet)
            ).status_code != 200:
                if time.monotonic() > deadline:
                    raise BenchError(
                        f"{server.name}: {vin}'s data still answered {response.status_code} "
                        f"{CLEARANCE_TIMEOUT_S:.0f} s after its clearance: {response.text[:300]}"
                    )
                await asyncio.sleep(0.2)
    return Fleet(vins, prepared.owner_token, fleet_token)


def _expect_ok(server: Server, response: httpx.Response) -> None:
    if response.is_success:
        return
    raise BenchError(
        f"{server.name}: {response.request.method} {response.request.url.path} answered "
        f"{response.status_code}: {response.text[:300]}"
    )


def _headers(scenario: Scenario, fleet: Fleet) -> dict[str, str]:
    token = fleet.fleet_token if scenario.fleet_token else fleet.owner_token
    return {"Authorization": f"Bearer {token}"}


async def _answers(server: Server) -> dict[str, Answer]:
    """fleetlink's answers to the floors' routes, for the first VIN, byte for byte."""
    vin = server.fleet.vins[0]
    paths = {
        STATUS: (f"{API}/vehicles/{vin}/status", False),
        VEHICLES: (f"{API}/vehicles", False),
        VEHICLE_DATA: (f"{HM_DATA}/{vin}", True),
    }
    answers: dict[str, Answer] = {}
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        for name, (path, as_fleet) in paths.items():
            token = server.fleet.fleet_token if as_fleet else server.fleet.owner_token
            response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
            _expect_ok(server, response)
            answers[name] = Answer(response.headers["content-type"], response.content)
    return answers


async def _check(server: Server, scenarios: Sequence[Scenario]) -> dict[str, str]:
    """Ask every path of every scenario the server serves once; keep the body sizes. Returns,
    per scenario it does not answer with 200, why."""
    refused: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
        for scenario in scenarios:
            if scenario.key not in server.serves:
                continue
            sizes = []
            for path in scenario.paths(server.fleet.vins):
                response = await client.get(
                    server.path(path), headers=_headers(scenario, server.fleet)
                )
                if response.status_code != 200:
                    refused[scenario.key] = (
                        f"{response.status_code} to GET {server.path(path)}: {response.text[:200]}"
                    )
                    break
                sizes.append(len(response.content))
            if sizes:
                server.body_bytes[scenario.key] = statistics.mean(sizes)
    return refused


async def _trips_page(server: Server, scenario: Scenario) -> str:
    """What the trips pages hold: trips per page and route points per trip, on average."""
    pages: list[int] = []
    points: list[int] = []
    sizes: list[int] = []
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
        for path in scenario.paths(server.fleet.vins):
            response = await client.get(path, headers=_headers(scenario, server.fleet))
            _expect_ok(server, response)
            trips = response.json()["data"]
            pages.append(len(trips))
            points.extend(len(trip.get("route") or ()) for trip in trips)
            sizes.append(len(response.content))
    if not pages:
        return "no pages"
    return (
        f"{statistics.mean(pages):.1f} trips a page (of {TRIPS_PAGE}; fewest {min(pages)}), "
        f"{statistics.mean(points) if points else 0:.0f} route points a trip, "
        f"{statistics.mean(sizes) / 1024:.0f} KiB a page"
    )


# The floors and Prism


async def _start_floor(
    name: str, module: str, answers: Path, options: Options, workdir: Path, fleet: Fleet
) -> Server:
    port = free_port()
    argv = [
        *_pinned(options, options.server_cpu),
        sys.executable,
        "-m",
        module,
        "--port",
        str(port),
        "--answers",
        str(answers),
    ]
    server = await spawn(name, argv, child_env({}), workdir, fleet, port)
    server.serves = {STATUS, VEHICLE_DATA, VEHICLES}
    return server


async def _prism_version(npx: str, within_s: float) -> str:
    """Prism's version, fetched by npx into its cache first if need be."""
    process = await asyncio.create_subprocess_exec(
        npx,
        "--yes",
        "--prefer-offline",
        PRISM_PACKAGE,
        "--version",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout=within_s)
    except TimeoutError:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        raise BenchError(f"`npx {PRISM_PACKAGE} --version` took over {within_s:.0f} s") from None
    except BaseException:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        raise
    text = out.decode(errors="replace").strip()
    if process.returncode != 0:
        raise BenchError(
            f"`npx {PRISM_PACKAGE} --version` exited with {process.returncode}: {text[-400:]}"
        )
    return text.splitlines()[-1] if text else "?"


async def _start_prism(
    options: Options, workdir: Path, fleet: Fleet, stack: AsyncExitStack
) -> tuple[Server | None, str]:
    """Prism mocking the Toyota contract (static examples), or None and why not."""
    if not options.prism:
        return None, "skipped: --no-prism"
    npx = shutil.which("npx")
    if npx is None:
        return None, "skipped: npx is not on PATH (Node.js and npm are not installed)"
    with console.status(f"Prism: npx {PRISM_PACKAGE} --version…"):
        try:
            prism_version = await _prism_version(npx, options.prism_timeout)
        except BenchError as exc:
            return None, f"skipped: {exc}"
    port = free_port()
    argv = [
        *_pinned(options, options.server_cpu),
        npx,
        "--yes",
        "--prefer-offline",
        PRISM_PACKAGE,
        "mock",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--dynamic=false",
        "--verboseLevel=warn",
        str(SPECS / TOYOTA_SPEC),
    ]
    server = await spawn(PRISM, argv, child_env({}), workdir, fleet, port)
    stack.push_async_callback(stop, server)
    server.strip = API
    server.serves = {STATUS, VEHICLES}
    probe = f"{API}/vehicles".removeprefix(API)
    headers = {"Authorization": f"Bearer {fleet.owner_token}"}
    try:
        with console.status("Prism: starting…"):
            await wait_until_answering(server, probe, headers, options.prism_timeout)
    except BenchError as exc:
        return None, f"skipped: it did not start ({exc})"
    return server, f"{prism_version}, static mocks of {TOYOTA_SPEC}, log level warn"


# Measuring


async def _idle(servers: Sequence[Server]) -> dict[str, float | None]:
    """The share of a core each server uses while nobody asks it anything: what its
    background work adds to the CPU per request measured under load."""
    before = {server.name: server.cpu_seconds() for server in servers}
    with console.status(f"servers idle for {IDLE_S:g} s…"):
        await asyncio.sleep(IDLE_S)
    idle: dict[str, float | None] = {}
    for server in servers:
        start, end = before[server.name], server.cpu_seconds()
        idle[server.name] = None if start is None or end is None else (end - start) / IDLE_S
    return idle


def _pinned(options: Options, cpu: int) -> list[str]:
    return pinned(cpu if options.pin else None)


async def _wrk(
    wrk: str,
    server: Server,
    scenario: Scenario,
    options: Options,
    seconds: int,
    workdir: Path,
) -> Sample:
    """wrk on its own CPU against server, with the server's CPU time read around it."""
    script = workdir / f"{server.port}-{scenario.key}.lua"
    if not script.exists():
        (auth,) = _headers(scenario, server.fleet).values()
        script.write_text(lua([(server.path(p), auth) for p in scenario.paths(server.fleet.vins)]))
    return await run_wrk(
        wrk,
        server,
        script,
        connections=scenario.connections,
        threads=options.threads,
        seconds=seconds,
        cpu=options.wrk_cpu if options.pin else None,
    )


async def _rounds(
    wrk: str,
    servers: Sequence[Server],
    scenarios: Sequence[Scenario],
    options: Options,
    workdir: Path,
) -> tuple[dict[tuple[str, str], list[Sample]], list[str]]:
    """A warm-up pass, then options.rounds rounds; each round reads every scenario from every
    server that answers it, one after the other (round-robin)."""
    runs = [(sc, sv) for sc in scenarios for sv in servers if sc.key in sv.serves]
    samples: dict[tuple[str, str], list[Sample]] = {(sv.name, sc.key): [] for sc, sv in runs}
    loads: list[str] = []
    if options.warmup > 0:
        for scenario, server in runs:
            with console.status(f"warm-up: {server.name}, {scenario.key}…"):
                await _wrk(wrk, server, scenario, options, options.warmup, workdir)
    for round_no in range(1, options.rounds + 1):
        loads.append(load_average())
        for scenario, server in runs:
            with console.status(
                f"round {round_no}/{options.rounds}: {server.name}, {scenario.key}…"
            ):
                samples[(server.name, scenario.key)].append(
                    await _wrk(wrk, server, scenario, options, options.seconds, workdir)
                )
    return samples, loads


# Printing


def _ratios(
    mine: Sequence[Sample], theirs: Sequence[Sample] | None, of: Callable[[Sample], float | None]
) -> list[float]:
    """The ratio of a figure, mine to theirs, round by round (the rounds are interleaved, so
    a round's two samples saw the same machine)."""
    if not theirs:
        return []
    out = []
    for a, b in zip(mine, theirs, strict=False):
        x, y = of(a), of(b)
        if x is not None and y:
            out.append(x / y)
    return out


def _ratio(x: float) -> str:
    return f"{x:.2f}"


def _size(n: float | None) -> str:
    if n is None:
        return "—"
    return f"{n / 1024:.1f} KiB" if n >= 1024 else f"{n:.0f} B"


def _scenario_table(report: Report, scenario: Scenario) -> Table:
    floor = report.samples.get((FASTAPI_FLOOR, scenario.key))
    prism = report.samples.get((PRISM, scenario.key))
    plural = "s" if scenario.connections > 1 else ""
    table = Table(
        title=f"{scenario.title} — {scenario.connections} connection{plural}",
        caption="each cell: the median of the rounds, under it the lowest–highest round"
        + (
            "; ÷ columns: this server's req/s ÷ the FastAPI floor's or Prism's, round by round"
            if scenario.floors
            else ""
        ),
    )
    table.add_column("Server", no_wrap=True)
    for name in ("body", "req/s", "CPU µs/req", "core", "p50 ms", "p99 ms"):
        figure_column(table, name)
    if scenario.floors:
        figure_column(table, "÷ FastAPI floor")
        figure_column(table, "÷ Prism")
    for server in report.servers:
        samples = report.samples.get((server.name, scenario.key))
        if not samples:
            continue
        cpu = [s.cpu_us for s in samples if s.cpu_us is not None]
        core = [s.core for s in samples if s.core is not None]
        errors = sum(s.errors for s in samples)
        row = [
            server.name + (f"\n[red]{errors:,} failed[/]" if errors else ""),
            _size(server.body_bytes.get(scenario.key)),
            spread([s.rate for s in samples], lambda x: f"{x:,.0f}"),
            spread(cpu, lambda x: f"{x:,.0f}"),
            spread(core, lambda x: f"{x:.0%}"),
            spread([s.p50_ms for s in samples], lambda x: f"{x:,.1f}"),
            spread([s.p99_ms for s in samples], lambda x: f"{x:,.1f}"),
        ]
        if scenario.floors:
            for other, theirs in ((FASTAPI_FLOOR, floor), (PRISM, prism)):
                if server.name == other:
                    row.append("1")
                else:
                    row.append(spread(_ratios(samples, theirs, _rate), _ratio, "×"))
        table.add_row(*row)
    return table


def _rate(sample: Sample) -> float:
    return sample.rate


def _cpu(sample: Sample) -> float | None:
    return sample.cpu_us


def _summary_table(report: Report) -> Table:
    table = Table(
        title="fleetlink ÷ the floors and Prism",
        caption="median of the per-round ratios (lowest–highest round). req/s under 1: "
        "fleetlink serves fewer requests a second; CPU/req over 1: it spends more CPU on each",
    )
    table.add_column("Request", no_wrap=True)
    table.add_column("fleetlink on", no_wrap=True)
    for name in ("req/s ÷ ASGI", "req/s ÷ FastAPI", "req/s ÷ Prism", "CPU/req ÷ FastAPI"):
        figure_column(table, name)
    for scenario in report.scenarios:
        if not scenario.floors:
            continue
        for server in report.servers:
            if not server.fleetlink:
                continue
            mine = report.samples.get((server.name, scenario.key), [])
            cells = []
            for other, of in (
                (ASGI_FLOOR, _rate),
                (FASTAPI_FLOOR, _rate),
                (PRISM, _rate),
                (FASTAPI_FLOOR, _cpu),
            ):
                values = _ratios(mine, report.samples.get((other, scenario.key)), of)
                if not values:
                    cells.append("—")
                elif len(values) == 1:
                    cells.append(f"×{values[0]:.2f}")
                else:
                    cells.append(
                        f"×{statistics.median(values):.2f} "
                        f"[dim]({min(values):.2f}–{max(values):.2f})[/]"
                    )
            table.add_row(scenario.key, server.store, *cells)
    return table


def _machine(options: Options, wrk_version: str, load: str) -> Table:
    table = machine_table()
    table.add_row("fleetlink", escape(fleetlink_revision()))
    table.add_row(
        "Servers",
        f"uvicorn {version('uvicorn')} (configured as `fleetlink serve` does), "
        f"FastAPI {version('fastapi')}, pydantic {version('pydantic')}",
    )
    table.add_row("wrk", escape(wrk_version))
    table.add_row(
        "CPUs used",
        f"each server on CPU {options.server_cpu}, wrk on CPU {options.wrk_cpu} (taskset)"
        if options.pin
        else "not pinned (see the note above)",
    )
    table.add_row(
        "Requests",
        f"{options.rounds} interleaved rounds of {options.seconds} s per server and request, "
        f"after {options.warmup} s of warm-up each; {options.connections} connections "
        f"({options.trips_connections}, then 1, for the trips); {options.threads} wrk thread"
        + ("s" if options.threads > 1 else ""),
    )
    table.add_row(
        "History",
        f"{options.vehicles} demo vehicles × {options.history_days:g} days, "
        "lived as `fleetlink seed` does",
    )
    table.add_row("Load average", f"{load} (1, 5, 15 min) before set-up")
    return table


def _run_table(report: Report, before: str, after: str) -> Table:
    table = Table(title="This run", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Load average", f"{before} before set-up; {after} after the last round")
    table.add_row(
        "At each round's start",
        "; ".join(f"round {i}: {x}" for i, x in enumerate(report.round_loads, 1)),
    )
    for setup in report.setups:
        table.add_row(
            f"Set-up, {setup.backend}",
            f"{setup.messages:,} messages and {setup.trips:,} trips lived in {setup.seconds:.1f} s",
        )
    for name, page in report.trips_page.items():
        table.add_row(f"Trips page, {name}", page)
    table.add_row("Prism", escape(report.prism))
    table.add_row(
        f"Idle CPU ({IDLE_S:g} s)",
        ", ".join(
            f"{name} {'?' if share is None else f'{share:.1%}'}"
            for name, share in report.idle.items()
        )
        + " of a core",
    )
    for name, (lines, _) in report.logs.items():
        table.add_row(
            f"Output, {name}",
            f"{lines:,} lines (it logs at level warning; the last ones are below)"
            if lines
            else "nothing (it logs at level warning)",
        )
    return table


# Running


def _wrk_or_exit() -> tuple[str, str]:
    wrk = shutil.which("wrk")
    if wrk is None:
        console.print(
            "[red bold]error:[/] wrk is not installed. `make bench-tools` installs it "
            "(`apt-get install wrk` on Debian and Ubuntu, `brew install wrk` on macOS)."
        )
        sys.exit(2)
    # `wrk -v` prints its version and exits with status 1.
    out = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False, timeout=10)
    first = (out.stdout or out.stderr).strip().splitlines()
    return wrk, first[0] if first else "wrk"


def _pinning(options: Options) -> Options:
    """options, with pinning off (and the reason printed) where the machine cannot have it."""
    if not options.pin:
        return options
    why = None
    try:
        allowed = os.sched_getaffinity(0)
    except (AttributeError, OSError):
        allowed = set()
    if shutil.which("taskset") is None:
        why = "taskset is not installed (util-linux)"
    elif options.server_cpu == options.wrk_cpu:
        why = "--server-cpu and --wrk-cpu are the same CPU"
    elif not {options.server_cpu, options.wrk_cpu} <= allowed:
        usable = ", ".join(str(cpu) for cpu in sorted(allowed))
        why = f"CPUs {options.server_cpu} and {options.wrk_cpu} are not both usable ({usable})"
    if why is None:
        return options
    console.print(f"[yellow]not pinning the servers and wrk to CPUs: {why}")
    return replace(options, pin=False)


async def main(options: Options) -> int:
    wrk, wrk_version = _wrk_or_exit()
    options = _pinning(options)
    configure_logging("warning")
    before = load_average()
    console.print(_machine(options, wrk_version, before))
    scenarios = _scenarios(options)
    setups: list[Setup] = []
    async with AsyncExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fleetlink-bench-")))
        fleetlinks: list[Server] = []
        urls: dict[str, str] = {}  # each fleetlink server's store
        if "sqlite" in options.backends:
            url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
            server, setup = await _start_fleetlink("SQLite", url, options, workdir, stack)
            urls[server.name] = url
            fleetlinks.append(server)
            setups.append(setup)
        if "postgresql" in options.backends:
            postgres_url = await stack.enter_async_context(postgres_database(console))
            if postgres_url is not None:
                server, setup = await _start_fleetlink(
                    "PostgreSQL", postgres_url, options, workdir, stack
                )
                urls[server.name] = postgres_url
                fleetlinks.append(server)
                setups.append(setup)
        if not fleetlinks:
            console.print("[red bold]error:[/] no backend to run on")
            return 1
        reference = fleetlinks[0]
        answers = workdir / "answers.json"
        write_answers(answers, await _answers(reference))
        floors = []
        with console.status("starting the floor apps…"):
            for name, module in (
                (ASGI_FLOOR, "bench.floor_asgi"),
                (FASTAPI_FLOOR, "bench.floor_fastapi"),
            ):
                floor = await _start_floor(name, module, answers, options, workdir, reference.fleet)
                stack.push_async_callback(stop, floor)
                floors.append(floor)
            for floor in floors:
                await wait_until_answering(floor, "/", {}, START_TIMEOUT_S)
        await _same_bytes(floors, reference)
        prism, prism_note = await _start_prism(options, workdir, reference.fleet, stack)
        if prism is None:
            console.print(f"[yellow]Prism {escape(prism_note)}")
        servers = [*floors, *([prism] if prism else []), *fleetlinks]
        for server in fleetlinks:
            server.serves = {s.key for s in scenarios}
        for server in servers:
            refused = await _check(server, scenarios)
            for key, why in refused.items():
                if server is prism:
                    server.serves.discard(key)
                    prism_note += f"; not measured on {key}: it answered {why}"
                else:
                    raise BenchError(f"{server.name} answered {why}")
        trips = next(s for s in scenarios if s.key == TRIPS_C1)
        pages = {server.name: await _trips_page(server, trips) for server in fleetlinks}
        idle = await _idle(servers)
        samples, loads = await _rounds(wrk, servers, scenarios, options, workdir)
        report = Report(servers, scenarios, samples, loads, setups, prism_note, pages, idle=idle)
        extra = await _beyond_the_rounds(
            wrk, options, servers, fleetlinks, urls, scenarios, workdir
        )
        report.logs = {s.name: (s.log_lines, s.log_tail()) for s in fleetlinks}
    after = load_average()
    for scenario in scenarios:
        console.print(_scenario_table(report, scenario))
    console.print(_summary_table(report))
    console.print(_run_table(report, before, after))
    for name, (lines, tail) in report.logs.items():
        if lines:
            console.print(f"[bold]{name}[/] wrote, last:", highlight=False)
            console.print(escape(tail), highlight=False)
    extra.print(console, options)
    failed = sum(s.errors for samples in report.samples.values() for s in samples)
    failed += extra.errors
    if failed:
        console.print(f"[red bold]{failed:,} requests failed[/]: the figures above count them")
        return 1
    return 0


@dataclass
class Beyond:
    """What runs after the rounds: sizes, the soak, worker scaling, many vehicles."""

    sizes: list[memory.Sizes] = field(default_factory=list)
    soak: memory.Soak | None = None
    scalings: list[scaling.Scaling] = field(default_factory=list)
    workers_note: str = ""
    big: memory.Big | None = None

    @property
    def errors(self) -> int:
        loads = [self.soak.load if self.soak else None, self.big.load if self.big else None]
        return sum(x.errors for x in loads if x is not None) + sum(s.errors for s in self.scalings)

    def print(self, out: Console, options: Options) -> None:
        sizes = [*self.sizes]
        if self.big is not None:
            sizes.append(memory.big_sizes(self.big))
        for result in self.scalings:
            for count, rss in result.rss.items():
                if rss is not None:
                    sizes.append(
                        memory.Sizes(
                            f"fleetlink {result.backend} --workers {count}",
                            (("after the workers' rounds", *rss),),
                        )
                    )
        if sizes:
            out.print(memory.sizes_table(sizes))
        if self.soak is not None:
            out.print(memory.soak_table(self.soak, options.soak_interval))
        for result in self.scalings:
            out.print(scaling.table(result))
            out.print(scaling.verdict(result), highlight=False)
        if self.workers_note:
            out.print(f"[yellow]Workers {escape(self.workers_note)}")


async def _beyond_the_rounds(
    wrk: str,
    options: Options,
    servers: Sequence[Server],
    fleetlinks: Sequence[Server],
    urls: dict[str, str],
    scenarios: Sequence[Scenario],
    workdir: Path,
) -> Beyond:
    """The servers' sizes after the rounds; then a soak of the first fleetlink, worker scaling
    on every store, and a server with many vehicles, each as the options ask."""
    beyond = Beyond()
    for server in servers:
        rss = server.rss()
        if rss is not None:
            beyond.sizes.append(memory.Sizes(server.name, (("after the read rounds", *rss),)))
    server_cpu = options.server_cpu if options.pin else None
    driver = Driver(
        wrk,
        options.connections,
        options.threads,
        options.wrk_cpu if options.pin else None,
        workdir,
    )
    if options.soak_seconds:
        soaked = fleetlinks[0]
        mix = (STATUS, VEHICLE_DATA, VEHICLES, TRIPS_C1)
        requests = [
            (path, _headers(scenario, soaked.fleet)["Authorization"])
            for scenario in scenarios
            if scenario.key in mix
            for path in scenario.paths(soaked.fleet.vins)
        ]
        beyond.soak = await memory.soak(
            driver,
            soaked,
            requests,
            seconds=options.soak_seconds,
            interval=options.soak_interval,
            status=console,
        )
    if options.workers:
        why = await scaling.redis_reachable(options.redis_url)
        if why is not None:
            beyond.workers_note = f"skipped: {why}"
        for server in fleetlinks if why is None else ():
            backend = server.name.removeprefix("fleetlink ")
            store = scaling.Store(backend, urls[server.name], server.fleet)
            beyond.scalings.append(
                await scaling.measure(
                    driver,
                    store,
                    redis_url=options.redis_url,
                    rounds=options.rounds,
                    seconds=options.seconds,
                    warmup=options.warmup,
                    status=console,
                )
            )
    if options.memory_vehicles:
        beyond.big = await memory.many_vehicles(
            driver,
            vehicles=options.memory_vehicles,
            seconds=options.memory_seconds,
            server_cpu=server_cpu,
            status=console,
        )
    return beyond


async def _same_bytes(floors: Sequence[Server], reference: Server) -> None:
    """The floors must send fleetlink's bytes, or the comparison is not of like with like."""
    wanted = await _answers(reference)
    for floor in floors:
        got = await _answers(floor)
        for name, answer in wanted.items():
            if got[name] != answer:
                raise BenchError(
                    f"{floor.name} does not answer {name} as fleetlink does:\n"
                    f"  fleetlink: {answer.content_type} {answer.body[:200]!r}\n"
                    f"  {floor.name}: {got[name].content_type} {got[name].body[:200]!r}"
                )


def _parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.http_reads", description=__doc__)
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgresql", "all"],
        default="sqlite",
        help="fleetlink's store (all: a fleetlink server on each, measured side by side)",
    )
    parser.add_argument("--vehicles", type=int, default=25, help="demo fleet size")
    parser.add_argument(
        "--history-days",
        type=float,
        default=30,
        help="days of demo history lived into each store before serving (365: a year)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10, help="length of one wrk run")
    parser.add_argument(
        "--warmup", type=int, default=2, help="seconds of wrk per server and request before"
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--trips-connections", type=int, default=8, help="connections for the trips throughput"
    )
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--server-cpu", type=int, default=0)
    parser.add_argument("--wrk-cpu", type=int, default=1)
    parser.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    parser.add_argument("--no-prism", action="store_true", help="leave Prism out")
    parser.add_argument(
        "--prism-timeout",
        type=float,
        default=180,
        help="seconds npx may take to fetch Prism, and Prism to start",
    )
    parser.add_argument(
        "--no-workers",
        action="store_true",
        help="leave out fleetlink serve --workers 1 beside --workers 2",
    )
    parser.add_argument(
        "--redis-url",
        default=scaling.REDIS_URL,
        help="Redis for the rate limits of the --workers servers (a key prefix of their own, "
        "deleted afterwards)",
    )
    parser.add_argument(
        "--memory-vehicles",
        type=int,
        default=10_000,
        help="vehicles of the server whose size is measured (0: leave it out)",
    )
    parser.add_argument(
        "--memory-seconds", type=int, default=20, help="seconds of status reads over its VINs"
    )
    parser.add_argument(
        "--soak-seconds",
        type=int,
        default=60,
        help="seconds of steady mixed reads while the server's size is sampled (600: the "
        "10-minute run; 0: no soak)",
    )
    parser.add_argument(
        "--soak-interval", type=float, default=10, help="seconds between two size samples"
    )
    args = parser.parse_args(argv)
    for name in ("vehicles", "rounds", "seconds", "connections", "trips_connections", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("memory_vehicles", "memory_seconds", "soak_seconds"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must be 0 or more")
    if args.memory_vehicles > 10_000:
        parser.error("--memory-vehicles must be at most 10000 (FLEETLINK_DEMO_VEHICLES' limit)")
    if args.soak_interval <= 0:
        parser.error("--soak-interval must be more than 0")
    if args.warmup < 0:
        parser.error("--warmup must be 0 or more")
    if not 0 < args.history_days <= 366:
        parser.error("--history-days must be more than 0 and at most 366")
    backends = ("sqlite", "postgresql") if args.backend == "all" else (args.backend,)
    return Options(
        backends=backends,
        vehicles=args.vehicles,
        history_days=args.history_days,
        seed=args.seed,
        rounds=args.rounds,
        seconds=args.seconds,
        warmup=args.warmup,
        connections=args.connections,
        trips_connections=args.trips_connections,
        threads=args.threads,
        server_cpu=args.server_cpu,
        wrk_cpu=args.wrk_cpu,
        pin=not args.no_pin,
        prism=not args.no_prism,
        prism_timeout=args.prism_timeout,
        workers=not args.no_workers,
        redis_url=args.redis_url,
        memory_vehicles=args.memory_vehicles,
        memory_seconds=args.memory_seconds,
        soak_seconds=args.soak_seconds,
        soak_interval=args.soak_interval,
    )


if __name__ == "__main__":
    try:
        status = asyncio.run(until_stopped(main(_parse(sys.argv[1:]))))
    except BenchError as exc:
        console.print(f"[red bold]failed:[/] {exc}")
        sys.exit(1)
    except (KeyboardInterrupt, asyncio.CancelledError):
        console.print("[yellow]interrupted: every server the bench started was stopped")
        sys.exit(130)
    sys.exit(status)
