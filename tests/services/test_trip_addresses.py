"""Trip addresses come from offline reverse geocoding where the geo extra is installed."""

from dataclasses import replace
from typing import Any

import httpx

from fleetlink.bootstrap import Container
from fleetlink.geocoding import offline_geocoder
from fleetlink.services.telemetry import ingest
from tests.conftest import OwnerFactory
from tests.services.test_trips_ingest import l_shaped_drive


async def _only_trip(
    client: httpx.AsyncClient, owner_headers: dict[str, str], vin: str
) -> dict[str, Any]:
    body = (
        await client.get(
            f"/connected/v1/vehicles/{vin}/trips",
            headers=owner_headers,
            params={"fromDate": "2000-01-01", "toDate": "2100-01-01"},
        )
    ).json()
    assert body["total"] == 1
    trip: dict[str, Any] = body["data"][0]
    return trip


async def test_a_trip_in_toyota_city_is_named_after_it(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    geocoder = offline_geocoder()
    assert geocoder is not None, "the dev extras install the geo extra"
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    ctx = replace(container.services, geocoder=geocoder)

    await ingest(ctx, l_shaped_drive(vin))

    trip = await _only_trip(client, owner.headers, vin)
    assert trip["startAddress"].endswith("Aichi, Japan")
    assert trip["endAddress"].endswith("Aichi, Japan")


async def test_without_a_geocoder_addresses_are_left_out(
    container: Container, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    ctx = replace(container.services, geocoder=None)

    await ingest(ctx, l_shaped_drive(vin))

    trip = await _only_trip(client, owner.headers, vin)
    assert "startAddress" not in trip and "endAddress" not in trip
