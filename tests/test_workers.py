"""`fleetlink serve --workers N`: HTTP in N processes beside the one that runs the chores."""

import asyncio
import os
import re
import signal
import sys
from typing import Any

import httpx
import pytest

from fleetlink.cli.workers import WorkersRefused, broker_url, worker_count
from fleetlink.settings import Settings
from fleetlink.telematics.link import BrokerAddress
from tests.conftest import REDIS_URL, Databases
from tests.live import LiveServer, free_port, start_server

_STARTED = re.compile(r"worker\.started\s+pid=(\d+) worker=(\d+)")


def _workers(server: LiveServer) -> dict[int, int]:
    """The pid of each worker now, by number, as the server logged their starts."""
    found: dict[int, int] = {}
    for line in server.stderr:
        if match := _STARTED.search(line):
            found[int(match[2])] = int(match[1])
    return found


def _listening(server: LiveServer, number: int) -> int:
    """How many times worker number said it was ready, that is listening on its socket."""
    return sum("server.ready" in line and f"worker={number}" in line for line in server.stderr)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def _until(
    what: str, check: Any, seconds: float = 30.0, server: LiveServer | None = None
) -> None:
    for _ in range(int(seconds * 10)):
        if check():
            return
        await asyncio.sleep(0.1)
    # What the server said last is what tells why it did not happen.
    said = "\n".join(server.stderr[-40:]) if server is not None else ""
    raise AssertionError(f"{what} did not happen within {seconds} s\n{said}")


async def _command_succeeds(api: httpx.AsyncClient, vin: str, command: str) -> None:
    sent = await api.post(f"/connected/v1/vehicles/{vin}/remote-command", json={"command": command})
    assert sent.status_code == 200, sent.text
    path = f"/connected/v1/vehicles/{vin}/commands/{sent.json()['requestId']}"
    for _ in range(150):
        if (await api.get(path)).json().get("status") == "succeeded":
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{command} never succeeded")


async def test_two_workers_serve_publish_commands_and_replace_a_dead_one(
    databases: Databases, redis_prefix: str
) -> None:
    server = await start_server(
        await databases.new(),
        "--demo",
        "--workers",
        "2",
        env={
            "FLEETLINK_REDIS_URL": REDIS_URL,
            "FLEETLINK_RATE_LIMIT_REDIS_PREFIX": redis_prefix,
            "FLEETLINK_LOG_LEVEL": "info",
        },
    )
    try:
        await _until("two workers' start", lambda: len(_workers(server)) == 2)
        # Started is not listening: under load a worker may take seconds to say it is ready,
        # and one killed before then is ready once, not twice, when it is back.
        await _until(
            "both workers listening",
            lambda: _listening(server, 1) == _listening(server, 2) == 1,
            server=server,
        )
        first = _workers(server)
        async with httpx.AsyncClient(
            base_url=server.base_url,
            headers={"Authorization": f"Bearer {server.printed_token()}"},
            timeout=30,
            # A connection per request: a killed worker takes its open connections along.
            limits=httpx.Limits(max_keepalive_connections=0),
        ) as api:
            vin = (await api.get("/connected/v1/vehicles")).json()["data"][0]["vin"]
            # The demo's units speak to the parent's broker; the worker that stores a
            # command publishes it, and the parent ingests the result.
            await _command_succeeds(api, vin, "unlock")

            # Each worker in turn is killed: the other answers meanwhile (the second time,
            # the one started again), so both serve, and each comes back under its number.
            for number in (1, 2):
                killed = _workers(server)[number]
                os.kill(killed, signal.SIGKILL)
                # Each worker listens on a socket of its own: what waits on a dying one's is
                # reset with it, as what it had accepted is. Once it is gone, the other answers.
                await _until(f"worker {number} gone", lambda pid=killed: not _alive(pid))
                assert (await api.get("/connected/v1/vehicles")).status_code == 200
                await _until(
                    f"worker {number} back", lambda n=number: _workers(server)[n] != first[n]
                )
                # Started is not listening: the next one killed before this one listens
                # would leave no socket to connect to.
                await _until(
                    f"worker {number} listening",
                    lambda n=number: _listening(server, n) == 2,
                    server=server,
                )
            await _command_succeeds(api, vin, "lock")
            replaced = _workers(server)
    finally:
        exit_code = await server.stop()

    assert set(replaced) == {1, 2}
    assert all(replaced[n] != first[n] for n in (1, 2))
    assert sum("worker.died" in line for line in server.stderr) == 2
    assert exit_code == 0
    assert not any(_alive(pid) for pid in replaced.values())


async def test_workers_need_a_database_outside_the_process() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fleetlink",
        "serve",
        "--port",
        str(free_port()),
        "--workers",
        "2",
        env={**os.environ, "FLEETLINK_DATABASE_URL": "sqlite+aiosqlite:///:memory:"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)

    assert process.returncode == 2
    assert "--workers 2 needs a database on disk or a server" in stderr.decode()
    assert "Traceback" not in stderr.decode()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"workers": 3}, (3, None)),
        ({"workers": 3, "redis_url": "redis://r:6379/0"}, (3, None)),
        ({}, (1, "rate limits live in each process without FLEETLINK_REDIS_URL")),
        ({"redis_url": "redis://r:6379/0"}, (2, None)),
        (
            {"redis_url": "redis://r:6379/0", "database_url": "sqlite+aiosqlite://"},
            (1, "the database is in memory"),
        ),
        ({"workers": 1, "database_url": "sqlite+aiosqlite:///:memory:"}, (1, None)),
    ],
)
def test_the_worker_count(given: dict[str, Any], expected: tuple[int, str | None]) -> None:
    settings = Settings.model_validate({"database_url": "sqlite+aiosqlite:///f.db", **given})
    assert worker_count(settings, cpus=2) == expected


def test_more_workers_than_one_on_an_in_memory_database_are_refused() -> None:
    settings = Settings.model_validate({"database_url": "sqlite+aiosqlite://", "workers": 2})
    with pytest.raises(WorkersRefused, match="in-memory SQLite"):
        worker_count(settings, cpus=2)


def test_a_worker_signs_in_with_the_parents_credentials() -> None:
    address = BrokerAddress("::1", 1884, "fleetlink-cloud", "p@ss/word:")
    url = broker_url(address)
    assert url == "mqtt://fleetlink-cloud:p%40ss%2Fword%3A@[::1]:1884"
    assert BrokerAddress.parse(url) == BrokerAddress("::1", 1884, "fleetlink-cloud", "p@ss/word:")
    assert BrokerAddress.parse(broker_url(BrokerAddress("h", 1))) == BrokerAddress("h", 1)
