"""fleetlink operators: the accounts of the people who run this deployment."""

import typer

from fleetlink.bootstrap import Container
from fleetlink.cli.common import app, out, run_in, settings_of
from fleetlink.services.operators import create_operator

operators_app = typer.Typer(no_args_is_help=True, help="Operator accounts (the operator API).")
app.add_typer(operators_app, name="operators")


@operators_app.command("create")
def operators_create(ctx: typer.Context, email: str) -> None:
    """Create an operator; `fleetlink token --operator EMAIL` then gives their token."""

    async def work(container: Container) -> str:
        return (await create_operator(container.services, email)).guid

    out.print(run_in(settings_of(ctx), work), highlight=False)
