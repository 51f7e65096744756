"""Single-use, expiring links by which an owner sets their password in the owner panel.

The operator who creates an owner's account never chooses nor sees the password: they
pass on a link, which is kept only as a digest, works once, and expires.
"""

import asyncio
from dataclasses import dataclass
from datetime import datetime

from fleetlink.auth.passwords import hash_password
from fleetlink.auth.secrets import digest, new_token
from fleetlink.domain.accounts import Account, check_password_strength
from fleetlink.domain.errors import InvalidInput, NotFound
from fleetlink.services.context import ServiceContext
from fleetlink.storage.uow import UnitOfWork

SET_PASSWORD_PATH = "/oauth/set-password"


@dataclass(frozen=True, slots=True)
class PasswordLink:
    """A link just made: its token (shown once) and when it expires."""

    token: str
    expires_at: datetime

    @property
    def path(self) -> str:
        """The owner panel's page for it, from the server's root."""
        return f"{SET_PASSWORD_PATH}?token={self.token}"


async def new_link(uow: UnitOfWork, ctx: ServiceContext, account: Account) -> PasswordLink:
    """Make a link for account inside uow; any earlier unused link stops working."""
    now = ctx.clock()
    token = new_token()
    expires_at = now + ctx.password_link_ttl
    await uow.password_links.expire_account(account.id, now)
    await uow.password_links.add(digest(token), account.id, now, expires_at)
    return PasswordLink(token, expires_at)


async def first_links(
    uow: UnitOfWork, ctx: ServiceContext, accounts: list[Account]
) -> dict[int, PasswordLink]:
    """A link for each of accounts, just created (so with no earlier link), in one statement."""
    now = ctx.clock()
    expires_at = now + ctx.password_link_ttl
    links = {a.id: PasswordLink(new_token(), expires_at) for a in accounts}
    await uow.password_links.add_many(
        {aid: digest(link.token) for aid, link in links.items()}, now, expires_at
    )
    return links


_UNUSABLE = "this password link is unknown, used or expired: ask your operator for a new one"


async def _usable(uow: UnitOfWork, token: str, now: datetime) -> Account:
    stored = await uow.password_links.get(digest(token))
    if stored is None or stored.used_at is not None or now >= stored.expires_at:
        raise NotFound(_UNUSABLE)
    account = await uow.accounts.by_id(stored.account_id)
    if account is None or not account.is_active:
        raise NotFound(_UNUSABLE)
    return account


async def link_account(ctx: ServiceContext, token: str) -> Account:
    """The account a usable link sets the password of; NotFound otherwise."""
    async with ctx.store.reading() as uow:
        return await _usable(uow, token, ctx.clock())


async def set_password(ctx: ServiceContext, token: str, password: str, confirm: str) -> Account:
    """Spend the link and set its account's password."""
    if password != confirm:
        raise InvalidInput("the two passwords differ")
    check_password_strength(password)
    hashed = await asyncio.to_thread(hash_password, password)
    now = ctx.clock()
    async with ctx.store.writing() as uow:
        account = await _usable(uow, token, now)
        if not await uow.password_links.use(digest(token), now):
            raise NotFound(_UNUSABLE)
        await uow.accounts.set_password_hash(account.id, hashed)
        await uow.commit()
    return account
