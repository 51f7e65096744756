"""Fleet clearance: registering VINs, and each clearance moving like an OEM's."""

from datetime import timedelta

import httpx
import pytest

from fleetlink.bootstrap import Container
from fleetlink.domain.oauth import Scope
from fleetlink.domain.vin import with_check_digit
from fleetlink.services.fleet import decide_request, requests_for_owner
from tests.api.conftest import FleetFactory, with_clearance
from tests.conftest import ClientFactory, Clock, OwnerFactory

# A valid VIN of a supported brand (Toyota, from its WMI) that no owner has registered.
UNKNOWN_TOYOTA = with_check_digit("JTDKARFU0J3000001")
# A valid Honda VIN: decodable, but not a brand the platform serves.
HONDA = "1HGCM82633A004352"
FLEET = "/v1/fleet/vehicles"


def _brand(vin: str) -> str:
    return "lexus" if vin.startswith(("JTJ", "2T2", "JTH")) else "toyota"


async def _register(http: httpx.AsyncClient, headers: dict[str, str], vin: str) -> httpx.Response:
    return await http.post(FLEET, json={"vin": vin, "brand": _brand(vin)}, headers=headers)


async def test_a_registered_vin_is_pending_and_listed_with_its_plate(
    container: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    http = await make_client(container)
    fleet = await make_fleet(http)
    vin = (await make_owner(count=1)).vehicles[0].vin

    created = await http.post(
        FLEET,
        json={"vin": vin.lower(), "brand": _brand(vin).upper(), "license_plate": " B-FL 42 "},
        headers=fleet.headers,
    )

    assert created.status_code == 201
    body = created.json()
    assert body["vin"] == vin
    assert body["brand"] == _brand(vin)
    assert body["license_plate"] == "B-FL 42"
    assert body["clearance_status"] == "pending"
    listed = (await http.get(FLEET, headers=fleet.headers)).json()
    assert listed == [body]
    assert (await http.get(f"{FLEET}/{vin}", headers=fleet.headers)).json() == body


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"vin": "JTDKARFU0J300000", "brand": "toyota"}, "17"),
        ({"vin": "JTDKARFU1J3000001", "brand": "toyota"}, "check digit"),
        ({"vin": "JTDKARFUIJ3000001", "brand": "toyota"}, "not a valid VIN"),
        ({"vin": UNKNOWN_TOYOTA, "brand": "bmw"}, "'JTD' is Toyota"),
        ({"vin": UNKNOWN_TOYOTA}, "brand"),
        ({"brand": "toyota"}, "vin"),
        ({"vin": 12345678901234567, "brand": "toyota"}, "vin"),
        ({"vin": UNKNOWN_TOYOTA, "brand": "toyota", "license_plate": "X" * 33}, "license_plate"),
    ],
)
async def test_a_bad_registration_is_400_saying_what_is_wrong(
    client: httpx.AsyncClient, make_fleet: FleetFactory, body: dict[str, object], says: str
) -> None:
    fleet = await make_fleet(client)

    response = await client.post(FLEET, json=body, headers=fleet.headers)

    assert response.status_code == 400
    assert says in response.json()["errors"][0]["detail"]
    assert (await client.get(FLEET, headers=fleet.headers)).json() == []


async def test_registering_a_vin_already_in_the_fleet_is_400(
    client: httpx.AsyncClient, make_fleet: FleetFactory
) -> None:
    fleet = await make_fleet(client)
    assert (await _register(client, fleet.headers, UNKNOWN_TOYOTA)).status_code == 201

    again = await _register(client, fleet.headers, UNKNOWN_TOYOTA)

    assert again.status_code == 400
    assert "already in this fleet" in again.json()["errors"][0]["detail"]


