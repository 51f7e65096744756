"""The live event stream as Server-Sent Events: parse, open the stream, write its frames."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

import structlog
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from fleetlink.api.dependencies import get_container
from fleetlink.api.webhooks.dependencies import Caller, Services
from fleetlink.domain.errors import Unavailable
from fleetlink.domain.events import Event
from fleetlink.services.event_stream import POLL_S, EventStream, open_stream

log = structlog.get_logger(__name__)
router = APIRouter(tags=["Events"])
HEARTBEAT_S = 15.0
# What a browser's EventSource waits before it reconnects (with Last-Event-ID).
RETRY_MS = 2000


def _frame(position: int, event: Event) -> str:
    body = json.dumps(event.envelope(), separators=(",", ":"), ensure_ascii=False)
    return f"id: {position}\ndata: {body}\n\n"


async def _frames(
    stream: EventStream,
    stopping: asyncio.Event,
    heartbeat_s: float = HEARTBEAT_S,
    poll_s: float = POLL_S,
) -> AsyncIterator[str]:
    """Events as they commit, a comment every heartbeat_s, until the server stops."""
    loop = asyncio.get_running_loop()
    yield f"retry: {RETRY_MS}\n\n"
    beat = loop.time()
    while not stopping.is_set():
        try:
            for position, event in await stream.poll():
                yield _frame(position, event)
        except Unavailable as exc:
            # The store is away: say nothing new, keep the connection, try again.
            log.warning("events.stream_store_unavailable", error=exc.message)
        if loop.time() - beat >= heartbeat_s:
            yield ": heartbeat\n\n"
            beat = loop.time()
        if not stream.full:
            await asyncio.sleep(poll_s)
    log.info("events.stream_closed", why="server stopping")


@router.get("/events/stream")
async def event_stream(
    request: Request,
    caller: Caller,
    ctx: Services,
    types: Annotated[str | None, Query(max_length=400)] = None,
    last_event_id: Annotated[str | None, Header(max_length=100)] = None,
) -> StreamingResponse:
    names = [t.strip() for t in types.split(",")] if types else []
    stream = await open_stream(ctx, caller, last_event_id, names)
    return StreamingResponse(
        _frames(stream, get_container(request).stopping),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
