"""Failures nobody planned for still answer with one of the panel's pages, never a traceback."""

from dataclasses import replace
from datetime import datetime

from fleetlink.bootstrap import Container
from tests.conftest import ClientFactory, OwnerFactory
from tests.oauth import sign_in


def _broken_clock() -> datetime:
    raise RuntimeError("the clock fell off the wall")


async def test_an_unexpected_failure_is_a_500_page_with_the_request_id(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    browser = await make_client(container)
    page = await browser.get("/oauth/sign-in")
    assert (await sign_in(browser, page, owner.account.email)).status_code == 303
    broken = replace(container, services=replace(container.services, clock=_broken_clock))
    visitor = await make_client(broken)
    visitor.cookies = browser.cookies

    response = await visitor.get("/oauth/grants")

    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Something went wrong" in response.text
    assert response.headers["x-request-id"] in response.text
    assert "Traceback" not in response.text and "clock" not in response.text
    # The page keeps the panel's headers: no framing, no caching.
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
