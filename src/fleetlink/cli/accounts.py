"""fleetlink accounts and token: owner accounts and their Toyota API tokens."""

import sys
from typing import Annotated

import typer

from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.bootstrap import Container
from fleetlink.cli.common import accounts_app, app, out, run_in, settings_of
from fleetlink.services.accounts import create_account, find_account


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
    email: str,
    ttl: Annotated[
        int | None,
        typer.Option(min=60, max=31_536_000, help="Lifetime in seconds (60 s to a year)."),
    ] = None,
) -> None:
    """Print a Toyota API access token for an account: the bare token, nothing else."""
    settings = settings_of(ctx)

    async def work(container: Container) -> str:
        account = await find_account(container.services, email)
        lifetime = settings.token_ttl if ttl is None else type(settings.token_ttl)(seconds=ttl)
        return await container.tokens.issue(
            account.guid, TOYOTA_AUDIENCE, lifetime, container.services.clock()
        )

    sys.stdout.write(run_in(settings, work) + "\n")
