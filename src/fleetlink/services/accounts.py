"""Accounts: create them, find them, and know who a token speaks for."""

import asyncio
import uuid
from datetime import datetime
from functools import cache

from fleetlink.auth.passwords import hash_password, verify_password
from fleetlink.domain.accounts import Account, check_password_strength, normalize_email
from fleetlink.domain.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from fleetlink.services.context import ServiceContext
from fleetlink.services.tokens import TokenService
from fleetlink.storage.uow import UnitOfWork


async def add_account(uow: UnitOfWork, email: str, password_hash: str, now: datetime) -> Account:
    """Insert an account inside uow; its normalised email must be unused."""
    if await uow.accounts.by_email(email) is not None:
        raise Conflict(f"an account for {email} already exists")
    account = Account(
        id=0, guid=str(uuid.uuid4()), email=email, password_hash=password_hash, created_at=now
    )
    return await uow.accounts.add(account)


async def create_account(ctx: ServiceContext, email: str, password: str) -> Account:
    """Register a new account; its email must be unused."""
    address = normalize_email(email)
    check_password_strength(password)
    hashed = hash_password(password)
    try:
        async with ctx.store.writing() as uow:
            account = await add_account(uow, address, hashed, ctx.clock())
            await uow.commit()
    except Conflict as exc:
        raise Conflict(f"an account for {address} already exists") from exc
    return account


async def find_account(ctx: ServiceContext, email: str) -> Account:
    """The account registered with email."""
    address = normalize_email(email)
    async with ctx.store.reading() as uow:
        account = await uow.accounts.by_email(address)
    if account is None:
        raise NotFound(f"no account for {address}")
    return account


async def authenticate(
    ctx: ServiceContext, tokens: TokenService, token: str, audience: str
) -> Account:
    """The account a bearer token speaks for, after checking the token in full."""
    claims = await tokens.verify(token, audience, ctx.clock())
    async with ctx.store.reading() as uow:
        account = await uow.accounts.by_guid(claims.subject)
    return usable_account(account)


def usable_account(account: Account | None) -> Account:
    """The account a verified token named, if it still exists and is active."""
    if account is None:
        raise Unauthenticated("token's account no longer exists")
    # Looked up on every request, cached token or not: disabling an account ends its tokens.
    if not account.is_active:
        raise Unauthenticated("token's account has been disabled")
    return account


@cache
def _decoy_hash() -> str:
    # Checked against when the email is unknown, so that the answer takes as long as for a
    # known one and the time does not tell which addresses have accounts.
    return hash_password(str(uuid.uuid4()))


async def verify_credentials(ctx: ServiceContext, email: str, password: str) -> Account:
    """The account whose email and password these are; anything else is Unauthenticated."""
    try:
        address = normalize_email(email)
    except InvalidInput:
        address = None
    account = None
    if address is not None:
        async with ctx.store.reading() as uow:
            account = await uow.accounts.by_email(address)
    usable = account is not None and account.has_password and account.is_active
    stored = account.password_hash if account is not None and usable else _decoy_hash()
    # Argon2 is slow on purpose; off the event loop, other requests go on meanwhile.
    matches = await asyncio.to_thread(verify_password, stored, password)
    # A disabled account, or one whose owner has not set a password yet, answers as a
    # wrong password does, after as long a check.
    if account is None or not usable or not matches:
        raise Unauthenticated("wrong email or password")
    return account
