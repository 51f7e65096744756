"""Schemathesis over the whole Toyota contract, against a real server with a real fleet:
no 5xx, and no response that breaks the contract's schemas."""

import asyncio
import base64
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest_asyncio

from fleetlink.bootstrap import build
from fleetlink.domain.notifications import Notification, NotificationType, ServiceRecord
from fleetlink.domain.state import Severity
from fleetlink.domain.trips import RoutePoint, Trip
from fleetlink.services.clients import create_client
from fleetlink.services.history import record_history
from fleetlink.settings import Settings
from tests.api.conftest import new_fleet
from tests.api.fuzzing import Exclusion, Given, Refused, schemathesis
from tests.conftest import Databases
from tests.live import LiveServer, start_server

# The Toyota contract lists only the success (and at most 401 or 404) for these operations, yet
# each must still refuse a request without a token (401) or with a malformed body or query
# (400, in the contract's Error shape): status_code_conformance would call those refusals
# undocumented. Every other check still runs on them; GET /vehicles lists 401 and has no
# input to refuse, so it keeps this check too.
UNLISTED_REFUSALS = tuple(
    Exclusion(
        "status_code_conformance",
        method,
        path,
        "the Toyota contract lists no 400/401 here, but a request without a token or with "
        "malformed input must still be refused",
    )
    for method, path in [
        ("GET", "/vehicles/{vin}"),
        ("PUT", "/vehicles/{vin}"),
        ("GET", "/vehicles/{vin}/status"),
        ("POST", "/vehicles/{vin}/status/refresh"),
        ("GET", "/vehicles/{vin}/health"),
        ("GET", "/vehicles/{vin}/location"),
        ("GET", "/vehicles/{vin}/electric"),
        ("POST", "/vehicles/{vin}/electric/refresh"),
        ("GET", "/vehicles/{vin}/climate"),
        ("PUT", "/vehicles/{vin}/climate"),
        ("POST", "/vehicles/{vin}/climate/command"),
        ("GET", "/vehicles/{vin}/trips"),
        ("GET", "/vehicles/{vin}/notifications"),
        ("POST", "/vehicles/{vin}/remote-command"),
        ("GET", "/vehicles/{vin}/service-history"),
    ]
)

# Where the contract says more in prose than its schema can, or leaves out a bound every
# vehicle has, a request the schema allows is still refused (400, in the Toyota shape), and
# positive_data_acceptance would call that refusal a defect.
BEYOND_THE_SCHEMA = (
    Exclusion(
        "positive_data_acceptance",
        "PUT",
        "/vehicles/{vin}",
        "a nickname is any string to the schema, but one over 64 characters or with control "
        "characters is refused, as all untrusted text is",
    ),
    Exclusion(
        "positive_data_acceptance",
        "POST",
        "/vehicles/{vin}/status/refresh",
        "the body's vin and guid name the vehicle and the account again; when they are not "
        "the path's and the token's the request is refused",
    ),
    Exclusion(
        "positive_data_acceptance",
        "PUT",
        "/vehicles/{vin}/climate",
        "temperature is any number to the schema; a cabin target outside 60–85 °F is refused",
    ),
    Exclusion(
        "positive_data_acceptance",
        "POST",
        "/vehicles/{vin}/climate/command",
        "the contract gives temperature 'for start command' only, and any number; a stop "
        "with a temperature, or a target outside 60–85 °F, is refused",
    ),
    Exclusion(
        "positive_data_acceptance",
        "POST",
        "/vehicles/{vin}/remote-command",
        "the contract gives beeps 'for horn command' only; beeps with another command is refused",
    ),
    Exclusion(
        "positive_data_acceptance",
        "GET",
        "/vehicles/{vin}/trips",
        "limit has a maximum of 50 but no minimum, offset no minimum; a limit below 1, a "
        "negative offset or a toDate before fromDate is refused",
    ),
)
TOYOTA_EXCLUSIONS = UNLISTED_REFUSALS + BEYOND_THE_SCHEMA


