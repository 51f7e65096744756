"""Remote, climate and refresh commands: validated, stored, answered, and trackable."""

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from fleetlink.bootstrap import Container
from fleetlink.domain.commands import Command
from fleetlink.domain.vehicle import ConnectionState
from fleetlink.storage.tables import commands
from tests.conftest import ClientFactory, Clock, Owner, OwnerFactory


def _url(vin: str, what: str) -> str:
    return f"/connected/v1/vehicles/{vin}/{what}"


def _refresh_body(owner: Owner, vin: str) -> dict[str, str]:
    return {"deviceId": "phone-1", "deviceType": "ios", "guid": owner.account.guid, "vin": vin}


async def _state(
    client: httpx.AsyncClient, owner: Owner, vin: str, request_id: str
) -> dict[str, object]:
    response = await client.get(_url(vin, f"commands/{request_id}"), headers=owner.headers)
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


def _assert_accepted(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "pending"
    assert body["returnCode"] == "000000"
    uuid.UUID(body["requestId"])
    datetime.fromisoformat(body["timestamp"])
    request_id: str = body["requestId"]
    return request_id


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"command": "lock"}, "lock"),
        ({"command": "unlock"}, "unlock"),
        ({"command": "horn", "beeps": 3}, "horn"),
        ({"command": "horn"}, "horn"),
        ({"command": "lights"}, "lights"),
        ({"command": "panic_on"}, "panic_on"),
        ({"command": "panic_off"}, "panic_off"),
        ({"command": "trunk_open"}, "trunk_open"),
    ],
)
async def test_a_remote_command_is_stored_pending_and_trackable(
    client: httpx.AsyncClient, make_owner: OwnerFactory, body: dict[str, object], kind: str
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin

    request_id = _assert_accepted(
        await client.post(_url(vin, "remote-command"), headers=owner.headers, json=body)
    )

    state = await _state(client, owner, vin, request_id)
    assert state["command"] == kind
    assert state["status"] == "pending"
    assert state["vin"] == vin


async def test_every_command_gets_its_own_request_id(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin

    ids = {
        (
            await client.post(
                _url(vin, "remote-command"), headers=owner.headers, json={"command": "lock"}
            )
        ).json()["requestId"]
        for _ in range(3)
    }

    assert len(ids) == 3


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"command": "self_destruct"}, "command"),
        ({}, "command"),
        ({"command": "horn", "beeps": 0}, "beeps must be between 1 and 3"),
        ({"command": "horn", "beeps": 4}, "beeps must be between 1 and 3"),
        ({"command": "lock", "beeps": 2}, "beeps is only allowed with the horn"),
        ({"command": "horn", "beeps": "2"}, "beeps"),
        ({"command": "horn", "beeps": 1.5}, "beeps"),
    ],
)
async def test_bad_remote_commands_are_refused_and_not_stored(
    client: httpx.AsyncClient,
    container: Container,
    make_owner: OwnerFactory,
    body: dict[str, object],
    reason: str,
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin

    response = await client.post(_url(vin, "remote-command"), headers=owner.headers, json=body)

    assert response.status_code == 400
    assert response.json()["code"] == "BAD_REQUEST"
    assert reason in response.json()["message"]
    async with container.store.engine.connect() as conn:
        count = (await conn.execute(select(func.count()).select_from(commands))).scalar_one()
    assert count == 0


async def test_climate_start_takes_a_temperature_in_fahrenheit(
    client: httpx.AsyncClient, container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vehicle = owner.vehicles[0]

    request_id = _assert_accepted(
        await client.post(
            _url(vehicle.vin, "climate/command"),
            headers=owner.headers,
            json={"command": "start", "temperature": 68},
        )
    )

    command = await _stored(container, vehicle.id, request_id)
    assert command.kind == "climate_start"
    assert command.params["target_c"] == pytest.approx(20.0)


async def test_climate_start_without_temperature_uses_the_preset(
    client: httpx.AsyncClient, container: Container, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vehicle = owner.vehicles[0]
    await client.put(_url(vehicle.vin, "climate"), headers=owner.headers, json={"temperature": 77})

    request_id = _assert_accepted(
        await client.post(
            _url(vehicle.vin, "climate/command"), headers=owner.headers, json={"command": "start"}
        )
    )

    command = await _stored(container, vehicle.id, request_id)
    assert command.params["target_c"] == pytest.approx(25.0)


async def test_climate_stop_is_accepted(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin

    request_id = _assert_accepted(
        await client.post(
            _url(vin, "climate/command"), headers=owner.headers, json={"command": "stop"}
        )
    )

    assert (await _state(client, owner, vin, request_id))["command"] == "climate_stop"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"command": "start", "temperature": 59.9}, "temperature"),
        ({"command": "start", "temperature": 85.1}, "temperature"),
        ({"command": "start", "temperature": "70"}, "temperature"),
        ({"command": "stop", "temperature": 70}, "only allowed with the start"),
        ({"command": "warm"}, "command"),
        ({"temperature": 70}, "command"),
    ],
)
async def test_bad_climate_commands_are_refused(
    client: httpx.AsyncClient, make_owner: OwnerFactory, body: dict[str, object], reason: str
) -> None:
    owner = await make_owner(count=1)

    response = await client.post(
        _url(owner.vehicles[0].vin, "climate/command"), headers=owner.headers, json=body
    )

    assert response.status_code == 400
    assert reason in response.json()["message"]


