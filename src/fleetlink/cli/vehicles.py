"""fleetlink simulate, seed and notify: tools for the vehicles themselves."""

import asyncio
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
from fleetlink.services.campaigns import post_campaign
from fleetlink.simulator.fleet import simulate_generated
from fleetlink.simulator.fleetgen import generate_fleet


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
    """Run simulated vehicles, each its own MQTT session, against a broker.

    Each signs in with a fresh device credential (its earlier one stops working), so do not
    run it beside a server that simulates the same fleet.
    """
    settings = settings_of(ctx)

    async def work(container: Container) -> int:
        now = container.services.clock()
        fleet_seed = seed or settings.demo_seed
        sims = simulate_generated(generate_fleet(fleet_seed, vehicles, now), fleet_seed, now)
        runner = await fleet_runner(container, sims, time_scale, mqtt)
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
        return (
            f"{lived.messages} messages, {lived.trips} trips and "
            f"{lived.charging_sessions} charging sessions in {seconds:.1f} s"
        )

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