def _guid(token: str) -> str:
    """The account's guid: the access token's subject."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["sub"])


def _refresh_body(token: str, vin: str | None) -> tuple[Given, ...]:
    """A status refresh names its vehicle and account in the body as well as in the path and
    the token, and is refused when they differ; random strings would never match them."""
    values = {"body.guid": _guid(token)} | ({"body.vin": vin} if vin else {})
    return (Given("POST", "/vehicles/{vin}/status/refresh", values),)


@dataclass
class Fleet:
    server: LiveServer
    token: str
    vins: list[str]
    database_url: str


async def _give_history(database_url: str, vin: str) -> None:
    """Trips, notifications and service records for one vehicle, so that lists are not empty."""
    container = build(Settings(database_url=database_url))
    try:
        async with container.store.reading() as uow:
            vehicle_id = (await uow.vehicles.existing_ids([vin]))[vin]
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
        route = tuple(
            RoutePoint(33.02 + i / 1000, -96.70 + i / 1000, start + timedelta(minutes=i))
            for i in range(20)
        )
        await record_history(
            container.services,
            trips=[Trip(str(uuid.uuid4()), vehicle_id, route[0], route[-1], 12.5, 88.0, route)],
            notifications=[
                Notification(
                    str(uuid.uuid4()),
                    vehicle_id,
                    NotificationType.RECALL,
                    Severity.CRITICAL,
                    "Recall 24TB08",
                    "Fuel pump may fail",
                    start,
                    is_read=False,
                )
            ],
            service_records=[
                ServiceRecord(
                    str(uuid.uuid4()),
                    vehicle_id,
                    "oil_change",
                    "Oil and filter",
                    date(2026, 1, 5),
                    12000.0,
                    "04136",
                    "Toyota of Plano",
                )
            ],
        )
    finally:
        await container.close()


@pytest_asyncio.fixture(scope="session")
async def fleet(databases: Databases) -> AsyncIterator[Fleet]:
    url = await databases.new()
    # Webhooks to a loopback address, so that the fuzzer's subscriptions can be made.
    server = await start_server(
        url,
        "--demo",
        env={
            "FLEETLINK_WEBHOOKS_ALLOW_HTTP": "1",
            "FLEETLINK_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "1",
        },
    )
    token = server.printed_token()
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        listed = await client.get(
            "/connected/v1/vehicles", headers={"Authorization": f"Bearer {token}"}
        )
    vins = [v["vin"] for v in listed.json()["data"]]
    await _give_history(url, vins[0])
    yield Fleet(server, token, vins, url)
    await server.stop()


async def _peer_token(database_url: str) -> str:
    """Another owner's token (an owner without vehicles), made as an operator would."""
    env = {**os.environ, "FLEETLINK_DATABASE_URL": database_url, "FLEETLINK_LOG_LEVEL": "warning"}
    email = f"peer-{uuid.uuid4().hex[:8]}@example.com"
    for args in (("owners", "create", email), ("token", email)):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "fleetlink",
            *args,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
        assert process.returncode == 0, err.decode()
    return out.decode().strip()


async def test_schemathesis_finds_nothing_on_a_real_vehicle(fleet: Fleet, tmp_path: Path) -> None:
    """With a second owner as a peer: object_level_authorization replays the first owner's
    reads with the peer's token, which must get none of them."""
    await schemathesis(
        tmp_path,
        "toyota-connected-services.openapi.yaml",
        f"{fleet.server.base_url}/connected/v1",
        fleet.token,
        fleet.vins[0],
        exclusions=TOYOTA_EXCLUSIONS,
        given=_refresh_body(fleet.token, fleet.vins[0]),
        peer_token=await _peer_token(fleet.database_url),
    )


async def test_schemathesis_finds_nothing_with_random_vins(fleet: Fleet, tmp_path: Path) -> None:
    await schemathesis(
        tmp_path,
        "toyota-connected-services.openapi.yaml",
        f"{fleet.server.base_url}/connected/v1",
        fleet.token,
        None,
        exclusions=TOYOTA_EXCLUSIONS,
        given=_refresh_body(fleet.token, None),
        # Random VINs are malformed and refused (400) before the logic; the run on a real
        # vehicle is the one that must reach it.
        unreached_fails=False,
    )


# The live stream never ends on its own, so a fuzzer's request to it would wait for ever;
# its bad inputs are tested in tests/api/webhooks/test_stream.py.
NOT_THE_STREAM = ("--exclude-operation-id", "streamEvents")

