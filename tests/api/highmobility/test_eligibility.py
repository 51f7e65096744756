"""Eligibility: the brand from the VIN's manufacturer code, capabilities from the model."""

import httpx
import pytest

from fleetlink.domain.catalog import CATALOG
from fleetlink.domain.oauth import Scope
from fleetlink.domain.vehicle import Powertrain
from fleetlink.domain.vin import with_check_digit
from tests.api.conftest import FleetFactory


def _vin_of(powertrain: Powertrain) -> tuple[str, str]:
    spec = next(s for s in CATALOG if s.powertrain is powertrain)
    return with_check_digit(f"{spec.wmi}{spec.vds_prefix}0R{spec.plant}000077"), spec.make.lower()


@pytest.mark.parametrize(
    ("powertrain", "capabilities"),
    [
        (Powertrain.BEV, ["doors", "charging", "diagnostics", "vehicle_location"]),
        (Powertrain.PHEV, ["doors", "charging", "diagnostics", "vehicle_location"]),
        (Powertrain.HYBRID, ["doors", "diagnostics", "vehicle_location"]),
        (Powertrain.ICE, ["doors", "diagnostics", "vehicle_location"]),
    ],
)
async def test_a_supported_vin_is_eligible_with_what_its_model_can_report(
    client: httpx.AsyncClient,
    make_fleet: FleetFactory,
    powertrain: Powertrain,
    capabilities: list[str],
) -> None:
    fleet = await make_fleet(client)
    vin, brand = _vin_of(powertrain)

    response = await client.get(f"/v1/eligibility/{vin}", headers=fleet.headers)

    assert response.status_code == 200
    assert response.json() == {
        "vin": vin,
        "brand": brand,
        "eligible": True,
        "capabilities": capabilities,
        "clearance_required": True,
    }


async def test_a_vin_of_another_brand_is_decoded_but_not_eligible(
    client: httpx.AsyncClient, make_fleet: FleetFactory
) -> None:
    fleet = await make_fleet(client)

    body = (await client.get("/v1/eligibility/1HGCM82633A004352", headers=fleet.headers)).json()

    assert body["brand"] == "honda"
    assert body["eligible"] is False
    assert body["capabilities"] == []


@pytest.mark.parametrize(
    ("vin", "says"),
    [
        ("JTDKARFU1J3000001", "check digit"),
        ("NOT-A-VIN", "cannot decode this VIN"),
        (with_check_digit("AAAKARFU0J3000001"), "no manufacturer is registered for its WMI 'AAA'"),
    ],
)
async def test_a_vin_that_cannot_be_decoded_is_404_with_the_reason(
    client: httpx.AsyncClient, make_fleet: FleetFactory, vin: str, says: str
) -> None:
    fleet = await make_fleet(client)

    response = await client.get(f"/v1/eligibility/{vin}", headers=fleet.headers)

    assert response.status_code == 404
    assert says in response.json()["errors"][0]["detail"]


async def test_eligibility_needs_its_scope(
    client: httpx.AsyncClient, make_fleet: FleetFactory
) -> None:
    fleet = await make_fleet(client, scopes=frozenset({Scope.VEHICLE_DATA}))
    vin, _ = _vin_of(Powertrain.BEV)

    response = await client.get(f"/v1/eligibility/{vin}", headers=fleet.headers)

    assert response.status_code == 403
    assert "vehicle:eligibility-check" in response.json()["errors"][0]["detail"]
