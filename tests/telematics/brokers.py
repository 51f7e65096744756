"""Brokers of a test's own, each on a free port: the embedded one, and a Mosquitto process."""

import asyncio
import os
import shutil
import signal
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiomqtt

from fleetlink.telematics.broker import EmbeddedBroker
from fleetlink.telematics.credentials import credential_key, password_for
from fleetlink.telematics.device_gate import DeviceGate
from tests.conftest import service_unavailable
from tests.live import free_port

# Debian and Ubuntu install the broker under sbin, which is not on every user's PATH.
_MOSQUITTO_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])


@dataclass(frozen=True)
class BrokerUnderTest:
    """Where a test's broker listens, and how to sign in to it (no key: anonymous)."""

    host: str
    port: int
    key: bytes = b""
    process: asyncio.subprocess.Process | None = None

    def client(
        self,
        username: str | None = None,
        identifier: str | None = None,
        *,
        password: str | None = None,
        clean_session: bool | None = None,
        will: aiomqtt.Will | None = None,
    ) -> aiomqtt.Client:
        """A client signed in as username (with its own password unless one is given)."""
        if username is not None and password is None and self.key:
            password = password_for(self.key, username)
        return aiomqtt.Client(
            self.host,
            self.port,
            username=username,
            password=password,
            identifier=identifier,
            clean_session=clean_session,
            will=will,
        )


@asynccontextmanager
async def embedded(_directory: Path | None = None) -> AsyncIterator[BrokerUnderTest]:
    """The embedded broker, as a server runs it, but with no store: vehicles sign in with
    derived passwords (tests/telematics/test_device_credentials.py tests the stored ones)."""
    broker = EmbeddedBroker("127.0.0.1", free_port(), DeviceGate(None))
    broker.gate.key = credential_key("the tests' own secret")
    await broker.start()
    try:
        yield BrokerUnderTest(broker.host, broker.port, broker.gate.key)
    finally:
        await broker.stop()


@asynccontextmanager
async def mosquitto(
    directory: Path, *, config_lines: str = "allow_anonymous true\n"
) -> AsyncIterator[BrokerUnderTest]:
    """A Mosquitto of the test's own (never the shared one), nothing persisted: anonymous,
    unless config_lines say otherwise."""
    executable = shutil.which("mosquitto", path=_MOSQUITTO_PATH)
    if executable is None:
        service_unavailable("mosquitto is not installed")
        raise AssertionError("unreachable")
    port = free_port()
    config = directory / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\npersistence false\n{config_lines}")
    with (directory / "mosquitto.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            executable, "-c", str(config), stdout=log, stderr=log
        )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                await asyncio.sleep(0.05)
        yield BrokerUnderTest("127.0.0.1", port, process=process)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGCONT)  # a test may have frozen it
            process.terminate()
        await process.wait()


Start = Callable[[Path], AbstractAsyncContextManager[BrokerUnderTest]]
# For a test that must hold on both: @pytest.mark.parametrize("start", BOTH).
BOTH: list[Start] = [embedded, mosquitto]
