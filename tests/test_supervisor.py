"""No background task dies silently: it is restarted, and /healthz says so while it is down."""

import asyncio

import httpx
import pytest_asyncio

from fleetlink.app import create_app
from fleetlink.settings import Settings
from fleetlink.supervisor import Supervisor
from tests.conftest import CONTRACTS, Databases
from tests.live import free_port


async def test_a_task_that_fails_is_restarted_and_reported_down_meanwhile() -> None:
    runs = 0
    release = asyncio.Event()

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise OverflowError("date value out of range")
        await release.wait()

    supervisor = Supervisor()
    supervisor.start("telematics", flaky)
    try:
        for _ in range(100):
            if supervisor.down():
                break
            await asyncio.sleep(0.01)
        down = supervisor.down()
        for _ in range(300):
            if runs == 2 and not supervisor.down():
                break
            await asyncio.sleep(0.01)
        back = supervisor.down()
    finally:
        await supervisor.stop()

    assert down == {"telematics": "OverflowError: date value out of range"}
    assert runs == 2 and back == {}


@pytest_asyncio.fixture
async def database_path(databases: Databases) -> str:
    return await databases.new()


async def _health(settings: Settings) -> httpx.Response:
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://fleetlink.test"
        ) as client,
    ):
        container = app.state.container
        if container.settings.mqtt_url is None:
            await asyncio.wait_for(container.telematics.connected.wait(), 15)
        response = await client.get("/healthz")
        await response.aread()
    CONTRACTS.check(
        "GET", "/healthz", response.status_code, response.headers["content-type"], response.content
    )
    return response


async def test_health_says_ingestion_is_down_while_the_mqtt_session_is(
    database_path: str,
) -> None:
    closed = free_port()
    down = await _health(
        Settings(database_url=database_path, mqtt_url=f"mqtt://127.0.0.1:{closed}", geocode=False)
    )
    up = await _health(
        Settings(database_url=database_path, mqtt_listen=f"127.0.0.1:{free_port()}", geocode=False)
    )

    assert down.status_code == 503 and down.headers["retry-after"]
    assert "MQTT session down" in down.json()["detail"]
    assert up.status_code == 200 and up.json() == {"status": "ok"}
