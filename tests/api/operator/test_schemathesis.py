"""Schemathesis over the operator API, against a real server with the demo fleet and an
operator made through the CLI: no 5xx, and no response that breaks the spec's schemas."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest_asyncio

from tests.api.fuzzing import Exclusion, Given, schemathesis
from tests.api.operator.conftest import new_vin
from tests.conftest import Databases
from tests.live import LiveServer, start_server

SPEC = "fleetlink-operator.openapi.yaml"

# The spec's strings stand for values with rules no JSON Schema can state; a request that
# breaks one is refused with the documented 400 (BadRequest: "a value is malformed or breaks
# a rule"), which positive_data_acceptance would call a defect.
_CHECK_DIGIT = "a VIN must carry its ISO 3779 check digit, which no schema pattern can check"
VIN_OPERATIONS = [
    ("GET", "/vehicles/{vin}"),
    ("PATCH", "/vehicles/{vin}"),
    ("DELETE", "/vehicles/{vin}"),
    ("PUT", "/vehicles/{vin}/owner"),
    ("GET", "/vehicles/{vin}/owners"),
    ("GET", "/vehicles/{vin}/device-credential"),
    ("POST", "/vehicles/{vin}/device-credential"),
    ("DELETE", "/vehicles/{vin}/device-credential"),
    ("POST", "/vehicles/{vin}/device-credential/rotate"),
    ("POST", "/vehicles"),
]
BEYOND_THE_SCHEMA = (
    *(
        Exclusion("positive_data_acceptance", method, path, _CHECK_DIGIT)
        for method, path in VIN_OPERATIONS
    ),
    Exclusion(
        "positive_data_acceptance",
        "GET",
        "/vehicles",
        "cursor is only ever a nextCursor this server gave; any other string is refused",
    ),
    Exclusion(
        "positive_data_acceptance",
        "GET",
        "/owners",
        "cursor is only ever a nextCursor this server gave; any other string is refused",
    ),
    *(
        Exclusion(
            "positive_data_acceptance",
            method,
            path,
            "ownerId is an owner's id or email address: one with an @ must be a well-formed "
            "address, which the schema's plain string cannot say",
        )
        for method, path in [
            ("GET", "/owners/{ownerId}"),
            ("DELETE", "/owners/{ownerId}"),
            ("POST", "/owners/{ownerId}/disable"),
            ("POST", "/owners/{ownerId}/password-link"),
        ]
    ),
    Exclusion(
        "positive_data_acceptance",
        "POST",
        "/owners",
        "email is a string to the schema; only a well-formed email address is taken",
    ),
    Exclusion(
        "positive_data_acceptance",
        "POST",
        "/vehicles/import",
        "the CSV is a string to the schema; it needs its header row and valid lines",
    ),
)

# A vehicle to register whose every detail agrees with its VIN (a bZ4X of 2025), so that
# the fuzzer's valid registrations are taken (then 409 for each repeat).
NEW_VEHICLE: dict[str, str | int] = {
    "body.vin": new_vin("JTMAAAAA", "S"),
    "body.make": "Toyota",
    "body.model": "bZ4X",
    "body.year": 2025,
    "body.powertrain": "bev",
    "body.color": "Supersonic Red",
    "body.trim": "XLE",
    "body.licensePlate": "FZ-15",
}


@dataclass
class OperatorServer:
    server: LiveServer
    token: str
    vin: str


async def _cli(database_url: str, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fleetlink",
        *args,
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
    return out.decode().strip()


@pytest_asyncio.fixture(scope="session")
async def operator_server(databases: Databases) -> AsyncIterator[OperatorServer]:
    url = await databases.new()
    server = await start_server(url, "--demo")
    await _cli(url, "operators", "create", "schemathesis@example.com")
    token = await _cli(url, "token", "--operator", "schemathesis@example.com")
    listed = await _cli(url, "vehicles", "list", "--limit", "1")
    vin = next(word for word in listed.split() if len(word) == 17 and word.isalnum())
    yield OperatorServer(server, token, vin)
    await server.stop()


async def test_schemathesis_finds_nothing_on_a_real_vehicle(
    operator_server: OperatorServer, tmp_path: Path
) -> None:
    await schemathesis(
        tmp_path,
        SPEC,
        f"{operator_server.server.base_url}/operator/v1",
        operator_server.token,
        operator_server.vin,
        exclusions=BEYOND_THE_SCHEMA,
        # Random emails and VINs are malformed and refused before the logic: a real new one
        # (then 409 for each repeat).
        given=(
            Given("POST", "/owners", {"body.email": "fuzzed-owner@example.com"}),
            Given("POST", "/vehicles", NEW_VEHICLE),
        ),
    )


async def test_schemathesis_finds_nothing_with_random_vins(
    operator_server: OperatorServer, tmp_path: Path
) -> None:
    await schemathesis(
        tmp_path,
        SPEC,
        f"{operator_server.server.base_url}/operator/v1",
        operator_server.token,
        None,
        exclusions=BEYOND_THE_SCHEMA,
        # Random VINs are malformed and refused (400) before the logic; the run on a real
        # vehicle is the one that must reach it.
        unreached_fails=False,
    )
