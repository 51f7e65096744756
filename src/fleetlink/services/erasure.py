"""Erasing an owner: the person's data, and everything recorded while they owned each car.

What goes (storage/repositories/erasure.py does it, one statement a table, in one
transaction): their account (email, password hash), password links, the grants they gave
apps with every code and refresh token under them, their webhook subscriptions with their
deliveries, their ownership periods, and, for every vehicle in each period, the trips,
notifications, commands, raw messages, service records, events (with their deliveries to
anyone), dead letters naming the VIN, and the latest state and trip progress if recorded
then. Their tokens and owner-panel sessions are signed and stored nowhere; they name an
account that no longer exists, so they stop at once.

An owner who still has vehicles is refused, unless asked to take them too: the vehicles then
stay registered (with their device credentials) but without an owner, as a car between
owners; fleets' approved clearances of them are withdrawn, since the consent was the
erased owner's. Deregister them afterwards to remove them entirely.
"""

from dataclasses import dataclass

import structlog

from fleetlink.domain.errors import Conflict
from fleetlink.services.context import ServiceContext
from fleetlink.services.owners import owner_by_ref
from fleetlink.services.registry import withdraw_clearances

log = structlog.get_logger(__name__)

# How many VINs a refusal names before it says how many more there are.
_NAMED = 10


@dataclass(frozen=True, slots=True)
class Erasure:
    """What an erasure did: the owner's id, the vehicles left without owner, rows deleted
    by kind, and fleets' clearances withdrawn."""

    owner_guid: str
    released: list[str]
    deleted: dict[str, int]
    clearances_withdrawn: int


def _still_owns(email: str, vins: list[str]) -> Conflict:
    named = ", ".join(vins[:_NAMED])
    more = f" and {len(vins) - _NAMED} more" if len(vins) > _NAMED else ""
    return Conflict(
        f"owner {email} still owns {named}{more}: transfer or deregister "
        + ("it" if len(vins) == 1 else "them")
        + " first, or erase with their vehicles"
    )


async def erase_owner(ctx: ServiceContext, ref: str, *, with_vehicles: bool = False) -> Erasure:
    """Erase the owner named by ref (email or id); refused while they own vehicles unless
    with_vehicles, which leaves those without an owner."""
    now = ctx.clock()
    async with ctx.store.writing() as uow:
        account = await owner_by_ref(uow, ref)
        owned = [v.vin for v in await uow.vehicles.list_owned(account.id)]
        if owned and not with_vehicles:
            raise _still_owns(account.email, owned)
        released = await uow.erasure.release(account.id, now)
        clearances = await withdraw_clearances(uow, released, now)
        deleted = await uow.erasure.erase(account.id)
        await uow.commit()
    log.info("owner.erased", owner=account.guid, released=len(owned), deleted=deleted)
    return Erasure(account.guid, owned, deleted, clearances)
