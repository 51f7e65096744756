"""A real `fleetlink serve` process on a free port, for tests that go over real HTTP."""

import asyncio
import os
import random
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# How long a started server may take to answer its health check.
READY_WITHIN_S = 90.0
# Once it has, how long its banner may keep quiet before it counts as read in full.
BANNER_QUIET_S = 0.1


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default, and near most systems' own


# Ports handed out by this test process, so two servers never get the same one.
_GIVEN: set[int] = set()
# How many ports below the ephemeral range the tests take theirs from.
_SPAN = 12_000


def _worker() -> tuple[int, int]:
    """This process's index among pytest-xdist's workers, and their count ((0, 1) alone)."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    index = int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else 0
    return index % max(count, 1), max(count, 1)


def port_range() -> range:
    """The ports this process may hand out: below the ephemeral range, and under xdist a
    slice of them that no other worker of the run hands out."""
    high = min(_ephemeral_start(), 65536)
    low = max(1024, high - _SPAN)
    index, count = _worker()
    size = (high - low) // count
    return range(low + index * size, low + (index + 1) * size)


def free_port() -> int:
    """A port nothing listens on now, below the ephemeral range.

    A port from bind(("", 0)) is an ephemeral one, and the server's own outgoing
    connections (to PostgreSQL, to Redis) may take it before the server listens on it:
    CI once failed with "address already in use" that way. Below the range, only a
    listener can take it. Each xdist worker has a slice of its own (port_range), since
    between this probe and the server's bind another worker could take the same port.
    """
    ports = port_range()
    for port in random.sample(ports, min(200, len(ports))):
        if port in _GIVEN:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _GIVEN.add(port)
        return port
    raise RuntimeError("no free port below the ephemeral range")


@dataclass
class LiveServer:
    """A started server and what it printed."""

    process: asyncio.subprocess.Process
    port: int
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    drains: list["asyncio.Task[None]"] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def printed_token(self) -> str:
        lines = self.stdout
        index = next(i for i, line in enumerate(lines) if "access token" in line)
        return lines[index + 1].strip()

    async def stop(self) -> int:
        """Stop the server as an operator would (SIGTERM) and return its exit code."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.process.wait(), timeout=20)
        except TimeoutError:
            self.process.kill()
            code = await self.process.wait()
        await asyncio.gather(*self.drains, return_exceptions=True)
        return code


async def start_server(
    database_url: str, *args: str, port: int | None = None, env: dict[str, str] | None = None
) -> LiveServer:
    """Run `fleetlink serve` and wait until /healthz answers 200."""
    port = port or free_port()
    env = {
        **os.environ,
        "FLEETLINK_DATABASE_URL": database_url,
        "FLEETLINK_LOG_LEVEL": "warning",
        # 1883 may be another broker's (Mosquitto's, on the development machines).
        "FLEETLINK_MQTT_LISTEN": f"127.0.0.1:{free_port()}",
        # A month of demo history takes seconds; tests that want it ask for it.
        "FLEETLINK_DEMO_HISTORY_DAYS": "0",
        # Tests poll and fuzz faster than any app should; tests of the limits set their own.
        **{
            f"FLEETLINK_RATE_LIMIT_{who}_{what}": "1000000"
            for who in ("CLIENT", "VEHICLE", "FAILED_AUTH_ADDRESS", "FAILED_AUTH_SUBJECT")
            for what in ("PER_MINUTE", "BURST")
        },
        **(env or {}),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fleetlink",
        "serve",
        "--port",
        str(port),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    server = LiveServer(process, port)
    # Generous: a shared machine under load (CI's) can take long to start a process.
    deadline = time.monotonic() + READY_WITHIN_S
    async with httpx.AsyncClient() as client:
        while process.returncode is None:
            try:
                if (await client.get(f"{server.base_url}/healthz")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                await server.stop()
                raise RuntimeError(f"fleetlink serve not healthy within {READY_WITHIN_S:.0f} s")
            await asyncio.sleep(0.1)
    if process.returncode is not None:
        err = (await process.stderr.read()).decode() if process.stderr else ""
        raise RuntimeError(f"fleetlink serve exited with {process.returncode}: {err}")
    # Everything the server prints before it is healthy is the start-up banner: it is all
    # in the pipe by now (the server flushes it before it listens), so a short quiet spell
    # tells that it has been read.
    assert process.stdout is not None and process.stderr is not None
    while True:
        try:
            line = await asyncio.wait_for(process.stdout.readline(), timeout=BANNER_QUIET_S)
        except TimeoutError:
            break
        if not line:
            break
        server.stdout.append(line.decode())
    # Keep reading both pipes, so a chatty server never blocks on a full one.
    server.drains = [
        asyncio.create_task(_drain(process.stdout, server.stdout)),
        asyncio.create_task(_drain(process.stderr, server.stderr)),
    ]
    return server


async def _drain(stream: asyncio.StreamReader, into: list[str]) -> None:
    while line := await stream.readline():
        into.append(line.decode(errors="replace"))
