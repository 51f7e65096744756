"""`serve --demo` runs a living fleet: simulated units over the embedded broker, like real ones."""

import asyncio
from typing import Any

import httpx

from tests.conftest import Databases
from tests.live import start_server


async def _poll(api: httpx.AsyncClient, path: str, key: str, expected: object) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for _ in range(150):
        body = (await api.get(path)).json()
        if body.get(key) == expected:
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{path}: {key} never became {expected!r}; last {body}")


async def test_the_demo_fleet_connects_and_answers_a_lock_command(databases: Databases) -> None:
    server = await start_server(await databases.new(), "--demo")
    try:
        async with httpx.AsyncClient(
            base_url=server.base_url,
            headers={"Authorization": f"Bearer {server.printed_token()}"},
        ) as api:
            vin = (await api.get("/connected/v1/vehicles")).json()["data"][0]["vin"]
            await _poll(api, f"/connected/v1/vehicles/{vin}", "isConnected", True)
            unlock = await api.post(
                f"/connected/v1/vehicles/{vin}/remote-command", json={"command": "unlock"}
            )
            await _poll(
                api,
                f"/connected/v1/vehicles/{vin}/commands/{unlock.json()['requestId']}",
                "status",
                "succeeded",
            )
            unlocked = await _poll(
                api, f"/connected/v1/vehicles/{vin}/status", "doorsLocked", False
            )
            lock = await api.post(
                f"/connected/v1/vehicles/{vin}/remote-command", json={"command": "lock"}
            )
            done = await _poll(
                api,
                f"/connected/v1/vehicles/{vin}/commands/{lock.json()['requestId']}",
                "status",
                "succeeded",
            )
            locked = await _poll(api, f"/connected/v1/vehicles/{vin}/status", "doorsLocked", True)
    finally:
        await server.stop()

    assert done["returnCode"] == "000000"
    assert locked["lastUpdatedAt"] >= unlocked["lastUpdatedAt"]


async def test_the_first_start_lives_the_demo_fleets_history(databases: Databases) -> None:
    server = await start_server(
        await databases.new(), "--demo", env={"FLEETLINK_DEMO_HISTORY_DAYS": "2"}
    )
    try:
        async with httpx.AsyncClient(
            base_url=server.base_url,
            headers={"Authorization": f"Bearer {server.printed_token()}"},
        ) as api:
            vehicles = (await api.get("/connected/v1/vehicles")).json()["data"]
            pages = [
                (
                    await api.get(
                        f"/connected/v1/vehicles/{v['vin']}/trips",
                        params={
                            "fromDate": "2000-01-01",
                            "toDate": "2100-01-01",
                            "includeRoute": "true",
                        },
                    )
                ).json()
                for v in vehicles
            ]
    finally:
        await server.stop()

    assert all(page["total"] >= 1 for page in pages), "every vehicle drove in two days"
    first = pages[0]["data"][0]
    assert first["distanceMiles"] > 0 and len(first["route"]) >= 2


async def test_seed_backfills_a_fresh_database_once(databases: Databases) -> None:
    from tests.test_cli import fleetlink

    url = await databases.new()

    first = await fleetlink(url, "seed", "--vehicles", "3", "--days", "2")
    again = await fleetlink(url, "seed", "--vehicles", "3", "--days", "2")

    assert first.code == 0, first.stderr
    assert "3 vehicles, 2 days:" in first.stdout and " trips and " in first.stdout
    assert " charging sessions in " in first.stdout
    assert again.code == 1
    assert "exists already" in again.stderr
