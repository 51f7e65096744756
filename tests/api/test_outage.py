"""A store that cannot be reached is a 503 with Retry-After in each API's own shape, logged
once per outage, and the same requests succeed again once it is back (finding 7 of issue 8)."""

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest_asyncio
from structlog.testing import capture_logs

from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.bootstrap import Container, build_limiter
from fleetlink.domain.state import Doors, VehicleState
from fleetlink.seeding.registration import as_new_vehicle
from fleetlink.services.accounts import create_account
from fleetlink.services.clients import create_client
from fleetlink.services.vehicles import register_vehicles
from fleetlink.settings import Settings
from fleetlink.simulator.fleetgen import generate_fleet
from tests.api.conftest import FleetFactory, with_clearance
from tests.conftest import ClientFactory, Databases, OwnerFactory, put_state
from tests.live import free_port
from tests.outage import BreakableStore


@pytest_asyncio.fixture
async def breakable(databases: Databases) -> AsyncIterator[BreakableStore]:
    """A container over a database of its own (per backend), which the test cuts off."""
    made = await BreakableStore.create(await databases.new())
    try:
        yield made
    finally:
        await made.close()


class _Callers:
    """A Toyota owner, a High Mobility fleet and the requests each API answers for them."""

    def __init__(self, http: httpx.AsyncClient, vin: str, owner: str, client: tuple[str, str]):
        self.http = http
        self.vin = vin
        self.owner = {"Authorization": f"Bearer {owner}"}
        self.client_id, self.secret = client
        self.fleet: dict[str, str] = {}

    async def token(self) -> httpx.Response:
        return await self.http.post(
            "/v1/access_token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.secret,
            },
        )

    async def every_api(self) -> dict[str, httpx.Response]:
        http, vin = self.http, self.vin
        return {
            "toyota read": await http.get(
                f"/connected/v1/vehicles/{vin}/status", headers=self.owner
            ),
            "toyota command": await http.post(
                f"/connected/v1/vehicles/{vin}/remote-command",
                json={"command": "lock"},
                headers=self.owner,
            ),
            "high mobility data": await http.get(
                f"/v1/vehicle-data/autoapi-13/{vin}", headers=self.fleet
            ),
            "high mobility fleet": await http.get("/v1/fleet/vehicles", headers=self.fleet),
            "token endpoint": await self.token(),
            "owner panel": await http.get("/oauth/sign-in"),
        }


async def _callers(breakable: BreakableStore, make_client: ClientFactory) -> _Callers:
    container = with_clearance(breakable.container, auto_approve=True, delay_s=0)
    services = container.services
    now = services.clock()
    account = await create_account(services, "outage@example.com", "correct horse battery")
    fleet = generate_fleet(7, 1, now)
    vehicle = (await register_vehicles(services, account, [as_new_vehicle(v) for v in fleet]))[0]
    reported = datetime.now(UTC).replace(microsecond=0)
    await put_state(container, vehicle, VehicleState(reported_at=reported, doors=Doors()))
    owner = await container.tokens.issue(account.guid, TOYOTA_AUDIENCE, timedelta(hours=1), now)
    registered, secret = await create_client(services, "fleet")
    callers = _Callers(
        await make_client(container), vehicle.vin, owner, (registered.client_id, secret)
    )
    issued = await callers.token()
    assert issued.status_code == 200, issued.text
    callers.fleet = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    added = await callers.http.post(
        "/v1/fleet/vehicles",
        json={"vin": vehicle.vin, "brand": vehicle.make.lower()},
        headers=callers.fleet,
    )
    assert added.status_code == 201, added.text
    return callers


def _statuses(responses: dict[str, httpx.Response]) -> dict[str, int]:
    return {name: response.status_code for name, response in responses.items()}


async def test_an_unreachable_store_answers_503_with_retry_after_in_each_apis_shape(
    breakable: BreakableStore, make_client: ClientFactory
) -> None:
    callers = await _callers(breakable, make_client)
    await breakable.cut()

    answers = await callers.every_api()

    assert set(_statuses(answers).values()) == {503}, _statuses(answers)
    for name, response in answers.items():
        assert response.headers["retry-after"].isdigit(), name
        assert 1 <= int(response.headers["retry-after"]) <= 30, name
    for name in ("toyota read", "toyota command"):
        assert answers[name].json()["code"] == "SERVICE_UNAVAILABLE"
        assert answers[name].json()["message"]
    for name in ("high mobility data", "high mobility fleet"):
        body = answers[name].json()
        assert body["errors"][0]["title"] == "Service unavailable"
        assert body["request_id"] == answers[name].headers["x-request-id"]
    token = answers["token endpoint"]
    assert token.json()["error"] == "temporarily_unavailable"
    assert token.headers["cache-control"] == "no-store"
    panel = answers["owner panel"]
    assert panel.headers["content-type"].startswith("text/html")
    assert "Temporarily unavailable" in panel.text
    # Nothing about the database's whereabouts reaches a caller (a bare "5432" may sit in a
    # request id, so the port is looked for with its colon).
    leaks = (":5432", "127.0.0.1", "sqlite")
    assert not [r.text for r in answers.values() if any(leak in r.text for leak in leaks)]


async def test_an_outage_is_logged_once_and_its_end_once(
    breakable: BreakableStore, make_client: ClientFactory
) -> None:
    callers = await _callers(breakable, make_client)

    with capture_logs() as logs:
        await breakable.cut()
        for _ in range(3):
            await callers.every_api()
        await breakable.restore()
        await callers.every_api()

    events = [(e["log_level"], e["event"]) for e in logs if e["event"].startswith("store.")]
    assert events == [("warning", "store.unreachable"), ("info", "store.back")]
    assert not [e for e in logs if e["log_level"] == "error"]


async def test_requests_succeed_again_once_the_store_is_back(
    breakable: BreakableStore, make_client: ClientFactory
) -> None:
    callers = await _callers(breakable, make_client)
    before = _statuses(await callers.every_api())
    await breakable.cut()
    await callers.every_api()

    await breakable.restore()

    assert _statuses(await callers.every_api()) == before
    assert set(before.values()) == {200}, before


async def test_an_unreachable_redis_loosens_rate_limits_and_fails_no_request(
    container: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    # Nothing listens on a fresh free port: a Redis that went away. The limiter falls back
    # to this process's buckets (tests/ratelimit/test_fallback.py): no 503, and no 500.
    limiter = build_limiter(Settings(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    http = await make_client(replace(container, limiter=limiter))
    owner = await make_owner(count=1)

    with capture_logs() as logs:
        fleet = await make_fleet(http)
        toyota = [await http.get("/connected/v1/vehicles", headers=owner.headers) for _ in range(3)]
        fleets = [await http.get("/v1/fleet/vehicles", headers=fleet.headers) for _ in range(3)]
    await limiter.close()

    assert [r.status_code for r in toyota + fleets] == [200] * 6
    assert [e["event"] for e in logs].count("ratelimit.store_unreachable") == 1
