"""The web app over the ASGI app, without a browser: sessions, CSRF, who sees what, headers."""

import json
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from fleetlink.bootstrap import Container
from fleetlink.domain.notifications import Notification, NotificationType
from fleetlink.domain.state import Severity
from fleetlink.domain.trips import RoutePoint, Trip
from fleetlink.services.history import record_history
from fleetlink.services.operators import create_operator, operator_token
from fleetlink.services.telemetry import ingest
from fleetlink.settings import Settings
from fleetlink.telematics.metrics import RECEIVED
from fleetlink.web.pages import content_security_policy
from tests.api.operator.conftest import a_new_car, new_vin
from tests.api.vehicles.test_charging_sessions import a_session, store
from tests.conftest import ClientFactory, Owner, OwnerFactory
from tests.oauth import sign_in
from tests.services.test_telemetry import sample


async def _signed_in(
    make_client: ClientFactory, container: Container, owner: Owner
) -> httpx.AsyncClient:
    browser = await make_client(container)
    to_sign_in = await browser.get("/")
    assert to_sign_in.status_code == 303
    page = await browser.get(to_sign_in.headers["location"])
    back = await sign_in(browser, page, owner.account.email)
    assert back.status_code == 303 and back.headers["location"] == "/"
    return browser


@pytest.fixture
async def operator(container: Container) -> str:
    """An operator's API token."""
    email = f"ops-{uuid.uuid4().hex[:8]}@example.com"
    await create_operator(container.services, email)
    return await operator_token(container.services, container.tokens, email, timedelta(hours=1))


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert found, page.text
    return found.group(1)


