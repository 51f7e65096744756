"""A fleet file to import, read and checked whole before anything is stored.

CSV with a header row naming the columns (any order, any case; spaces, dashes and
underscores alike): vin, brand, model, year, powertrain, plate, owner email. Only vin is
needed in every row; an empty cell leaves the field to what the VIN says (see
domain/registration.py), and an empty owner email imports the vehicle without an owner.
Each bad row becomes a RowProblem with its line number and reason; the good ones go on.
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from fleetlink.domain.accounts import normalize_email
from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.registration import Identity, VehicleDetails, resolve_identity
from fleetlink.domain.vehicle import Powertrain
from fleetlink.domain.vin import normalize_vin

COLUMNS = ("vin", "brand", "model", "year", "powertrain", "plate", "owner email")
# Enough for a large fleet in one file; more is split into several imports.
MAX_ROWS = 100_000
# A cell longer than this is no VIN, name or address: csv refuses the row.
MAX_CELL = 1024
_POWERTRAINS = ", ".join(p.value for p in Powertrain)


@dataclass(frozen=True, slots=True)
class ImportRow:
    """A good row: where it is in the file, the vehicle it describes, its owner's address."""

    line: int
    identity: Identity
    owner_email: str | None


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row left out, and why."""

    line: int
    vin: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class ImportFile:
    """A file read: its good rows and its bad ones, in file order."""

    rows: list[ImportRow]
    problems: list[RowProblem]


def _key(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").replace("-", " ").split())


def _columns(header: list[str]) -> dict[str, int]:
    found = {_key(name): i for i, name in enumerate(header)}
    found.setdefault("owner email", found.get("owneremail", found.get("owner", -1)))
    missing = [c for c in COLUMNS if found.get(c, -1) < 0]
    if missing:
        raise InvalidInput(
            f"the header row lacks {', '.join(missing)}: it must name {', '.join(COLUMNS)}"
        )
    return {c: found[c] for c in COLUMNS}


def _year(cell: str) -> int | None:
    if not cell:
        return None
    if not cell.isdigit() or len(cell) != 4:
        raise InvalidInput(f"year must be a four-digit year, got {cell!r}")
    return int(cell)


def _powertrain(cell: str) -> Powertrain | None:
    if not cell:
        return None
    try:
        return Powertrain(cell.lower())
    except ValueError:
        raise InvalidInput(f"powertrain must be one of {_POWERTRAINS}, got {cell!r}") from None


def _row(cells: dict[str, str], now: datetime) -> tuple[Identity, str | None]:
    if not cells["vin"]:
        raise InvalidInput("the VIN is empty")
    vin = normalize_vin(cells["vin"])
    details = VehicleDetails(
        make=cells["brand"] or None,
        model=cells["model"] or None,
        year=_year(cells["year"]),
        powertrain=_powertrain(cells["powertrain"]),
        license_plate=cells["plate"] or None,
    )
    email = normalize_email(cells["owner email"]) if cells["owner email"] else None
    return resolve_identity(vin, details, now), email


def read_import(text: str, now: datetime) -> ImportFile:
    """Read a fleet file; InvalidInput only if it is no fleet file at all (no header, too big)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise InvalidInput(f"the file is empty: it needs a header row ({', '.join(COLUMNS)})")
        where = _columns(header)
        rows: list[ImportRow] = []
        problems: list[RowProblem] = []
        first_line: dict[str, int] = {}
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # a blank line
            if len(rows) + len(problems) >= MAX_ROWS:
                raise InvalidInput(f"the file has more than {MAX_ROWS} rows: split it")
            cells = {c: record[i].strip() if i < len(record) else "" for c, i in where.items()}
            try:
                if any(len(cell) > MAX_CELL for cell in cells.values()):
                    raise InvalidInput(f"a cell is longer than {MAX_CELL} characters")
                identity, email = _row(cells, now)
            except InvalidInput as exc:
                problems.append(RowProblem(line, cells["vin"][:17] or None, exc.message))
                continue
            if identity.vin in first_line:
                reason = f"{identity.vin} is on line {first_line[identity.vin]} already"
                problems.append(RowProblem(line, identity.vin, reason))
                continue
            first_line[identity.vin] = line
            rows.append(ImportRow(line, identity, email))
    except csv.Error as exc:
        raise InvalidInput(f"line {reader.line_num}: not CSV ({exc})") from exc
    return ImportFile(rows, problems)
