"""Vehicle data: only through an approved clearance, mapped from the one shared store."""

from dataclasses import replace
from datetime import UTC, datetime

import httpx

from fleetlink.bootstrap import Container
from fleetlink.domain.state import ChargingStatus, Doors, Position, VehicleState
from fleetlink.domain.vehicle import Vehicle
from fleetlink.services.clients import revoke_client
from fleetlink.services.telemetry import ingest
from tests.api.conftest import Fleet, FleetFactory, with_clearance
from tests.api.operator.conftest import a_new_car
from tests.conftest import ClientFactory, Owner, OwnerFactory, put_state
from tests.oauth import bearer, form_posting_to, owner_consent, register_client
from tests.services.test_telemetry import sample

REPORTED = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)


def _url(vin: str) -> str:
    return f"/v1/vehicle-data/autoapi-13/{vin}"


async def _approved(
    container: Container, make_client: ClientFactory, make_fleet: FleetFactory, owner: Owner
) -> tuple[httpx.AsyncClient, Fleet]:
    """A sandbox fleet that registered every vehicle of owner; all approved at once."""
    http = await make_client(with_clearance(container, auto_approve=True, delay_s=0))
    fleet = await make_fleet(http)
    for vehicle in owner.vehicles:
        response = await http.post(
            "/v1/fleet/vehicles",
            json={"vin": vehicle.vin, "brand": vehicle.make},
            headers=fleet.headers,
        )
        assert response.status_code == 201, response.text
    return http, fleet


