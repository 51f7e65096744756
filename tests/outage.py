"""Real outages of a real database for tests: cut it off, then bring it back.

PostgreSQL is reached through a TCP proxy that the test stops (every open connection is
reset and new ones are refused, as when the server or the network goes away) and starts
again on the same port. A SQLite database's directory is moved away, so that the file
cannot be opened, and the pool's open connections are closed.
"""

import asyncio
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url

from fleetlink.bootstrap import Container, build
from fleetlink.settings import Settings
from tests.live import free_port


class TcpProxy:
    """Forward a local port to host:port until stopped."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    @property
    def running(self) -> bool:
        """Whether the proxy listens."""
        return self._server is not None

    async def start(self) -> None:
        """Listen (again) on the proxy's port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def stop(self) -> None:
        """Refuse new connections and reset every open one."""
        assert self._server is not None
        self._server.close()
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()
        await self._server.wait_closed()
        self._server = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._open |= {writer, upstream_writer}
        await asyncio.gather(
            _pipe(reader, upstream_writer), _pipe(upstream_reader, writer), return_exceptions=True
        )
        self._open -= {writer, upstream_writer}


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.transport.abort()


@dataclass
class BreakableStore:
    """A started container over a database of its own, which the test can cut off."""

    container: Container
    proxy: TcpProxy | None = None
    directory: Path | None = None

    @classmethod
    async def create(cls, database_url: str) -> "BreakableStore":
        """A container over database_url (a fresh database), through a proxy if PostgreSQL."""
        url = make_url(database_url)
        if url.get_backend_name() == "sqlite":
            assert url.database is not None
            directory = Path(url.database).parent
            made = cls(build(Settings(database_url=database_url)), directory=directory)
        else:
            proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
            await proxy.start()
            proxied = url.set(host="127.0.0.1", port=proxy.port)
            settings = Settings(database_url=proxied.render_as_string(hide_password=False))
            made = cls(build(settings), proxy=proxy)
        await made.container.start()
        return made

    async def cut(self) -> None:
        """Make the database unreachable."""
        if self.proxy is not None:
            await self.proxy.stop()
            return
        assert self.directory is not None
        self.directory.rename(self._away)
        # Connections opened before keep the moved file; a real outage takes them too.
        await self.container.store.dispose()

    async def restore(self) -> None:
        """Bring the database back, as it was (if it was cut off)."""
        if self.proxy is not None:
            if not self.proxy.running:
                await self.proxy.start()
            return
        if self.directory is not None and self._away.exists():
            self._away.rename(self.directory)

    async def close(self) -> None:
        """Bring the database back, release the container and stop the proxy."""
        await self.restore()
        await self.container.close()
        if self.proxy is not None and self.proxy.running:
            await self.proxy.stop()

    @property
    def _away(self) -> Path:
        assert self.directory is not None
        return self.directory.with_name(self.directory.name + "-away")
