"""fleetlink dead-letters: the uplink messages set aside, for operators to read, replay, purge."""

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from fleetlink.bootstrap import Container
from fleetlink.cli.common import app, err, out, run_in, settings_of
from fleetlink.domain.deadletters import DeadLetter
from fleetlink.services import dead_letters
from fleetlink.telematics.payload import TimeWindow
from fleetlink.telematics.replay import Replayed, replay

letters_app = typer.Typer(
    no_args_is_help=True,
    help="Uplink messages set aside because they could not be stored, with the reason.",
)
app.add_typer(letters_app, name="dead-letters")

Reason = Annotated[str | None, typer.Option(help="Only letters of this reason (e.g. bad_text).")]
Vin = Annotated[str | None, typer.Option(help="Only letters of this vehicle.")]
Limit = Annotated[int, typer.Option(min=1, max=100_000, help="At most this many, newest first.")]


def _when(at: datetime) -> str:
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z"


@letters_app.command("list")
def letters_list(
    ctx: typer.Context, reason: Reason = None, vin: Vin = None, limit: Limit = 50
) -> None:
    """The newest letters, and how many each reason holds."""

    async def work(container: Container) -> tuple[list[DeadLetter], dict[str, int]]:
        services = container.services
        newest = await dead_letters.newest(services, limit, reason=reason, vin=vin)
        return newest, await dead_letters.counts(services)

    letters, counts = run_in(settings_of(ctx), work)
    table = Table("id", "received", "vin", "reason", "error", "replays")
    for d in letters:
        table.add_row(
            d.id, _when(d.received_at), d.vin or "", d.reason, escape(d.error[:80]), str(d.replays)
        )
    out.print(table)
    total = ", ".join(f"{reason}: {count}" for reason, count in sorted(counts.items()))
    out.print(f"{sum(counts.values())} dead letters" + (f" ({total})" if total else ""))


def _payload(raw: bytes) -> str:
    try:
        return json.dumps(json.loads(raw.decode("utf-8")), indent=2, ensure_ascii=True)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return repr(raw[:4096]) + (f" … ({len(raw)} bytes)" if len(raw) > 4096 else "")


@letters_app.command("show")
def letters_show(ctx: typer.Context, letter_id: str) -> None:
    """One letter whole: where and when it came, why it was set aside, and its payload."""

    async def work(container: Container) -> DeadLetter:
        [letter] = await dead_letters.letters(container.services, [letter_id])
        return letter

    d = run_in(settings_of(ctx), work)
    out.print(f"id:          {d.id}")
    out.print(f"topic:       {escape(d.topic)}")
    out.print(f"vin:         {d.vin or ''}")
    out.print(f"received:    {_when(d.received_at)}")
    out.print(f"set aside:   {_when(d.set_aside_at)}")
    out.print(f"reason:      {d.reason}")
    out.print(f"error:       {escape(d.error)}")
    out.print(f"replays:     {d.replays}")
    out.print("payload:", highlight=False)
    out.print(escape(_payload(d.payload)), highlight=False)


@letters_app.command("replay")
def letters_replay(
    ctx: typer.Context,
    letter_ids: Annotated[list[str] | None, typer.Argument(help="Letters to replay.")] = None,
    reason: Reason = None,
    vin: Vin = None,
    limit: Limit = 10_000,
) -> None:
    """Ingest letters again (after a fix or a new setting): stored ones are deleted."""
    settings = settings_of(ctx)
    window = TimeWindow(settings.telemetry_future_tolerance, settings.telemetry_max_age)

    async def work(container: Container) -> Replayed:
        services = container.services
        if letter_ids:
            letters = await dead_letters.letters(services, letter_ids)
        else:
            letters = await dead_letters.newest(services, limit, reason=reason, vin=vin)
        with Progress(
            TextColumn("replaying"), BarColumn(), MofNCompleteColumn(), console=err, transient=True
        ) as bar:
            task = bar.add_task("replay", total=len(letters))
            return await replay(
                services, letters, window, progress=lambda n: bar.update(task, completed=n)
            )

    done = run_in(settings, work)
    out.print(f"stored {done.stored}, still failing {done.still_failing}")


@letters_app.command("purge")
def letters_purge(
    ctx: typer.Context,
    letter_ids: Annotated[list[str] | None, typer.Argument(help="Letters to delete.")] = None,
    reason: Reason = None,
    before: Annotated[
        datetime | None, typer.Option(help="Only letters received before this time (UTC).")
    ] = None,
    all_letters: Annotated[bool, typer.Option("--all", help="Every letter.")] = False,
) -> None:
    """Delete letters: by id, by reason, by age, or --all."""
    if not (letter_ids or reason or before or all_letters):
        err.print("[red]error:[/red] name letters, or give --reason, --before or --all")
        raise typer.Exit(2)
    cutoff = before.replace(tzinfo=before.tzinfo or UTC) if before else None

    async def work(container: Container) -> int:
        return await dead_letters.purge(
            container.services, ids=letter_ids or None, reason=reason, received_before=cutoff
        )

    out.print(f"purged {run_in(settings_of(ctx), work)}")
