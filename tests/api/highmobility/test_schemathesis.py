"""Schemathesis over the whole High Mobility contract, against a real server with a fleet
that a client registered through the CLI: no 5xx, and no response that breaks the schemas."""

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest_asyncio

from tests.api.fuzzing import Exclusion, Given, schemathesis
from tests.conftest import Databases
from tests.live import LiveServer, start_server

SPEC = "high-mobility-vehicle-api.openapi.yaml"

# The contract's vin is any string, and it documents 400 for adding a vehicle: one whose
# VIN is malformed or has a wrong ISO 3779 check digit (no schema can check one) is refused.
EXCLUSIONS = (
    Exclusion(
        "positive_data_acceptance",
        "POST",
        "/v1/fleet/vehicles",
        "a VIN must carry its ISO 3779 check digit, which no schema pattern can check; "
        "the contract documents the 400",
    ),
)


@dataclass
class HighMobilityFleet:
    server: LiveServer
    token: str
    vin: str
    brand: str
    client: dict[str, str]
    # Another fleet's token, with no vehicles: object_level_authorization's peer.
    peer_token: str

    def given(self) -> tuple[Given, ...]:
        """The client's own credentials for the token endpoint, and the fleet's VIN to add:
        random ones are refused (401, 400) before either operation's logic."""
        credentials = {
            "body.grant_type": "client_credentials",
            "body.client_id": self.client["client_id"],
            "body.client_secret": self.client["client_secret"],
        }
        return (
            Given("POST", "/v1/access_token", credentials),
            Given("POST", "/v1/fleet/vehicles", {"body.vin": self.vin, "body.brand": self.brand}),
        )


async def _create_client(database_url: str) -> dict[str, str]:
    """`fleetlink clients create`, as an operator runs it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fleetlink",
        "clients",
        "create",
        "schemathesis",
        env={
            **os.environ,
            "FLEETLINK_DATABASE_URL": database_url,
            "FLEETLINK_LOG_LEVEL": "warning",
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    created: dict[str, str] = json.loads(out)
    return created


@pytest_asyncio.fixture(scope="session")
async def hm_fleet(databases: Databases) -> AsyncIterator[HighMobilityFleet]:
    url = await databases.new()
    server = await start_server(url, "--demo", env={"FLEETLINK_CLEARANCE_DELAY_SECONDS": "0"})
    owner_token = server.printed_token()
    created = await _create_client(url)
    other = await _create_client(url)
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        vehicles = await client.get(
            "/connected/v1/vehicles", headers={"Authorization": f"Bearer {owner_token}"}
        )
        vehicle = vehicles.json()["data"][0]
        token = (
            await client.post(
                "/v1/access_token",
                data={"grant_type": "client_credentials", **created},
            )
        ).json()["access_token"]
        peer_token = (
            await client.post(
                "/v1/access_token", data={"grant_type": "client_credentials", **other}
            )
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        registered = await client.post(
            "/v1/fleet/vehicles",
            json={"vin": vehicle["vin"], "brand": vehicle["make"]},
            headers=headers,
        )
        assert registered.status_code == 201, registered.text
        data = await client.get(f"/v1/vehicle-data/autoapi-13/{vehicle['vin']}", headers=headers)
        assert data.status_code == 200, data.text
    yield HighMobilityFleet(server, token, vehicle["vin"], vehicle["make"], created, peer_token)
    await server.stop()


async def test_schemathesis_finds_nothing_on_an_approved_vehicle(
    hm_fleet: HighMobilityFleet, tmp_path: Path
) -> None:
    await schemathesis(
        tmp_path,
        SPEC,
        hm_fleet.server.base_url,
        hm_fleet.token,
        hm_fleet.vin,
        exclusions=EXCLUSIONS,
        given=hm_fleet.given(),
        peer_token=hm_fleet.peer_token,
    )


async def test_schemathesis_finds_nothing_with_random_vins(
    hm_fleet: HighMobilityFleet, tmp_path: Path
) -> None:
    await schemathesis(
        tmp_path,
        SPEC,
        hm_fleet.server.base_url,
        hm_fleet.token,
        None,
        exclusions=EXCLUSIONS,
        given=hm_fleet.given(),
        unreached_fails=False,
    )
