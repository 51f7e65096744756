"""Domain values to the operator API's shapes, and its requests to domain values."""

from typing import Literal

from fleetlink.api.operator import schemas as s
from fleetlink.domain.brands import brand_slug
from fleetlink.domain.devices import DeviceCredential
from fleetlink.domain.operators import OwnershipPeriod, OwnerSummary
from fleetlink.domain.registration import VehicleDetails
from fleetlink.domain.vehicle import Vehicle
from fleetlink.services.devices import IssuedCredential
from fleetlink.services.erasure import Erasure
from fleetlink.services.password_links import PasswordLink
from fleetlink.services.vehicle_import import ImportReport


def details(body: s.VehicleChange) -> VehicleDetails:
    """What the operator gave of a vehicle."""
    return VehicleDetails(
        make=body.make,
        model=body.model,
        year=body.year,
        powertrain=body.powertrain,
        color=body.color,
        trim=body.trim,
        license_plate=body.licensePlate,
    )


def vehicle(v: Vehicle) -> s.OperatorVehicle:
    return s.OperatorVehicle(
        vin=v.vin,
        brand=brand_slug(v.make),
        make=v.make,
        model=v.model,
        year=v.year,
        powertrain=v.powertrain,
        color=v.color,
        trim=v.trim,
        licensePlate=v.license_plate,
        ownerId=v.owner_guid,
        connection=v.connection,
        lastSeenAt=v.last_connected_at,
    )


def period(p: OwnershipPeriod) -> s.OwnershipPeriod:
    return s.OwnershipPeriod(
        ownerId=p.owner_guid, ownerEmail=p.owner_email, fromAt=p.from_at, toAt=p.to_at
    )


def owner(o: OwnerSummary) -> s.Owner:
    return s.Owner(
        id=o.guid,
        email=o.email,
        createdAt=o.created_at,
        disabledAt=o.disabled_at,
        hasPassword=o.has_password,
        vehicles=o.vehicles,
    )


def password_link(base_url: str, link: PasswordLink) -> s.PasswordLink:
    return s.PasswordLink(url=base_url.rstrip("/") + link.path, expiresAt=link.expires_at)


def secret(issued: IssuedCredential) -> s.DeviceCredentialSecret:
    return s.DeviceCredentialSecret(vin=issued.vin, username=issued.vin, password=issued.secret)


def credential_state(credential: DeviceCredential) -> s.DeviceCredentialState:
    state: Literal["active", "rotating", "revoked"] = (
        "revoked"
        if not credential.active
        else "rotating"
        if credential.pending_hash is not None
        else "active"
    )
    return s.DeviceCredentialState(
        vin=credential.vin,
        state=state,
        issuedAt=credential.issued_at,
        changedAt=credential.changed_at,
        revokedAt=credential.revoked_at,
    )


def erasure(e: Erasure) -> s.OwnerErasure:
    return s.OwnerErasure(
        ownerId=e.owner_guid,
        vehiclesReleased=e.released,
        clearancesWithdrawn=e.clearances_withdrawn,
        deleted=e.deleted,
    )


def import_result(base_url: str, report: ImportReport) -> s.ImportResult:
    return s.ImportResult(
        created=report.created,
        unchanged=report.unchanged,
        problems=[
            s.ImportProblem(line=p.line, vin=p.vin, reason=p.reason) for p in report.problems
        ],
        ownersCreated=[
            s.ImportedOwner(
                id=o.account.guid,
                email=o.account.email,
                passwordLink=password_link(base_url, o.link),
            )
            for o in report.owners
        ],
        deviceCredentials=[secret(c) for c in report.credentials],
    )
