"""The demo fleet starts with a past at the dealer, recorded through ingestion and read back
through the Toyota API like any visit."""

from datetime import timedelta

import httpx

from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.bootstrap import Container
from fleetlink.seeding.demo import prepare_demo
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.simulator.pasthistory import past_visits


async def test_every_demo_car_has_the_visits_its_age_and_mileage_imply(
    container: Container, client: httpx.AsyncClient
) -> None:
    ctx = container.services
    now = ctx.clock()
    history = 0.05  # days: the lived days are another test's subject

    fleet, _sims, _lived = await prepare_demo(ctx, seed=5, count=4, history_days=history)

    start = now - timedelta(days=history)
    expected = {v.vin: past_visits(v, 5, start) for v in generate_fleet(5, 4, start)}
    token = await container.tokens.issue(
        fleet.account.guid, TOYOTA_AUDIENCE, timedelta(hours=1), now
    )
    for vehicle in fleet.vehicles:
        found = await client.get(
            f"/connected/v1/vehicles/{vehicle.vin}/service-history",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert found.status_code == 200, found.text
        records = found.json()["data"]
        visits = expected[vehicle.vin]
        assert len(records) >= len(visits) >= 1
        dates = {r["serviceDate"] for r in records}
        assert {v.at.date().isoformat() for v in visits} <= dates
