"""The HTTP benches' processes: servers started and stopped, wrk run against them.

`bench.http_reads`, `bench.scaling` and `bench.memory` share it: a server is a process group
of its own, whose CPU time and resident size are read from /proc over every process under
it (a fleetlink with workers, npx's Prism), and wrk reads a list of paths from it in turn.
"""

import asyncio
import json
import os
import resource
import signal
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
from rich.table import Table

import fleetlink
from bench.common import die_with_parent, free_port

REPO = Path(__file__).resolve().parents[1]
STOP_TIMEOUT_S = 20.0
LOG_TAIL = 12
UNLIMITED = "1000000000"  # a rate limit no run reaches


class BenchError(RuntimeError):
    """Something that stops the run; the message says what and why."""


@dataclass(frozen=True, slots=True)
class Fleet:
    """What a fleetlink server holds, and the credentials the bench reads it with."""

    vins: tuple[str, ...]
    owner_token: str
    fleet_token: str


def _tree(pid: int) -> list[psutil.Process]:
    """The process and every process under it, or [] once it has gone."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def tree_cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time so far of pid and every process under it."""
    processes = _tree(pid)
    if not processes:
        return None
    total = 0.0
    for process in processes:
        with suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def tree_rss(pid: int) -> tuple[int, int] | None:
    """(VmRSS in bytes summed over pid and every process under it, how many processes), read
    from /proc/<pid>/status; None once it has gone. Pages two processes share (a worker's
    copy of the interpreter) count once in each, as `ps` counts them."""
    processes = _tree(pid)
    total, counted = 0, 0
    for process in processes:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
                counted += 1
                break
    return (total, counted) if counted else None


def machine_busy_seconds() -> float:
    """CPU seconds every CPU of the machine has spent on anything but idling, so far."""
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    # Linux counts guest time in user time too.
    guest = getattr(times, "guest", 0.0) + getattr(times, "guest_nice", 0.0)
    return sum(times) - idle - guest


@dataclass
class Server:
    """A started server process: a floor, Prism or fleetlink."""

    name: str
    process: asyncio.subprocess.Process
    port: int
    log: Path
    fleet: Fleet
    strip: str = ""  # Prism serves the contract's paths, which lack fleetlink's prefix
    serves: set[str] = field(default_factory=set)
    body_bytes: dict[str, float] = field(default_factory=dict)  # mean body size per scenario
    store: str = ""  # fleetlink's: "SQLite 3.x"…
    fleetlink: bool = False

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def path(self, path: str) -> str:
        return path.removeprefix(self.strip) if self.strip else path

    def cpu_seconds(self) -> float | None:
        """User plus system CPU time so far of the process and every process under it (npx
        runs Prism in a child, `fleetlink serve --workers N` its workers), from /proc."""
        return tree_cpu_seconds(self.process.pid)

    def rss(self) -> tuple[int, int] | None:
        """Resident bytes of the process and every process under it, and how many there are."""
        return tree_rss(self.process.pid)

    @property
    def log_lines(self) -> int:
        """How many lines the server has written to its log (stdout and stderr)."""
        try:
            return sum(1 for line in self.log.read_text().splitlines() if line.strip())
        except OSError:
            return 0

    def log_tail(self) -> str:
        try:
            lines = [line for line in self.log.read_text().splitlines() if line.strip()]
        except OSError:
            return ""
        return "\n".join(lines[-LOG_TAIL:])


@dataclass(frozen=True, slots=True)
class Sample:
    """One wrk run against one server."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors and answers of status 400 or more
    cpu_seconds: float | None
    wrk_cpu_seconds: float = 0.0  # wrk's own user + system time
    machine_busy_seconds: float = 0.0  # every CPU's non-idle time meanwhile, anyone's

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_us(self) -> float | None:
        """The server's CPU per request, in microseconds."""
        if self.cpu_seconds is None or not self.requests:
            return None
        return self.cpu_seconds / self.requests * 1e6

    @property
    def core(self) -> float | None:
        """The share of one core the server used."""
        return None if self.cpu_seconds is None else self.cpu_seconds / self.seconds

    @property
    def wrk_core(self) -> float:
        return self.wrk_cpu_seconds / self.seconds

    @property
    def others_core(self) -> float:
        """Cores' worth of CPU neither the server nor wrk used: other processes (a database,
        Redis, other people's work on a shared machine)."""
        return (
            max(self.machine_busy_seconds - (self.cpu_seconds or 0.0) - self.wrk_cpu_seconds, 0.0)
            / self.seconds
        )


