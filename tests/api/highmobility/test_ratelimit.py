"""Rate limits on the High Mobility API: per client and per vehicle, 429 in its error shape."""

from dataclasses import replace
from datetime import timedelta

from fleetlink.bootstrap import Container
from fleetlink.domain.ratelimit import Rate
from fleetlink.ratelimit import Limiter, MemoryBucketStore
from tests.api.conftest import FleetFactory, with_clearance
from tests.conftest import ClientFactory, Clock, OwnerFactory


async def test_a_fleets_burst_gets_429_with_a_usable_retry_after(
    clocked: Container,
    clock: Clock,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    limiter = Limiter(MemoryBucketStore(), client=Rate(60, 5), vehicle=Rate(600, 100))
    http = await make_client(
        replace(with_clearance(clocked, auto_approve=True, delay_s=0), limiter=limiter)
    )
    fleet, other = await make_fleet(http, "busy"), await make_fleet(http, "quiet")
    vin = (await make_owner(count=1)).vehicles[0].vin
    url = f"/v1/vehicle-data/autoapi-13/{vin}"
    registered = await http.post(
        "/v1/fleet/vehicles", json={"vin": vin, "brand": "toyota"}, headers=fleet.headers
    )
    assert registered.status_code == 201, registered.text

    burst = [await http.get(url, headers=fleet.headers) for _ in range(5)]
    statuses = [r.status_code for r in burst]
    refused = burst[statuses.index(429)] if 429 in statuses else None
    quiet = await http.get("/v1/fleet/vehicles", headers=other.headers)

    assert refused is not None, statuses
    assert refused.json()["errors"][0]["title"] == "Too many requests"
    assert refused.headers["retry-after"] == "1"  # 60 a minute: one a second
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["ratelimit-limit"] == "5"
    assert quiet.status_code == 200
    assert quiet.headers["ratelimit-remaining"] == "4"
    clock.advance(timedelta(seconds=int(refused.headers["retry-after"])))
    assert (await http.get(url, headers=fleet.headers)).status_code == 200


async def test_a_vehicle_budget_is_per_vin(
    clocked: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    limiter = Limiter(MemoryBucketStore(), client=Rate(600, 100), vehicle=Rate(6, 2))
    http = await make_client(
        replace(with_clearance(clocked, auto_approve=True, delay_s=0), limiter=limiter)
    )
    fleet = await make_fleet(http)
    busy, quiet = (v.vin for v in (await make_owner(count=2)).vehicles)
    for vin in (busy, quiet):
        await http.post(
            "/v1/fleet/vehicles", json={"vin": vin, "brand": "toyota"}, headers=fleet.headers
        )

    spent = [
        await http.get(f"/v1/vehicle-data/autoapi-13/{busy}", headers=fleet.headers)
        for _ in range(2)
    ]
    refused = await http.get(f"/v1/vehicle-data/autoapi-13/{busy}", headers=fleet.headers)
    other = await http.get(f"/v1/vehicle-data/autoapi-13/{quiet}", headers=fleet.headers)

    assert [r.status_code for r in spent] == [200, 200]
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "10"  # 6 a minute
    assert other.status_code == 200
