"""The fleetlink command: serve | db | accounts | token | clients | simulate | seed | notify …"""

# Each module registers its commands on the one Typer app when imported.
from fleetlink.cli import accounts, clients, dead_letters, serve, vehicles, webhooks  # noqa: F401
from fleetlink.cli.common import app


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
