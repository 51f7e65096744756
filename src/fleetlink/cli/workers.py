"""fleetlink serve --workers N: HTTP in N processes beside the one that does the chores.

The parent process keeps what a deployment runs once: the embedded broker, the demo fleet's
simulator, the MQTT session that reads the uplink (and re-sends owed commands), and the
retention sweep. It holds the port and starts N worker processes, each listening on it
(Linux spreads the connections over them: `listen` says why) and each a whole app over the
same store: it verifies tokens, reads and writes the database, and
publishes the commands it stores through an MQTT session of its own that reads nothing. A
worker that dies is started again. Nothing a request needs lives in one process's memory:
state is in the database, rate limits in Redis (each worker keeps its own buckets without
it, which is why the automatic count stays at one then).
"""

import asyncio
import gc
import multiprocessing
import signal
import socket
import sys
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any
from urllib.parse import quote

import structlog
import uvicorn

from fleetlink.app import Server, create_app, start_background
from fleetlink.bootstrap import Container, build
from fleetlink.logging import configure_logging
from fleetlink.settings import Settings
from fleetlink.telematics.link import BrokerAddress

log = structlog.get_logger(__name__)
WATCH_INTERVAL_S = 0.5
FIRST_RESTART_DELAY_S = 1.0
MAX_RESTART_DELAY_S = 30.0
# A worker that lived this long before dying was healthy: its restart is not slowed.
HEALTHY_RUN_S = 60.0
STOP_TIMEOUT_S = 15.0
BACKLOG = 2048


class WorkersRefused(ValueError):
    """A worker count that cannot work with these settings; its str() says why."""


def worker_count(settings: Settings, cpus: int) -> tuple[int, str | None]:
    """How many HTTP workers to run, and, when the count is automatic and one, why."""
    if settings.workers > 1 and settings.database_in_memory:
        raise WorkersRefused(
            f"--workers {settings.workers} needs a database on disk or a server: "
            "an in-memory SQLite database lives in one process"
        )
    if settings.workers:
        return settings.workers, None
    if settings.database_in_memory:
        return 1, "the database is in memory"
    if settings.redis_url is None:
        return 1, "rate limits live in each process without FLEETLINK_REDIS_URL"
    return max(cpus, 1), None


def broker_url(address: BrokerAddress) -> str:
    """The mqtt:// URL of address, credentials included, for a worker to sign in with."""
    host = f"[{address.host}]" if ":" in address.host else address.host
    user = ""
    if address.username is not None:
        user = quote(address.username, safe="")
        if address.password is not None:
            user += ":" + quote(address.password, safe="")
        user += "@"
    return f"mqtt://{user}{host}:{address.port}"


# Linux spreads the connections of sockets sharing a port (SO_REUSEPORT) evenly over them;
# elsewhere the option means something else, and the workers share one socket.
BALANCED = sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def _socket(family: int, address: Any, *, balanced: bool) -> socket.socket:
    # Named TCP, not left 0: asyncio sets TCP_NODELAY only on connections whose socket says
    # IPPROTO_TCP, and without it a response's body waited 40 ms behind its headers (Nagle
    # against the client's delayed ACK) on every request a worker answered.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if balanced:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def listen(host: str, port: int, *, balanced: bool = BALANCED) -> socket.socket:
    """The parent's socket: what every worker accepts on, or, balanced, a hold on the port.

    One listening socket shared by the workers hands most connections to whichever worker
    wakes first: over 8 s of 32 keep-alive connections, one worker took 6.5 s of CPU and the
    other 0.7 (a second worker then added nothing). Balanced, each worker listens on a
    socket of its own bound to the same port, and the kernel spreads new connections over
    them. The parent's socket is then only bound, never listening, so it takes no
    connection: it keeps the port (and the number the system chose for port 0) while the
    workers come and go. The price: a worker that dies takes along the connections waiting
    on its socket (reset, as are those it had accepted), where a shared socket would have
    left them to the others; and while no worker listens (all of them starting), a
    connection is refused rather than queued.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = _socket(family, (host, port), balanced=balanced)
    if not balanced:
        sock.listen(BACKLOG)
    sock.set_inheritable(True)
    return sock


def worker_socket(parent: socket.socket, *, balanced: bool = BALANCED) -> socket.socket:
    """What a worker accepts on: its own socket on the parent's port, or the parent's."""
    if not balanced:
        return parent
    # The whole address: an IPv6 one keeps its scope (a link-local host names its interface).
    family, address = parent.family, parent.getsockname()
    parent.close()  # this process's copy: the parent keeps its own
    sock = _socket(family, address, balanced=True)
    sock.listen(BACKLOG)
    return sock


def worker_main(data: dict[str, Any], index: int, sock: socket.socket) -> None:
    """A worker process: the app, not primary, serving on the parent's port."""
    settings = Settings.model_validate(data)
    configure_logging(settings.log_level, json=settings.log_json, process={"worker": index})
    asyncio.run(_serve(settings, sock))


