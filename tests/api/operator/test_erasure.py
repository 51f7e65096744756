"""Erasing an owner: no row names them or their time with a car afterwards, and the answer
says what went; refused while they still own vehicles, unless asked to take those too."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from fleetlink.bootstrap import Container
from fleetlink.domain.deadletters import DeadLetter
from fleetlink.domain.webhooks import Subscriber
from fleetlink.services.dead_letters import set_aside
from fleetlink.services.owners import reissue_link
from fleetlink.services.telemetry import ingest
from fleetlink.services.webhook_delivery import WebhookDelivery
from fleetlink.services.webhook_sender import HttpSender
from fleetlink.services.webhook_urls import WebhookPolicy
from fleetlink.services.webhooks import create_subscription
from fleetlink.storage.tables import metadata
from tests.api.operator.conftest import PREFIX, OperatorCaller
from tests.conftest import ClientFactory, Owner, OwnerFactory
from tests.oauth import bearer, owner_consent, register_client
from tests.services.test_charging_ingest import home_charge
from tests.services.test_telemetry import sample

CONNECTED = "/connected/v1/vehicles"
# Columns that hold an account's store id.
_ACCOUNT_COLUMNS = {"account_id", "owner_id"}
# Columns that say when a vehicle's record happened, as erasure reads them.
_TIMES = (
    "start_at",
    "started_at",
    "created_at",
    "recorded_at",
    "occurred_at",
    "reported_at",
    "received_at",
    "seen_at",
)


async def _rows(container: Container) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table."""
    async with container.store.engine.connect() as conn:
        return {
            table.name: [dict(row._mapping) for row in await conn.execute(select(table))]
            for table in metadata.sorted_tables
        }


def _naming(rows: dict[str, list[dict[str, Any]]], owner: Owner) -> list[str]:
    """Where a row names the owner: their id in an account column, their email or guid in text."""
    marks = (owner.account.email, owner.account.guid)
    found = []
    for table, table_rows in rows.items():
        for row in table_rows:
            for column, value in row.items():
                text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                if (column in _ACCOUNT_COLUMNS and value == owner.account.id) or (
                    isinstance(value, str | bytes | dict | list) and any(m in text for m in marks)
                ):
                    found.append(f"{table}.{column}")
    return found


def _during(
    rows: dict[str, list[dict[str, Any]]], ids: set[int], vins: set[str], until: datetime
) -> list[str]:
    """Rows of these vehicles recorded before until (the owner's time with them)."""
    found = []
    for table, table_rows in rows.items():
        if table in ("vehicles", "device_credentials", "fleet_vehicles"):
            continue
        for row in table_rows:
            if row.get("vehicle_id") not in ids and row.get("vin") not in vins:
                continue
            at = next((row[c] for c in _TIMES if row.get(c) is not None), None)
            if at is not None and at < until:
                found.append(f"{table}@{at.isoformat()}")
    return found


async def _erase(
    client: httpx.AsyncClient, operator: OperatorCaller, ref: str, **params: str
) -> httpx.Response:
    return await client.delete(f"{PREFIX}/owners/{ref}", params=params, headers=operator.headers)


async def _a_life_with_the_cars(
    container: Container, http: httpx.AsyncClient, seller: Owner, before: datetime
) -> dict[str, str]:
    """What an owner leaves behind: telemetry, a charge, a command, an app's grant, a
    webhook, a password link, a dead letter; returns the app's tokens."""
    charged = seller.vehicles[-1].vin
    await ingest(container.services, home_charge(charged, before - timedelta(hours=3)))
    for n, vehicle in enumerate(seller.vehicles):
        await ingest(
            container.services,
            [sample(vehicle.vin, f"sold-{n}", before, lat=35.08, lon=137.15, speed=0.0)],
        )
    command = await http.post(
        f"{CONNECTED}/{seller.vehicles[0].vin}/remote-command",
        json={"command": "unlock"},
        headers=seller.headers,
    )
    assert command.status_code == 200, command.text
    app = await register_client(container, "Trip Diary")
    tokens = await owner_consent(http, app, seller, vins=[seller.vehicles[0].vin])
    dev = replace(container.services, webhooks=WebhookPolicy(allow_http=True, allow_private=True))
    await create_subscription(
        dev,
        Subscriber(account_id=seller.account.id),
        "http://127.0.0.1:9/hook",
        ["vehicle.state_changed", "command.settled"],
    )
    sender = HttpSender(dev.webhooks)
    try:
        await WebhookDelivery(dev, sender).fan_out()
    finally:
        await sender.close()
    await reissue_link(container.services, seller.account.email)
    letter = DeadLetter(
        str(uuid.uuid4()),
        f"fleetlink/v1/{seller.vehicles[0].vin}/telemetry",
        seller.vehicles[0].vin,
        "undecodable",
        "not JSON",
        b"{",
        before,
        before,
    )
    await set_aside(container.services, [letter])
    return tokens


