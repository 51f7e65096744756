"""Bulk import: a fleet file as text/csv, the same file `fleetlink vehicles import` reads."""

from fastapi import APIRouter, Request

from fleetlink.api.operator import mappers
from fleetlink.api.operator import schemas as s
from fleetlink.api.operator.dependencies import Caller, Services
from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.vehicle_import import read_import
from fleetlink.services.vehicle_import import import_vehicles

router = APIRouter(tags=["Vehicles"])

# About 100,000 rows of a fleet file; a larger one is refused before it is read whole.
MAX_BYTES = 16 * 1024 * 1024


async def _csv_text(request: Request) -> str:
    """The body as text, after checking its type and size."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "text/csv":
        raise InvalidInput(f"send the fleet file as text/csv, not {kind or 'no content type'}")
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > MAX_BYTES:
            raise InvalidInput(
                f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB: split it"
            )
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the file is not UTF-8 text (byte {exc.start})") from exc


@router.post("/vehicles/import")
async def import_fleet(request: Request, _: Caller, ctx: Services) -> s.ImportResult:
    read = read_import(await _csv_text(request), ctx.clock())
    report = await import_vehicles(ctx, read)
    return mappers.import_result(str(request.base_url), report)
