"""fleetlink webhooks: an operator's view of the webhook subscriptions of a fleet or an owner."""

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from fleetlink.bootstrap import Container
from fleetlink.cli.common import app, out, run_in, settings_of
from fleetlink.domain.webhooks import Subscriber, Subscription
from fleetlink.services.accounts import find_account
from fleetlink.services.webhooks import (
    create_subscription,
    delete_subscription,
    enable_subscription,
    list_subscriptions,
)

webhooks_app = typer.Typer(no_args_is_help=True, help="Webhook subscriptions (docs/events.md).")
app.add_typer(webhooks_app, name="webhooks")

ClientOption = Annotated[str | None, typer.Option("--client", help="A High Mobility client id.")]
OwnerOption = Annotated[str | None, typer.Option("--owner", help="An owner's email.")]


async def _subscriber(container: Container, client: str | None, owner: str | None) -> Subscriber:
    if (client is None) == (owner is None):
        raise typer.BadParameter("name either --client or --owner")
    if client is not None:
        return Subscriber(client_id=client)
    assert owner is not None
    return Subscriber(account_id=(await find_account(container.services, owner)).id)


@webhooks_app.command("list")
def webhooks_list(
    ctx: typer.Context, client: ClientOption = None, owner: OwnerOption = None
) -> None:
    """Show a fleet's or an owner's subscriptions."""

    async def work(container: Container) -> list[Subscription]:
        return await list_subscriptions(
            container.services, await _subscriber(container, client, owner)
        )

    table = Table("id", "url", "event types", "format", "status", "created")
    for s in run_in(settings_of(ctx), work):
        status = s.status.value + (f" ({s.disabled_reason})" if s.disabled_reason else "")
        if s.failing_since is not None and s.disabled_reason is None:
            status += f" (failing since {s.failing_since:%Y-%m-%d %H:%M})"
        table.add_row(
            s.id,
            s.url,
            "\n".join(sorted(s.event_types)),
            s.format.value,
            status,
            f"{s.created_at:%Y-%m-%d %H:%M}",
        )
    out.print(table)


@webhooks_app.command("create")
def webhooks_create(
    ctx: typer.Context,
    url: str,
    event_type: Annotated[list[str], typer.Option("--event", help="An event type; repeat.")],
    client: ClientOption = None,
    owner: OwnerOption = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="standard (Standard Webhooks) or high-mobility (High Mobility's shape, "
            "fleet.clearance_changed of a --client only).",
        ),
    ] = "standard",
) -> None:
    """Subscribe an endpoint; prints its id and signing secret as JSON, the secret this once."""

    async def work(container: Container) -> Subscription:
        subscriber = await _subscriber(container, client, owner)
        return await create_subscription(container.services, subscriber, url, event_type, fmt)

    created = run_in(settings_of(ctx), work)
    sys.stdout.write(json.dumps({"id": created.id, "secret": created.secret}) + "\n")


@webhooks_app.command("delete")
def webhooks_delete(
    ctx: typer.Context, subscription_id: str, client: ClientOption = None, owner: OwnerOption = None
) -> None:
    """Delete a subscription, its deliveries and their attempts."""

    async def work(container: Container) -> None:
        subscriber = await _subscriber(container, client, owner)
        await delete_subscription(container.services, subscriber, subscription_id)

    run_in(settings_of(ctx), work)
    out.print(f"deleted {subscription_id}")


@webhooks_app.command("enable")
def webhooks_enable(
    ctx: typer.Context, subscription_id: str, client: ClientOption = None, owner: OwnerOption = None
) -> None:
    """Send to a disabled endpoint again (after a 410 or 5 days of failures)."""

    async def work(container: Container) -> Subscription:
        subscriber = await _subscriber(container, client, owner)
        return await enable_subscription(container.services, subscriber, subscription_id)

    run_in(settings_of(ctx), work)
    out.print(
        f"enabled {subscription_id}: it is sent events from now on; a replay through the API "
        "(POST /fleetlink/v1/webhooks/{id}/replay) sends what it missed"
    )
