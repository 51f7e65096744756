"""What the webhook sender does with what a real endpoint answers, and where it refuses to go."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from fleetlink.domain.events import Event, EventType
from fleetlink.domain.webhooks import WebhookFormat
from fleetlink.services.webhook_sender import HttpSender, Sent
from fleetlink.services.webhook_urls import WebhookPolicy

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
LOCAL = WebhookPolicy(allow_http=True, allow_private=True, timeout=timedelta(seconds=2))
EVENT = Event(
    id="evt_1",
    type=EventType.STATE_CHANGED,
    vin="JTMABABA1PA000001",
    vehicle_id=1,
    occurred_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
    data={"signals": {}},
    sequence=1,
)

Answer = Callable[[asyncio.StreamWriter], None]


class Endpoint:
    """A local HTTP server answering each request with `answer`, counting what arrived."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            self.requests.append(head + await reader.readexactly(length))
            self.answer(writer)
            await writer.drain()
            await asyncio.sleep(5)  # keep the connection; the sender decides when to stop
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def status(code: int, *headers: str, body: bytes = b"") -> Answer:
    def answer(writer: asyncio.StreamWriter) -> None:
        lines = [f"HTTP/1.1 {code} X", f"content-length: {len(body)}", *headers, "", ""]
        writer.write("\r\n".join(lines).encode() + body)

    return answer


Endpoints = Callable[[Answer], Awaitable["Endpoint"]]


def never(_writer: asyncio.StreamWriter) -> None:
    """Reads the request and never answers."""


@pytest_asyncio.fixture
async def endpoints() -> AsyncIterator[Endpoints]:
    started: list[Endpoint] = []

    async def make(answer: Answer) -> Endpoint:
        endpoint = Endpoint(answer)
        await endpoint.start()
        started.append(endpoint)
        return endpoint

    yield make
    for endpoint in started:
        await endpoint.stop()


async def _send(policy: WebhookPolicy, url: str) -> Sent:
    sender = HttpSender(policy)
    try:
        return await sender.send(url, [SECRET], EVENT, WebhookFormat.STANDARD)
    finally:
        await sender.close()


async def test_a_redirect_is_the_answer_and_is_not_followed(endpoints: Endpoints) -> None:
    target = await endpoints(status(204))
    redirecting = await endpoints(status(307, f"location: {target.url()}"))

    sent = await _send(LOCAL, redirecting.url())

    assert sent.status_code == 307
    assert len(redirecting.requests) == 1
    assert target.requests == []


@pytest.mark.parametrize(("code", "header"), [(429, "retry-after: 120"), (503, "retry-after: 120")])
async def test_retry_after_is_kept_on_429_and_503(
    endpoints: Endpoints, code: int, header: str
) -> None:
    endpoint = await endpoints(status(code, header))

    sent = await _send(LOCAL, endpoint.url())

    assert sent.status_code == code
    assert sent.retry_after == timedelta(seconds=120)


async def test_retry_after_is_ignored_on_other_statuses(endpoints: Endpoints) -> None:
    endpoint = await endpoints(status(500, "retry-after: 120"))

    sent = await _send(LOCAL, endpoint.url())

    assert (sent.status_code, sent.retry_after) == (500, None)


async def test_a_huge_answer_is_read_only_up_to_the_limit(endpoints: Endpoints) -> None:
    # Ten megabytes announced and sent; reading it all would take the whole timeout or more.
    endpoint = await endpoints(status(200, body=b"x" * 10_000_000))

    sent = await _send(LOCAL, endpoint.url())

    assert sent.status_code == 200
    assert sent.error is None


async def test_an_endpoint_that_never_answers_costs_the_timeout_and_says_so(
    endpoints: Endpoints,
) -> None:
    endpoint = await endpoints(never)
    policy = WebhookPolicy(allow_http=True, allow_private=True, timeout=timedelta(seconds=0.5))

    sent = await _send(policy, endpoint.url())

    assert sent.status_code is None
    assert sent.error == "no answer within 0.5 s"
    assert 400 <= sent.latency_ms < 3000


async def test_a_refused_connection_is_an_answer_without_status() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()

    sent = await _send(LOCAL, f"http://127.0.0.1:{port}/hook")

    assert sent.status_code is None
    assert sent.error is not None and "Cannot connect" in sent.error


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_a_local_address_is_refused_at_send_time_when_not_allowed(
    endpoints: Endpoints, host: str
) -> None:
    # Registration checked the URL, but a name may resolve elsewhere by the time of the send
    # (DNS rebinding): the sender checks the addresses it connects to, and sends nothing.
    endpoint = await endpoints(status(204))
    public_only = WebhookPolicy(allow_http=True, allow_private=False)

    sent = await _send(public_only, endpoint.url(host=host))

    assert sent.status_code is None
    assert sent.error is not None and "only public addresses are allowed" in sent.error
    assert endpoint.requests == []