def pinned(cpu: int | None) -> list[str]:
    """taskset's argv prefix pinning a process to cpu; nothing for None."""
    return [] if cpu is None else ["taskset", "-c", str(cpu)]


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """The bench's environment, with the fleetlink and bench it imports first on the path, so
    every server runs the code whose revision the bench prints."""
    here = [str(Path(fleetlink.__file__).resolve().parents[1]), str(REPO)]
    inherited = os.environ.get("PYTHONPATH")
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([*here, *([inherited] if inherited else [])]),
        **extra,
    }


def fleetlink_env(url: str, extra: dict[str, str]) -> dict[str, str]:
    """A `fleetlink serve` on url as the HTTP benches run it: no demo, logging at warning,
    the embedded broker on a free port (never another's 1883), fleet clearances approved at
    once, and rate limits no run reaches (the benches measure serving, not refusing)."""
    return child_env(
        {
            "FLEETLINK_DATABASE_URL": url,
            "FLEETLINK_DEMO": "false",
            "FLEETLINK_LOG_LEVEL": "warning",
            "FLEETLINK_LOG_JSON": "false",
            "FLEETLINK_MQTT_LISTEN": f"127.0.0.1:{free_port()}",
            # A sandbox that clears a fleet's vehicles at once, as bench.api_reads has it.
            "FLEETLINK_CLEARANCE_AUTO_APPROVE": "true",
            "FLEETLINK_CLEARANCE_DELAY_SECONDS": "0",
            **{
                f"FLEETLINK_RATE_LIMIT_{who}_{what}": UNLIMITED
                for who in ("CLIENT", "VEHICLE")
                for what in ("PER_MINUTE", "BURST")
            },
            **extra,
        }
    )


def fleetlink_argv(port: int, *more: str) -> list[str]:
    """`python -m fleetlink serve` on 127.0.0.1:port, with this interpreter."""
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, "-m", "fleetlink", *serve, *more]


async def spawn(
    name: str, argv: list[str], env: dict[str, str], workdir: Path, fleet: Fleet, port: int
) -> Server:
    """Start argv in a process group of its own, its output to a file nobody has to read."""
    log = workdir / f"{name.replace(' ', '-').lower()}-{port}.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            *argv,
            env=env,
            cwd=REPO,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
            preexec_fn=die_with_parent,
            start_new_session=True,
        )
    return Server(name, process, port, log, fleet)


async def stop(server: Server) -> None:
    """SIGTERM to the server's process group, as an operator would; SIGKILL to what is left
    of it after STOP_TIMEOUT_S (npx's children, a server that does not stop)."""
    group = server.process.pid
    with suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    with suppress(TimeoutError):
        await asyncio.wait_for(server.process.wait(), timeout=STOP_TIMEOUT_S)
    with suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    await server.process.wait()


async def wait_until_answering(
    server: Server, path: str, headers: dict[str, str], within_s: float
) -> None:
    """Until path answers (any status) or the process exits or within_s seconds pass."""
    deadline = time.monotonic() + within_s
    async with httpx.AsyncClient(base_url=server.base_url, timeout=5) as client:
        while time.monotonic() < deadline:
            if server.process.returncode is not None:
                raise BenchError(
                    f"{server.name} exited with {server.process.returncode}:\n{server.log_tail()}"
                )
            try:
                await client.get(path, headers=headers)
                return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise BenchError(f"{server.name} did not answer within {within_s:.0f} s:\n{server.log_tail()}")