async def test_an_erased_owner_leaves_no_row_naming_them_or_their_time_with_the_cars(
    container: Container,
    make_client: ClientFactory,
    make_owner: OwnerFactory,
    operator: OperatorCaller,
) -> None:
    http = await make_client(container)
    seller = await make_owner(count=2)
    buyer = await make_owner(count=1)
    before = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    tokens = await _a_life_with_the_cars(container, http, seller, before)
    for vehicle in seller.vehicles:
        moved = await http.put(
            f"{PREFIX}/vehicles/{vehicle.vin}/owner",
            json={"ownerId": buyer.account.email},
            headers=operator.headers,
        )
        assert moved.status_code == 200, moved.text
    sold_at = datetime.now(UTC)
    later = sold_at.replace(microsecond=0) + timedelta(seconds=2)
    kept_vin = seller.vehicles[0].vin
    await ingest(container.services, [sample(kept_vin, "bought-1", later, lat=36.5, lon=137.0)])

    ids, vins = {v.id for v in seller.vehicles}, {v.vin for v in seller.vehicles}
    before_erasure = await _rows(container)

    erased = await _erase(http, operator, seller.account.email)

    # The checks below see the owner and their time with the cars while they are there.
    assert len(set(_naming(before_erasure, seller))) >= 6
    assert len(_during(before_erasure, ids, vins, sold_at)) >= 6
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert body["ownerId"] == seller.account.guid and body["vehiclesReleased"] == []
    deleted = body["deleted"]
    assert deleted["accounts"] == 1 and deleted["ownershipPeriods"] == 2
    charge_messages = len(home_charge(seller.vehicles[-1].vin))
    assert deleted["vehicleMessages"] == 2 + charge_messages and deleted["latestStates"] == 1
    assert deleted["commands"] == 1 and deleted["deadLetters"] == 1
    assert deleted["oauthGrants"] == 1 and deleted["oauthRefreshTokens"] >= 1
    assert deleted["webhookSubscriptions"] == 1 and deleted["webhookDeliveries"] >= 1
    assert deleted["events"] >= 2 and deleted["passwordLinks"] == 1
    assert deleted["chargingSessions"] == 1 and deleted["chargeProgress"] == 1
    rows = await _rows(container)
    assert _naming(rows, seller) == []
    assert _during(rows, ids, vins, sold_at) == []
    # The buyer's time with the car stays theirs.
    assert [m["message_id"] for m in rows["vehicle_messages"] if m["vehicle_id"] in ids] == [
        "bought-1"
    ]
    shown = (await http.get(f"{CONNECTED}/{kept_vin}/location", headers=buyer.headers)).json()
    assert shown["latitude"] == 36.5
    # The seller's own token and their app's are refused; the owner is gone.
    assert (await http.get(CONNECTED, headers=seller.headers)).status_code == 401
    data = await http.get(
        f"/v1/vehicle-data/autoapi-13/{kept_vin}", headers=bearer(tokens["access_token"])
    )
    assert data.status_code == 401
    gone = await http.get(f"{PREFIX}/owners/{seller.account.guid}", headers=operator.headers)
    assert gone.status_code == 404
    again = await _erase(http, operator, seller.account.guid)
    assert again.status_code == 404


async def test_an_owner_with_vehicles_is_erased_only_when_asked_to_take_them(
    container: Container,
    client: httpx.AsyncClient,
    make_owner: OwnerFactory,
    operator: OperatorCaller,
) -> None:
    owner = await make_owner(count=2)
    vins = sorted(v.vin for v in owner.vehicles)
    await ingest(
        container.services,
        [sample(vins[0], "m-1", datetime.now(UTC).replace(microsecond=0), lat=35.0, lon=137.0)],
    )

    refused = await _erase(client, operator, owner.account.email)
    still = await client.get(f"{PREFIX}/owners/{owner.account.guid}", headers=operator.headers)
    erased = await _erase(client, operator, owner.account.guid, withVehicles="true")
    car = await client.get(f"{PREFIX}/vehicles/{vins[0]}", headers=operator.headers)
    history = await client.get(f"{PREFIX}/vehicles/{vins[0]}/owners", headers=operator.headers)

    assert refused.status_code == 409
    assert all(vin in refused.json()["message"] for vin in vins)
    assert still.status_code == 200 and still.json()["vehicles"] == 2
    assert erased.status_code == 200, erased.text
    assert sorted(erased.json()["vehiclesReleased"]) == vins
    assert erased.json()["deleted"]["vehicleMessages"] == 1
    assert car.status_code == 200 and car.json()["ownerId"] is None
    assert history.json()["data"] == []
    rows = await _rows(container)
    assert _naming(rows, owner) == []
    assert [
        s for s in rows["vehicle_state"] if s["vehicle_id"] in {v.id for v in owner.vehicles}
    ] == []
