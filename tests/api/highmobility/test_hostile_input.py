"""Hostile input gets a 4xx in the API's shape, never a 500, on every store."""

import asyncio
import base64
import json

import httpx
import pytest

from fleetlink.bootstrap import Container
from tests.api.conftest import FleetFactory, with_clearance
from tests.conftest import ClientFactory, Clock, OwnerFactory


def _b64(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def _forged(header: str) -> str:
    """A token whose header says what the caller likes, with a signature of nothing."""
    return f"{_b64(header.encode())}.{_b64(b'{}')}.AAAA"


@pytest.mark.parametrize("kid", ["\\ud800", "a\\u0000b", "../../etc", "x" * 200])
async def test_a_forged_key_id_is_401_on_both_apis(client: httpx.AsyncClient, kid: str) -> None:
    token = _forged('{"alg":"ES256","kid":"' + kid + '"}')

    for path in ("/v1/fleet/vehicles", "/connected/v1/vehicles"):
        response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, (path, response.text)


@pytest.mark.parametrize(
    "credentials",
    ["Basic éééé", "Basic !!!", f"Basic {base64.b64encode(b'no-colon').decode()}"],
)
async def test_broken_basic_credentials_are_invalid_client(
    client: httpx.AsyncClient, credentials: str
) -> None:
    response = await client.post(
        "/v1/access_token",
        data={"grant_type": "client_credentials"},
        headers={b"Authorization": credentials.encode()},
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize("client_id", ["a\x00b", "\ud800", "x" * 500])
async def test_a_client_id_that_cannot_be_one_is_invalid_client(
    client: httpx.AsyncClient, client_id: str
) -> None:
    body = "grant_type=client_credentials&client_secret=s&client_id=" + json.dumps(client_id)[1:-1]
    response = await client.post(
        "/v1/access_token",
        content=body.replace("\\u0000", "%00").replace("\\ud800", "%ED%A0%80"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code in (400, 401)
    assert response.json()["error"] in ("invalid_client", "invalid_request")


@pytest.mark.parametrize("plate", ["AB\u0000CD", "AB\ud800", "line\nbreak"])
async def test_a_license_plate_with_control_characters_is_400(
    client: httpx.AsyncClient, make_fleet: FleetFactory, make_owner: OwnerFactory, plate: str
) -> None:
    fleet = await make_fleet(client)
    vehicle = (await make_owner(count=1)).vehicles[0]
    body = json.dumps({"vin": vehicle.vin, "brand": vehicle.make, "license_plate": plate})

    response = await client.post(
        "/v1/fleet/vehicles",
        content=body,
        headers={**fleet.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert "license_plate" in response.json()["errors"][0]["detail"]


@pytest.mark.parametrize("brand", ["t", "to", "toy", "motors"])
async def test_a_brand_must_be_named_whole(
    client: httpx.AsyncClient, make_fleet: FleetFactory, make_owner: OwnerFactory, brand: str
) -> None:
    fleet = await make_fleet(client)
    vin = next(v.vin for v in (await make_owner(count=4)).vehicles if v.make == "Toyota")

    response = await client.post(
        "/v1/fleet/vehicles", json={"vin": vin, "brand": brand}, headers=fleet.headers
    )

    assert response.status_code == 400


async def test_the_same_vin_posted_at_once_is_one_201_and_400s(
    container: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    http = await make_client(container)
    fleet = await make_fleet(http)
    vehicle = (await make_owner(count=1)).vehicles[0]
    body = {"vin": vehicle.vin, "brand": vehicle.make}

    responses = await asyncio.gather(
        *(http.post("/v1/fleet/vehicles", json=body, headers=fleet.headers) for _ in range(4))
    )

    assert sorted(r.status_code for r in responses) == [201, 400, 400, 400]
    assert len((await http.get("/v1/fleet/vehicles", headers=fleet.headers)).json()) == 1


async def test_a_fleet_cannot_overrule_an_owner_by_registering_again(
    clocked: Container,
    clock: Clock,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    from datetime import timedelta

    from fleetlink.services.fleet import decide_request, requests_for_owner

    sandbox = with_clearance(clocked, auto_approve=True, delay_s=5)
    http = await make_client(sandbox)
    fleet = await make_fleet(http)
    owner = await make_owner(count=1)
    vehicle = owner.vehicles[0]
    body = {"vin": vehicle.vin, "brand": vehicle.make}
    await http.post("/v1/fleet/vehicles", json=body, headers=fleet.headers)
    clock.advance(timedelta(seconds=5))
    [(request, _, _)] = await requests_for_owner(sandbox.services, owner.account)
    await decide_request(sandbox.services, owner.account, request.id, approve=False)

    again = await http.post("/v1/fleet/vehicles", json=body, headers=fleet.headers)
    clock.advance(timedelta(hours=1))
    entry = await http.get(f"/v1/fleet/vehicles/{vehicle.vin}", headers=fleet.headers)

    assert again.status_code == 201
    assert entry.json()["clearance_status"] == "pending"  # waiting for the owner, not the sandbox
