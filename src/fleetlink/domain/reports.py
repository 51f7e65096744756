"""What vehicles report, as domain values (fleetlink.domain.applying moves the state with them)."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from fleetlink.domain.state import OilLevel, WarningLight, WindowPosition
from fleetlink.domain.vehicle import ConnectionState


class Door(StrEnum):
    """The four side doors, by row and side."""

    FRONT_LEFT = "front_left"
    FRONT_RIGHT = "front_right"
    REAR_LEFT = "rear_left"
    REAR_RIGHT = "rear_right"


@dataclass(frozen=True, slots=True)
class StateReport:
    """A telemetry sample: only the fields the vehicle sent are set."""

    vin: str
    message_id: str
    at: datetime
    speed_kmh: float | None = None
    is_moving: bool | None = None
    latitude: float | None = None
    longitude: float | None = None
    odometer_km: float | None = None
    ignition_on: bool | None = None
    doors_open: dict[Door, bool] = field(default_factory=dict)
    doors_locked: dict[Door, bool] = field(default_factory=dict)
    windows: dict[Door, WindowPosition] = field(default_factory=dict)
    trunk_open: bool | None = None
    battery_soc_pct: float | None = None
    battery_range_km: float | None = None
    plugged_in: bool | None = None
    charging: bool | None = None
    charge_time_remaining_s: float | None = None
    fuel_level_pct: float | None = None
    fuel_range_km: float | None = None
    oil_level: OilLevel | None = None
    climate_running: bool | None = None
    cabin_temperature_c: float | None = None
    maintenance_due: bool | None = None
    engine_rpm: float | None = None
    oil_temperature_c: float | None = None
    charge_limit_pct: float | None = None
    # Into the battery (positive, charging) or out of it (negative), in W as VSS has it.
    battery_power_w: float | None = None


class EventKind(StrEnum):
    """Things a vehicle says happened."""

    IGNITION_ON = "ignition_on"
    IGNITION_OFF = "ignition_off"
    DOOR_OPENED = "door_opened"
    DOOR_CLOSED = "door_closed"
    CHARGING_STARTED = "charging_started"
    CHARGING_STOPPED = "charging_stopped"
    CHARGING_COMPLETED = "charging_completed"
    WARNING_LIGHT_ON = "warning_light_on"
    WARNING_LIGHT_OFF = "warning_light_off"
    SERVICE_PERFORMED = "service_performed"


TRUNK = "trunk"
# What a door event may name: the four side doors and the trunk.
OPENINGS = frozenset({*(door.value for door in Door), TRUNK})


@dataclass(frozen=True, slots=True)
class ServiceVisit:
    """What a workshop did, as the vehicle reports it after a visit."""

    category: str
    description: str
    odometer_km: float | None = None
    dealer_code: str | None = None
    dealer_name: str | None = None


@dataclass(frozen=True, slots=True)
class EventReport:
    """An event; a warning light event names its light."""

    vin: str
    message_id: str
    at: datetime
    kind: EventKind
    light: WarningLight | None = None
    # A door event's door (one of OPENINGS), when the vehicle names it.
    door: str | None = None
    service: ServiceVisit | None = None


@dataclass(frozen=True, slots=True)
class ConnectionReport:
    """What the vehicle's modem says about itself."""

    vin: str
    message_id: str | None
    at: datetime
    state: ConnectionState


@dataclass(frozen=True, slots=True)
class CommandResultReport:
    """The vehicle's answer to a command."""

    vin: str
    message_id: str
    at: datetime
    command_id: str
    succeeded: bool
    code: str
    reason: str | None = None


Report = StateReport | EventReport | ConnectionReport | CommandResultReport
