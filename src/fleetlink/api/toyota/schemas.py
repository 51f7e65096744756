"""The Toyota contract's shapes, as pydantic models and typed dicts.

Units are the contract's: miles, mph, °F.
"""

import re
from datetime import date, datetime
from typing import Any, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator
from typing_extensions import TypedDict  # pydantic reads typing's only from Python 3.12

from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.units import celsius_to_fahrenheit
from fleetlink.domain.vehicle import MAX_CLIMATE_TARGET_C, MIN_CLIMATE_TARGET_C

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def iso_date(name: str, raw: str) -> date:
    """A `format: date` query value (YYYY-MM-DD), or InvalidInput naming the parameter."""
    try:
        if _ISO_DATE.match(raw):
            return date.fromisoformat(raw)
    except ValueError:
        pass
    raise InvalidInput(f"{name} must be a date as YYYY-MM-DD, got {raw!r}")


class _Wire(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class _Body(BaseModel):
    """A request body: JSON types are taken as they are, never coerced ("3" is not 3).

    Optional fields may be left out, never sent as null: no property of the contract is
    nullable, and a null must not pass for "keep the old value".
    """

    model_config = ConfigDict(strict=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = sorted(str(k) for k, v in data.items() if v is None and k in cls.model_fields)
            if nulls:
                raise ValueError(f"{', '.join(nulls)} must not be null")
        return data


# Requests


class AliasUpdate(_Body):
    alias: str
    guid: str | None = None


class RefreshRequest(_Body):
    deviceId: str
    deviceType: str
    guid: str
    vin: str


# The domain's limits, in the contract's unit: 60–85 °F.
MIN_TEMPERATURE_F = round(celsius_to_fahrenheit(MIN_CLIMATE_TARGET_C), 1)
MAX_TEMPERATURE_F = round(celsius_to_fahrenheit(MAX_CLIMATE_TARGET_C), 1)


class ClimateSettingsIn(_Body):
    temperature: float | None = Field(None, ge=MIN_TEMPERATURE_F, le=MAX_TEMPERATURE_F)
    fanSpeed: int | None = None
    mode: Literal["auto", "cool", "heat", "defrost"] | None = None


class ClimateCommandIn(_Body):
    command: Literal["start", "stop"]
    temperature: float | None = Field(None, ge=MIN_TEMPERATURE_F, le=MAX_TEMPERATURE_F)


RemoteCommandName = Literal[
    "lock", "unlock", "horn", "lights", "panic_on", "panic_off", "trunk_open"
]


class RemoteCommandIn(_Body):
    command: RemoteCommandName
    beeps: int | None = None


# Responses


class ConnectedVehicle(_Wire):
    vin: str
    alias: str | None = None
    make: str
    model: str
    year: int
    color: str | None = None
    trim: str | None = None
    guid: str
    isConnected: bool
    lastConnectedAt: datetime | None = None


class ConnectedVehicleList(_Wire):
    data: list[ConnectedVehicle]


class DoorStatus(_Wire):
    frontLeft: str
    frontRight: str
    rearLeft: str
    rearRight: str
    trunk: str


class WindowStatus(_Wire):
    frontLeft: str
    frontRight: str


class VehicleStatus(_Wire):
    vin: str
    ignition: str | None = None
    doorsLocked: bool | None = None
    doorStatus: DoorStatus | None = None
    windowStatus: WindowStatus | None = None
    lastUpdatedAt: datetime | None = None


class WarningLightOut(_Wire):
    name: str
    severity: str
    description: str


class VehicleHealth(_Wire):
    vin: str
    overallStatus: str | None = None
    oilQuantity: str | None = None
    warningLights: list[WarningLightOut] | None = None
    maintenanceRequired: bool | None = None
    lastReportedAt: datetime | None = None


class VehiclePosition(_Wire):
    vin: str
    latitude: float | None = None
    longitude: float | None = None
    isParked: bool | None = None
    timestamp: datetime | None = None


class ElectricStatus(_Wire):
    vin: str
    batteryLevel: int | None = None
    batteryRange: float | None = None
    fuelLevel: int | None = None
    fuelRange: float | None = None
    totalRange: float | None = None
    chargingStatus: str | None = None
    pluggedIn: bool | None = None
    estimatedChargeCompleteTime: datetime | None = None
    lastUpdatedAt: datetime | None = None


class ClimateStatus(_Wire):
    vin: str
    isRunning: bool
    temperature: float
    fanSpeed: int
    mode: str
    lastUpdatedAt: datetime | None = None


class ClimateSettingsOut(_Wire):
    temperature: float
    fanSpeed: int
    mode: str


class RefreshStatus(_Wire):
    requestId: str
    status: str
    returnCode: str
    timestamp: datetime


class CommandState(_Wire):
    requestId: str
    vin: str
    command: str
    status: str
    returnCode: str
    reason: str | None = None
    createdAt: datetime
    updatedAt: datetime
    expiresAt: datetime


# A trips page is built as plain dicts, typed here, and serialized in one pass by pydantic,
# keys in the order each dict holds them (mappers.trip). A page of 50 trips with routes holds
# about 750 points: a model a point, validated again by FastAPI, cost more than the rest of
# the request.


class Coordinates(TypedDict):
    latitude: float
    longitude: float
    timestamp: NotRequired[datetime]


class TripSummary(TypedDict, total=False):
    distanceMiles: float
    durationMinutes: int
    averageSpeedMph: float
    maxSpeedMph: float


class TripAddresses(TypedDict, total=False):
    startAddress: str
    endAddress: str


class TripRoute(TypedDict, total=False):
    route: list[Coordinates]


class TripHistory(TripSummary, TripAddresses, TripRoute):
    id: str
    vin: str
    startTime: datetime
    endTime: datetime
    startCoordinates: Coordinates
    endCoordinates: Coordinates


class TripHistoryList(TypedDict):
    data: list[TripHistory]
    total: int
    limit: int
    offset: int


TRIP_HISTORY_LIST = TypeAdapter(TripHistoryList)


class NotificationOut(_Wire):
    id: str
    type: str
    title: str
    message: str
    isRead: bool
    severity: str
    createdAt: datetime


class NotificationList(_Wire):
    data: list[NotificationOut]
    total: int
    unreadCount: int


class ServiceHistory(_Wire):
    id: str
    vin: str
    category: str
    description: str
    serviceDate: date
    mileage: int | None = None
    dealerCode: str | None = None
    dealerName: str | None = None


class ServiceHistoryList(_Wire):
    data: list[ServiceHistory]
