"""The fleetlink command: serve, db, accounts, token."""

import asyncio
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, TypeVar

import typer
import uvicorn
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

from fleetlink.app import create_app
from fleetlink.auth.keys import ensure_signing_key
from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.bootstrap import Container, build
from fleetlink.domain.errors import Conflict, FleetlinkError
from fleetlink.domain.fleetgen import generate_fleet
from fleetlink.domain.notifications import NotificationType
from fleetlink.domain.state import Severity
from fleetlink.domain.vin import normalize_vin
from fleetlink.logging import configure_logging
from fleetlink.services.accounts import create_account, find_account
from fleetlink.services.campaigns import post_campaign
from fleetlink.settings import Settings
from fleetlink.simulator.backfill import BackfillResult
from fleetlink.simulator.demo import prepare_demo
from fleetlink.simulator.fleet import simulate_generated
from fleetlink.simulator.model import SimVehicle
from fleetlink.simulator.runner import FleetRunner, SimClock
from fleetlink.storage.migrate import current_revision
from fleetlink.telematics.broker import BrokerPortTaken
from fleetlink.telematics.credentials import credential_key, password_for
from fleetlink.telematics.link import BrokerAddress

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


async def _announce_demo(container: Container) -> tuple[list[SimVehicle], BackfillResult | None]:
    s = container.settings
    now = container.services.clock()
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), console=err, transient=True
    ) as bar:
        task = bar.add_task("demo fleet", total=s.demo_history_days * 86_400 or 1)
        start = now.timestamp() - s.demo_history_days * 86_400

        def progress(at: datetime) -> None:
            bar.update(
                task,
                completed=at.timestamp() - start,
                description=f"living the demo fleet's history: {at:%Y-%m-%d %H:%M}",
            )

        fleet, sims, lived = await prepare_demo(
            container.services,
            seed=s.demo_seed,
            count=s.demo_vehicles,
            history_days=s.demo_history_days,
            progress=progress,
        )
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
    return sims, lived


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
        fleet_task = None
        sims, _ = await _announce_demo(container) if settings.demo else ([], None)
        if sims and settings.demo_simulate:
            # The demo fleet lives in this process but speaks MQTT like any unit would.
            fleet_task = asyncio.create_task(_runner(container, sims, 1.0).run())
        config = uvicorn.Config(
            create_app(container=container),
            host=settings.host,
            port=settings.port,
            log_config=None,
            lifespan="on",
        )
        try:
            await uvicorn.Server(config).serve()
        finally:
            if fleet_task is not None:
                fleet_task.cancel()
                await asyncio.gather(fleet_task, return_exceptions=True)

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


def _runner(
    container: Container, vehicles: list[SimVehicle], time_scale: float, mqtt: str | None = None
) -> FleetRunner:
    """A runner for vehicles, signing in to the deployment's broker (or mqtt)."""
    assert container.telematics is not None
    address = BrokerAddress.parse(mqtt) if mqtt else container.telematics.broker
    now = container.services.clock()
    secret = container.broker.key if container.broker is not None else b""

    def password(vin: str) -> str | None:
        return password_for(secret, vin) if secret else None

    return FleetRunner(
        vehicles, address.host, address.port, SimClock.starting(now, time_scale), password=password
    )


@app.command()
def simulate(
    ctx: typer.Context,
    mqtt: Annotated[
        str | None, typer.Option(help="mqtt://host:port; default: this deployment's broker.")
    ] = None,
    vehicles: Annotated[int, typer.Option(min=1, max=10_000, help="How many vehicles.")] = 25,
    seed: Annotated[
        int | None, typer.Option(help="Seed of the fleet (the demo's by default).")
    ] = None,
    time_scale: Annotated[
        float, typer.Option(min=0.1, max=10_000, help="Simulated seconds per real second.")
    ] = 1.0,
    duration: Annotated[
        float | None, typer.Option(min=1, help="Stop after this many real seconds.")
    ] = None,
) -> None:
    """Run simulated vehicles, each its own MQTT session, against a broker."""
    settings = _settings(ctx)

    async def work(container: Container) -> int:
        now = container.services.clock()
        fleet_seed = seed or settings.demo_seed
        sims = simulate_generated(generate_fleet(fleet_seed, vehicles, now), fleet_seed, now)
        runner = _runner(container, sims, time_scale, mqtt)
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True
        ) as progress:
            task = progress.add_task("starting", total=None)
            running = asyncio.create_task(runner.run())
            started = time.monotonic()
            try:
                while not running.done():
                    await asyncio.sleep(0.5)
                    progress.update(
                        task, description=f"{vehicles} vehicles, {runner.published} messages sent"
                    )
                    if duration is not None and time.monotonic() - started >= duration:
                        break
            finally:
                running.cancel()
                await asyncio.gather(running, return_exceptions=True)
        return runner.published

    published = _run(settings, work)
    out.print(f"{vehicles} vehicles sent {published} messages")


@app.command()
def seed(
    ctx: typer.Context,
    vehicles: Annotated[int, typer.Option(min=1, max=10_000, help="Fleet size.")] = 25,
    days: Annotated[float, typer.Option(min=0.1, max=366, help="Days of history.")] = 30,
) -> None:
    """Create the demo fleet with days of history, lived through the real ingestion."""
    settings = _settings(ctx).model_copy(
        update={"demo_vehicles": vehicles, "demo_history_days": days}
    )

    async def work(container: Container) -> str:
        started = time.monotonic()
        _, lived = await _announce_demo(container)
        if lived is None:
            raise Conflict("the demo fleet exists already: seed a fresh database")
        seconds = time.monotonic() - started
        return f"{lived.messages} messages and {lived.trips} trips in {seconds:.1f} s"

    out.print(f"{vehicles} vehicles, {days:g} days: {_run(settings, work)}")


@app.command()
def notify(
    ctx: typer.Context,
    title: Annotated[str, typer.Option(help="Short title owners see first.")],
    message: Annotated[str, typer.Option(help="The full message.")],
    model: Annotated[str | None, typer.Option(help="Every vehicle of this model.")] = None,
    vin: Annotated[list[str] | None, typer.Option(help="A vehicle; repeat for several.")] = None,
    kind: Annotated[NotificationType, typer.Option("--type")] = NotificationType.RECALL,
    severity: Annotated[Severity, typer.Option()] = Severity.WARNING,
) -> None:
    """Post a recall or service campaign to the owners of a model or of listed VINs."""

    async def work(container: Container) -> int:
        return await post_campaign(
            container.services,
            kind=kind,
            severity=severity,
            title=title,
            message=message,
            model=model,
            vins=vin or [],
        )

    out.print(f"notified the owners of {_run(_settings(ctx), work)} vehicles")


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