async def test_the_sandbox_approves_a_known_vehicle_after_the_delay(
    clocked: Container,
    clock: Clock,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    sandbox = with_clearance(clocked, auto_approve=True, delay_s=10)
    http = await make_client(sandbox)
    fleet = await make_fleet(http)
    vins = [v.vin for v in (await make_owner(count=3)).vehicles]
    for vin in vins:
        assert (await _register(http, fleet.headers, vin)).status_code == 201

    clock.advance(timedelta(seconds=9))
    before = (await http.get(FLEET, headers=fleet.headers)).json()
    clock.advance(timedelta(seconds=1))
    after = (await http.get(FLEET, headers=fleet.headers)).json()

    assert [v["clearance_status"] for v in before] == ["pending"] * 3
    assert [v["clearance_status"] for v in after] == ["approved"] * 3
    history = (await http.get(f"{FLEET}/{vins[0]}/clearance-history", headers=fleet.headers)).json()
    assert [(h["clearance_status"], h["reason"]) for h in history] == [
        ("pending", "registered by the fleet"),
        ("approved", "approved by the platform: known vehicle of a supported brand (sandbox)"),
    ]
    assert history[1]["at"] > history[0]["at"]


@pytest.mark.parametrize(
    ("vin", "reason"),
    [
        (UNKNOWN_TOYOTA, "the platform knows no vehicle with this VIN"),
        (HONDA, "the platform does not support vehicles of brand 'honda'"),
    ],
)
async def test_an_unknown_vehicle_or_unsupported_brand_ends_in_error_with_the_reason(
    clocked: Container,
    clock: Clock,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    vin: str,
    reason: str,
) -> None:
    http = await make_client(with_clearance(clocked, auto_approve=False, delay_s=5))
    fleet = await make_fleet(http)
    brand = "honda" if vin == HONDA else "toyota"
    assert (
        await http.post(FLEET, json={"vin": vin, "brand": brand}, headers=fleet.headers)
    ).status_code == 201

    clock.advance(timedelta(seconds=5))

    entry = (await http.get(f"{FLEET}/{vin}", headers=fleet.headers)).json()
    assert entry["clearance_status"] == "error"
    history = (await http.get(f"{FLEET}/{vin}/clearance-history", headers=fleet.headers)).json()
    assert history[-1]["reason"] == reason


async def test_without_the_sandbox_the_owner_approves_then_withdraws(
    clocked: Container,
    clock: Clock,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    production = with_clearance(clocked, auto_approve=False, delay_s=1)
    http = await make_client(production)
    fleet = await make_fleet(http, name="Acme Logistics")
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    await _register(http, fleet.headers, vin)
    clock.advance(timedelta(hours=1))
    assert (await http.get(f"{FLEET}/{vin}", headers=fleet.headers)).json()[
        "clearance_status"
    ] == "pending"

    [(request, fleet_name, _)] = await requests_for_owner(production.services, owner.account)
    assert fleet_name == "Acme Logistics"
    await decide_request(production.services, owner.account, request.id, approve=True)
    approved = (await http.get(f"{FLEET}/{vin}", headers=fleet.headers)).json()
    data = await http.get(f"/v1/vehicle-data/autoapi-13/{vin}", headers=fleet.headers)
    await decide_request(production.services, owner.account, request.id, approve=False)
    withdrawn = (await http.get(f"{FLEET}/{vin}", headers=fleet.headers)).json()
    after = await http.get(f"/v1/vehicle-data/autoapi-13/{vin}", headers=fleet.headers)

    assert approved["clearance_status"] == "approved"
    assert data.status_code == 200
    assert withdrawn["clearance_status"] == "revoked"
    assert after.status_code == 403
    assert "revoked" in after.json()["errors"][0]["detail"]
    history = (await http.get(f"{FLEET}/{vin}/clearance-history", headers=fleet.headers)).json()
    assert [h["reason"] for h in history] == [
        "registered by the fleet",
        "approved by the vehicle's owner",
        "withdrawn by the vehicle's owner",
    ]


async def test_an_owner_cannot_decide_for_a_vehicle_that_is_not_theirs(
    container: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    http = await make_client(with_clearance(container, auto_approve=False))
    fleet = await make_fleet(http)
    owner, stranger = await make_owner(count=1), await make_owner(count=1)
    await _register(http, fleet.headers, owner.vehicles[0].vin)
    [(request, _, _)] = await requests_for_owner(container.services, owner.account)

    assert await requests_for_owner(container.services, stranger.account) == []
    with pytest.raises(Exception, match="no such request"):
        await decide_request(container.services, stranger.account, request.id, approve=True)


async def test_removing_a_vehicle_revokes_it_stops_its_data_and_it_can_come_back(
    clocked: Container,
    clock: Clock,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    http = await make_client(with_clearance(clocked, auto_approve=True, delay_s=0))
    fleet = await make_fleet(http)
    vin = (await make_owner(count=1)).vehicles[0].vin
    await _register(http, fleet.headers, vin)
    data_url = f"/v1/vehicle-data/autoapi-13/{vin}"
    assert (await http.get(data_url, headers=fleet.headers)).status_code == 200

    removed = await http.delete(f"{FLEET}/{vin}", headers=fleet.headers)

    assert removed.status_code == 204
    assert (await http.get(data_url, headers=fleet.headers)).status_code == 404
    assert (await http.get(f"{FLEET}/{vin}", headers=fleet.headers)).status_code == 404
    assert (await http.get(FLEET, headers=fleet.headers)).json() == []
    assert (await http.delete(f"{FLEET}/{vin}", headers=fleet.headers)).status_code == 404

    clock.advance(timedelta(seconds=1))
    again = await _register(http, fleet.headers, vin)
    assert again.status_code == 201
    assert again.json()["clearance_status"] == "pending"
    history = (await http.get(f"{FLEET}/{vin}/clearance-history", headers=fleet.headers)).json()
    assert [h["clearance_status"] for h in history] == [
        "pending",
        "approved",
        "revoked",
        "pending",
        "approved",
    ]
    assert history[2]["reason"] == "removed from the fleet"


async def test_another_fleets_vin_answers_exactly_like_an_unknown_one(
    client: httpx.AsyncClient, make_fleet: FleetFactory
) -> None:
    mine, theirs = await make_fleet(client, "mine"), await make_fleet(client, "theirs")
    await _register(client, theirs.headers, UNKNOWN_TOYOTA)
    never = with_check_digit("JTDKARFU0J3000002")

    for method in ("GET", "DELETE"):
        foreign = await client.request(method, f"{FLEET}/{UNKNOWN_TOYOTA}", headers=mine.headers)
        unknown = await client.request(method, f"{FLEET}/{never}", headers=mine.headers)
        assert foreign.status_code == unknown.status_code == 404
        assert foreign.json()["errors"][0]["title"] == unknown.json()["errors"][0]["title"]
        assert (
            foreign.json()["errors"][0]["detail"].replace(UNKNOWN_TOYOTA, never)
            == (unknown.json()["errors"][0]["detail"])
        )
    assert (await client.get(FLEET, headers=mine.headers)).json() == []
    # Two fleets may hold the same VIN, each with its own clearance.
    assert (await _register(client, mine.headers, UNKNOWN_TOYOTA)).status_code == 201


async def test_fleet_clearance_needs_its_scope(
    client: httpx.AsyncClient, make_fleet: FleetFactory
) -> None:
    reader = await make_fleet(client, scopes=frozenset({Scope.VEHICLE_DATA}))

    for response in (
        await client.get(FLEET, headers=reader.headers),
        await _register(client, reader.headers, UNKNOWN_TOYOTA),
        await client.delete(f"{FLEET}/{UNKNOWN_TOYOTA}", headers=reader.headers),
    ):
        assert response.status_code == 403
        assert "fleet:clearance" in response.json()["errors"][0]["detail"]


async def test_the_two_apis_refuse_each_others_tokens(
    client: httpx.AsyncClient, make_fleet: FleetFactory, make_owner: OwnerFactory
) -> None:
    fleet, owner = await make_fleet(client), await make_owner(count=1)

    on_toyota = await client.get("/connected/v1/vehicles", headers=fleet.headers)
    on_high_mobility = await client.get(FLEET, headers=owner.headers)

    assert on_toyota.status_code == on_high_mobility.status_code == 401
    assert on_toyota.json()["code"] == "UNAUTHORIZED"
    assert on_high_mobility.json()["errors"][0]["detail"] == "token is not meant for this API"
    assert on_high_mobility.headers["www-authenticate"].startswith("Bearer")


async def test_requests_without_a_token_are_401_in_high_mobilitys_shape(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        FLEET, headers={"X-Request-ID": "8c1a3f4e-0000-4000-8000-000000000001"}
    )

    assert response.status_code == 401
    assert response.json() == {
        "errors": [
            {
                "title": "Unauthorized",
                "detail": "missing Authorization header: send `Authorization: Bearer <token>`",
                "source": "",
            }
        ],
        "request_id": "8c1a3f4e-0000-4000-8000-000000000001",
    }
