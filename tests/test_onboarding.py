"""A real car joins a running fleetlink, as docs/operators.md walks an operator through it.

One live `fleetlink serve`, the CLI beside it, a unit written from docs/telematics.md alone
(raw JSON over MQTT with its own credential), an owner in a browser, a fleet over the High
Mobility API: onboarding, a sale, and a revoked unit.
"""

import asyncio
import json
import os
import re
import sys
import uuid
from contextlib import AsyncExitStack, suppress
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiomqtt
import httpx
import pytest

from fleetlink.domain.vin import with_check_digit
from tests.conftest import Databases
from tests.live import LiveServer, free_port, start_server
from tests.oauth import form_posting_to, sign_in

PASSWORD = "a long owner password"
OPERATOR = "/operator/v1"


async def _cli(database_url: str, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fleetlink",
        *args,
        env={**os.environ, "FLEETLINK_DATABASE_URL": database_url, "FLEETLINK_LOG_LEVEL": "error"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return out.decode().strip()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _message(**body: Any) -> bytes:
    return json.dumps({"v": 1, "id": str(uuid.uuid4()), "ts": _now(), **body}).encode()


async def _owner_token(server: LiveServer, link: str, email: str) -> str:
    """As the owner in a browser: set the password by the link, sign in, take an API token."""
    async with httpx.AsyncClient(base_url=server.base_url, follow_redirects=True) as browser:
        parts = urlsplit(link)
        page = await browser.get(f"{parts.path}?{parts.query}")
        form = form_posting_to(page, "/set-password")
        fields = dict(form.fields) | {"password": PASSWORD, "confirm": PASSWORD}
        assert (await browser.post(form.action, data=fields)).status_code == 200
        page = await browser.get("/oauth/api-token")
        if "/sign-in" in str(page.url):
            page = await sign_in(browser, page, email, PASSWORD)
        form = form_posting_to(page, "/api-token")
        issued = await browser.post(form.action, data=dict(form.fields))
        assert issued.status_code == 200, issued.text
        shown = re.search(r'<code id="token"[^>]*>([^<]+)</code>', issued.text)
        assert shown is not None, issued.text
        return shown[1].strip()


async def _until(check: Any, what: str, seconds: float = 20.0) -> None:
    for _ in range(int(seconds * 10)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {seconds} s")


async def test_an_operator_onboards_a_car_that_is_then_sold_and_its_unit_revoked(
    databases: Databases,
) -> None:
    url = await databases.new()
    mqtt_port = free_port()
    server = await start_server(
        url,
        env={
            "FLEETLINK_MQTT_LISTEN": f"127.0.0.1:{mqtt_port}",
            "FLEETLINK_CLEARANCE_AUTO_APPROVE": "true",
            "FLEETLINK_CLEARANCE_DELAY_SECONDS": "0",
        },
    )
    stack = AsyncExitStack()
    try:
        await _cli(url, "operators", "create", "ops@example.com")
        operator = {
            "Authorization": "Bearer " + await _cli(url, "token", "--operator", "ops@example.com")
        }
        vin = with_check_digit(f"JTMAAAAA0RA{uuid.uuid4().int % 1_000_000:06d}")
        async with httpx.AsyncClient(base_url=server.base_url, headers=operator) as ops:
            owner = (await ops.post(f"{OPERATOR}/owners", json={"email": "ana@example.com"})).json()
            buyer = (await ops.post(f"{OPERATOR}/owners", json={"email": "bo@example.com"})).json()
            registered = await ops.post(
                f"{OPERATOR}/vehicles",
                json={"vin": vin, "ownerId": "ana@example.com", "licensePlate": "FL-1"},
            )
            assert registered.status_code == 201, registered.text
            secret = registered.json()["deviceCredential"]["password"]

            # The unit, from docs/telematics.md: its VIN as client id and username.
            unit = aiomqtt.Client(
                "127.0.0.1", mqtt_port, identifier=vin, username=vin, password=secret
            )
            await stack.enter_async_context(unit)
            await unit.publish(
                f"fleetlink/v1/{vin}/connection", _message(state="online"), qos=1, retain=True
            )
            await unit.publish(
                f"fleetlink/v1/{vin}/telemetry",
                _message(
                    signals={
                        "Vehicle.CurrentLocation.Latitude": 35.0823,
                        "Vehicle.CurrentLocation.Longitude": 137.1563,
                        "Vehicle.Speed": 0.0,
                    }
                ),
                qos=1,
            )

            token = await _owner_token(server, owner["passwordLink"]["url"], "ana@example.com")
            async with httpx.AsyncClient(
                base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}
            ) as ana:

                async def located() -> bool:
                    answer = await ana.get(f"/connected/v1/vehicles/{vin}/location")
                    return bool(answer.status_code == 200 and answer.json().get("latitude"))

                await _until(located, "the owner seeing the unit's position")

                fleet = json.loads(await _cli(url, "clients", "create", "Fleet Co"))
                async with httpx.AsyncClient(base_url=server.base_url) as anonymous:
                    hm_token = (
                        await anonymous.post(
                            "/v1/access_token", data={"grant_type": "client_credentials", **fleet}
                        )
                    ).json()["access_token"]
                async with httpx.AsyncClient(
                    base_url=server.base_url, headers={"Authorization": f"Bearer {hm_token}"}
                ) as hm:
                    asked = await hm.post(
                        "/v1/fleet/vehicles", json={"vin": vin, "brand": "toyota"}
                    )
                    data = f"/v1/vehicle-data/autoapi-13/{vin}"

                    async def cleared() -> bool:
                        return (await hm.get(data)).status_code == 200

                    await _until(cleared, "the fleet's clearance")

                    # The car is sold.
                    sold = await ops.put(
                        f"{OPERATOR}/vehicles/{vin}/owner", json={"ownerId": buyer["owner"]["id"]}
                    )
                    ana_after = await ana.get(f"/connected/v1/vehicles/{vin}")
                    fleet_after = await hm.get(data)

            # The unit's credential is revoked: its session ends and it cannot come back.
            revoked = await ops.delete(f"{OPERATOR}/vehicles/{vin}/device-credential")
            with pytest.raises(aiomqtt.MqttError):
                for _ in range(50):
                    await unit.publish(
                        f"fleetlink/v1/{vin}/telemetry",
                        _message(signals={"Vehicle.Speed": 1.0}),
                        qos=1,
                    )
                    await asyncio.sleep(0.1)
            again = aiomqtt.Client(
                "127.0.0.1", mqtt_port, identifier=vin, username=vin, password=secret
            )
            with pytest.raises(aiomqtt.MqttError):
                async with again:
                    pass
    finally:
        with suppress(Exception):
            await stack.aclose()
        await server.stop()

    assert asked.status_code == 201
    assert sold.status_code == 200 and sold.json()["ownerId"] == buyer["owner"]["id"]
    assert ana_after.status_code == 404
    assert fleet_after.status_code == 403
    assert revoked.status_code == 204
