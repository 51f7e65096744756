"""The owner's fleet requests: approve one, withdraw it, and the fleet sees each change."""

import httpx

from fleetlink.bootstrap import Container
from tests.api.conftest import FleetFactory, with_clearance
from tests.conftest import ClientFactory, OwnerFactory
from tests.oauth import form_posting_to, sign_in


async def _status(http: httpx.AsyncClient, vin: str, headers: dict[str, str]) -> str:
    status: str = (await http.get(f"/v1/fleet/vehicles/{vin}", headers=headers)).json()[
        "clearance_status"
    ]
    return status


async def test_an_owner_approves_a_fleet_in_the_panel_then_withdraws(
    container: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    production = with_clearance(container, auto_approve=False)
    api, browser = await make_client(production), await make_client(production)
    fleet = await make_fleet(api, "Acme Rentals")
    owner, stranger = await make_owner(count=2), await make_owner(count=1)
    vin = owner.vehicles[1].vin
    await api.post(
        "/v1/fleet/vehicles",
        json={"vin": vin, "brand": owner.vehicles[1].make, "license_plate": "ACME-7"},
        headers=fleet.headers,
    )

    to_sign_in = await browser.get("/oauth/fleets")
    back = await sign_in(
        browser, await browser.get(to_sign_in.headers["location"]), owner.account.email
    )
    page = await browser.get(back.headers["location"])
    form = form_posting_to(page, "/decide")
    approved = await browser.post(form.action, data={**dict(form.fields), "decision": "approve"})
    after_approval = await _status(api, vin, fleet.headers)
    page = await browser.get(approved.headers["location"])
    withdraw = form_posting_to(page, "/decide")
    await browser.post(withdraw.action, data={**dict(withdraw.fields), "decision": "decline"})

    assert "Acme Rentals" in page.text
    assert "ACME-7" in page.text
    assert "Approved: the fleet can read" in page.text
    assert "Withdraw access for Acme Rentals" in page.text
    assert after_approval == "approved"
    assert await _status(api, vin, fleet.headers) == "revoked"
    data = await api.get(f"/v1/vehicle-data/autoapi-13/{vin}", headers=fleet.headers)
    assert data.status_code == 403
    # Another owner's panel shows nothing of it, and cannot decide it.
    other = await make_client(production)
    await sign_in(other, await other.get("/oauth/sign-in"), stranger.account.email)
    assert "Acme Rentals" not in (await other.get("/oauth/fleets")).text
    stolen = await other.post(form.action, data={"csrf": "x", "decision": "approve"})
    assert stolen.status_code in (403, 404)
    assert await _status(api, vin, fleet.headers) == "revoked"


async def test_a_decision_without_the_csrf_token_changes_nothing(
    container: Container,
    make_client: ClientFactory,
    make_fleet: FleetFactory,
    make_owner: OwnerFactory,
) -> None:
    production = with_clearance(container, auto_approve=False)
    api, browser = await make_client(production), await make_client(production)
    fleet = await make_fleet(api)
    owner = await make_owner(count=1)
    vin = owner.vehicles[0].vin
    await api.post(
        "/v1/fleet/vehicles",
        json={"vin": vin, "brand": owner.vehicles[0].make},
        headers=fleet.headers,
    )
    await sign_in(browser, await browser.get("/oauth/sign-in"), owner.account.email)
    form = form_posting_to(await browser.get("/oauth/fleets"), "/decide")

    forged = await browser.post(form.action, data={"decision": "approve"})

    assert forged.status_code == 403
    assert await _status(api, vin, fleet.headers) == "pending"


def test_sign_in_returns_to_a_panel_page_whose_query_carries_urls() -> None:
    from fleetlink.api.owner_panel.session import HOME, safe_next

    consent = "/oauth/new?redirect_uri=https://app.example/cb&state=a//b"

    assert safe_next(consent) == consent
    for elsewhere in ("//evil.example/oauth/", "https://evil.example/oauth/x", "/oauth//x", "/x"):
        assert safe_next(elsewhere) == HOME, elsewhere
    assert safe_next("/oauth\\..\\x") == HOME


def test_sign_in_returns_to_a_page_of_the_web_app() -> None:
    from fleetlink.api.owner_panel.session import safe_next

    for page in ("/", "/vehicles/JTDKARFP0J3000001", "/vehicles/JTDKARFP0J3000001/trips"):
        assert safe_next(page) == page
