"""The fleetlink command: serve, db, accounts, token."""

import asyncio
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
import uvicorn
from pydantic import ValidationError
from rich.console import Console

from fleetlink.app import create_app
from fleetlink.auth.keys import ensure_signing_key
from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.bootstrap import Container, build
from fleetlink.domain.errors import FleetlinkError
from fleetlink.domain.vin import normalize_vin
from fleetlink.logging import configure_logging
from fleetlink.services.accounts import create_account, find_account
from fleetlink.services.demo import ensure_demo_fleet
from fleetlink.settings import Settings
from fleetlink.storage.migrate import current_revision
from fleetlink.telematics.broker import BrokerPortTaken
from fleetlink.telematics.credentials import credential_key, password_for

app = typer.Typer(no_args_is_help=True, help="fleetlink: a self-hostable connected-vehicle cloud.")
db_app = typer.Typer(no_args_is_help=True, help="The database schema.")
accounts_app = typer.Typer(no_args_is_help=True, help="Owner accounts.")
app.add_typer(db_app, name="db")
app.add_typer(accounts_app, name="accounts")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")


def _settings(ctx: typer.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


def _run(settings: Settings, work: Callable[[Container], Awaitable[T]]) -> T:
    """Run work against a started container, turning fleetlink errors into one clear line."""

    async def main() -> T:
        container = build(settings)
        try:
            await container.start()
            return await work(container)
        finally:
            await container.close()

    try:
        return asyncio.run(main())
    except FleetlinkError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot reach the database ({exc})")
        raise typer.Exit(1) from exc


@app.callback()
def main_callback(ctx: typer.Context) -> None:
    """Read FLEETLINK_* settings once, for whichever command runs."""
    try:
        ctx.obj = Settings()
    except ValidationError as exc:
        err.print(f"[red]invalid FLEETLINK_* setting:[/red]\n{exc}")
        raise typer.Exit(2) from exc
    configure_logging(ctx.obj.log_level, json=ctx.obj.log_json)


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            err.print(
                f"[red]error:[/red] cannot listen on {host}:{port} ({exc.strerror}). "
                "Stop whatever uses it, or pick another port with --port or FLEETLINK_PORT."
            )
            raise typer.Exit(1) from exc


async def _announce_demo(container: Container) -> None:
    s = container.settings
    fleet = await ensure_demo_fleet(container.services, seed=s.demo_seed, count=s.demo_vehicles)
    token = await container.tokens.issue(
        fleet.account.guid, TOYOTA_AUDIENCE, s.token_ttl, container.services.clock()
    )
    out.print(f"[bold]demo fleet:[/bold] {len(fleet.vehicles)} vehicles for {fleet.account.email}")
    if fleet.password:
        out.print(f"  password (shown this once): [bold]{fleet.password}[/bold]")
    out.print(
        f"  access token, valid {s.token_ttl_seconds} s "
        f"(`fleetlink token {fleet.account.email}` prints another):"
    )
    out.print(token, soft_wrap=True, highlight=False)
    base = f"http://{s.host}:{s.port}"
    out.print(f"  try: curl -H 'Authorization: Bearer <token>' {base}/connected/v1/vehicles")
    out.print(f"  docs: {base}/connected/v1/docs")


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    demo: Annotated[
        bool | None, typer.Option("--demo/--no-demo", help="Create and show the demo fleet.")
    ] = None,
) -> None:
    """Migrate the store and serve both APIs."""
    overrides = {"host": host, "port": port, "demo": demo}
    try:
        # Validated like the environment, so --port 99999 is refused as FLEETLINK_PORT would be.
        settings = Settings.model_validate(
            {
                **_settings(ctx).model_dump(),
                **{k: v for k, v in overrides.items() if v is not None},
            }
        )
    except ValidationError as exc:
        err.print(f"[red]invalid option:[/red]\n{exc}")
        raise typer.Exit(2) from exc
    _check_port_free(settings.host, settings.port)

    async def run(container: Container) -> None:
        try:
            await container.start_broker()
        except BrokerPortTaken as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from exc
        if settings.demo:
            await _announce_demo(container)
        config = uvicorn.Config(
            create_app(container=container),
            host=settings.host,
            port=settings.port,
            log_config=None,
            lifespan="on",
        )
        await uvicorn.Server(config).serve()

    _run(settings, run)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply every pending migration (the server also does this when it starts)."""

    async def work(container: Container) -> str | None:
        return await current_revision(container.store.engine)

    out.print(f"database at revision {_run(_settings(ctx), work)}")


@accounts_app.command("create")
def accounts_create(
    ctx: typer.Context,
    email: str,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, help="At least 8 characters.")
    ],
) -> None:
    """Create an owner account; prints its guid."""

    async def work(container: Container) -> str:
        account = await create_account(container.services, email, password)
        return account.guid

    out.print(_run(_settings(ctx), work), highlight=False)


@app.command()
def token(
    ctx: typer.Context,
    email: str,
    ttl: Annotated[
        int | None,
        typer.Option(min=60, max=31_536_000, help="Lifetime in seconds (60 s to a year)."),
    ] = None,
) -> None:
    """Print a Toyota API access token for an account: the bare token, nothing else."""
    settings = _settings(ctx)

    async def work(container: Container) -> str:
        account = await find_account(container.services, email)
        lifetime = settings.token_ttl if ttl is None else type(settings.token_ttl)(seconds=ttl)
        return await container.tokens.issue(
            account.guid, TOYOTA_AUDIENCE, lifetime, container.services.clock()
        )

    sys.stdout.write(_run(settings, work) + "\n")


@app.command("mqtt-password")
def mqtt_password(ctx: typer.Context, vin: str) -> None:
    """Print the password a vehicle uses with its VIN to sign in to the embedded broker."""

    async def work(container: Container) -> str:
        canonical = normalize_vin(vin)
        key = await ensure_signing_key(container.store, container.services.clock())
        return password_for(credential_key(key.private_pem), canonical)

    sys.stdout.write(_run(_settings(ctx), work) + "\n")


def main() -> None:
    """Console-script entry point."""
    app()
