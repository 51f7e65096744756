"""The operator's CLI, run as a user runs it: accounts, tokens, migrations, bad settings."""

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.bootstrap import build
from fleetlink.domain.errors import OAuthError
from fleetlink.services.clients import authenticate_client
from fleetlink.settings import Settings
from tests.conftest import Databases
from tests.storage.test_migrations import HEAD


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


async def fleetlink(url: str, *args: str, **env: str) -> Result:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fleetlink",
        *args,
        env={**os.environ, "FLEETLINK_DATABASE_URL": url, **env},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return Result(process.returncode, out.decode(), err.decode())


async def _subject_of(url: str, token: str) -> str:
    container = build(Settings(database_url=url))
    try:
        claims = await container.tokens.verify(token, TOYOTA_AUDIENCE, datetime.now(UTC))
    finally:
        await container.close()
    return claims.subject


async def test_an_operator_creates_an_account_and_gets_a_bare_token(databases: Databases) -> None:
    url = await databases.new()

    created = await fleetlink(
        url, "accounts", "create", "Ops@Example.com", "--password", "s3cret-pass"
    )
    token = await fleetlink(url, "token", "ops@example.com")

    assert created.code == 0, created.stderr
    guid = created.stdout.strip()
    assert len(guid) == 36
    assert token.code == 0, token.stderr
    assert token.stdout.count("\n") == 1 and token.stdout.count(".") == 2, "only the bare JWT"
    assert await _subject_of(url, token.stdout.strip()) == guid


async def test_account_creation_refuses_duplicates_bad_emails_and_short_passwords(
    databases: Databases,
) -> None:
    url = await databases.new()
    await fleetlink(url, "accounts", "create", "dup@example.com", "--password", "long-enough")

    duplicate = await fleetlink(
        url, "accounts", "create", "DUP@example.com", "--password", "long-enough"
    )
    bad_email = await fleetlink(
        url, "accounts", "create", "not-an-email", "--password", "long-enough"
    )
    short = await fleetlink(url, "accounts", "create", "new@example.com", "--password", "short")

    assert (duplicate.code, bad_email.code, short.code) == (1, 1, 1)
    assert "already exists" in duplicate.stderr
    assert "not a valid email" in bad_email.stderr
    assert "at least 8 characters" in short.stderr
    for result in (duplicate, bad_email, short):
        assert "Traceback" not in result.stderr
        assert result.stdout == ""


async def test_a_token_for_an_unknown_account_prints_nothing_and_fails(
    databases: Databases,
) -> None:
    result = await fleetlink(await databases.new(), "token", "nobody@example.com")

    assert result.code == 1
    assert result.stdout == ""
    assert "no account for nobody@example.com" in result.stderr


async def test_db_upgrade_migrates_and_is_idempotent(databases: Databases) -> None:
    url = await databases.new()

    first = await fleetlink(url, "db", "upgrade")
    second = await fleetlink(url, "db", "upgrade")

    assert first.code == second.code == 0
    assert f"revision {HEAD}" in first.stdout and f"revision {HEAD}" in second.stdout


async def test_an_invalid_setting_is_named_without_a_traceback() -> None:
    result = await fleetlink(
        "sqlite+aiosqlite:///:memory:", "db", "upgrade", FLEETLINK_PORT="eighty"
    )

    assert result.code == 2
    assert "FLEETLINK_PORT: " in result.stderr
    assert "Traceback" not in result.stderr


async def test_an_unreachable_database_is_reported_plainly() -> None:
    result = await fleetlink(
        "postgresql+asyncpg://nobody@127.0.0.1:1/none", "token", "x@example.com"
    )

    assert result.code == 1
    assert "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr


async def test_out_of_range_options_are_refused_plainly(databases: Databases) -> None:
    url = await databases.new()
    await fleetlink(url, "accounts", "create", "ttl@example.com", "--password", "long-enough")

    huge_ttl = await fleetlink(url, "token", "ttl@example.com", "--ttl", "99999999999999")
    negative_ttl = await fleetlink(url, "token", "ttl@example.com", "--ttl", "-100")
    bad_port = await fleetlink(url, "serve", "--port", "99999")

    for result in (huge_ttl, negative_ttl, bad_port):
        assert result.code == 2
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
    assert "port" in bad_port.stderr


async def test_an_operator_creates_lists_and_revokes_oauth_clients(databases: Databases) -> None:
    url = await databases.new()

    created = await fleetlink(
        url,
        "clients",
        "create",
        "My Fleet",
        "--redirect-uri",
        "https://fleet.example/cb",
        "--scope",
        "fleet:clearance",
    )
    listed = await fleetlink(url, "clients", "list", COLUMNS="200")

    assert created.code == 0, created.stderr
    printed = json.loads(created.stdout)
    assert set(printed) == {"client_id", "client_secret"}
    assert len(printed["client_secret"]) >= 43
    assert listed.code == 0, listed.stderr
    assert printed["client_id"] in listed.stdout and "My Fleet" in listed.stdout
    assert "fleet:clearance" in listed.stdout and "https://fleet.example/cb" in listed.stdout
    assert printed["client_secret"] not in listed.stdout, "the secret is shown once only"

    revoked = await fleetlink(url, "clients", "revoke", printed["client_id"])
    again = await fleetlink(url, "clients", "revoke", printed["client_id"])

    assert revoked.code == 0 and printed["client_id"] in revoked.stdout
    assert again.code == 1
    assert "no active client" in again.stderr and "Traceback" not in again.stderr
    container = build(Settings(database_url=url))
    try:
        await container.start()
        with pytest.raises(OAuthError):
            await authenticate_client(
                container.services, printed["client_id"], printed["client_secret"]
            )
    finally:
        await container.close()


async def test_client_creation_refuses_bad_names_uris_and_scopes_plainly(
    databases: Databases,
) -> None:
    url = await databases.new()

    blank = await fleetlink(url, "clients", "create", "  ")
    plain_http = await fleetlink(
        url, "clients", "create", "x", "--redirect-uri", "http://app.example/cb"
    )
    bad_scope = await fleetlink(url, "clients", "create", "x", "--scope", "vehicle:teleport")

    assert (blank.code, plain_http.code, bad_scope.code) == (1, 1, 2)
    assert "client name" in blank.stderr
    assert "only allowed to localhost" in plain_http.stderr
    assert "vehicle:teleport" in bad_scope.stderr
    for result in (blank, plain_http, bad_scope):
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
