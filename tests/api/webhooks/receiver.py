"""A real webhook receiver: an HTTP server on a free port that verifies Standard Webhooks
signatures with the `standardwebhooks` library, as an app would (or, given another
verifier, High Mobility's signatures as High Mobility's documentation tells a receiver to)."""

import asyncio
import hashlib
import hmac
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks.webhooks import Webhook

Verifier = Callable[[str, bytes, dict[str, str]], None]


def standard_webhooks(secret: str, body: bytes, headers: dict[str, str]) -> None:
    """Raise unless the standardwebhooks library verifies the request."""
    Webhook(secret).verify(body, headers)


def high_mobility(secret: str, body: bytes, headers: dict[str, str]) -> None:
    """Raise unless X-HM-Signature-256 is sha256= and the hex HMAC-SHA256 of the raw body
    keyed with the secret, compared in constant time (High Mobility's webhooks page)."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, headers.get("x-hm-signature-256", "")):
        raise ValueError("X-HM-Signature-256 does not match")


@dataclass
class Receiver:
    """Answers each request with the next status of `answers` (then 204), and keeps what
    verified."""

    secret: str = ""
    answers: deque[int] = field(default_factory=deque)
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    unverified: int = 0
    verify: Verifier = standard_webhooks
    # How long it takes to answer (a slow receiver keeps deliveries in flight).
    delay_s: float = 0.0
    port: int = 0
    _server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def start(self) -> None:
        """Listen, on the port it had before if it was started already (a receiver back up)."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
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
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        status = self.answers.popleft() if self.answers else 204
        if 200 <= status < 300:
            try:
                self.verify(self.secret, body, headers)
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
