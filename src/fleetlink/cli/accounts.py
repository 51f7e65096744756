"""fleetlink accounts and token: owner accounts and their Toyota API tokens."""

import sys
from datetime import timedelta
from typing import Annotated

import typer

from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.bootstrap import Container
from fleetlink.cli.common import accounts_app, app, err, out, run_in, settings_of
from fleetlink.services.accounts import create_account, find_account
from fleetlink.services.operators import operator_token


@accounts_app.command("create")
def accounts_create(
    ctx: typer.Context,
    email: str,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, help="At least 8 characters.")
    ],
) -> None:
    """Create an owner account; prints its guid."""

    async def work(container: Container) -> str:
        account = await create_account(container.services, email, password)
        return account.guid

    out.print(run_in(settings_of(ctx), work), highlight=False)


@app.command()
def token(
    ctx: typer.Context,
    email: Annotated[str | None, typer.Argument(help="The owner's email.")] = None,
    operator: Annotated[
        str | None, typer.Option(help="An operator's email: a token for the operator API.")
    ] = None,
    ttl: Annotated[
        int | None,
        typer.Option(min=60, max=31_536_000, help="Lifetime in seconds (60 s to a year)."),
    ] = None,
) -> None:
    """Print an access token: an owner's for the Toyota API, or with --operator an operator's
    for the operator API. The bare token, nothing else."""
    settings = settings_of(ctx)
    if (email is None) == (operator is None):
        err.print("[red]error:[/red] give an owner's EMAIL or --operator EMAIL, not both")
        raise typer.Exit(2)
    lifetime = settings.token_ttl if ttl is None else timedelta(seconds=ttl)

    async def work(container: Container) -> str:
        services = container.services
        if operator is not None:
            return await operator_token(services, container.tokens, operator, lifetime)
        account = await find_account(services, email or "")
        return await container.tokens.issue(
            account.guid, TOYOTA_AUDIENCE, lifetime, services.clock()
        )

    sys.stdout.write(run_in(settings, work) + "\n")