async def test_a_battery_car_reports_doors_charging_diagnostics_and_location(
    container: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    owner = await make_owner(count=4)
    bev = owner.vehicle("bev")
    await put_state(
        container,
        bev,
        VehicleState(
            reported_at=REPORTED,
            doors_locked=False,
            doors=Doors(rear_left_open=True),
            position=Position(35.0825, 137.1561, REPORTED),
            odometer_km=12_345.6,
            battery_soc_pct=80.4,
            battery_range_km=301.7,
            charging_status=ChargingStatus.CHARGING,
            plugged_in=True,
            charge_limit_pct=90.0,
            speed_kmh=0.0,
        ),
    )
    http, fleet = await _approved(container, make_client, make_fleet, owner)

    response = await http.get(_url(bev.vin), headers=fleet.headers)

    assert response.status_code == 200
    assert response.json() == {
        "vin": bev.vin,
        "timestamp": "2026-03-14T09:26:53Z",
        "doors": {
            "locks": [
                {"location": "front_left", "lock": "unlocked", "position": "closed"},
                {"location": "front_right", "lock": "unlocked", "position": "closed"},
                {"location": "rear_left", "lock": "unlocked", "position": "open"},
                {"location": "rear_right", "lock": "unlocked", "position": "closed"},
            ]
        },
        "charging": {
            "battery_level": 80,
            "estimated_range": 302,
            "charging_state": "charging",
            "charge_limit": 90,
        },
        "diagnostics": {"mileage": 12346, "speed": 0},
        "vehicle_location": {"latitude": 35.0825, "longitude": 137.1561},
    }


async def test_a_petrol_car_has_no_charging_section_and_reports_its_engine(
    container: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    owner = await make_owner(count=4)
    ice = owner.vehicle("ice")
    await put_state(
        container,
        ice,
        VehicleState(
            reported_at=REPORTED,
            odometer_km=50_000.4,
            fuel_level_pct=33.5,
            speed_kmh=87.4,
            engine_rpm=2_323.0,
            oil_temperature_c=96.5,
        ),
    )
    http, fleet = await _approved(container, make_client, make_fleet, owner)

    body = (await http.get(_url(ice.vin), headers=fleet.headers)).json()

    assert "charging" not in body
    assert body["diagnostics"] == {
        "mileage": 50000,
        "speed": 87,
        "fuel_level": 34,
        "engine_rpm": 2323,
        "engine_oil_temperature": 96.5,
    }
    assert "vehicle_location" not in body


async def test_charging_states_follow_the_plug_and_the_charger(
    container: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    owner = await make_owner(count=4)
    bev = owner.vehicle("bev")
    http, fleet = await _approved(container, make_client, make_fleet, owner)
    seen = []
    for status, plugged in [
        (ChargingStatus.NOT_CHARGING, False),
        (ChargingStatus.NOT_CHARGING, True),
        (ChargingStatus.CHARGING, True),
        (ChargingStatus.FULLY_CHARGED, True),
    ]:
        state = VehicleState(
            reported_at=REPORTED, battery_soc_pct=50, charging_status=status, plugged_in=plugged
        )
        await put_state(container, bev, state)
        body = (await http.get(_url(bev.vin), headers=fleet.headers)).json()
        seen.append(body["charging"]["charging_state"])

    assert seen == ["disconnected", "plugged_in", "charging", "completed"]


async def test_one_car_tells_the_same_story_through_both_apis(
    container: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    owner = await make_owner(count=4)
    phev: Vehicle = owner.vehicle("phev")
    await put_state(
        container,
        phev,
        VehicleState(
            reported_at=REPORTED,
            doors_locked=True,
            position=Position(48.8566, 2.3522, REPORTED),
            odometer_km=16_093.44,
            battery_soc_pct=61.0,
            battery_range_km=40.0,
            fuel_level_pct=70.0,
            fuel_range_km=500.0,
        ),
    )
    http, fleet = await _approved(container, make_client, make_fleet, owner)

    hm = (await http.get(_url(phev.vin), headers=fleet.headers)).json()
    toyota_status = (
        await http.get(f"/connected/v1/vehicles/{phev.vin}/status", headers=owner.headers)
    ).json()
    electric = (
        await http.get(f"/connected/v1/vehicles/{phev.vin}/electric", headers=owner.headers)
    ).json()
    location = (
        await http.get(f"/connected/v1/vehicles/{phev.vin}/location", headers=owner.headers)
    ).json()

    assert toyota_status["doorsLocked"] is True
    assert {d["lock"] for d in hm["doors"]["locks"]} == {"locked"}
    assert hm["timestamp"] == "2026-03-14T09:26:53Z"
    assert hm["diagnostics"]["mileage"] == 16093
    # The same charge, in each API's units: miles there, kilometres here.
    assert electric["batteryLevel"] == hm["charging"]["battery_level"]
    assert abs(electric["batteryRange"] * 1.609344 - hm["charging"]["estimated_range"]) < 1
    assert electric["fuelLevel"] == hm["diagnostics"]["fuel_level"] == 70
    assert (location["latitude"], location["longitude"]) == (48.8566, 2.3522)
    assert hm["charging"]["battery_level"] == 61
    assert hm["vehicle_location"] == {"latitude": 48.8566, "longitude": 2.3522}


async def test_a_pending_clearance_is_403_and_an_unrelated_vin_404(
    container: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    http = await make_client(with_clearance(container, auto_approve=False))
    fleet = await make_fleet(http)
    mine, other = await make_owner(count=1), await make_owner(count=1)
    await http.post(
        "/v1/fleet/vehicles",
        json={"vin": mine.vehicles[0].vin, "brand": mine.vehicles[0].make},
        headers=fleet.headers,
    )

    pending = await http.get(_url(mine.vehicles[0].vin), headers=fleet.headers)
    unrelated = await http.get(_url(other.vehicles[0].vin), headers=fleet.headers)
    malformed = await http.get(_url("NOT-A-VIN"), headers=fleet.headers)

    assert pending.status_code == 403
    assert "pending" in pending.json()["errors"][0]["detail"]
    assert unrelated.status_code == malformed.status_code == 404
    assert unrelated.json()["errors"][0]["detail"] == (
        f"Vehicle {other.vehicles[0].vin!r} not found"
    )


async def test_an_app_reads_only_the_vehicles_the_owner_chose_until_the_owner_revokes(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    http = await make_client(container)
    owner, stranger = await make_owner(count=3), await make_owner(count=1)
    chosen, *others = owner.vehicles
    app = await register_client(container, "Trip Diary")

    tokens = await owner_consent(http, app, owner, vins=[chosen.vin])
    headers = bearer(tokens["access_token"])
    read = await http.get(_url(chosen.vin), headers=headers)
    unchosen = await http.get(_url(others[0].vin), headers=headers)
    foreign = await http.get(_url(stranger.vehicles[0].vin), headers=headers)
    form = form_posting_to(await http.get("/oauth/grants"), "/revoke")
    revoked = await http.post(form.action, data=dict(form.fields))
    after = await http.get(_url(chosen.vin), headers=headers)

    assert read.status_code == 200
    assert read.json()["vin"] == chosen.vin
    assert unchosen.status_code == foreign.status_code == 404
    assert unchosen.json()["errors"][0]["detail"] == f"Vehicle {others[0].vin!r} not found"
    assert revoked.status_code == 303
    assert after.status_code == 401


async def test_an_owners_token_cannot_manage_a_fleet(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    http = await make_client(container)
    owner = await make_owner(count=1)
    app = await register_client(container)
    tokens = await owner_consent(http, app, owner, scope="vehicle:data vehicle:eligibility-check")

    response = await http.get("/v1/fleet/vehicles", headers=bearer(tokens["access_token"]))

    assert response.status_code == 403


async def test_what_a_unit_never_reported_is_left_out_of_both_apis(
    container: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    demo_owner = await make_owner(count=1)
    car = await a_new_car(container, demo_owner.account, demo_owner.vehicles[0])
    owner = replace(demo_owner, vehicles=[car])
    now = datetime.now(UTC).replace(microsecond=0)
    # A unit written from docs/telematics.md may send any subset of the signals.
    await ingest(container.services, [sample(car.vin, "only-position", now, lat=35.08, lon=137.16)])
    http, fleet = await _approved(container, make_client, make_fleet, owner)
    toyota = f"/connected/v1/vehicles/{car.vin}"

    status = (await http.get(f"{toyota}/status", headers=owner.headers)).json()
    location = (await http.get(f"{toyota}/location", headers=owner.headers)).json()
    hm = (await http.get(_url(car.vin), headers=fleet.headers)).json()
    await ingest(container.services, [sample(car.vin, "then-locks", now, locked=True)])
    locked = (await http.get(f"{toyota}/status", headers=owner.headers)).json()
    hm_locked = (await http.get(_url(car.vin), headers=fleet.headers)).json()

    assert status == {"vin": car.vin}
    assert location["latitude"] == 35.08 and "isParked" not in location
    assert "doors" not in hm and hm["vehicle_location"] == {"latitude": 35.08, "longitude": 137.16}
    assert locked["doorsLocked"] is True
    assert not {"ignition", "doorStatus", "windowStatus"} & set(locked)
    assert {(d["lock"], "position" in d) for d in hm_locked["doors"]["locks"]} == {
        ("locked", False)
    }


async def test_a_revoked_fleets_token_is_401_whatever_the_vin(
    container: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    owner, stranger = await make_owner(count=1), await make_owner(count=1)
    http, fleet = await _approved(container, make_client, make_fleet, owner)
    vin = owner.vehicles[0].vin
    assert (await http.get(_url(vin), headers=fleet.headers)).status_code == 200

    await revoke_client(container.services, fleet.client_id)

    for path in (_url(vin), _url("NOT-A-VIN"), _url(stranger.vehicles[0].vin)):
        refused = await http.get(path, headers=fleet.headers)
        assert refused.status_code == 401, (path, refused.text)
        assert refused.json()["errors"][0]["detail"] == "token's client has been revoked"
