"""What every command shares: the Typer app, the consoles, settings and a started container."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from fleetlink.bootstrap import Container, build
from fleetlink.cli.startup import SettingProblem, invalid_settings, reach_database
from fleetlink.domain.errors import FleetlinkError
from fleetlink.logging import configure_logging
from fleetlink.settings import Settings

app = typer.Typer(no_args_is_help=True, help="fleetlink: a self-hostable connected-vehicle cloud.")
db_app = typer.Typer(no_args_is_help=True, help="The database schema.")
accounts_app = typer.Typer(no_args_is_help=True, help="Owner accounts.")
app.add_typer(db_app, name="db")
app.add_typer(accounts_app, name="accounts")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")


def settings_of(ctx: typer.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


def run_in(settings: Settings, work: Callable[[Container], Awaitable[T]]) -> T:
    """Run work against a started container, turning fleetlink errors into one clear line."""

    async def main() -> T:
        container = build(settings)
        try:
            await reach_database(container.store.engine)
            await container.start()
            return await work(container)
        finally:
            await container.close()

    try:
        return asyncio.run(main())
    except SettingProblem as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    except FleetlinkError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot reach the database ({exc})")
        raise typer.Exit(1) from exc


def print_invalid(exc: ValidationError, options: dict[str, str] | None = None) -> None:
    """One line per invalid setting, naming it (FLEETLINK_PORT…, or an option such as --port)."""
    for line in invalid_settings(exc, options):
        err.print(f"[red]invalid setting:[/red] {escape(line)}")


@app.callback()
def main_callback(ctx: typer.Context) -> None:
    """Read FLEETLINK_* settings once, for whichever command runs."""
    try:
        ctx.obj = Settings()
    except ValidationError as exc:
        print_invalid(exc)
        raise typer.Exit(2) from exc
    configure_logging(ctx.obj.log_level, json=ctx.obj.log_json)
