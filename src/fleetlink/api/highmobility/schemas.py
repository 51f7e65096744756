"""The High Mobility contract's shapes, as pydantic models (what the wire carries)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, StrictStr


class FleetVehicleRequest(BaseModel):
    """POST /v1/fleet/vehicles."""

    vin: StrictStr
    brand: StrictStr
    license_plate: StrictStr | None = None


class FleetVehicle(BaseModel):
    """A vehicle of the fleet and its clearance."""

    vin: str
    brand: str
    license_plate: str | None = None
    clearance_status: Literal["pending", "approved", "revoked", "error"]
    created_at: datetime


class ClearanceEvent(BaseModel):
    """One change of a clearance (our extension)."""

    clearance_status: Literal["pending", "approved", "revoked", "error"]
    reason: str
    at: datetime


class Eligibility(BaseModel):
    """GET /v1/eligibility/{vin}."""

    vin: str
    brand: str
    eligible: bool
    capabilities: list[str]
    clearance_required: bool


DoorLocation = Literal["front_left", "front_right", "rear_left", "rear_right"]
LockState = Literal["locked", "unlocked"]
ChargingState = Literal["disconnected", "plugged_in", "charging", "completed"]


class DoorLock(BaseModel):
    """One door."""

    location: DoorLocation
    lock: LockState | None = None
    position: Literal["open", "closed"] | None = None


class Doors(BaseModel):
    """The doors section."""

    locks: list[DoorLock]


class Charging(BaseModel):
    """The charging section (plug-in vehicles)."""

    battery_level: int | None = None
    estimated_range: int | None = None
    charging_state: ChargingState | None = None
    charge_limit: int | None = None


class Diagnostics(BaseModel):
    """The diagnostics section."""

    mileage: int | None = None
    speed: int | None = None
    fuel_level: int | None = None
    engine_rpm: int | None = None
    engine_oil_temperature: float | None = None


class VehicleLocation(BaseModel):
    """Where the vehicle is."""

    latitude: float
    longitude: float


class VehicleData(BaseModel):
    """GET /v1/vehicle-data/autoapi-13/{vin}: the sections the vehicle reports."""

    vin: str
    timestamp: datetime | None = None
    doors: Doors | None = None
    charging: Charging | None = None
    diagnostics: Diagnostics | None = None
    vehicle_location: VehicleLocation | None = None
