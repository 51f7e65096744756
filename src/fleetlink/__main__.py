"""`python -m fleetlink` runs the CLI."""

from fleetlink.cli import main

main()
