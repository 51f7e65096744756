"""The operator API's shapes (specs/fleetlink-operator.openapi.yaml), as pydantic models."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from fleetlink.domain.vehicle import ConnectionState, Powertrain


class _Body(BaseModel):
    """A request body: JSON types as they are ("3" is not 3), and no unknown field."""

    model_config = ConfigDict(strict=True, extra="forbid")


class VehicleChange(_Body):
    make: str | None = None
    model: str | None = None
    year: int | None = None
    # Strict bodies take JSON types as they are; an enum arrives as its string.
    powertrain: Powertrain | None = Field(None, strict=False)
    color: str | None = None
    trim: str | None = None
    licensePlate: str | None = None


class VehicleRegistration(VehicleChange):
    vin: str
    ownerId: str | None = Field(None, description="The owner's id, or their email address")


class OwnerAssignment(_Body):
    ownerId: str


class OwnerRegistration(_Body):
    email: str


class OperatorVehicle(BaseModel):
    vin: str
    brand: str
    make: str
    model: str
    year: int
    powertrain: Powertrain
    color: str | None
    trim: str | None
    licensePlate: str | None
    ownerId: str | None
    connection: ConnectionState
    lastSeenAt: datetime | None


class DeviceCredentialSecret(BaseModel):
    vin: str
    username: str
    password: str


class RegisteredVehicle(OperatorVehicle):
    deviceCredential: DeviceCredentialSecret


class DeviceCredentialState(BaseModel):
    vin: str
    state: Literal["active", "rotating", "revoked"]
    issuedAt: datetime
    changedAt: datetime
    revokedAt: datetime | None


class Rotation(_Body):
    immediately: bool = False


class VehicleList(BaseModel):
    data: list[OperatorVehicle]
    nextCursor: str | None


class OwnershipPeriod(BaseModel):
    ownerId: str
    ownerEmail: str
    fromAt: datetime
    toAt: datetime | None


class OwnershipHistory(BaseModel):
    vin: str
    data: list[OwnershipPeriod]


class Owner(BaseModel):
    id: str
    email: str
    createdAt: datetime
    disabledAt: datetime | None
    hasPassword: bool
    vehicles: int


class OwnerList(BaseModel):
    data: list[Owner]
    nextCursor: str | None


class PasswordLink(BaseModel):
    url: str
    expiresAt: datetime


class CreatedOwner(BaseModel):
    owner: Owner
    passwordLink: PasswordLink


class OwnerErasure(BaseModel):
    ownerId: str
    vehiclesReleased: list[str]
    clearancesWithdrawn: int
    deleted: dict[str, int]


class ImportProblem(BaseModel):
    line: int
    vin: str | None
    reason: str


class ImportedOwner(BaseModel):
    id: str
    email: str
    passwordLink: PasswordLink


class ImportResult(BaseModel):
    created: list[str]
    unchanged: list[str]
    problems: list[ImportProblem]
    ownersCreated: list[ImportedOwner]
    deviceCredentials: list[DeviceCredentialSecret]
