"""The web app in a real browser, against a real server with the demo fleet."""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.async_api import Browser, Page, Response

from tests.api.operator.conftest import new_vin
from tests.web.conftest import Site, Watched, sign_in_owner

MAX_FIRST_LOAD_BYTES = 500_000


async def _fleet(page: Page) -> list[dict[str, object]]:
    response = await page.request.get("/app/api/vehicles")
    assert response.ok
    vehicles: list[dict[str, object]] = (await response.json())["vehicles"]
    return vehicles


async def test_an_owner_signs_in_and_sees_the_demo_fleet_on_the_map(
    site: Site, watched: Watched, artifacts: Path
) -> None:
    page = await watched.page()
    await page.goto(f"{site.base_url}/")
    await page.wait_for_url("**/oauth/sign-in?**")
    await page.screenshot(path=artifacts / "sign-in.png")
    await sign_in_owner(page, site)
    await page.wait_for_selector("body[data-markers]")
    await page.wait_for_selector("path.leaflet-interactive", state="attached")
    fleet = await _fleet(page)

    assert len(fleet) == 8
    assert await page.get_attribute("body", "data-vehicles") == "8"
    positioned = sum(1 for v in fleet if v["position"])
    assert await page.get_attribute("body", "data-markers") == str(positioned)
    assert await page.locator("#fleet li").count() == 8
    # The map came with its data, and keeps asking (docs/web.md: polling).
    # (Polls come 5 s apart: the second stays on for that long.)
    await page.wait_for_selector("body[data-polls='2']", timeout=15_000)
    await page.screenshot(path=artifacts / "map.png", full_page=True)

    # The owner panel's pages are part of the app, under the same header.
    await page.click("text=Your apps")
    await page.wait_for_url("**/oauth/grants")
    await page.screenshot(path=artifacts / "apps.png")
    await page.click("a.brand")
    await page.wait_for_url(f"{site.base_url}/")


async def test_the_map_pages_first_load_transfers_under_500_kb(
    site: Site, watched: Watched, browser: Browser, artifacts: Path
) -> None:
    page = await watched.page()
    await sign_in_owner(page, site)
    # The map page loaded afresh, as by a browser that has signed in and cached nothing.
    cold = await browser.new_context(
        base_url=site.base_url, storage_state=await watched.context.storage_state()
    )
    fresh = await cold.new_page()
    sizes: list[tuple[str, int]] = []

    async def measure(response: Response) -> None:
        got = await response.request.sizes()
        sizes.append((response.url, got["responseBodySize"] + got["responseHeadersSize"]))

    fresh.on("response", measure)
    await fresh.goto(f"{site.base_url}/")
    await fresh.wait_for_selector("body[data-markers]")
    await fresh.wait_for_load_state("networkidle")
    await cold.close()
    total = sum(size for _, size in sizes)
    (artifacts / "first-load.json").write_text(
        json.dumps({"total_bytes": total, "responses": sizes}, indent=2)
    )

    assert all(url.startswith(f"{site.base_url}/") for url, _ in sizes), sizes
    assert 0 < total < MAX_FIRST_LOAD_BYTES, sizes


async def test_an_owner_locks_a_vehicle_and_sees_the_command_succeed(
    site: Site, watched: Watched, artifacts: Path
) -> None:
    page = await watched.page()
    await sign_in_owner(page, site)
    vin = next(v["vin"] for v in await _fleet(page) if v["activity"] == "parked")
    await page.goto(f"{site.base_url}/vehicles/{vin}")
    await page.wait_for_selector("#lock-state")
    if await page.get_attribute("#lock-state", "data-locked") == "true":
        await page.click("button[data-command=unlock]")
        await page.wait_for_selector("#command-log li[data-status=succeeded]", timeout=30_000)
        await page.wait_for_selector("#lock-state[data-locked=false]")

    await page.click("button[data-command=lock]")
    line = page.locator("#command-log li").first
    await page.wait_for_selector(
        "#command-log li:first-child[data-status=succeeded]", timeout=30_000
    )
    await page.wait_for_selector("#lock-state[data-locked=true]")

    assert "succeeded" in (await line.text_content() or "")
    assert "Locked" in (await page.text_content("#lock-state") or "")
    assert await page.locator("#lock-state svg.padlock.closed").count() == 1
    await page.screenshot(path=artifacts / "vehicle-locked.png", full_page=True)


