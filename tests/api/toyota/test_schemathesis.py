"""Schemathesis over the whole Toyota contract, against a real server with a real fleet:
no 5xx, and no response that breaks the contract's schemas."""

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest_asyncio

from fleetlink.bootstrap import build
from fleetlink.domain.notifications import Notification, NotificationType, ServiceRecord
from fleetlink.domain.state import Severity
from fleetlink.domain.trips import RoutePoint, Trip
from fleetlink.services.history import record_history
from fleetlink.settings import Settings
from tests.api.conftest import new_fleet
from tests.conftest import Databases
from tests.live import LiveServer, start_server

SPECS = Path(__file__).resolve().parents[3] / "specs"
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"
MAX_EXAMPLES = os.environ.get("FLEETLINK_SCHEMATHESIS_EXAMPLES", "60")


@dataclass
class Fleet:
    server: LiveServer
    token: str
    vins: list[str]
    database_url: str


async def _give_history(database_url: str, vin: str) -> None:
    """Trips, notifications and service records for one vehicle, so that lists are not empty."""
    container = build(Settings(database_url=database_url))
    try:
        async with container.store.reading() as uow:
            vehicle_id = (await uow.vehicles.existing_ids([vin]))[vin]
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
        route = tuple(
            RoutePoint(33.02 + i / 1000, -96.70 + i / 1000, start + timedelta(minutes=i))
            for i in range(20)
        )
        await record_history(
            container.services,
            trips=[Trip(str(uuid.uuid4()), vehicle_id, route[0], route[-1], 12.5, 88.0, route)],
            notifications=[
                Notification(
                    str(uuid.uuid4()),
                    vehicle_id,
                    NotificationType.RECALL,
                    Severity.CRITICAL,
                    "Recall 24TB08",
                    "Fuel pump may fail",
                    start,
                    is_read=False,
                )
            ],
            service_records=[
                ServiceRecord(
                    str(uuid.uuid4()),
                    vehicle_id,
                    "oil_change",
                    "Oil and filter",
                    date(2026, 1, 5),
                    12000.0,
                    "04136",
                    "Toyota of Plano",
                )
            ],
        )
    finally:
        await container.close()


@pytest_asyncio.fixture(scope="session")
async def fleet(databases: Databases) -> AsyncIterator[Fleet]:
    url = await databases.new()
    server = await start_server(url, "--demo")
    token = server.printed_token()
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        listed = await client.get(
            "/connected/v1/vehicles", headers={"Authorization": f"Bearer {token}"}
        )
    vins = [v["vin"] for v in listed.json()["data"]]
    await _give_history(url, vins[0])
    yield Fleet(server, token, vins, url)
    await server.stop()


async def schemathesis(
    tmp: Path, spec: str, url: str, token: str, vin: str | None, *options: str
) -> None:
    config = tmp / f"schemathesis-{uuid.uuid4().hex[:6]}.toml"
    config.write_text(f'[parameters]\n"path.vin" = "{vin}"\n' if vin else "")
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(config),
        "--no-color",
        "run",
        str(SPECS / spec),
        "--url",
        url,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        MAX_EXAMPLES,
        "--report-dir",
        str(tmp / "schemathesis-report"),
        *options,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=600)
    assert process.returncode == 0, output.decode()


async def test_schemathesis_finds_nothing_on_a_real_vehicle(fleet: Fleet, tmp_path: Path) -> None:
    await schemathesis(
        tmp_path,
        "toyota-connected-services.openapi.yaml",
        f"{fleet.server.base_url}/connected/v1",
        fleet.token,
        fleet.vins[0],
    )


async def test_schemathesis_finds_nothing_with_random_vins(fleet: Fleet, tmp_path: Path) -> None:
    await schemathesis(
        tmp_path,
        "toyota-connected-services.openapi.yaml",
        f"{fleet.server.base_url}/connected/v1",
        fleet.token,
        None,
    )


# The live stream never ends on its own, so a fuzzer's request to it would wait for ever;
# its bad inputs are tested in tests/api/webhooks/test_stream.py.
NOT_THE_STREAM = ("--exclude-operation-id", "streamEvents")


async def test_schemathesis_finds_nothing_in_our_extensions(fleet: Fleet, tmp_path: Path) -> None:
    await schemathesis(
        tmp_path,
        "fleetlink-extensions.openapi.yaml",
        fleet.server.base_url,
        fleet.token,
        fleet.vins[0],
        *NOT_THE_STREAM,
    )


async def _fleet_token(fleet: Fleet, database_url: str) -> str:
    """A High Mobility client's own token (client credentials), from the live server."""
    container = build(Settings(database_url=database_url))
    try:
        async with httpx.AsyncClient(base_url=fleet.server.base_url) as http:
            return (await new_fleet(container, http, "fuzzed fleet")).token
    finally:
        await container.close()


async def test_schemathesis_finds_nothing_in_our_extensions_with_a_fleet_token(
    fleet: Fleet, tmp_path: Path
) -> None:
    """The webhooks API as a High Mobility fleet sees it (and clearance history, which an
    owner's token cannot reach)."""
    await schemathesis(
        tmp_path,
        "fleetlink-extensions.openapi.yaml",
        fleet.server.base_url,
        await _fleet_token(fleet, fleet.database_url),
        fleet.vins[0],
        *NOT_THE_STREAM,
    )
