"""A real `fleetlink serve --demo` and a real Chromium (Debian's, driven by Playwright).

Chromium comes from `make browser-tools` (part of `make pytest`); where it cannot be had the
tests skip and say why, except under CI=true, where that fails. Every page a test opens is
watched: a request to any host but the server's fails the test. Screenshots go to
test-artifacts/web/ (git-ignored), or FLEETLINK_TEST_ARTIFACTS.
"""

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.api.operator.conftest import new_vin
from tests.conftest import service_unavailable
from tests.live import LiveServer, start_server

CHROMIUM = Path(os.environ.get("FLEETLINK_TEST_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = (
    Path(
        os.environ.get(
            "FLEETLINK_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"
        )
    )
    / "web"
)
OPERATOR_EMAIL = "ops@example.com"
OTHER_OWNER = "other@example.com"
OTHER_PASSWORD = "another long password"


@dataclass
class Site:
    """The demo deployment the browser tests use."""

    server: LiveServer
    owner_email: str
    owner_password: str
    operator_token: str
    other_vin: str

    @property
    def base_url(self) -> str:
        return self.server.base_url


async def _cli(database_url: str, *args: str) -> str:
    """Run a fleetlink command against the server's database; its standard output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fleetlink",
        *args,
        env={**os.environ, "FLEETLINK_DATABASE_URL": database_url, "COLUMNS": "500"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode().strip()


@pytest_asyncio.fixture(scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory, chromium: Path) -> AsyncIterator[Site]:
    """The demo fleet with three days lived, an operator, and another owner with a car.

    It asks for Chromium first, so that without one the tests skip before a server starts.
    """
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('web') / 'fleetlink.db'}"
    server = await start_server(
        url,
        "--demo",
        env={"FLEETLINK_DEMO_HISTORY_DAYS": "3", "FLEETLINK_DEMO_VEHICLES": "8"},
    )
    try:
        banner = "".join(server.stdout)
        email = next(w for w in banner.split() if w.endswith("@example.com"))
        password = next(
            line.rsplit(" ", 1)[1].strip() for line in server.stdout if "password (" in line
        )
        await _cli(url, "operators", "create", OPERATOR_EMAIL)
        token = (await _cli(url, "token", "--operator", OPERATOR_EMAIL)).replace("\n", "")
        await _cli(url, "accounts", "create", OTHER_OWNER, "--password", OTHER_PASSWORD)
        other_vin = new_vin()
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            registered = await http.post(
                "/operator/v1/vehicles",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "vin": other_vin,
                    "make": "Toyota",
                    "model": "Corolla",
                    "year": 2024,
                    "powertrain": "ice",
                    "ownerId": OTHER_OWNER,
                },
            )
            assert registered.status_code == 201, registered.text
        yield Site(server, email, password, token, other_vin)
    finally:
        await server.stop()


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium (Playwright's own browser download cannot work offline)."""
    if not CHROMIUM.exists():
        service_unavailable(
            f"Chromium is not installed at {CHROMIUM}: `make browser-tools` installs it "
            "(apt-get install chromium)"
        )
    return CHROMIUM


@pytest_asyncio.fixture(scope="module")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    """Chromium, headless."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(chromium))
        yield launched
        await launched.close()


@dataclass
class Watched:
    """A browser context, and every URL its pages asked for."""

    context: BrowserContext
    requests: list[str] = field(default_factory=list)

    async def page(self) -> Page:
        return await self.context.new_page()


@pytest_asyncio.fixture
async def watched(browser: Browser, site: Site) -> AsyncIterator[Watched]:
    """A fresh browser context; at the end, no request may have gone to another host."""
    context = await browser.new_context(
        base_url=site.base_url, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(20_000)
    seen = Watched(context)
    context.on("request", lambda request: seen.requests.append(request.url))
    yield seen
    await context.close()
    elsewhere = [
        url
        for url in seen.requests
        if not url.startswith(f"{site.base_url}/") and not url.startswith(("data:", "blob:"))
    ]
    assert not elsewhere, f"requests left fleetlink: {elsewhere}"
    assert seen.requests, "the test made no request at all"


@pytest.fixture
def artifacts() -> Path:
    """Where the screenshots go."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


async def sign_in_owner(page: Page, site: Site, email: str = "", password: str = "") -> None:
    """Sign in at the owner panel's form as the web app sends one there."""
    await page.goto(f"{site.base_url}/")
    await page.wait_for_url("**/oauth/sign-in?**")
    await page.fill("#email", email or site.owner_email)
    await page.fill("#password", password or site.owner_password)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{site.base_url}/")