async def test_the_units_chosen_are_remembered(site: Site, watched: Watched) -> None:
    page = await watched.page()
    await sign_in_owner(page, site)
    vin = (await _fleet(page))[0]["vin"]
    await page.goto(f"{site.base_url}/vehicles/{vin}")
    await page.wait_for_selector("#lock-state")
    assert " km" in (await page.text_content("#parts") or "")

    await page.click("#units")
    await page.reload()
    await page.wait_for_selector("#lock-state")

    assert await page.text_content("#units") == "mi · °F"
    shown = await page.text_content("#parts") or ""
    assert " mi" in shown and " km" not in shown


async def test_an_owner_opens_a_trip_and_replays_it_with_its_speed_chart(
    site: Site, watched: Watched, artifacts: Path
) -> None:
    page = await watched.page()
    await sign_in_owner(page, site)
    today = datetime.now(UTC).date()
    found = None
    for vehicle in await _fleet(page):
        for back in range(4):
            day = today - timedelta(days=back)
            trips = await page.request.get(f"/app/api/vehicles/{vehicle['vin']}/trips?day={day}")
            if (await trips.json())["trips"]:
                found = vehicle["vin"]
                break
        if found:
            break
    assert found, "the demo fleet's three days hold trips"

    await page.goto(f"{site.base_url}/vehicles/{found}/trips")
    await page.wait_for_selector("#trips li[data-trip] button")
    await page.wait_for_selector("body[data-month-trips]")
    assert int(await page.get_attribute("body", "data-month-trips") or 0) >= 1
    await page.click("#trips li[data-trip] button")
    await page.wait_for_selector("body[data-route-points]")
    await page.wait_for_selector("#chart .uplot")
    # Hovering the chart puts the marker on the place of that moment.
    chart = await page.locator("#chart .u-over").bounding_box()
    assert chart is not None
    await page.mouse.move(chart["x"] + chart["width"] * 0.6, chart["y"] + chart["height"] / 2)
    await page.wait_for_selector("body[data-hover-point]")
    assert int(await page.get_attribute("body", "data-hover-point") or 0) > 0
    await page.mouse.move(0, 0)
    await page.select_option("#replay-speed", "60")
    await page.click("#play")
    await page.wait_for_selector("body[data-replaying=true]")
    start = float(await page.get_attribute("body", "data-replay-t") or 0)
    await page.wait_for_timeout(1000)
    await page.screenshot(path=artifacts / "trip-replay.png", full_page=True)
    moved = float(await page.get_attribute("body", "data-replay-t") or 0)
    await page.click("#play")  # pause
    await page.wait_for_selector("body[data-replaying=false]")

    assert moved > start, "the replay's marker moves along the route in time"
    assert await page.locator("path.leaflet-interactive").count() >= 1


async def test_an_owner_opens_a_charging_session_and_sees_its_curve(
    site: Site, watched: Watched, artifacts: Path
) -> None:
    page = await watched.page()
    await sign_in_owner(page, site)
    electric = [str(v["vin"]) for v in await _fleet(page) if v["powertrain"] == "bev"]
    assert electric, "the demo fleet has a battery-electric car"
    # Its three days lived include charging at home (docs/charging.md).
    charged: dict[str, int] = {}
    for car in electric:
        found = await page.request.get(f"/app/api/vehicles/{car}/charging-sessions")
        charged[car] = (await found.json())["total"]
    vin = max(charged, key=lambda car: charged[car])
    assert charged[vin] >= 1, f"no battery car of the demo charged in its days lived: {charged}"

    await page.goto(f"{site.base_url}/vehicles/{vin}")
    await page.click("text=Charging")
    await page.wait_for_url(f"**/vehicles/{vin}/charging")
    await page.wait_for_selector("body[data-sessions]")
    assert await page.get_attribute("body", "data-sessions") == str(min(charged[vin], 50))
    listed = await page.locator("#sessions li[data-session]").first.text_content() or ""
    assert "kWh" in listed and ("AC" in listed or "DC" in listed)
    await page.click("#sessions li[data-session] button")
    await page.wait_for_selector("body[data-open-session]")
    await page.wait_for_selector("#curve .uplot canvas")
    points = int(await page.get_attribute("body", "data-curve-points") or 0)
    # The canvas holds the drawn lines: some of its pixels are coloured.
    inked = await page.evaluate(
        """() => {
            const c = document.querySelector("#curve .uplot canvas");
            const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
            return n;
        }"""
    )
    detail = await page.text_content("#session") or ""
    await page.screenshot(path=artifacts / "charging.png", full_page=True)

    assert points >= 2, "the curve has its samples"
    assert inked > 500, "the curve is drawn on the chart's canvas"
    assert "Energy added" in detail and "kWh" in detail and "Peak power" in detail
    # The trips page's month tells the energy this battery car used and lost parked.
    await page.click("text=Trips")
    await page.wait_for_selector("body[data-month-energy]")
    assert await page.get_attribute("body", "data-month-energy") == "shown"
    assert "kWh/100 km" in (await page.text_content("#month") or "")
    await page.screenshot(path=artifacts / "trips-month.png", full_page=True)
    await page.click("#units")
    await page.wait_for_selector("#month:has-text('kWh/100 mi')")
    assert " km" not in (await page.text_content("#month") or "")
    await page.click("#units")  # back to km, as the other tests expect


