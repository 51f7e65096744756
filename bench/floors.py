"""What the two floor apps share: the answers they send, and uvicorn set up as fleetlink's.

The floors are the least a server can do for fleetlink's read answers: `bench.floor_asgi`
(a pure ASGI app) and `bench.floor_fastapi` (FastAPI and pydantic with fleetlink's response
models). `bench.http_reads` fetches each answer once from a real fleetlink server, writes the
bytes to a file (`write_answers`), starts the floors on it, and measures them beside
fleetlink. See bench/README.md.
"""

import argparse
import asyncio
import base64
import gc
import json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

# The routes the floors answer, named as in the answers file.
STATUS = "status"  # Toyota GET /connected/v1/vehicles/{vin}/status
VEHICLES = "vehicles"  # Toyota GET /connected/v1/vehicles
VEHICLE_DATA = "vehicle-data"  # High Mobility GET /v1/vehicle-data/autoapi-13/{vin}
ROUTES = (STATUS, VEHICLES, VEHICLE_DATA)

TOYOTA_PREFIX = "/connected/v1"
VEHICLE_DATA_PREFIX = "/v1/vehicle-data/autoapi-13/"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Answer:
    """A response body exactly as fleetlink sent it, and its content-type."""

    content_type: str
    body: bytes


def route_of(path: str) -> str | None:
    """Which of ROUTES a request path is, or None."""
    if path == f"{TOYOTA_PREFIX}/vehicles":
        return VEHICLES
    if path.startswith(f"{TOYOTA_PREFIX}/vehicles/") and path.endswith("/status"):
        return STATUS
    if path.startswith(VEHICLE_DATA_PREFIX):
        return VEHICLE_DATA
    return None


def write_answers(path: Path, answers: Mapping[str, Answer]) -> None:
    """Keep the answers byte for byte (base64), with their content-types."""
    path.write_text(
        json.dumps(
            {
                name: {
                    "content_type": answer.content_type,
                    "body": base64.b64encode(answer.body).decode(),
                }
                for name, answer in answers.items()
            }
        )
    )


def read_answers(path: Path) -> dict[str, Answer]:
    raw: dict[str, dict[str, str]] = json.loads(path.read_text())
    answers = {
        name: Answer(entry["content_type"], base64.b64decode(entry["body"]))
        for name, entry in raw.items()
    }
    missing = set(ROUTES) - set(answers)
    if missing:
        raise SystemExit(f"{path}: no answer for {', '.join(sorted(missing))}")
    return answers


def parse_args(prog: str, description: str | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--answers", type=Path, required=True, help="the file bench.http_reads wrote"
    )
    return parser.parse_args()


def serve(app: ASGIApp, host: str, port: int) -> None:
    """Serve app as `fleetlink serve` serves fleetlink: the same uvicorn configuration, in an
    event loop started by asyncio.run, after collecting and freezing what start-up made."""
    config = uvicorn.Config(app, host=host, port=port, log_config=None, lifespan="on")
    gc.collect()
    gc.freeze()
    asyncio.run(uvicorn.Server(config).serve())
