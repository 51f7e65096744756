"""Rate limits on the High Mobility API: per client and per vehicle, 429 in its error shape,
and where they stand among the other refusals."""

from dataclasses import replace
from datetime import timedelta

import httpx

from fleetlink.auth.scopes import ALL_SCOPES
from fleetlink.bootstrap import Container
from fleetlink.domain.oauth import Scope
from fleetlink.domain.ratelimit import Rate
from fleetlink.ratelimit import Limiter, MemoryBucketStore
from fleetlink.services.clients import revoke_client
from tests.api.conftest import FleetFactory, with_clearance
from tests.conftest import ClientFactory, Clock, OwnerFactory
from tests.oauth import bearer, owner_consent, register_client


async def _sandbox(
    container: Container, make_client: ClientFactory, *, client: Rate, vehicle: Rate
) -> httpx.AsyncClient:
    """A client of a sandbox that clears at once, with these rate limits."""
    limiter = Limiter(MemoryBucketStore(), client=client, vehicle=vehicle)
    sandbox = with_clearance(container, auto_approve=True, delay_s=0)
    return await make_client(replace(sandbox, limiter=limiter))


async def test_a_fleets_burst_gets_429_with_a_usable_retry_after(
    clocked: Container,
    clock: Clock,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    http = await _sandbox(clocked, make_client, client=Rate(60, 5), vehicle=Rate(600, 100))
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
    http = await _sandbox(clocked, make_client, client=Rate(600, 100), vehicle=Rate(6, 2))
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


async def test_vehicle_data_refuses_a_revoked_token_then_a_spent_budget_then_a_missing_scope(
    clocked: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    http = await _sandbox(clocked, make_client, client=Rate(60, 3), vehicle=Rate(600, 100))
    unscoped = await make_fleet(http, "unscoped", ALL_SCOPES - {Scope.VEHICLE_DATA})
    gone = await make_fleet(http, "gone")
    vin = (await make_owner(count=1)).vehicles[0].vin
    url = f"/v1/vehicle-data/autoapi-13/{vin}"
    for fleet in (unscoped, gone):
        registered = await http.post(
            "/v1/fleet/vehicles", json={"vin": vin, "brand": "toyota"}, headers=fleet.headers
        )
        assert registered.status_code == 201, registered.text

    # Each fleet spent one of its three on the registration. Without the scope: 403 until
    # the budget is spent, then 429.
    lacking = [await http.get(url, headers=unscoped.headers) for _ in range(3)]
    # A revoked client is 401 whatever its budget.
    spent = [await http.get(url, headers=gone.headers) for _ in range(3)]
    await revoke_client(clocked.services, gone.client_id)
    after = await http.get(url, headers=gone.headers)

    assert [r.status_code for r in lacking] == [403, 403, 429]
    assert lacking[0].json()["errors"][0]["detail"] == "this token lacks the 'vehicle:data' scope"
    assert [r.status_code for r in spent] == [200, 200, 429]
    assert after.status_code == 401
    assert after.json()["errors"][0]["detail"] == "token's client has been revoked"


async def test_an_apps_vehicle_data_reads_are_rate_limited_and_need_the_scope(
    clocked: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    limiter = Limiter(MemoryBucketStore(), client=Rate(60, 2), vehicle=Rate(600, 100))
    http = await make_client(replace(clocked, limiter=limiter))
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    url = f"/v1/vehicle-data/autoapi-13/{vin}"
    reader = await register_client(clocked, "Trip Diary")
    diary = bearer((await owner_consent(http, reader, owner, vins=[vin]))["access_token"])
    other = await register_client(clocked, "Charge Planner")
    planner = bearer(
        (await owner_consent(http, other, owner, vins=[vin], scope="vehicle:eligibility-check"))[
            "access_token"
        ]
    )

    reads = [await http.get(url, headers=diary) for _ in range(3)]
    unscoped = [await http.get(url, headers=planner) for _ in range(3)]

    assert [r.status_code for r in reads] == [200, 200, 429]
    assert [r.status_code for r in unscoped] == [403, 403, 429]
    assert unscoped[0].json()["errors"][0]["detail"] == "this token lacks the 'vehicle:data' scope"