# The owner panel's forms: the contract sends a request without a signed-in session to sign
# in (303) before its form or query is read, and the fuzzer has no session cookie, so
# negative_data_rejection would call that documented redirect an acceptance.
WITHOUT_A_SESSION = tuple(
    Exclusion(
        "negative_data_rejection",
        method,
        path,
        "without a signed-in session the contract answers 303 to sign in, whatever was sent",
    )
    for method, path in [
        ("GET", "/oauth/grants"),
        ("POST", "/oauth/consent"),
        ("POST", "/oauth/sign-in"),
        ("POST", "/oauth/sign-out"),
        ("POST", "/oauth/grants/{grantId}/revoke"),
    ]
)
EXTENSION_EXCLUSIONS = (
    *WITHOUT_A_SESSION,
    Exclusion(
        "ignored_auth",
        "POST",
        "/oauth/sign-in",
        "its ownerSession is the visitor's session; when it expired while the form was open "
        "the contract answers 200 with a fresh form, not 401/403",
    ),
    Exclusion(
        "negative_data_rejection",
        "GET",
        "/oauth/new",
        "once the client and its redirect_uri are verified, RFC 6749 §4.1.2.1 and the "
        "contract send every other fault back to the app as a 303 with error=…, not a 400",
    ),
    Exclusion(
        "positive_data_acceptance",
        "POST",
        "/fleetlink/v1/webhooks/{subscriptionId}/replay",
        "the contract's WebhookReplay asks in prose for either event_ids, or start and end; "
        "an empty body or a start alone is refused",
    ),
    Exclusion(
        "positive_data_acceptance",
        "GET",
        "/fleetlink/v1/vehicles/{vin}/charging-sessions",
        "the contract asks in prose for from before to; two independent date-times often "
        "are not, and that is refused with a 400",
    ),
    Exclusion(
        "positive_data_acceptance",
        "POST",
        "/fleetlink/v1/webhooks",
        "the contract's prose asks for a public https:// URL and keeps the high-mobility "
        "format to a fleet's fleet.clearance_changed; the schema's string and enum cannot",
    ),
)


# A receiver nothing listens on (the discard port): deliveries fail and are retried later.
HOOK_URL = "http://127.0.0.1:9/fuzzed"
APP_REDIRECT = "https://app.example/callback"


async def _an_app(database_url: str) -> str:
    """A third-party app's client id, registered with APP_REDIRECT."""
    container = build(Settings(database_url=database_url))
    try:
        registered, _ = await create_client(
            container.services, "fuzzed app", redirect_uris=[APP_REDIRECT]
        )
        return registered.client_id
    finally:
        await container.close()


async def _a_command(fleet: Fleet) -> str:
    """The request id of a command sent to the fleet's first vehicle (its owner's)."""
    async with httpx.AsyncClient(base_url=fleet.server.base_url) as http:
        sent = await http.post(
            f"/connected/v1/vehicles/{fleet.vins[0]}/remote-command",
            json={"command": "lock"},
            headers={"Authorization": f"Bearer {fleet.token}"},
        )
    assert sent.status_code == 200, sent.text
    return str(sent.json()["requestId"])


async def _extensions(
    fleet: Fleet, tmp_path: Path, token: str, peer_token: str | None = None
) -> None:
    # No subscription id is pinned: the stateful phase reaches the operations on one through
    # the subscriptions it creates (and deletes), which a pinned id would override.
    await schemathesis(
        tmp_path,
        "fleetlink-extensions.openapi.yaml",
        fleet.server.base_url,
        token,
        fleet.vins[0],
        *NOT_THE_STREAM,
        exclusions=EXTENSION_EXCLUSIONS,
        given=(Given("POST", "/fleetlink/v1/webhooks", {"body.url": HOOK_URL}),),
        refused=(
            Refused(
                "POST",
                "/fleetlink/v1/webhooks/{subscriptionId}/replay",
                "WebhookReplay says in prose 'either event_ids, or start and end', which the "
                "generator cannot know: most of its valid bodies carry both",
            ),
            Refused(
                "GET",
                "/fleetlink/v1/vehicles/{vin}/charging-sessions",
                "the contract asks in prose for from before to, which two generated date-times "
                "mostly are not",
            ),
        ),
        parameters={
            "path.requestId": await _a_command(fleet),
            "query.client_id": await _an_app(fleet.database_url),
            "query.redirect_uri": APP_REDIRECT,
        },
        peer_token=peer_token,
    )


async def test_schemathesis_finds_nothing_in_our_extensions(fleet: Fleet, tmp_path: Path) -> None:
    """With a second owner as peer: their webhook subscriptions are not the first one's."""
    await _extensions(fleet, tmp_path, fleet.token, await _peer_token(fleet.database_url))


async def _fleet_token(fleet: Fleet, database_url: str) -> str:
    """A High Mobility client's own token (client credentials), from the live server."""
    container = build(Settings(database_url=database_url))
    try:
        async with httpx.AsyncClient(base_url=fleet.server.base_url) as http:
            return (await new_fleet(container, http, "fuzzed fleet")).token
    finally:
        await container.close()


async def test_schemathesis_finds_nothing_in_our_extensions_with_a_fleet_token(
    fleet: Fleet, tmp_path: Path
) -> None:
    """The webhooks API as a High Mobility fleet sees it (and clearance history, which an
    owner's token cannot reach)."""
    await _extensions(fleet, tmp_path, await _fleet_token(fleet, fleet.database_url))