async def _serve(settings: Settings, parent: socket.socket) -> None:
    container = build(settings, primary=False)
    try:
        await container.start()
        config = uvicorn.Config(create_app(container=container), log_config=None, lifespan="on")
        gc.collect()
        gc.freeze()
        # Listening only once it can answer: the kernel gives a listening socket its share
        # of new connections, which would wait out (or, should it fail, die with) its start.
        await Server(config, container).serve(sockets=[worker_socket(parent)])
    finally:
        await container.close()


@dataclass
class _Worker:
    index: int
    process: BaseProcess
    started: float
    restart_delay: float = FIRST_RESTART_DELAY_S


@dataclass
class WorkerPool:
    """N worker processes on one socket, each started again when it dies."""

    settings: Settings
    count: int
    sock: socket.socket
    mqtt_url: str | None
    _workers: list[_Worker] = field(default_factory=list)

    def _spawn(self, index: int, now: float) -> _Worker:
        data = self.settings.model_dump() | {
            "mqtt_url": self.mqtt_url,
            # Each worker its own MQTT session: a client id taken twice is a takeover.
            "mqtt_client_id": f"{self.settings.mqtt_client_id}-{index}",
            "demo": False,
        }
        process = multiprocessing.get_context("spawn").Process(
            target=worker_main, args=(data, index, self.sock), name=f"fleetlink-worker-{index}"
        )
        process.start()
        log.info("worker.started", worker=index, pid=process.pid)
        return _Worker(index, process, now)

    def start(self, now: float) -> None:
        """Start every worker."""
        self._workers = [self._spawn(index, now) for index in range(1, self.count + 1)]

    def pids(self) -> list[int | None]:
        """The process ids of the workers running now."""
        return [worker.process.pid for worker in self._workers]

    async def watch(self, stopping: asyncio.Event) -> None:
        """Start a dead worker again (slower each time it dies young) until stopping is set."""
        loop = asyncio.get_running_loop()
        while not stopping.is_set():
            for slot, worker in enumerate(self._workers):
                if worker.process.is_alive():
                    continue
                now = loop.time()
                lived = now - worker.started
                delay = FIRST_RESTART_DELAY_S if lived > HEALTHY_RUN_S else worker.restart_delay
                log.error(
                    "worker.died",
                    worker=worker.index,
                    exit_code=worker.process.exitcode,
                    lived_s=round(lived, 1),
                    restart_in_s=delay,
                )
                if await _stopped_within(stopping, delay):
                    return
                replacement = self._spawn(worker.index, loop.time())
                replacement.restart_delay = min(delay * 2, MAX_RESTART_DELAY_S)
                self._workers[slot] = replacement
            await _stopped_within(stopping, WATCH_INTERVAL_S)

    def stop(self) -> None:
        """Ask every worker to finish its requests and stop; kill the ones that do not."""
        for worker in self._workers:
            if worker.process.is_alive():
                worker.process.terminate()
        for worker in self._workers:
            worker.process.join(STOP_TIMEOUT_S)
            if worker.process.is_alive():
                log.warning("worker.killed", worker=worker.index)
                worker.process.kill()
                worker.process.join()


async def _stopped_within(stopping: asyncio.Event, seconds: float) -> bool:
    """Wait up to seconds for stopping; whether it was set."""
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        return False
    return True


async def serve_with_workers(container: Container, count: int) -> None:
    """Run the chores here and HTTP in count workers, until SIGINT or SIGTERM."""
    settings = container.settings
    address = container.telematics.broker if container.telematics is not None else None
    mqtt_url = settings.mqtt_url or (broker_url(address) if address is not None else None)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    sock = listen(settings.host, settings.port)
    supervisor = start_background(container)
    pool = WorkerPool(settings, count, sock, mqtt_url)
    try:
        pool.start(loop.time())
        log.info("server.ready", workers=count, host=settings.host, port=settings.port)
        await pool.watch(stopping)
    finally:
        log.info("server.stopping", workers=count)
        await asyncio.to_thread(pool.stop)
        sock.close()
        await supervisor.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
