"""Device credentials: issue, rotate and revoke each vehicle's own broker secret.

Every change is handed to the deployment's brokers (ServiceContext.device_brokers) inside
its unit of work, before the commit, so a broker that cannot take it fails the change.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

import structlog

from fleetlink.auth.device_secrets import device_secret_hash, new_device_secret
from fleetlink.domain.devices import ChangeKind, CredentialChange, DeviceCredential
from fleetlink.domain.errors import Conflict, NotFound, VehicleNotFound
from fleetlink.domain.vin import normalize_vin
from fleetlink.services.context import ServiceContext
from fleetlink.storage.uow import UnitOfWork

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """A vehicle's new secret: shown this once, stored only as its digest."""

    vin: str
    secret: str


async def _apply(ctx: ServiceContext, change: CredentialChange) -> None:
    for broker in ctx.device_brokers:
        await broker.apply(change)
    log.info(
        f"device.credential_{change.kind.value}",
        vin=change.credential.vin,
        immediate=change.immediate,
    )


async def _issue(
    ctx: ServiceContext, uow: UnitOfWork, vin: str, vehicle_id: int, *, new: bool
) -> IssuedCredential:
    secret, now = new_device_secret(), ctx.clock()
    credential = DeviceCredential(
        vin=vin,
        vehicle_id=vehicle_id,
        secret_hash=device_secret_hash(secret),
        issued_at=now,
        changed_at=now,
    )
    await uow.devices.put(credential, new=new)
    await _apply(ctx, CredentialChange(ChangeKind.ISSUED, credential, secret))
    return IssuedCredential(vin, secret)


async def _active(uow: UnitOfWork, vin: str) -> DeviceCredential:
    credential = await uow.devices.by_vin(vin)
    if credential is None:
        if not await uow.vehicles.existing_ids([vin]):
            raise VehicleNotFound(vin)
        raise NotFound(f"{vin} has no device credential: issue one first")
    if not credential.active:
        raise Conflict(f"{vin}'s device credential is revoked: issue a new one")
    return credential


async def issue_device_credential(ctx: ServiceContext, vin: str) -> IssuedCredential:
    """Give a registered vehicle's unit its credential (again, after a revocation)."""
    vin = normalize_vin(vin)
    async with ctx.store.writing() as uow:
        current = await uow.devices.by_vin(vin)
        if current is not None and current.active:
            raise Conflict(f"{vin} has a device credential already: rotate or revoke it")
        if current is None:
            ids = await uow.vehicles.existing_ids([vin])
            if vin not in ids:
                raise VehicleNotFound(vin)
            vehicle_id = ids[vin]
        else:
            vehicle_id = current.vehicle_id
        issued = await _issue(ctx, uow, vin, vehicle_id, new=current is None)
        await uow.commit()
    return issued


async def issue_first_credentials(
    ctx: ServiceContext, uow: UnitOfWork, vehicle_ids: Mapping[str, int]
) -> list[IssuedCredential]:
    """A first credential for each VIN → vehicle id (none may have one), inside uow: one
    statement, and one hand-over to each broker, however many vehicles."""
    now = ctx.clock()
    secrets = {vin: new_device_secret() for vin in vehicle_ids}
    changes = [
        CredentialChange(
            ChangeKind.ISSUED,
            DeviceCredential(
                vin=vin,
                vehicle_id=vehicle_id,
                secret_hash=device_secret_hash(secrets[vin]),
                issued_at=now,
                changed_at=now,
            ),
            secrets[vin],
        )
        for vin, vehicle_id in vehicle_ids.items()
    ]
    await uow.devices.add_many([c.credential for c in changes])
    for broker in ctx.device_brokers:
        await broker.apply_many(changes)
    log.info("device.credentials_issued", vehicles=len(changes))
    return [IssuedCredential(vin, secret) for vin, secret in secrets.items()]


