"""fleetlink simulate, seed, notify and mqtt-password: tools for the vehicles themselves."""

import asyncio
import sys
import time
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from fleetlink.bootstrap import Container
from fleetlink.cli.common import app, err, out, run_in, settings_of
from fleetlink.cli.serve import announce_demo, fleet_runner
from fleetlink.domain.errors import Conflict
from fleetlink.domain.notifications import NotificationType
from fleetlink.domain.state import Severity
from fleetlink.domain.vin import normalize_vin
from fleetlink.services.campaigns import post_campaign
from fleetlink.services.signing_keys import ensure_signing_key
from fleetlink.simulator.fleet import simulate_generated
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.telematics.credentials import credential_key, password_for


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
    settings = settings_of(ctx)

    async def work(container: Container) -> int:
        now = container.services.clock()
        fleet_seed = seed or settings.demo_seed
        sims = simulate_generated(generate_fleet(fleet_seed, vehicles, now), fleet_seed, now)
        runner = fleet_runner(container, sims, time_scale, mqtt)
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

    published = run_in(settings, work)
    out.print(f"{vehicles} vehicles sent {published} messages")


@app.command()
def seed(
    ctx: typer.Context,
    vehicles: Annotated[int, typer.Option(min=1, max=10_000, help="Fleet size.")] = 25,
    days: Annotated[float, typer.Option(min=0.1, max=366, help="Days of history.")] = 30,
) -> None:
    """Create the demo fleet with days of history, lived through the real ingestion."""
    settings = settings_of(ctx).model_copy(
        update={"demo_vehicles": vehicles, "demo_history_days": days}
    )

    async def work(container: Container) -> str:
        started = time.monotonic()
        _, lived = await announce_demo(container)
        if lived is None:
            raise Conflict("the demo fleet exists already: seed a fresh database")
        seconds = time.monotonic() - started
        return f"{lived.messages} messages and {lived.trips} trips in {seconds:.1f} s"

    out.print(f"{vehicles} vehicles, {days:g} days: {run_in(settings, work)}")


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

    out.print(f"notified the owners of {run_in(settings_of(ctx), work)} vehicles")


@app.command("mqtt-password")
def mqtt_password(ctx: typer.Context, vin: str) -> None:
    """Print the password a vehicle uses with its VIN to sign in to the embedded broker."""

    async def work(container: Container) -> str:
        canonical = normalize_vin(vin)
        key = await ensure_signing_key(container.store, container.services.clock())
        return password_for(credential_key(key.private_pem), canonical)

    sys.stdout.write(run_in(settings_of(ctx), work) + "\n")
