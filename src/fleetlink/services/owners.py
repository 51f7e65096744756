"""Owner accounts as operators manage them: create (with a password link), list, disable.

Erasing an owner (their personal data and what was recorded while they owned each car) is
issue 11's next step; it will live beside these, and refuses while the owner has vehicles.
"""

import uuid
from dataclasses import dataclass

import structlog

from fleetlink.domain.accounts import NO_PASSWORD, Account, normalize_email
from fleetlink.domain.errors import Conflict, NotFound
from fleetlink.domain.listing import Page, check_limit, decode_cursor, page_of
from fleetlink.domain.operators import OwnerSummary
from fleetlink.services.accounts import add_account
from fleetlink.services.context import ServiceContext
from fleetlink.services.password_links import PasswordLink, new_link
from fleetlink.storage.uow import UnitOfWork

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class NewOwner:
    """An owner account just created, and the one link that sets its password."""

    account: Account
    link: PasswordLink


async def owner_by_ref(uow: UnitOfWork, ref: str) -> Account:
    """The owner named by ref: an email address, or the account's guid."""
    if "@" in ref:
        account = await uow.accounts.by_email(normalize_email(ref))
    else:
        try:
            guid = str(uuid.UUID(ref))
        except ValueError as exc:
            raise NotFound(f"no owner {ref!r}: give an email address or an owner id") from exc
        account = await uow.accounts.by_guid(guid)
    if account is None:
        raise NotFound(f"no owner {ref!r}")
    return account


async def create_owner(ctx: ServiceContext, email: str) -> NewOwner:
    """Create an owner without a password, and the link by which they set one."""
    address = normalize_email(email)
    try:
        async with ctx.store.writing() as uow:
            account = await add_account(uow, address, NO_PASSWORD, ctx.clock())
            link = await new_link(uow, ctx, account)
            await uow.commit()
    except Conflict as exc:
        raise Conflict(f"an account for {address} already exists") from exc
    log.info("owner.created", owner=account.guid)
    return NewOwner(account, link)


async def reissue_link(ctx: ServiceContext, ref: str) -> NewOwner:
    """A new password link for an owner (the old one stops working)."""
    async with ctx.store.writing() as uow:
        account = await owner_by_ref(uow, ref)
        if not account.is_active:
            raise Conflict(f"owner {account.email} is disabled")
        link = await new_link(uow, ctx, account)
        await uow.commit()
    return NewOwner(account, link)


async def find_owner(ctx: ServiceContext, ref: str) -> Account:
    """The owner named by email or guid."""
    async with ctx.store.reading() as uow:
        return await owner_by_ref(uow, ref)


async def owner_summary(ctx: ServiceContext, ref: str) -> OwnerSummary:
    """One owner as operators list them."""
    async with ctx.store.reading() as uow:
        account = await owner_by_ref(uow, ref)
        [summary] = await uow.accounts.summaries(None, 1, account_id=account.id)
    return summary


async def list_owners(ctx: ServiceContext, cursor: str | None, limit: int) -> Page[OwnerSummary]:
    """A page of owners in email order, each with how many vehicles they own."""
    after = decode_cursor(cursor)
    async with ctx.store.reading() as uow:
        rows = await uow.accounts.summaries(after, check_limit(limit) + 1)
    return page_of(rows, limit, lambda o: o.email)


async def disable_owner(ctx: ServiceContext, ref: str) -> OwnerSummary:
    """Disable an owner: their tokens, grants' tokens, sessions and links stop at once."""
    now = ctx.clock()
    async with ctx.store.writing() as uow:
        account = await owner_by_ref(uow, ref)
        await uow.accounts.disable(account.id, now)
        await uow.password_links.expire_account(account.id, now)
        await uow.commit()
    log.info("owner.disabled", owner=account.guid)
    return await owner_summary(ctx, account.guid)
