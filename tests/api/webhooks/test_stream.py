"""The stream's HTTP side: bad input answered 400 in the documented shape, heartbeats, the end."""

import asyncio

from fleetlink.api.webhooks.stream import _frames
from fleetlink.bootstrap import Container
from fleetlink.domain.events import Event
from tests.conftest import ClientFactory, OwnerFactory


async def test_bad_input_is_a_400_in_the_documented_shape(
    container: Container, make_owner: OwnerFactory, make_client: ClientFactory
) -> None:
    owner = await make_owner(count=1)
    http = await make_client(container)

    bad_id = await http.get(
        "/fleetlink/v1/events/stream", headers={**owner.headers, "Last-Event-ID": "x"}
    )
    bad_type = await http.get("/fleetlink/v1/events/stream?types=nope", headers=owner.headers)
    anonymous = await http.get("/fleetlink/v1/events/stream")

    assert (bad_id.status_code, bad_type.status_code, anonymous.status_code) == (400, 400, 401)
    assert "Last-Event-ID" in bad_id.json()["errors"][0]["detail"]
    assert "nope" in bad_type.json()["errors"][0]["detail"]


class _Quiet:
    """A stream with nothing to tell."""

    full = False

    async def poll(self) -> list[tuple[int, Event]]:
        return []


async def test_a_quiet_stream_sends_heartbeats_and_ends_when_the_server_stops() -> None:
    stopping = asyncio.Event()
    frames = _frames(_Quiet(), stopping, heartbeat_s=0.0, poll_s=0.01)  # type: ignore[arg-type]

    sent = [await anext(frames) for _ in range(3)]
    stopping.set()
    rest = [f async for f in frames]

    assert sent[0].startswith("retry: ")
    assert sent[1:] == [": heartbeat\n\n"] * 2
    assert rest == []
