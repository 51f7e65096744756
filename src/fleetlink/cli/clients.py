"""fleetlink clients: the OAuth clients of the High Mobility API."""

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from fleetlink.auth.scopes import ALL_SCOPES, format_scope
from fleetlink.bootstrap import Container
from fleetlink.cli.common import app, out, run_in, settings_of
from fleetlink.domain.oauth import ApiClient, Scope
from fleetlink.services.clients import create_client, list_clients, revoke_client

clients_app = typer.Typer(no_args_is_help=True, help="OAuth clients of the High Mobility API.")
app.add_typer(clients_app, name="clients")


@clients_app.command("create")
def clients_create(
    ctx: typer.Context,
    name: str,
    redirect_uri: Annotated[
        list[str] | None,
        typer.Option(help="Where owners return after consent; repeat for several."),
    ] = None,
    scope: Annotated[
        list[Scope] | None, typer.Option(help="A scope the client may ask for (default: all).")
    ] = None,
) -> None:
    """Register a client; prints its id and secret as JSON, the secret this once only."""

    async def work(container: Container) -> tuple[ApiClient, str]:
        return await create_client(
            container.services, name, redirect_uri or [], scope or ALL_SCOPES
        )

    client, secret = run_in(settings_of(ctx), work)
    sys.stdout.write(json.dumps({"client_id": client.client_id, "client_secret": secret}) + "\n")


@clients_app.command("list")
def clients_list(ctx: typer.Context) -> None:
    """Show every client, revoked ones included."""

    async def work(container: Container) -> list[ApiClient]:
        return await list_clients(container.services)

    table = Table("client id", "name", "scopes", "redirect URIs", "created", "revoked")
    for client in run_in(settings_of(ctx), work):
        table.add_row(
            client.client_id,
            client.name,
            format_scope(client.scopes),
            "\n".join(client.redirect_uris),
            f"{client.created_at:%Y-%m-%d %H:%M}",
            f"{client.revoked_at:%Y-%m-%d %H:%M}" if client.revoked_at else "",
        )
    out.print(table)


@clients_app.command("revoke")
def clients_revoke(ctx: typer.Context, client_id: str) -> None:
    """Revoke a client: no new tokens, and its tokens stop working at once."""

    async def work(container: Container) -> None:
        await revoke_client(container.services, client_id)

    run_in(settings_of(ctx), work)
    out.print(f"revoked {client_id}")
