"""Owners: create (with the link that sets their password), list, read, disable, erase."""

from fastapi import APIRouter, Request

from fleetlink.api.operator import mappers
from fleetlink.api.operator import schemas as s
from fleetlink.api.operator.dependencies import Caller, Services
from fleetlink.domain.listing import DEFAULT_LIMIT
from fleetlink.services import erasure, owners
from fleetlink.services.owners import NewOwner

router = APIRouter(tags=["Owners"])


async def _created(request: Request, ctx: Services, new: NewOwner) -> s.CreatedOwner:
    return s.CreatedOwner(
        owner=mappers.owner(await owners.owner_summary(ctx, new.account.guid)),
        passwordLink=mappers.password_link(str(request.base_url), new.link),
    )


@router.post("/owners", status_code=201)
async def create_owner(
    request: Request, body: s.OwnerRegistration, _: Caller, ctx: Services
) -> s.CreatedOwner:
    return await _created(request, ctx, await owners.create_owner(ctx, body.email))


@router.get("/owners")
async def list_owners(
    _: Caller, ctx: Services, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> s.OwnerList:
    page = await owners.list_owners(ctx, cursor, limit)
    return s.OwnerList(data=[mappers.owner(o) for o in page.items], nextCursor=page.next_cursor)


@router.get("/owners/{ownerId}")
async def get_owner(ownerId: str, _: Caller, ctx: Services) -> s.Owner:
    return mappers.owner(await owners.owner_summary(ctx, ownerId))


@router.delete("/owners/{ownerId}")
async def erase_owner(
    ownerId: str, _: Caller, ctx: Services, withVehicles: bool = False
) -> s.OwnerErasure:
    return mappers.erasure(await erasure.erase_owner(ctx, ownerId, with_vehicles=withVehicles))


@router.post("/owners/{ownerId}/disable")
async def disable_owner(ownerId: str, _: Caller, ctx: Services) -> s.Owner:
    return mappers.owner(await owners.disable_owner(ctx, ownerId))


@router.post("/owners/{ownerId}/password-link", status_code=201)
async def new_password_link(
    request: Request, ownerId: str, _: Caller, ctx: Services
) -> s.CreatedOwner:
    return await _created(request, ctx, await owners.reissue_link(ctx, ownerId))
