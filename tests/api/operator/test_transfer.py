"""A sold car changes hands: immediate and private, seen by everyone who could read it."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from fleetlink.bootstrap import Container
from fleetlink.domain.notifications import Notification, NotificationType
from fleetlink.domain.state import Severity
from fleetlink.domain.trips import RoutePoint, Trip
from fleetlink.services.history import record_history
from fleetlink.services.telemetry import ingest
from tests.api.conftest import FleetFactory, with_clearance
from tests.api.operator.conftest import PREFIX, OperatorCaller, new_vin
from tests.conftest import ClientFactory, OwnerFactory
from tests.oauth import bearer, owner_consent, register_client
from tests.services.test_telemetry import sample

CONNECTED = "/connected/v1/vehicles"


async def test_a_transfer_takes_the_car_from_its_old_owner_their_app_and_fleets(
    container: Container,
    make_client: ClientFactory,
    make_owner: OwnerFactory,
    make_fleet: FleetFactory,
    operator: OperatorCaller,
) -> None:
    approving = with_clearance(container, auto_approve=True, delay_s=0)
    http = await make_client(approving)
    seller = await make_owner(count=2)
    buyer = await make_owner(count=1)
    vin, kept = seller.vehicles[0].vin, seller.vehicles[1].vin
    before = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    await ingest(container.services, [sample(vin, "sold-1", before, lat=35.08, lon=137.15)])
    # The seller's app was granted this car and another; the seller's sole-car app only this.
    app = await register_client(container, "Trip Diary")
    both = await owner_consent(http, app, seller, vins=[vin, kept])
    solo_app = await register_client(container, "Parking")
    solo = await owner_consent(http, solo_app, seller, vins=[vin])
    fleet = await make_fleet(http)
    registered = await http.post(
        "/v1/fleet/vehicles", json={"vin": vin, "brand": "toyota"}, headers=fleet.headers
    )
    data = f"/v1/vehicle-data/autoapi-13/{vin}"
    assert (await http.get(data, headers=fleet.headers)).status_code == 200
    assert (await http.get(data, headers=bearer(both["access_token"]))).status_code == 200
    command = await http.post(
        f"{CONNECTED}/{vin}/remote-command", json={"command": "unlock"}, headers=seller.headers
    )

    moved = await http.put(
        f"{PREFIX}/vehicles/{vin}/owner",
        json={"ownerId": buyer.account.email},
        headers=operator.headers,
    )

    assert registered.status_code == 201 and command.status_code == 200
    assert moved.status_code == 200, moved.text
    assert moved.json()["ownerId"] == buyer.account.guid
    # The seller: the car is gone, answering like a VIN they never had.
    gone = await http.get(f"{CONNECTED}/{vin}", headers=seller.headers)
    assert gone.status_code == 404
    listed = (await http.get(CONNECTED, headers=seller.headers)).json()["data"]
    assert [v["vin"] for v in listed] == [kept]
    # Their apps: the sole-car grant is revoked; the other keeps only the car still theirs.
    assert (await http.get(data, headers=bearer(solo["access_token"]))).status_code == 401
    assert (await http.get(data, headers=bearer(both["access_token"]))).status_code == 404
    still = f"/v1/vehicle-data/autoapi-13/{kept}"
    assert (await http.get(still, headers=bearer(both["access_token"]))).status_code == 200
    # The fleet: its approved clearance is withdrawn, saying why; it may ask again.
    refused = await http.get(data, headers=fleet.headers)
    assert refused.status_code == 403
    entry = (await http.get(f"/v1/fleet/vehicles/{vin}", headers=fleet.headers)).json()
    assert entry["clearance_status"] == "revoked"
    # The buyer: the car, without its past: no position, no command of the seller's.
    position = (await http.get(f"{CONNECTED}/{vin}/location", headers=buyer.headers)).json()
    assert position == {"vin": vin}
    old_command = await http.get(
        f"{CONNECTED}/{vin}/commands/{command.json()['requestId']}", headers=buyer.headers
    )
    assert old_command.status_code == 404
    history = (await http.get(f"{PREFIX}/vehicles/{vin}/owners", headers=operator.headers)).json()
    periods = [(p["ownerEmail"], p["toAt"] is None) for p in history["data"]]
    assert periods == [(seller.account.email, False), (buyer.account.email, True)]


async def test_the_new_owner_sees_what_the_car_reports_after_the_transfer(
    container: Container,
    client: httpx.AsyncClient,
    make_owner: OwnerFactory,
    operator: OperatorCaller,
) -> None:
    seller = await make_owner(count=1)
    buyer = await make_owner(count=1)
    vin = seller.vehicles[0].vin
    now = datetime.now(UTC).replace(microsecond=0)
    await ingest(
        container.services, [sample(vin, "t-1", now - timedelta(minutes=2), lat=35.0, lon=137.0)]
    )
    await client.patch(f"{CONNECTED}/{vin}", json={"alias": "Mum's car"}, headers=seller.headers)

    await client.put(
        f"{PREFIX}/vehicles/{vin}/owner",
        json={"ownerId": buyer.account.guid},
        headers=operator.headers,
    )
    # A sample without a position, then one with: only the second position is the buyer's.
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    await ingest(container.services, [sample(vin, "t-2", later, speed=0.0)])
    hidden = (await client.get(f"{CONNECTED}/{vin}/location", headers=buyer.headers)).json()
    await ingest(
        container.services,
        [sample(vin, "t-3", later + timedelta(seconds=1), lat=36.5, lon=137.0)],
    )
    shown = (await client.get(f"{CONNECTED}/{vin}/location", headers=buyer.headers)).json()
    car = (await client.get(f"{CONNECTED}/{vin}", headers=buyer.headers)).json()

    assert "latitude" not in hidden
    assert shown["latitude"] == 36.5
    assert car.get("alias") != "Mum's car"


async def test_the_buyer_sees_no_trip_or_notification_of_the_seller_and_fleets_may_ask_again(
    container: Container,
    make_client: ClientFactory,
    make_owner: OwnerFactory,
    make_fleet: FleetFactory,
    operator: OperatorCaller,
) -> None:
    http = await make_client(with_clearance(container, auto_approve=True, delay_s=0))
    seller = await make_owner(count=1)
    buyer = await make_owner(count=1)
    vehicle = seller.vehicles[0]
    vin = vehicle.vin
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    trip = Trip(
        id=str(uuid.uuid4()),
        vehicle_id=vehicle.id,
        start=RoutePoint(35.0, 137.0, start),
        end=RoutePoint(35.1, 137.1, start + timedelta(minutes=20)),
        distance_km=15.0,
        max_speed_kmh=60.0,
        route=(RoutePoint(35.0, 137.0, start), RoutePoint(35.1, 137.1, start)),
    )
    alert = Notification(
        id=str(uuid.uuid4()),
        vehicle_id=vehicle.id,
        type=NotificationType.ALERT,
        severity=Severity.WARNING,
        title="Low tire pressure",
        message="Tire pressure low on the rear left tire",
        created_at=start + timedelta(minutes=5),
        is_read=False,
    )
    await record_history(container.services, trips=[trip], notifications=[alert])
    fleet = await make_fleet(http)
    clearance = {"vin": vin, "brand": "toyota"}
    await http.post("/v1/fleet/vehicles", json=clearance, headers=fleet.headers)
    data = f"/v1/vehicle-data/autoapi-13/{vin}"
    cleared = await http.get(data, headers=fleet.headers)
    day = {"fromDate": start.date().isoformat(), "toDate": datetime.now(UTC).date().isoformat()}
    trips, notes = f"{CONNECTED}/{vin}/trips", f"{CONNECTED}/{vin}/notifications"
    sellers = (await http.get(trips, params=day, headers=seller.headers)).json()
    sellers_notes = (await http.get(notes, headers=seller.headers)).json()

    await http.put(
        f"{PREFIX}/vehicles/{vin}/owner",
        json={"ownerId": buyer.account.guid},
        headers=operator.headers,
    )
    buyers = (await http.get(trips, params=day, headers=buyer.headers)).json()
    buyers_notes = (await http.get(notes, headers=buyer.headers)).json()
    withdrawn = await http.get(data, headers=fleet.headers)
    asked_again = await http.post("/v1/fleet/vehicles", json=clearance, headers=fleet.headers)
    cleared_again = await http.get(data, headers=fleet.headers)

    assert [t["id"] for t in sellers["data"]] == [trip.id]
    assert [n["id"] for n in sellers_notes["data"]] == [alert.id]
    assert (buyers["total"], buyers["data"]) == (0, [])
    assert (buyers_notes["total"], buyers_notes["unreadCount"], buyers_notes["data"]) == (0, 0, [])
    assert cleared.status_code == 200 and withdrawn.status_code == 403
    assert asked_again.status_code == 201, asked_again.text
    assert cleared_again.status_code == 200, cleared_again.text


async def test_transferring_to_a_disabled_owner_or_an_unknown_vin_is_refused(
    client: httpx.AsyncClient, make_owner: OwnerFactory, operator: OperatorCaller
) -> None:
    seller = await make_owner(count=1)
    buyer = await make_owner(count=1)
    vin = seller.vehicles[0].vin
    await client.post(f"{PREFIX}/owners/{buyer.account.guid}/disable", headers=operator.headers)

    disabled = await client.put(
        f"{PREFIX}/vehicles/{vin}/owner",
        json={"ownerId": buyer.account.guid},
        headers=operator.headers,
    )
    unknown = await client.put(
        f"{PREFIX}/vehicles/{new_vin()}/owner",
        json={"ownerId": seller.account.guid},
        headers=operator.headers,
    )

    assert disabled.status_code == 409 and "disabled" in disabled.json()["message"]
    assert unknown.status_code == 404
    still = await client.get(f"{CONNECTED}/{vin}", headers=seller.headers)
    assert still.status_code == 200
