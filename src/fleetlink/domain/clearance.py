"""Fleet clearance: a fleet asks to read a vehicle, and the answer moves like an OEM's.

pending ──▶ approved   the owner approves, or the platform does on its own (sandbox)
   │   └──▶ error      the platform does not know the vehicle, or not its brand
   └──────▶ revoked    the fleet removes it, or the owner declines or withdraws
approved ─▶ revoked
revoked, error ─▶ pending   the fleet registers the VIN again
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fleetlink.domain.errors import InvalidInput

MAX_PLATE_LENGTH = 32


class ClearanceStatus(StrEnum):
    """Where a fleet's request to read a vehicle stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REVOKED = "revoked"
    ERROR = "error"


class ClearanceReason:
    """Why a clearance changed, in the words the fleet reads."""

    REQUESTED = "registered by the fleet"
    AUTO_APPROVED = "approved by the platform: known vehicle of a supported brand (sandbox)"
    OWNER_APPROVED = "approved by the vehicle's owner"
    OWNER_DECLINED = "declined by the vehicle's owner"
    OWNER_WITHDREW = "withdrawn by the vehicle's owner"
    OWNER_CHANGED = "withdrawn: the vehicle changed owner (the fleet may ask its new owner)"
    REMOVED = "removed from the fleet"
    UNKNOWN_VEHICLE = "the platform knows no vehicle with this VIN"
    UNSUPPORTED_BRAND = "the platform does not support vehicles of brand {brand!r}"


_ALLOWED = {
    ClearanceStatus.PENDING: {
        ClearanceStatus.APPROVED,
        ClearanceStatus.ERROR,
        ClearanceStatus.REVOKED,
    },
    ClearanceStatus.APPROVED: {ClearanceStatus.REVOKED},
    ClearanceStatus.REVOKED: {ClearanceStatus.PENDING},
    ClearanceStatus.ERROR: {ClearanceStatus.PENDING, ClearanceStatus.REVOKED},
}


def can_move(current: ClearanceStatus, to: ClearanceStatus) -> bool:
    """Whether the lifecycle lets a clearance move from current to to."""
    return to in _ALLOWED[current]


@dataclass(frozen=True, slots=True)
class FleetVehicle:
    """A VIN in a fleet, with its clearance."""

    id: int
    client_id: str
    vin: str
    brand: str
    license_plate: str | None
    vehicle_id: int | None
    status: ClearanceStatus
    reason: str | None
    created_at: datetime
    updated_at: datetime
    settle_at: datetime | None = None
    removed_at: datetime | None = None

    @property
    def in_fleet(self) -> bool:
        """Whether the fleet still has it (a removed one is kept only for its history)."""
        return self.removed_at is None


@dataclass(frozen=True, slots=True)
class ClearanceChange:
    """One change of a clearance: to what, why, when."""

    status: ClearanceStatus
    reason: str
    at: datetime


def settled(vehicle: FleetVehicle, supported: bool) -> ClearanceChange | None:
    """What a pending clearance becomes once the platform settles it on its own, if due."""
    if vehicle.status is not ClearanceStatus.PENDING or vehicle.settle_at is None:
        return None
    if not supported:
        reason = ClearanceReason.UNSUPPORTED_BRAND.format(brand=vehicle.brand)
        return ClearanceChange(ClearanceStatus.ERROR, reason, vehicle.settle_at)
    if vehicle.vehicle_id is None:
        return ClearanceChange(
            ClearanceStatus.ERROR, ClearanceReason.UNKNOWN_VEHICLE, vehicle.settle_at
        )
    return ClearanceChange(
        ClearanceStatus.APPROVED, ClearanceReason.AUTO_APPROVED, vehicle.settle_at
    )


def check_license_plate(plate: str | None) -> str | None:
    """The plate, trimmed; None when not given."""
    if plate is None:
        return None
    trimmed = plate.strip()
    if not trimmed.isprintable():
        raise InvalidInput("license_plate must contain only printable characters")
    if len(trimmed) > MAX_PLATE_LENGTH:
        raise InvalidInput(f"license_plate is longer than {MAX_PLATE_LENGTH} characters")
    return trimmed or None
