"""`fleetlink serve` as a user runs it: a real process, real HTTP, the demo fleet."""

import asyncio
import os
import signal
import socket
import sys

import httpx

from tests.conftest import CONTRACTS, Databases
from tests.live import free_port, start_server


def _checked(response: httpx.Response) -> httpx.Response:
    CONTRACTS.check(
        response.request.method,
        response.request.url.path,
        response.status_code,
        response.headers.get("content-type", ""),
        response.content,
    )
    return response


async def test_serve_demo_prints_a_working_token_for_25_vehicles(databases: Databases) -> None:
    url = await databases.new()
    server = await start_server(url, "--demo")
    try:
        banner = "".join(server.stdout)
        token = server.printed_token()
        async with httpx.AsyncClient(
            base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            listed = _checked(await client.get("/connected/v1/vehicles")).json()["data"]
            vin = listed[0]["vin"]
            status = _checked(await client.get(f"/connected/v1/vehicles/{vin}/status"))
            docs = await client.get("/connected/v1/docs")
            document = (await client.get("/connected/v1/openapi.json")).json()
            web_app = await client.get("/")
    finally:
        exit_code = await server.stop()

    assert "demo@example.com" in banner
    assert "password (shown this once)" in banner
    assert f"web app: {server.base_url}/" in banner
    assert f"sign in at {server.base_url}/ as demo@example.com" in banner
    assert web_app.status_code == 303
    assert web_app.headers["location"].startswith("/oauth/sign-in?next=")
    assert len(listed) == 25
    assert status.status_code == 200
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    # Served by fleetlink itself: the docs work offline.
    assert "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert document["info"]["title"] == "Toyota Connected Services API"
    assert "/vehicles/{vin}/commands/{requestId}" in document["paths"]
    assert document["servers"][0]["url"] == "/connected/v1"
    # uvicorn shuts down gracefully, then re-raises SIGTERM as the process's own end.
    assert exit_code in (0, -signal.SIGTERM)


async def test_a_restart_keeps_the_fleet_and_the_key_and_prints_no_password(
    databases: Databases,
) -> None:
    url = await databases.new()
    first = await start_server(url, "--demo")
    first_token = first.printed_token()
    await first.stop()

    second = await start_server(url, "--demo")
    try:
        async with httpx.AsyncClient(base_url=second.base_url) as client:
            listed = await client.get(
                "/connected/v1/vehicles", headers={"Authorization": f"Bearer {first_token}"}
            )
    finally:
        await second.stop()

    assert "password" not in "".join(second.stdout)
    assert listed.status_code == 200, "a token from before the restart still verifies"
    assert len(listed.json()["data"]) == 25


async def test_health_and_request_ids(databases: Databases) -> None:
    server = await start_server(await databases.new(), "--no-demo")
    try:
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            health = _checked(await client.get("/healthz"))
            echoed = await client.get(
                "/healthz", headers={"X-Request-ID": "5f0c6e8e-7c53-4c38-9d5a-0b8fd9a1b0a4"}
            )
            unknown = _checked(await client.get("/connected/v1/nowhere"))
    finally:
        await server.stop()

    assert health.json() == {"status": "ok"}
    assert echoed.headers["x-request-id"] == "5f0c6e8e-7c53-4c38-9d5a-0b8fd9a1b0a4"
    assert len(health.headers["x-request-id"]) == 36
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "NOT_FOUND"


async def test_a_taken_port_stops_the_server_with_a_clear_message(tmp_path: object) -> None:
    port = free_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "fleetlink",
            "serve",
            "--port",
            str(port),
            env={**os.environ, "FLEETLINK_DATABASE_URL": "sqlite+aiosqlite:///:memory:"},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)

    message = stderr.decode()
    assert process.returncode == 1
    assert f"127.0.0.1:{port}" in message
    assert "--port" in message and "FLEETLINK_PORT" in message
    assert "Traceback" not in message


async def test_metrics_are_exported_in_the_prometheus_format(databases: Databases) -> None:
    server = await start_server(await databases.new(), "--no-demo")
    try:
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            metrics = _checked(await client.get("/metrics"))
    finally:
        await server.stop()

    assert metrics.headers["content-type"].startswith("text/plain")
    assert "fleetlink_mqtt_connected" in metrics.text
