"""Schemathesis over the operator API, against a real server with the demo fleet and an
operator made through the CLI: no 5xx, and no response that breaks the spec's schemas."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest_asyncio

from tests.api.fuzzing import schemathesis
from tests.conftest import Databases
from tests.live import LiveServer, start_server

SPEC = "fleetlink-operator.openapi.yaml"


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
    )
