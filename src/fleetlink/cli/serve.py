"""fleetlink serve and fleetlink db: run the server, with or without the demo fleet."""

import asyncio
import errno
import gc
import socket
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import structlog
import typer
import uvicorn
from pydantic import ValidationError
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

from fleetlink.app import Server, create_app
from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.bootstrap import Container
from fleetlink.cli.common import app, db_app, err, out, print_invalid, run_in, settings_of
from fleetlink.cli.workers import WorkersRefused, serve_with_workers, worker_count
from fleetlink.seeding.backfill import BackfillResult
from fleetlink.seeding.demo import hand_credentials, prepare_demo
from fleetlink.seeding.lifeworker import usable_cpus
from fleetlink.settings import Settings
from fleetlink.simulator.model import SimVehicle
from fleetlink.simulator.runner import FleetRunner, SimClock
from fleetlink.storage.migrate import current_revision
from fleetlink.telematics.broker import BrokerPortTaken
from fleetlink.telematics.link import BrokerAddress

log = structlog.get_logger(__name__)


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except (socket.gaierror, UnicodeError) as exc:
            err.print(
                f"[red]error:[/red] --host / FLEETLINK_HOST: {escape(host)!r} is not a name or "
                f"address this machine can listen on ({escape(str(exc))})"
            )
            raise typer.Exit(1) from exc
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:
                err.print(
                    f"[red]error:[/red] --host / FLEETLINK_HOST: {escape(host)} is not an "
                    "address of this machine"
                )
                raise typer.Exit(1) from exc
            err.print(
                f"[red]error:[/red] cannot listen on {host}:{port} ({exc.strerror}). "
                "Stop whatever uses it, or pick another port with --port or FLEETLINK_PORT."
            )
            raise typer.Exit(1) from exc


async def announce_demo(container: Container) -> tuple[list[SimVehicle], BackfillResult | None]:
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
            worker=s.seed_worker and usable_cpus() > 1,
        )
    token = await container.tokens.issue(
        fleet.account.guid, TOYOTA_AUDIENCE, s.token_ttl, container.services.clock()
    )
    base = f"http://{s.host}:{s.port}"
    out.print(f"[bold]web app:[/bold] {base}/", highlight=False)
    out.print(f"[bold]demo fleet:[/bold] {len(fleet.vehicles)} vehicles for {fleet.account.email}")
    if fleet.password:
        out.print(f"  password (shown this once): [bold]{fleet.password}[/bold]")
        out.print(
            f"  sign in at {base}/ as {fleet.account.email} with that password", highlight=False
        )
    else:
        out.print(
            # Never the word itself: a restart shows no secret, and says none (test_serve).
            f"  sign in at {base}/ as {fleet.account.email}, with what the first start printed "
            f"(`fleetlink owners link {fleet.account.email}` gives a link to set a new one)",
            highlight=False,
        )
    out.print(
        f"  operators: `fleetlink operators create EMAIL`, then paste "
        f"`fleetlink token --operator EMAIL` at {base}/operations/sign-in",
        highlight=False,
    )
    out.print(
        f"  access token, valid {s.token_ttl_seconds} s "
        f"(`fleetlink token {fleet.account.email}` prints another):"
    )
    out.print(token, soft_wrap=True, highlight=False)
    out.print(f"  try: curl -H 'Authorization: Bearer <token>' {base}/connected/v1/vehicles")
    out.print(f"  docs: {base}/connected/v1/docs")
    out.print(
        "[bold]High Mobility API:[/bold] `fleetlink clients create myfleet` prints a client; "
        f"its token from POST {base}/v1/access_token; docs: {base}/v1/docs"
    )
    if s.clearance_auto_approves:
        out.print(
            f"  fleet clearances of these vehicles approve after {s.clearance_delay_seconds:g} s "
            "(sandbox); FLEETLINK_CLEARANCE_AUTO_APPROVE=false leaves them to the owner"
        )
    return sims, lived


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    demo: Annotated[
        bool | None, typer.Option("--demo/--no-demo", help="Create and show the demo fleet.")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="HTTP worker processes; 0 is one per CPU where that is safe "
            "(FLEETLINK_WORKERS, README).",
        ),
    ] = None,
) -> None:
    """Migrate the store and serve both APIs."""
    overrides = {"host": host, "port": port, "demo": demo, "workers": workers}
    try:
        # Validated like the environment, so --port 99999 is refused as FLEETLINK_PORT would be.
        settings = Settings.model_validate(
            {
                **settings_of(ctx).model_dump(),
                **{k: v for k, v in overrides.items() if v is not None},
            }
        )
    except ValidationError as exc:
        given = {name: f"--{name}" for name, value in overrides.items() if value is not None}
        print_invalid(exc, given)
        raise typer.Exit(2) from exc
    try:
        count, why_one = worker_count(settings, usable_cpus())
    except WorkersRefused as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    if count > 1 and settings.redis_url is None:
        err.print(
            f"[yellow]warning:[/yellow] {count} workers without FLEETLINK_REDIS_URL: each keeps "
            f"its own rate-limit buckets, so a client may get up to {count} times its limit"
        )
    _check_port_free(settings.host, settings.port)

    async def run(container: Container) -> None:
        try:
            await container.start_broker()
        except BrokerPortTaken as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from exc
        fleet_task = None
        sims, _ = await announce_demo(container) if settings.demo else ([], None)
        if sims and settings.demo_simulate:
            # The demo fleet lives in this process but speaks MQTT like any unit would.
            runner = await fleet_runner(container, sims, 1.0)
            fleet_task = asyncio.create_task(runner.run())
        if count > 1:
            gc.collect()
            gc.freeze()
            try:
                await serve_with_workers(container, count)
            finally:
                await _stop(fleet_task)
            return
        if why_one:
            log.info("server.one_worker", why=why_one)
        config = uvicorn.Config(
            create_app(container=container),
            host=settings.host,
            port=settings.port,
            log_config=None,
            lifespan="on",
        )
        # What start-up made (modules, the app, the demo's history) lives as long as the
        # server: frozen, the collector stops walking it on every full collection, which
        # otherwise cost a request 150-230 ms now and then.
        gc.collect()
        gc.freeze()
        try:
            await Server(config, container).serve()
        finally:
            await _stop(fleet_task)

    run_in(settings, run)


async def _stop(task: "asyncio.Task[None] | None") -> None:
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply every pending migration (the server also does this when it starts)."""

    async def work(container: Container) -> str | None:
        return await current_revision(container.store.engine)

    out.print(f"database at revision {run_in(settings_of(ctx), work)}")


async def fleet_runner(
    container: Container,
    vehicles: Sequence[SimVehicle],
    time_scale: float,
    mqtt: str | None = None,
) -> FleetRunner:
    """A runner for vehicles, signing in to the deployment's broker (or mqtt).

    Where vehicles need credentials, each gets a fresh one, handed over in memory only.
    """
    assert container.telematics is not None
    address = BrokerAddress.parse(mqtt) if mqtt else container.telematics.broker
    now = container.services.clock()
    secrets: dict[str, str] = {}
    if container.vehicles_sign_in:
        secrets = await hand_credentials(container.services, vehicles)
    return FleetRunner(
        vehicles,
        address.host,
        address.port,
        SimClock.starting(now, time_scale),
        password=secrets.get,
    )