async def test_an_operator_sees_the_fleet_table_and_ingestion_health(
    site: Site, watched: Watched, artifacts: Path
) -> None:
    page = await watched.page()
    await page.goto(f"{site.base_url}/operations/sign-in")
    await page.fill("#token", site.operator_token)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{site.base_url}/operations")
    await page.wait_for_selector("#fleet-table tbody tr")
    await page.wait_for_selector("body[data-health=shown]")

    assert await page.locator("#fleet-table tbody tr").count() == 9  # the demo's 8 and one more
    health = await page.text_content("#health") or ""
    assert "Messages received" in health and "Broker connection" in health
    await page.fill("#filter", site.other_vin)
    await page.wait_for_selector("body[data-rows='1']")
    await page.fill("#filter", "other@example.com")
    await page.wait_for_selector("body[data-rows='1']")
    await page.fill("#filter", "")
    await page.click("th[data-sort=lastSeenAt]")
    await page.screenshot(path=artifacts / "operations.png", full_page=True)


async def test_an_owner_never_sees_another_owners_vehicle_by_url(
    site: Site, watched: Watched, artifacts: Path
) -> None:
    page = await watched.page()
    await sign_in_owner(page, site)
    unknown = new_vin()
    assert site.other_vin not in [v["vin"] for v in await _fleet(page)]

    answers = {}
    for vin in (site.other_vin, unknown):
        shown = await page.goto(f"{site.base_url}/vehicles/{vin}")
        assert shown is not None
        shown_text = await shown.text()
        api = await page.request.get(f"/app/api/vehicles/{vin}")
        trips = await page.request.get(f"/app/api/vehicles/{vin}/trips?day=2026-01-01")
        lock = await page.request.post(
            f"/app/api/vehicles/{vin}/commands",
            data={"kind": "unlock"},
            headers={"x-csrf-token": await _csrf(page)},
        )
        answers[vin] = (
            shown.status,
            shown_text.replace(vin, "VIN"),
            api.status,
            (await api.text()).replace(vin, "VIN"),
            trips.status,
            lock.status,
            (await lock.text()).replace(vin, "VIN"),
        )
    await page.screenshot(path=artifacts / "foreign-vehicle.png")

    assert answers[site.other_vin][0] == 404
    assert answers[site.other_vin][2] == answers[site.other_vin][4] == 404
    assert answers[site.other_vin][5] == 404
    # Page text differs only by the request id it quotes; the rest is the same answer.
    strip = [_without_request_id(a) for a in answers.values()]
    assert strip[0] == strip[1]


def _without_request_id(answer: tuple[object, ...]) -> tuple[object, ...]:
    return tuple(
        re.sub(r"Request id [0-9a-f-]+", "", part) if isinstance(part, str) else part
        for part in answer
    )


async def _csrf(page: Page) -> str:
    await page.goto(page.url.split("/vehicles/")[0] + "/")
    return await page.get_attribute('meta[name="csrf-token"]', "content") or ""


async def test_the_api_docs_render_with_no_request_to_another_host(
    site: Site, watched: Watched, artifacts: Path
) -> None:
    page = await watched.page()
    for docs in ("/connected/v1/docs", "/v1/docs"):
        await page.goto(f"{site.base_url}{docs}")
        await page.wait_for_selector(".swagger-ui .info .title")
        await page.wait_for_selector(".opblock")
    await page.screenshot(path=artifacts / "api-docs.png")