async def test_a_status_refresh_is_a_tracked_command(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin

    request_id = _assert_accepted(
        await client.post(
            _url(vin, "status/refresh"), headers=owner.headers, json=_refresh_body(owner, vin)
        )
    )

    assert (await _state(client, owner, vin, request_id))["command"] == "refresh_status"


async def test_a_refresh_for_another_vin_than_the_path_is_refused(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=2)
    first, second = owner.vehicles

    response = await client.post(
        _url(first.vin, "status/refresh"),
        headers=owner.headers,
        json=_refresh_body(owner, second.vin),
    )

    assert response.status_code == 400
    assert "does not match" in response.json()["message"]


async def test_a_refresh_with_missing_fields_or_a_foreign_guid_is_refused(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    body = _refresh_body(owner, vin)
    for missing in body:
        partial = {k: v for k, v in body.items() if k != missing}
        response = await client.post(
            _url(vin, "status/refresh"), headers=owner.headers, json=partial
        )
        assert response.status_code == 400, missing
        assert missing in response.json()["message"]

    response = await client.post(
        _url(vin, "status/refresh"),
        headers=owner.headers,
        json={**body, "guid": str(uuid.uuid4())},
    )
    assert response.status_code == 400
    assert "guid" in response.json()["message"]


async def test_an_electric_refresh_is_a_tracked_command(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=4)
    vin = owner.vehicle("bev").vin

    request_id = _assert_accepted(
        await client.post(_url(vin, "electric/refresh"), headers=owner.headers)
    )

    assert (await _state(client, owner, vin, request_id))["command"] == "refresh_electric"


async def test_an_unanswered_command_expires_after_the_timeout(
    clocked: Container, clock: Clock, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    client = await make_client(clocked)
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    request_id = _assert_accepted(
        await client.post(
            _url(vin, "remote-command"), headers=owner.headers, json={"command": "lock"}
        )
    )

    clock.advance(clocked.services.command_timeout - timedelta(seconds=1))
    still_pending = await _state(client, owner, vin, request_id)
    clock.advance(timedelta(seconds=2))
    expired = await _state(client, owner, vin, request_id)
    clock.advance(timedelta(minutes=10))
    later = await _state(client, owner, vin, request_id)

    assert still_pending["status"] == "pending"
    assert expired["status"] == "expired"
    assert expired["returnCode"] == "TIMEOUT"
    assert expired["reason"]
    assert later == expired, "an expired command stays as it was recorded"


async def test_an_unknown_request_id_is_not_found(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)

    response = await client.get(
        _url(owner.vehicles[0].vin, f"commands/{uuid.uuid4()}"), headers=owner.headers
    )

    assert response.status_code == 404
    assert "Command" in response.json()["message"]


async def test_climate_settings_are_validated_persisted_and_returned(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin

    put = await client.put(
        _url(vin, "climate"),
        headers=owner.headers,
        json={"temperature": 74.5, "fanSpeed": 5, "mode": "heat"},
    )
    partial = await client.put(_url(vin, "climate"), headers=owner.headers, json={"fanSpeed": 2})
    status = await client.get(_url(vin, "climate"), headers=owner.headers)

    assert put.status_code == 200
    assert put.json() == {"temperature": 74.5, "fanSpeed": 5, "mode": "heat"}
    assert partial.json() == {"temperature": 74.5, "fanSpeed": 2, "mode": "heat"}
    assert status.json()["temperature"] == 74.5
    assert status.json()["fanSpeed"] == 2


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"fanSpeed": 0}, "fanSpeed"),
        ({"fanSpeed": 6}, "fanSpeed"),
        ({"fanSpeed": 2.5}, "fanSpeed"),
        ({"temperature": 59}, "temperature"),
        ({"temperature": 86}, "temperature"),
        ({"temperature": True}, "temperature"),
        ({"mode": "off"}, "mode"),
        ({"mode": "turbo"}, "mode"),
        # The contract's fields may be left out but are never nullable: null is refused,
        # not taken as "keep the old value".
        ({"fanSpeed": 5, "temperature": None}, "temperature"),
        ({"fanSpeed": None}, "fanSpeed"),
        ({"mode": None, "temperature": 70}, "mode"),
    ],
)
async def test_bad_climate_settings_are_refused_and_change_nothing(
    client: httpx.AsyncClient, make_owner: OwnerFactory, body: dict[str, object], reason: str
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    before = (await client.get(_url(vin, "climate"), headers=owner.headers)).json()

    response = await client.put(_url(vin, "climate"), headers=owner.headers, json=body)

    assert response.status_code == 400
    assert reason in response.json()["message"]
    assert (await client.get(_url(vin, "climate"), headers=owner.headers)).json() == before


async def test_a_null_temperature_is_a_bad_request_and_keeps_the_old_one(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    """Issue 15: {"fanSpeed": 5, "temperature": null} answered 200 and kept the old
    temperature, though the contract says temperature is a number."""
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    await client.put(
        _url(vin, "climate"), headers=owner.headers, json={"temperature": 70, "fanSpeed": 2}
    )

    response = await client.put(
        _url(vin, "climate"), headers=owner.headers, json={"fanSpeed": 5, "temperature": None}
    )
    after = await client.get(_url(vin, "climate"), headers=owner.headers)

    assert response.status_code == 400
    assert response.json()["code"] == "BAD_REQUEST"
    assert "temperature" in response.json()["message"]
    assert (after.json()["temperature"], after.json()["fanSpeed"]) == (70, 2)


class _Recorder:
    def __init__(self) -> None:
        self.seen: list[Command] = []

    async def dispatch(self, command: Command) -> None:
        self.seen.append(command)


class _Broken:
    async def dispatch(self, command: Command) -> None:
        raise ConnectionError("broker down")


async def _online(container: Container, vehicle_id: int) -> None:
    async with container.store.writing() as uow:
        await uow.vehicles.set_connections(
            [(vehicle_id, ConnectionState.ONLINE, datetime.now(UTC))]
        )
        await uow.commit()


async def test_a_stored_command_is_handed_to_every_dispatcher_even_if_one_fails(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    recorder = _Recorder()
    wired = replace(
        container, services=replace(container.services, dispatchers=[_Broken(), recorder])
    )
    client = await make_client(wired)
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    await _online(container, owner.vehicles[0].id)

    request_id = _assert_accepted(
        await client.post(
            _url(vin, "remote-command"), headers=owner.headers, json={"command": "horn", "beeps": 2}
        )
    )

    assert [(c.id, c.kind, c.params) for c in recorder.seen] == [(request_id, "horn", {"beeps": 2})]
    assert (await _state(client, owner, vin, request_id))["status"] == "pending"


async def test_a_command_to_an_offline_vehicle_waits_in_the_store_for_it(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    recorder = _Recorder()
    client = await make_client(
        replace(container, services=replace(container.services, dispatchers=[recorder]))
    )
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin

    request_id = _assert_accepted(
        await client.post(
            _url(vin, "remote-command"), headers=owner.headers, json={"command": "lock"}
        )
    )

    assert recorder.seen == [], "published when the vehicle says online, not before"
    assert (await _state(client, owner, vin, request_id))["status"] == "pending"


async def _stored(container: Container, vehicle_id: int, request_id: str) -> Command:
    async with container.store.reading() as uow:
        command = await uow.commands.get(vehicle_id, request_id)
    assert command is not None
    return command


async def test_a_request_id_is_found_whatever_its_letter_case(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    request_id = _assert_accepted(
        await client.post(
            _url(vin, "remote-command"), headers=owner.headers, json={"command": "lock"}
        )
    )

    assert (await _state(client, owner, vin, request_id.upper()))["requestId"] == request_id


async def test_concurrent_partial_climate_updates_keep_both_changes(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin

    for round_ in range(5):
        fan = 1 + round_ % 5
        mode = ["heat", "cool"][round_ % 2]
        await asyncio.gather(
            client.put(_url(vin, "climate"), headers=owner.headers, json={"fanSpeed": fan}),
            client.put(_url(vin, "climate"), headers=owner.headers, json={"mode": mode}),
        )
        settled = await client.put(_url(vin, "climate"), headers=owner.headers, json={})
        assert (settled.json()["fanSpeed"], settled.json()["mode"]) == (fan, mode)
