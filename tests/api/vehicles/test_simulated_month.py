"""The demo fleet's lived days, read back: every charge the simulator's cars had is a session,
and each car's month shows the consumption its model was simulated with."""

from datetime import timedelta
from typing import Any

import httpx
import pytest

from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.bootstrap import Container
from fleetlink.seeding.demo import prepare_demo
from fleetlink.simulator.model import KWH_PER_KM, LITRES_PER_KM, STANDBY_KW

DAYS = 4


async def _get(client: httpx.AsyncClient, path: str, token: str, **params: str) -> Any:
    found = await client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
    assert found.status_code == 200, found.text
    return found.json()


async def test_a_simulated_fleets_sessions_and_months_match_what_it_did(
    container: Container, client: httpx.AsyncClient
) -> None:
    ctx = container.services
    now = ctx.clock()
    fleet, sims, _ = await prepare_demo(ctx, seed=3, count=4, history_days=DAYS)
    token = await container.tokens.issue(
        fleet.account.guid, TOYOTA_AUDIENCE, timedelta(hours=1), now
    )
    by_vin = {s.vin: s for s in sims}
    # The month that holds most of the lived days, whatever day of the month this runs.
    month = f"{now - timedelta(days=DAYS / 2):%Y-%m}"

    checked = set()
    for vehicle in fleet.vehicles:
        base = f"/fleetlink/v1/vehicles/{vehicle.vin}"
        sessions = (await _get(client, f"{base}/charging-sessions", token, limit="100"))["sessions"]
        stats = await _get(client, f"{base}/statistics", token, month=month)
        powertrain = by_vin[vehicle.vin].powertrain
        if powertrain in ("bev", "phev"):
            assert sessions, f"a {powertrain} charges in {DAYS} days"
            for s in sessions:
                one = await _get(client, f"{base}/charging-sessions/{s['id']}", token)
                assert one["curve"][0]["at"] == s["started_at"]
                assert one["soc_to_pct"] > one["soc_from_pct"]
        else:
            assert sessions == []
        if stats["distance_km"] < 20:
            continue  # too little driving this month for a ratio to mean much
        if powertrain == "bev":
            assert stats["efficiency_kwh_per_100km"] == pytest.approx(
                KWH_PER_KM["bev"] * 100, abs=1.0
            )
            # Parked and unplugged, a simulated battery gives STANDBY_KW to standby: that
            # shows as lost while parked, never as used on a trip, and is at most what the
            # whole span would cost. Most of a car's days are spent parked and unplugged.
            standby_kwh = STANDBY_KW * 24 * DAYS
            assert standby_kwh / 4 < stats["energy_lost_parked_kwh"] <= standby_kwh
            assert stats["fuel_used_l"] is None
        if powertrain in ("ice", "hybrid"):
            assert stats["efficiency_l_per_100km"] == pytest.approx(
                LITRES_PER_KM[powertrain] * 100, rel=0.1
            )
            assert stats["energy_used_kwh"] is None
        checked.add(powertrain)
    assert checked, "some car drove this month"
