"""Operators: the people who run a deployment, onboard vehicles and manage owners."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Operator:
    """An operator account; guid is what its tokens name, id the store's own."""

    id: int
    guid: str
    email: str
    created_at: datetime
    disabled_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OwnerSummary:
    """An owner account as operators list it."""

    guid: str
    email: str
    created_at: datetime
    disabled_at: datetime | None
    has_password: bool
    vehicles: int


@dataclass(frozen=True, slots=True)
class OwnershipPeriod:
    """A time a vehicle belonged to an owner; to_at is None while it still does."""

    vin: str
    owner_guid: str
    owner_email: str
    from_at: datetime
    to_at: datetime | None
