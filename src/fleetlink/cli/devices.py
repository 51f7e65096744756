"""fleetlink devices: each vehicle's telematics unit's credential for the MQTT broker."""

import sys
from typing import Annotated

import typer

from fleetlink.bootstrap import Container
from fleetlink.cli.common import app, err, out, run_in, settings_of
from fleetlink.services.devices import (
    IssuedCredential,
    issue_device_credential,
    issue_missing_device_credentials,
    revoke_device_credential,
    rotate_device_credential,
)

devices_app = typer.Typer(
    no_args_is_help=True, help="Vehicles' telematics units: their broker credentials."
)
app.add_typer(devices_app, name="devices")

_SHOWN_ONCE = "the unit signs in with its VIN as username and this password; it is shown once"


def _usage(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(2)


@devices_app.command("issue")
def devices_issue(
    ctx: typer.Context,
    vin: Annotated[str | None, typer.Argument(help="The vehicle's VIN.")] = None,
    every: Annotated[
        bool,
        typer.Option("--all", help="Every registered vehicle with no credential; prints CSV."),
    ] = False,
) -> None:
    """Give a vehicle's unit its credential; prints the password, this once only."""
    if (vin is None) == (not every):
        raise _usage("give a VIN, or --all for every vehicle without a credential (not both)")

    async def one(container: Container) -> IssuedCredential:
        assert vin is not None
        return await issue_device_credential(container.services, vin)

    async def missing(container: Container) -> list[IssuedCredential]:
        return await issue_missing_device_credentials(container.services)

    if vin is not None:
        sys.stdout.write(run_in(settings_of(ctx), one).secret + "\n")
        err.print(_SHOWN_ONCE)
        return
    issued = run_in(settings_of(ctx), missing)
    sys.stdout.write("vin,password\n" + "".join(f"{i.vin},{i.secret}\n" for i in issued))
    err.print(f"{len(issued)} credentials issued; the passwords are shown this once")


@devices_app.command("rotate")
def devices_rotate(
    ctx: typer.Context,
    vin: Annotated[str, typer.Argument(help="The vehicle's VIN.")],
    now: Annotated[
        bool, typer.Option("--now", help="Refuse the old password at once (it leaked).")
    ] = False,
) -> None:
    """Issue a new password; the old one works until the unit first signs in with it."""

    async def work(container: Container) -> IssuedCredential:
        return await rotate_device_credential(container.services, vin, immediately=now)

    sys.stdout.write(run_in(settings_of(ctx), work).secret + "\n")
    err.print(
        "the old password is refused from now on"
        if now
        else "the old password works until the unit first signs in with this one"
    )
    err.print(_SHOWN_ONCE)


@devices_app.command("revoke")
def devices_revoke(
    ctx: typer.Context, vin: Annotated[str, typer.Argument(help="The vehicle's VIN.")]
) -> None:
    """Refuse the vehicle's unit from now on and end its session (`issue` gives a new one)."""

    async def work(container: Container) -> None:
        await revoke_device_credential(container.services, vin)

    run_in(settings_of(ctx), work)
    out.print(f"revoked the device credential of {vin.strip().upper()}")


@app.command("mqtt-password", hidden=True)
def mqtt_password(vin: Annotated[str, typer.Argument()] = "") -> None:
    """Gone: vehicles have credentials of their own."""
    err.print(
        "[red]error:[/red] `fleetlink mqtt-password` is gone: each vehicle has a credential of "
        "its own. Use `fleetlink devices issue VIN` (or `--all`); see docs/telematics.md"
    )
    raise typer.Exit(1)