async def test_a_signed_out_visitor_is_sent_to_sign_in_and_back_to_the_map(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner()
    browser = await _signed_in(make_client, container, owner)

    page = await browser.get("/")

    assert page.status_code == 200
    assert 'data-page="map"' in page.text
    assert owner.account.email in page.text


async def test_the_pages_data_needs_a_session(client: httpx.AsyncClient) -> None:
    data = await client.get("/app/api/vehicles")

    assert data.status_code == 401
    assert data.json()["error"] == "Please sign in"


async def test_an_owner_sees_their_vehicles_and_a_command_needs_the_csrf_token(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=2)
    browser = await _signed_in(make_client, container, owner)
    token = _csrf(await browser.get("/"))
    vin = owner.vehicles[0].vin

    listed = await browser.get("/app/api/vehicles")
    forged = await browser.post(f"/app/api/vehicles/{vin}/commands", json={"kind": "lock"})
    sent = await browser.post(
        f"/app/api/vehicles/{vin}/commands", json={"kind": "lock"}, headers={"x-csrf-token": token}
    )
    followed = await browser.get(f"/app/api/vehicles/{vin}/commands/{sent.json()['id']}")

    assert sorted(v["vin"] for v in listed.json()["vehicles"]) == sorted(
        v.vin for v in owner.vehicles
    )
    assert forged.status_code == 403
    assert sent.status_code == 202 and sent.json()["status"] == "pending"
    assert followed.json()["kind"] == "lock"


async def test_another_owners_vehicle_answers_as_an_unknown_one(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    mine, theirs = await make_owner(count=1), await make_owner(count=1, seed=8)
    browser = await _signed_in(make_client, container, mine)
    foreign, unknown = theirs.vehicles[0].vin, new_vin()

    def answers(vin: str) -> list[tuple[int, str]]:
        return [(r.status_code, r.text.replace(vin, "VIN")) for r in got[vin]]

    got = {}
    for vin in (foreign, unknown, "not-a-vin"):
        got[vin] = [
            await browser.get(f"/app/api/vehicles/{vin}"),
            await browser.get(f"/app/api/vehicles/{vin}/trips?day=2026-01-01"),
        ]
        page = await browser.get(f"/vehicles/{vin}")
        assert page.status_code == 404

    assert answers(foreign) == answers(unknown) == answers("not-a-vin")
    assert all(status == 404 for status, _ in answers(foreign))


async def test_the_pages_data_spends_from_the_rate_limits(
    clocked: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    # The clock stands still: no token comes back while the requests are made, however slowly.
    owner = await make_owner(count=1)
    browser = await _signed_in(make_client, clocked, owner)
    vin = owner.vehicles[0].vin
    burst = clocked.settings.rate_limit_vehicle_burst

    answers = [(await browser.get(f"/app/api/vehicles/{vin}")) for _ in range(burst + 1)]

    assert [a.status_code for a in answers[:burst]] == [200] * burst
    assert answers[-1].status_code == 429
    assert answers[-1].json()["error"] == "Too many requests"
    assert int(answers[-1].headers["retry-after"]) >= 1


async def test_a_months_driving_is_summed_from_its_trips_and_a_bad_month_refused(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    vehicle = owner.vehicles[0]
    at = datetime(2026, 3, 5, 8, tzinfo=UTC)
    trips = [
        Trip(
            str(uuid.uuid4()),
            vehicle.id,
            RoutePoint(35, 137, start),
            RoutePoint(35.1, 137, end),
            km,
            90,
        )
        for start, end, km in (
            (at, at + timedelta(minutes=30), 20.0),
            (at + timedelta(days=3), at + timedelta(days=3, minutes=90), 100.0),
            (at + timedelta(days=30), at + timedelta(days=30, minutes=10), 5.0),  # April
        )
    ]
    await record_history(container.services, trips=trips)
    browser = await _signed_in(make_client, container, owner)

    march = await browser.get(f"/app/api/vehicles/{vehicle.vin}/statistics?month=2026-03")
    wrong = await browser.get(f"/app/api/vehicles/{vehicle.vin}/statistics?month=2026-13")

    assert march.json() | {"averageSpeedKmh": 60.0} == {
        "month": "2026-03",
        "trips": 2,
        "distanceKm": 120.0,
        "drivingS": 7200.0,
        "averageSpeedKmh": 60.0,
        "longestKm": 100.0,
        "maxSpeedKmh": 90.0,
        # The trips carry no charge or fuel level, and the model no store: nothing is guessed.
        "chargingSessions": 0,
        "energyChargedKwh": 0.0,
        "energyUsedKwh": None,
        "kwhPer100Km": None,
        "energyLostParkedKwh": None,
        "fuelUsedL": None,
        "litresPer100Km": None,
    }
    assert march.json()["averageSpeedKmh"] == pytest.approx(60.0)
    assert wrong.status_code == 400


async def test_an_owner_marks_a_notification_read_and_only_their_own(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    mine, theirs = await make_owner(count=1), await make_owner(count=1, seed=8)
    now = container.services.clock()
    notes = [
        Notification(
            str(uuid.uuid4()), v.id, NotificationType.ALERT, Severity.WARNING, "Tyres", "Low", now
        )
        for v in (mine.vehicles[0], theirs.vehicles[0])
    ]
    await record_history(container.services, notifications=notes)
    browser = await _signed_in(make_client, container, mine)
    token = {"x-csrf-token": _csrf(await browser.get("/"))}
    vin = mine.vehicles[0].vin

    before = (await browser.get(f"/app/api/vehicles/{vin}/notifications")).json()
    marked = await browser.post(
        f"/app/api/vehicles/{vin}/notifications/read",
        json={"ids": [n.id for n in notes]},
        headers=token,
    )
    after = (await browser.get(f"/app/api/vehicles/{vin}/notifications")).json()
    services = await browser.get(f"/app/api/vehicles/{vin}/service-records")
    async with container.store.reading() as uow:
        theirs_page = await uow.notifications.page(theirs.vehicles[0].id, unread_only=True)

    assert before["unread"] == 1 and before["notifications"][0]["title"] == "Tyres"
    assert marked.json() == {"marked": 1}, "the other owner's notification is not touched"
    assert after["unread"] == 0 and after["notifications"][0]["read"] is True
    assert theirs_page.unread_count == 1
    assert services.status_code == 200 and "records" in services.json()


async def test_a_notification_id_no_database_can_hold_marks_nothing(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    """A NUL or a lone surrogate would fail the whole request on PostgreSQL."""
    mine = await make_owner(count=1)
    browser = await _signed_in(make_client, container, mine)
    token = {"x-csrf-token": _csrf(await browser.get("/"))}

    marked = await browser.post(
        f"/app/api/vehicles/{mine.vehicles[0].vin}/notifications/read",
        content='{"ids": ["a\\u0000b", "\\ud800"]}',
        headers={**token, "content-type": "application/json"},
    )

    assert marked.status_code == 200, marked.text
    assert marked.json() == {"marked": 0}


async def test_an_operator_signs_in_with_a_token_and_sees_the_fleet_but_no_owners_data(
    container: Container,
    make_client: ClientFactory,
    make_owner: OwnerFactory,
    operator: str,
) -> None:
    owner = await make_owner(count=1)
    browser = await make_client(container)

    refused = await browser.post("/operations/sign-in", data={"token": "not a token"})
    signed_in = await browser.post("/operations/sign-in", data={"token": operator})
    page = await browser.get("/operations")
    fleet = await browser.get("/app/api/operator/fleet")
    health = await browser.get("/app/api/operator/ingestion")
    owners_data = await browser.get("/app/api/vehicles")

    assert "not a valid operator token" in refused.text
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/operations"
    assert "strict" in signed_in.headers["set-cookie"].lower()
    assert page.status_code == 200 and 'data-page="operator"' in page.text
    rows = {v["vin"]: v for v in fleet.json()["vehicles"]}
    assert rows[owner.vehicles[0].vin]["owner"] == owner.account.email
    assert {"received", "dropped", "brokerConnected"} <= health.json().keys()
    assert owners_data.status_code == 403


async def test_an_owner_never_reaches_the_operators_data(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    browser = await _signed_in(make_client, container, await make_owner(count=1))

    assert (await browser.get("/app/api/operator/fleet")).status_code == 403
    assert (await browser.get("/operations")).status_code == 404


async def test_pages_allow_no_other_host_unless_a_tile_server_is_set(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/operations/sign-in")
    tiled = content_security_policy(
        Settings(map_tiles_url="https://tiles.example.org/{z}/{x}/{y}.png")
    ).decode()

    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:;" in policy
    assert "img-src 'self' data: https://tiles.example.org;" in tiled
    assert "connect-src 'self'" in tiled
    spread = content_security_policy(
        Settings(map_tiles_url="https://{s}.tile.example.org/{z}/{x}/{y}.png")
    ).decode()
    assert "img-src 'self' data: https://*.tile.example.org;" in spread


async def test_ingestion_health_shows_the_figures_metrics_exports(
    container: Container, make_client: ClientFactory, operator: str
) -> None:
    RECEIVED.labels(channel="web-test").inc(3)
    browser = await make_client(container)
    await browser.post("/operations/sign-in", data={"token": operator})

    shown = (await browser.get("/app/api/operator/ingestion")).json()
    exported = (await browser.get("/metrics")).text

    line = next(
        x
        for x in exported.splitlines()
        if x.startswith("fleetlink_mqtt_messages_received_total{") and 'channel="web-test"' in x
    )
    assert shown["received"]["web-test"] == float(line.rsplit(" ", 1)[1]) >= 3


async def test_a_wrong_method_is_a_405_that_names_the_allowed_ones(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete("/")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


def test_a_tile_url_must_name_z_x_and_y() -> None:
    with pytest.raises(ValidationError, match=r"\{z\}, \{x\} and \{y\}"):
        Settings(map_tiles_url="https://tiles.example.org/tiles.png")


async def test_static_assets_are_served_gzipped(client: httpx.AsyncClient) -> None:
    leaflet = await client.get(
        "/static/vendor/leaflet/dist/leaflet.js", headers={"accept-encoding": "gzip"}
    )

    assert leaflet.status_code == 200
    assert leaflet.headers["content-encoding"] == "gzip"
    assert "no-store" not in leaflet.headers.get("cache-control", "")


def test_the_vendored_libraries_are_what_the_lock_pins(repo_root: Path) -> None:
    checked = subprocess.run(
        [sys.executable, "scripts/vendor_frontend.py", "--check"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=False,
    )

    assert checked.returncode == 0, checked.stderr


async def test_an_owner_reads_their_charging_sessions_and_a_curve_and_no_one_elses(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    mine, theirs = await make_owner(count=1), await make_owner(count=1, seed=8)
    car, foreign = mine.vehicles[0], theirs.vehicles[0]
    await store(container, [a_session(car, day) for day in range(3)] + [a_session(foreign, 0)])
    browser = await _signed_in(make_client, container, mine)

    page = await browser.get(f"/vehicles/{car.vin}/charging")
    listed = (await browser.get(f"/app/api/vehicles/{car.vin}/charging-sessions")).json()
    newest = listed["sessions"][0]
    opened = await browser.get(f"/app/api/vehicles/{car.vin}/charging-sessions/{newest['id']}")

    assert page.status_code == 200 and 'data-page="charging"' in page.text
    first = re.search(r'<script type="application/json" id="first-data">(.*?)</script>', page.text)
    assert first is not None and json.loads(first.group(1)) == listed, "the list rides in the page"
    assert listed["total"] == 3 and newest["startAt"] == "2026-05-03T18:00:00+00:00"
    assert newest | {"id": "…"} == {
        "id": "…",
        "startAt": "2026-05-03T18:00:00+00:00",
        "endAt": "2026-05-03T20:00:00+00:00",
        "durationS": 7200.0,
        "place": {"lat": 35.0, "lon": 137.0, "name": "Kariya, Aichi, Japan"},
        "socFromPct": 40.0,
        "socToPct": 60.2,
        "energyKwh": 14.4,
        "peakKw": 7.2,
        "meanKw": 7.2,
        "current": "ac",
    }
    assert opened.json()["curve"] == {
        "t": [1777831200.0, 1777834800.0, 1777838400.0],
        "socPct": [40.0, 50.1, 60.2],
        "powerKw": [7.2, 7.2, None],
    }
    # Their vehicle's page, list and session answer exactly as an unknown or malformed VIN.
    their_session = a_session(foreign, 0).id
    answers = {}
    for vin in (foreign.vin, new_vin(), "not-a-vin"):
        got = [
            await browser.get(f"/app/api/vehicles/{vin}/charging-sessions"),
            await browser.get(f"/app/api/vehicles/{vin}/charging-sessions/{their_session}"),
        ]
        answers[vin] = [(r.status_code, r.text.replace(vin, "VIN")) for r in got]
        assert (await browser.get(f"/vehicles/{vin}/charging")).status_code == 404
    assert len({str(a) for a in answers.values()}) == 1
    assert all(status == 404 for status, _ in answers[foreign.vin])
    # Their session's id under my VIN is no session of mine.
    crossed = await browser.get(f"/app/api/vehicles/{car.vin}/charging-sessions/{their_session}")
    assert crossed.status_code == 404


async def test_what_a_unit_never_reported_is_shown_as_not_reported(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    # A real unit may send any subset of the signals: one that sent only its position has
    # told nothing of its locks, doors, windows, ignition or motion.
    owner = await make_owner(count=1)
    car = await a_new_car(container, owner.account, owner.vehicles[0])
    now = datetime.now(UTC).replace(microsecond=0)
    await ingest(container.services, [sample(car.vin, "only-position", now, lat=35.08, lon=137.16)])
    browser = await _signed_in(make_client, container, owner)

    detail = (await browser.get(f"/app/api/vehicles/{car.vin}")).json()
    listed = (await browser.get("/app/api/vehicles")).json()

    status = detail["state"]["status"]
    assert {
        k: status[k] for k in ("locked", "ignitionOn", "parked", "doorsOpen", "windowsOpen")
    } == {
        "locked": None,
        "ignitionOn": None,
        "parked": None,
        "doorsOpen": None,
        "windowsOpen": None,
    }
    assert detail["position"]["lat"] == 35.08
    [summary] = [v for v in listed["vehicles"] if v["vin"] == car.vin]
    assert summary["locked"] is None
