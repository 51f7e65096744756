"""Import a fleet file: its good rows in chunks, a few statements a chunk, never one a row.

The file is read and checked whole first (domain/vehicle_import.py). Then each chunk, in a
transaction of its own: the VINs already registered (one query), the owners named (one),
those missing created with their password links (one statement each), the new vehicles
(one), their ownership periods (one) and device credentials (one, and one hand-over to each
broker). A VIN registered already with the same brand, model, year, powertrain, plate and
owner is unchanged, so a re-run of the same file changes nothing; one that differs is a
problem of its row, as is a row whose owner is disabled.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import structlog

from fleetlink.domain.accounts import NO_PASSWORD, Account
from fleetlink.domain.registration import Identity, as_vehicle
from fleetlink.domain.vehicle import Vehicle
from fleetlink.domain.vehicle_import import ImportFile, ImportRow, RowProblem
from fleetlink.services.context import ServiceContext
from fleetlink.services.devices import IssuedCredential, issue_first_credentials
from fleetlink.services.owners import NewOwner
from fleetlink.services.password_links import first_links
from fleetlink.storage.uow import UnitOfWork

log = structlog.get_logger(__name__)

CHUNK = 500


@dataclass(slots=True)
class ImportReport:
    """What an import did so far: created, unchanged, the rows left out, new owners and the
    new vehicles' device credentials (shown this once)."""

    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    owners: list[NewOwner] = field(default_factory=list)
    credentials: list[IssuedCredential] = field(default_factory=list)

    def add(self, other: "ImportReport") -> None:
        """Take in what a chunk did."""
        self.created += other.created
        self.unchanged += other.unchanged
        self.problems += other.problems
        self.owners += other.owners
        self.credentials += other.credentials


def _difference(stored: Vehicle, identity: Identity, owner_id: int | None) -> str | None:
    """How a registered vehicle differs from its row, if it does."""
    pairs = [
        ("brand", stored.make.lower(), identity.make.lower()),
        ("model", stored.model, identity.model),
        ("year", stored.year, identity.year),
        ("powertrain", stored.powertrain.value, identity.powertrain.value),
        ("plate", stored.license_plate, identity.license_plate),
    ]
    for name, was, given in pairs:
        if was != given:
            return f"{identity.vin} is registered already with {name} {was!r}, not {given!r}"
    if stored.owner_id != owner_id:
        return f"{identity.vin} is registered already with another owner (or none)"
    return None


async def _owners(
    ctx: ServiceContext, uow: UnitOfWork, rows: Sequence[ImportRow], report: ImportReport
) -> dict[str, Account]:
    """The accounts the rows name, those missing created with their password links."""
    emails = sorted({r.owner_email for r in rows if r.owner_email is not None})
    found = await uow.accounts.by_emails(emails)
    now = ctx.clock()
    missing = [
        Account(id=0, guid=str(uuid.uuid4()), email=e, password_hash=NO_PASSWORD, created_at=now)
        for e in emails
        if e not in found
    ]
    created = await uow.accounts.add_many(missing)
    links = await first_links(uow, ctx, created)
    report.owners += [NewOwner(a, links[a.id]) for a in created]
    return found | {a.email: a for a in created}


async def _chunk(ctx: ServiceContext, rows: Sequence[ImportRow]) -> ImportReport:
    report = ImportReport()
    now = ctx.clock()
    async with ctx.store.writing() as uow:
        stored = await uow.registry.by_vins([r.identity.vin for r in rows])
        owners = await _owners(ctx, uow, rows, report)
        new: list[Vehicle] = []
        for row in rows:
            owner = owners.get(row.owner_email) if row.owner_email is not None else None
            vin = row.identity.vin
            if owner is not None and not owner.is_active:
                report.problems.append(
                    RowProblem(row.line, vin, f"owner {owner.email} is disabled")
                )
            elif vin in stored:
                why = _difference(stored[vin], row.identity, owner.id if owner else None)
                if why is None:
                    report.unchanged.append(vin)
                else:
                    report.problems.append(RowProblem(row.line, vin, why))
            else:
                new.append(replace(as_vehicle(row.identity), owner_id=owner.id if owner else None))
        ids = await uow.vehicles.add_owned(new, now)
        await uow.owner_history.open(
            {ids[v.vin]: v.owner_id for v in new if v.owner_id is not None}, now
        )
        report.credentials = await issue_first_credentials(
            ctx, uow, {v.vin: ids[v.vin] for v in new}
        )
        await uow.commit()
    report.created = [v.vin for v in new]
    return report


async def import_vehicles(
    ctx: ServiceContext,
    read: ImportFile,
    *,
    chunk: int = CHUNK,
    progress: Callable[[ImportReport, int], None] | None = None,
) -> ImportReport:
    """Store the good rows of a file read, chunk by chunk; progress(chunk's report, rows
    done) after each chunk is committed, so what it returns is kept even if a later one fails."""
    report = ImportReport(problems=list(read.problems))
    for start in range(0, len(read.rows), chunk):
        done = await _chunk(ctx, read.rows[start : start + chunk])
        report.add(done)
        if progress is not None:
            progress(done, min(start + chunk, len(read.rows)))
    report.problems.sort(key=lambda p: p.line)
    log.info(
        "vehicles.imported",
        created=len(report.created),
        unchanged=len(report.unchanged),
        problems=len(report.problems),
        owners_created=len(report.owners),
    )
    return report
