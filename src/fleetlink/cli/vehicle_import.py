"""fleetlink vehicles import: a fleet file in, with progress; credentials and links out."""

import csv
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from fleetlink.bootstrap import Container
from fleetlink.cli.common import err, out, run_in, settings_of
from fleetlink.cli.owners import server_url
from fleetlink.cli.registry import vehicles_app
from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.vehicle_import import read_import
from fleetlink.services.vehicle_import import ImportReport, import_vehicles


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(1)


def _secret_file(path: Path, header: str) -> TextIO:
    """A new file only its owner may read: it holds secrets shown this once."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise _fail(f"{path} exists: give a new file (it may hold secrets shown once)") from None
    except OSError as exc:
        raise _fail(f"cannot create {path}: {exc.strerror}") from None
    handle = os.fdopen(fd, "w", newline="", encoding="utf-8")
    handle.write(header)
    return handle


@vehicles_app.command("import")
def vehicles_import(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="CSV: vin,brand,model,year,powertrain,plate,owner email.")
    ],
    credentials_out: Annotated[
        Path,
        typer.Option(help="New CSV file for the new vehicles' device credentials (vin,password)."),
    ],
    links_out: Annotated[
        Path | None,
        typer.Option(help="New CSV file for new owners' password links; else they are printed."),
    ] = None,
) -> None:
    """Register the vehicles of a fleet file; owners it names are created when missing.

    Each bad row is reported with its line; the good rows go in. Running it again with the
    same file changes nothing.
    """
    settings = settings_of(ctx)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"cannot read {file}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        # Read and checked whole before any file is written or anything stored.
        read = read_import(text, datetime.now(UTC))
    except InvalidInput as exc:
        raise _fail(f"{file}: {exc.message}") from None

    credentials = _secret_file(credentials_out, "vin,password\n")
    links = _secret_file(links_out, "email,url,expires_at\n") if links_out else None
    base = server_url(settings)

    def keep(done: ImportReport) -> None:
        csv.writer(credentials).writerows((c.vin, c.secret) for c in done.credentials)
        credentials.flush()
        for new in done.owners:
            url, until = base + new.link.path, f"{new.link.expires_at:%Y-%m-%dT%H:%M:%SZ}"
            if links is not None:
                csv.writer(links).writerow((new.account.email, url, until))
            else:
                out.print(f"owner {new.account.email}: {url} (until {until})", highlight=False)
        if links is not None:
            links.flush()

    async def work(container: Container) -> ImportReport:
        with Progress(
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("rows", total=len(read.rows))

            def advance(done: ImportReport, rows: int) -> None:
                keep(done)
                progress.update(task, completed=rows)

            return await import_vehicles(container.services, read, progress=advance)

    try:
        report = run_in(settings, work)
    finally:
        credentials.close()
        if links is not None:
            links.close()
    for problem in report.problems:
        err.print(f"line {problem.line}: {escape(problem.reason)}", highlight=False)
    out.print(
        f"{len(report.created)} created, {len(report.unchanged)} unchanged, "
        f"{len(report.problems)} rows left out, {len(report.owners)} owners created; "
        f"credentials in {credentials_out}",
        highlight=False,
    )
    if report.problems:
        raise typer.Exit(1)
