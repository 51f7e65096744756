"""The fleetlink command: serve | db | accounts | token | clients | operators | owners |
vehicles | simulate | seed | notify …"""

import sys
from typing import Protocol, cast

import typer
from rich.markup import escape

# Each module registers its commands on the one Typer app when imported.
from fleetlink.cli import (  # noqa: F401
    accounts,
    clients,
    dead_letters,
    devices,
    operators,
    owners,
    registry,
    serve,
    vehicle_import,
    vehicles,
    webhooks,
)
from fleetlink.cli.common import app, err

# Typer raises Click's exceptions, from its own copy of Click in recent versions: named through
# a public subclass, BadParameter, whose bases they are whichever module holds them.
_USAGE_ERROR, _CLICK_ERROR = typer.BadParameter.__mro__[1:3]


class _ClickError(Protocol):
    exit_code: int

    def format_message(self) -> str: ...


def main() -> None:
    """Console-script entry point.

    A command line that cannot be parsed (an unknown command, a missing or invalid option) is
    one line and exit 2, like every other error of the CLI: Click's own report is a usage
    line, a hint and a boxed message, which scripts cannot read and operators must scroll.
    """
    command = typer.main.get_command(app)
    try:
        code = command.main(prog_name="fleetlink", standalone_mode=False)
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
    except Exception as exc:
        if not isinstance(exc, _CLICK_ERROR):
            raise
        _exit_one_line(exc, cast(_ClickError, exc))
    sys.exit(code if isinstance(code, int) else 0)


def _exit_one_line(exc: Exception, click_error: _ClickError) -> None:
    """Report a command line Click refused in one line, and exit with its status (2)."""
    status = click_error.exit_code
    # A group named alone: Typer has printed its help already.
    if type(exc).__name__ != "NoArgsIsHelpError":
        context = getattr(exc, "ctx", None) if isinstance(exc, _USAGE_ERROR) else None
        hint = f" (see {context.command_path} --help)" if context is not None else ""
        err.print(f"[red]error:[/red] {escape(click_error.format_message())}{hint}")
    sys.exit(status)


__all__ = ["app", "main"]
