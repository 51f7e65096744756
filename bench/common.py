"""What the benchmarks share: a PostgreSQL database of their own, and naming the store."""

import asyncio
import ctypes
import os
import platform
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.table import Table
from sqlalchemy import make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

import fleetlink

_T = TypeVar("_T")
POSTGRES_URL = os.environ.get(
    "FLEETLINK_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
PR_SET_PDEATHSIG = 1  # prctl(2)
# Ports handed out by this process, so two servers never get the same one.
_GIVEN_PORTS: set[int] = set()


async def server_version(engine: AsyncEngine) -> str:
    """'SQLite 3.x' or 'PostgreSQL 15.x', for the figures' headings."""
    async with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            return f"SQLite {sqlite3.sqlite_version}"
        version = (await conn.execute(text("SHOW server_version"))).scalar_one()
        return f"PostgreSQL {str(version).split()[0]}"


@asynccontextmanager
async def postgres_database(console: Console) -> AsyncIterator[str | None]:
    """A database of the bench's own on the PostgreSQL server, or None if none is reachable."""
    admin = create_async_engine(
        POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"timeout": 5}
    )
    name = f"fleetlink_bench_{uuid.uuid4().hex[:12]}"
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    except (OSError, SQLAlchemyError) as exc:
        await admin.dispose()
        console.print(f"[yellow]PostgreSQL skipped: not reachable at {POSTGRES_URL} ({exc})")
        yield None
        return
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def machine_table(title: str = "Machine") -> Table:
    """A two-column table naming the machine the figures come from; callers add their rows."""
    table = Table(title=title, show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Platform", platform.platform())
    table.add_row("Processor", platform.processor() or platform.machine())
    table.add_row("CPUs", str(os.cpu_count()))
    table.add_row("Python", f"{platform.python_implementation()} {platform.python_version()}")
    return table


def fleetlink_revision() -> str:
    """Which fleetlink the server runs: where it is and, in a git checkout, which commit."""
    where = Path(fleetlink.__file__).parent
    try:
        head = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", str(where), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return f"{fleetlink.__version__} from {where}"
    dirty = f" + {len(changed)} uncommitted files" if changed else ""
    return f"{fleetlink.__version__}, commit {head}{dirty}, from {where}"


async def until_stopped(work: Awaitable[_T]) -> _T:
    """Await work, cancelled by SIGTERM as by Ctrl-C, so that its clean-up still runs."""
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await work


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages, or 'unknown'."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def free_port() -> int:
    """A port nothing listens on now, below the ephemeral range (as tests/live.py picks them).

    A port from bind(("", 0)) is an ephemeral one, and a server's own outgoing connections
    (to PostgreSQL, say) may take it before the server listens on it. Below the range, only a
    listener can take it.
    """
    try:
        text_range = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text()
        high = min(int(text_range.split()[0]), 65536)
    except (OSError, ValueError, IndexError):
        high = 32768
    for port in random.sample(range(max(1024, high - 12_000), high), 200):
        if port in _GIVEN_PORTS:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _GIVEN_PORTS.add(port)
        return port
    raise RuntimeError("no free port below the ephemeral range")


def die_with_parent() -> None:
    """In a child process, before exec: on Linux, get SIGTERM when the bench dies, so that a
    bench killed outright (SIGKILL) leaves no server behind."""
    if sys.platform == "linux":
        with suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


async def terminate(process: asyncio.subprocess.Process, grace_s: float = 10.0) -> None:
    """Stop a child: SIGTERM, then SIGKILL if it has not exited within grace_s."""
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), grace_s)
    except TimeoutError:
        process.kill()
        await process.wait()