async def issue_missing_device_credentials(ctx: ServiceContext) -> list[IssuedCredential]:
    """A credential for every registered vehicle that has none (revoked ones keep theirs)."""
    async with ctx.store.writing() as uow:
        vins = await uow.devices.vins_without()
        ids = await uow.vehicles.existing_ids(vins)
        issued = await issue_first_credentials(ctx, uow, {vin: ids[vin] for vin in vins})
        await uow.commit()
    return issued


async def _rotate(
    ctx: ServiceContext, uow: UnitOfWork, current: DeviceCredential, *, immediately: bool
) -> str:
    secret = new_device_secret()
    digest = device_secret_hash(secret)
    rotated = replace(
        current,
        secret_hash=digest if immediately else current.secret_hash,
        pending_hash=None if immediately else digest,
        changed_at=ctx.clock(),
    )
    await uow.devices.put(rotated, new=False)
    await _apply(ctx, CredentialChange(ChangeKind.ROTATED, rotated, secret, immediately))
    return secret


async def rotate_device_credential(
    ctx: ServiceContext, vin: str, *, immediately: bool = False
) -> IssuedCredential:
    """A new secret; the old one works until the unit signs in with it, or not at all."""
    vin = normalize_vin(vin)
    async with ctx.store.writing() as uow:
        current = await _active(uow, vin)
        secret = await _rotate(ctx, uow, current, immediately=immediately)
        await uow.commit()
    return IssuedCredential(vin, secret)


async def revoke_device_credential(ctx: ServiceContext, vin: str) -> None:
    """Refuse the vehicle's unit from now on, and end its session."""
    vin = normalize_vin(vin)
    async with ctx.store.writing() as uow:
        current = await _active(uow, vin)
        now = ctx.clock()
        revoked = replace(current, pending_hash=None, revoked_at=now, changed_at=now)
        await uow.devices.put(revoked, new=False)
        await _apply(ctx, CredentialChange(ChangeKind.REVOKED, revoked, immediate=True))
        await uow.commit()


async def replace_device_credentials(ctx: ServiceContext, vins: Iterable[str]) -> dict[str, str]:
    """Fresh secrets at once for simulated vehicles, whose earlier ones nobody kept.

    Unregistered VINs get none; revoked credentials stay revoked.
    """
    wanted = sorted(set(vins))
    secrets: dict[str, str] = {}
    async with ctx.store.writing() as uow:
        ids = await uow.vehicles.existing_ids(wanted)
        current = await uow.devices.by_vins(wanted)
        for vin in wanted:
            had = current.get(vin)
            if had is None and vin in ids:
                secrets[vin] = (await _issue(ctx, uow, vin, ids[vin], new=True)).secret
            elif had is not None and had.active:
                secrets[vin] = await _rotate(ctx, uow, had, immediately=True)
        await uow.commit()
    return secrets


async def device_credential(ctx: ServiceContext, vin: str) -> DeviceCredential | None:
    """The credential of the vehicle with this VIN, if it has one (revoked or not)."""
    async with ctx.store.reading() as uow:
        return await uow.devices.by_vin(vin)


async def device_credentials_changed(
    ctx: ServiceContext, since: datetime
) -> list[DeviceCredential]:
    """Every credential changed at or after since."""
    async with ctx.store.reading() as uow:
        return await uow.devices.changed_since(since)


async def confirm_rotation(ctx: ServiceContext, credential: DeviceCredential) -> DeviceCredential:
    """The unit signed in with its rotated secret: from now on that is its only one."""
    assert credential.pending_hash is not None
    promoted = replace(
        credential, secret_hash=credential.pending_hash, pending_hash=None, changed_at=ctx.clock()
    )
    async with ctx.store.writing() as uow:
        done = await uow.devices.promote(
            credential.vehicle_id, credential.pending_hash, promoted.changed_at
        )
        await uow.commit()
    if done:
        log.info("device.rotation_confirmed", vin=credential.vin)
    return promoted
