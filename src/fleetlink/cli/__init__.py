"""The fleetlink command: serve | db | accounts | token | clients | operators | owners |
vehicles | simulate | seed | notify …"""

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
from fleetlink.cli.common import app


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
