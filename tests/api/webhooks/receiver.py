"""A real webhook receiver: an HTTP server on a free port that verifies Standard Webhooks
signatures with the `standardwebhooks` library, as an app would."""

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks.webhooks import Webhook


@dataclass
class Receiver:
    """Answers each request with the next status of `answers` (then 204), and keeps what
    verified."""

    secret: str = ""
    answers: deque[int] = field(default_factory=deque)
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    unverified: int = 0
    port: int = 0
    _server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.received if e["type"] == kind]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        status = self.answers.popleft() if self.answers else 204
        if 200 <= status < 300:
            try:
                Webhook(self.secret).verify(body, headers)
            except Exception:
                self.unverified += 1
                status = 400
            else:
                self.received.append(json.loads(body))
                self.headers.append(headers)
        writer.write(
            f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        writer.close()