def lua(requests: Sequence[tuple[str, str]]) -> str:
    """A wrk script that sends requests (path, Authorization header) in turn and prints the
    figures as one JSON line."""
    tokens = sorted({auth for _, auth in requests})
    index = {auth: i for i, auth in enumerate(tokens, 1)}
    listed = ",\n".join(f"  {{{json.dumps(path)}, {index[auth]}}}" for path, auth in requests)
    auths = ",\n".join(f"  {json.dumps(auth)}" for auth in tokens)
    return f"""local auths = {{
{auths}
}}
local requests = {{
{listed}
}}
local n = #requests
local i = 0
local heads = nil
request = function()
  if heads == nil then
    heads = {{}}
    for a = 1, #auths do
      local h = {{}}
      for k, v in pairs(wrk.headers) do h[k] = v end
      h["Authorization"] = auths[a]
      heads[a] = h
    end
  end
  i = i % n + 1
  return wrk.format(nil, requests[i][1], heads[requests[i][2]])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_JSON {{\\"requests\\": %.0f, \\"duration_us\\": %.0f, \\"p50_us\\": %.1f, "
    .. "\\"p99_us\\": %.1f, \\"connect\\": %.0f, \\"read\\": %.0f, \\"write\\": %.0f, "
    .. "\\"status\\": %.0f, \\"timeout\\": %.0f}}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def run_wrk(
    wrk: str,
    server: Server,
    script: Path,
    *,
    connections: int,
    threads: int,
    seconds: int,
    cpu: int | None,
) -> Sample:
    """wrk (on CPU cpu, if given) against server with the script lua() wrote, and around it
    the server's CPU time, wrk's (from the bench's reaped children: wrk is the only one that
    ends meanwhile) and the whole machine's."""
    argv = [
        *pinned(cpu),
        wrk,
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        server.base_url,
    ]
    cpu_before = server.cpu_seconds()
    children_before = _children_cpu()
    busy_before = machine_busy_seconds()
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        preexec_fn=die_with_parent,
        # Not in the terminal's process group: Ctrl-C stops the bench, which stops wrk.
        start_new_session=True,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout=seconds + 60)
    except BaseException:
        with suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise
    cpu_after = server.cpu_seconds()
    busy_after = machine_busy_seconds()
    wrk_cpu = max(_children_cpu() - children_before, 0.0)
    text = out.decode(errors="replace")
    line = next((x for x in text.splitlines() if x.startswith("BENCH_JSON ")), None)
    if process.returncode != 0 or line is None:
        raise BenchError(f"wrk against {server.name} failed ({process.returncode}):\n{text}")
    figures = json.loads(line.removeprefix("BENCH_JSON "))
    errors = sum(int(figures[k]) for k in ("connect", "read", "write", "status", "timeout"))
    return Sample(
        requests=int(figures["requests"]),
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        errors=errors,
        cpu_seconds=None
        if cpu_before is None or cpu_after is None
        else max(cpu_after - cpu_before, 0.0),
        wrk_cpu_seconds=wrk_cpu,
        machine_busy_seconds=max(busy_after - busy_before, 0.0),
    )


@dataclass(frozen=True, slots=True)
class Driver:
    """How wrk drives a server: wrk itself, connections, threads, the CPU it is pinned to
    (None: not pinned), and where its scripts go."""

    wrk: str
    connections: int
    threads: int
    cpu: int | None
    workdir: Path

    async def run(self, server: Server, script: Path, seconds: int) -> Sample:
        return await run_wrk(
            self.wrk,
            server,
            script,
            connections=self.connections,
            threads=self.threads,
            seconds=seconds,
            cpu=self.cpu,
        )


# Printing


def spread(values: Sequence[float], fmt: Callable[[float], str], mark: str = "") -> str:
    """The median, and under it the lowest and highest of the rounds."""
    if not values:
        return "—"
    if len(values) == 1:
        return mark + fmt(values[0])
    middle = statistics.median(values)
    return f"{mark}{fmt(middle)}\n[dim]{fmt(min(values))}–{fmt(max(values))}[/]"


def figure_column(table: Table, name: str) -> None:
    # Folded, never cut: a narrow terminal must not turn 16,012 into "16,0…".
    table.add_column(name, justify="right", overflow="fold")


def mib(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB"
