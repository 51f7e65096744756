"""fleetlink owners: create owner accounts (with the link that sets their password), list,
disable, erase."""

from typing import Annotated

import typer
from rich.table import Table

from fleetlink.bootstrap import Container
from fleetlink.cli.common import app, out, run_in, settings_of
from fleetlink.domain.listing import MAX_LIMIT, Page
from fleetlink.domain.operators import OwnerSummary
from fleetlink.services import erasure, owners
from fleetlink.services.erasure import Erasure
from fleetlink.services.owners import NewOwner
from fleetlink.settings import Settings

owners_app = typer.Typer(no_args_is_help=True, help="Owner accounts, as an operator manages them.")
app.add_typer(owners_app, name="owners")


def server_url(settings: Settings) -> str:
    """Where this deployment's pages are, as the CLI can tell (it has no request to go by)."""
    return f"http://{settings.host}:{settings.port}"


def _print_link(settings: Settings, new: NewOwner) -> None:
    out.print(f"owner {new.account.email} ({new.account.guid})", highlight=False)
    out.print(
        f"set-password link, works once, until {new.link.expires_at:%Y-%m-%d %H:%M} UTC:",
        highlight=False,
    )
    out.print(server_url(settings) + new.link.path, highlight=False, soft_wrap=True)


@owners_app.command("create")
def owners_create(ctx: typer.Context, email: str) -> None:
    """Create an owner; prints the single-use link by which they set their password."""
    settings = settings_of(ctx)

    async def work(container: Container) -> NewOwner:
        return await owners.create_owner(container.services, email)

    _print_link(settings, run_in(settings, work))


@owners_app.command("link")
def owners_link(ctx: typer.Context, owner: str) -> None:
    """A new password link for an owner (by email or id); the old one stops working."""
    settings = settings_of(ctx)

    async def work(container: Container) -> NewOwner:
        return await owners.reissue_link(container.services, owner)

    _print_link(settings, run_in(settings, work))


@owners_app.command("list")
def owners_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT, help="At most this many.")] = 50,
    cursor: Annotated[str | None, typer.Option(help="The next-page cursor printed before.")] = None,
) -> None:
    """Owners in email order, with their vehicle counts."""

    async def work(container: Container) -> Page[OwnerSummary]:
        return await owners.list_owners(container.services, cursor, limit)

    page = run_in(settings_of(ctx), work)
    table = Table("email", "id", "vehicles", "password", "disabled")
    for o in page.items:
        disabled = f"{o.disabled_at:%Y-%m-%d %H:%M}" if o.disabled_at else ""
        table.add_row(o.email, o.guid, str(o.vehicles), "set" if o.has_password else "", disabled)
    out.print(table)
    if page.next_cursor:
        out.print(f"more: --cursor {page.next_cursor}", highlight=False)


@owners_app.command("disable")
def owners_disable(ctx: typer.Context, owner: str) -> None:
    """Disable an owner (by email or id): their tokens, apps and sessions stop at once."""

    async def work(container: Container) -> OwnerSummary:
        return await owners.disable_owner(container.services, owner)

    out.print(f"disabled {run_in(settings_of(ctx), work).email}", highlight=False)


@owners_app.command("erase")
def owners_erase(
    ctx: typer.Context,
    owner: str,
    with_vehicles: Annotated[
        bool,
        typer.Option(
            "--with-vehicles",
            help="Erase them though they still own vehicles; those stay ownerless.",
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase an owner (by email or id) and everything recorded while they owned each vehicle."""
    if not yes:
        typer.confirm(f"Erase {owner} and their time with every vehicle?", abort=True)

    async def work(container: Container) -> Erasure:
        return await erasure.erase_owner(container.services, owner, with_vehicles=with_vehicles)

    done = run_in(settings_of(ctx), work)
    out.print(f"erased owner {done.owner_guid}", highlight=False)
    if done.released:
        out.print(f"left without an owner: {' '.join(done.released)}", highlight=False)
    if done.clearances_withdrawn:
        out.print(f"fleets' clearances withdrawn: {done.clearances_withdrawn}", highlight=False)
    table = Table("deleted", "rows")
    for kind, rows in sorted(done.deleted.items()):
        table.add_row(kind, str(rows))
    out.print(table)
