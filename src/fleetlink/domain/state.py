"""The latest state a vehicle reported, in SI units, stamped with the vehicle's own clock."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class WindowPosition(StrEnum):
    """Where a window is."""

    OPEN = "open"
    CLOSED = "closed"
    VENTING = "venting"


class ChargingStatus(StrEnum):
    """What the charger is doing."""

    NOT_CHARGING = "not_charging"
    CHARGING = "charging"
    FULLY_CHARGED = "fully_charged"
    PLUGGED_IN = "plugged_in"


class OilLevel(StrEnum):
    """The engine oil quantity as the vehicle grades it."""

    OK = "ok"
    LOW = "low"
    CRITICALLY_LOW = "critically_low"


class Severity(StrEnum):
    """How urgent something is."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class OverallHealth(StrEnum):
    """A one-word summary of the vehicle's health."""

    GOOD = "good"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class WarningLight:
    """A lit telltale on the dashboard."""

    name: str
    severity: Severity
    description: str


@dataclass(frozen=True, slots=True)
class Doors:
    """Which doors are open."""

    front_left_open: bool = False
    front_right_open: bool = False
    rear_left_open: bool = False
    rear_right_open: bool = False
    trunk_open: bool = False


@dataclass(frozen=True, slots=True)
class Windows:
    """Where each window is."""

    front_left: WindowPosition = WindowPosition.CLOSED
    front_right: WindowPosition = WindowPosition.CLOSED
    rear_left: WindowPosition = WindowPosition.CLOSED
    rear_right: WindowPosition = WindowPosition.CLOSED


@dataclass(frozen=True, slots=True)
class Position:
    """Where the vehicle was, and when."""

    latitude: float
    longitude: float
    at: datetime


@dataclass(frozen=True, slots=True)
class VehicleState:
    """The latest reported state. None means the vehicle does not report that signal."""

    reported_at: datetime
    ignition_on: bool = False
    doors_locked: bool = True
    doors: Doors = field(default_factory=Doors)
    windows: Windows = field(default_factory=Windows)
    position: Position | None = None
    is_parked: bool = True
    odometer_km: float | None = None
    battery_soc_pct: float | None = None
    battery_range_km: float | None = None
    fuel_level_pct: float | None = None
    fuel_range_km: float | None = None
    charging_status: ChargingStatus | None = None
    plugged_in: bool | None = None
    charge_complete_at: datetime | None = None
    climate_running: bool = False
    cabin_temperature_c: float | None = None
    oil_level: OilLevel | None = None
    warning_lights: tuple[WarningLight, ...] = ()
    maintenance_due: bool = False
    speed_kmh: float | None = None
    engine_rpm: float | None = None
    oil_temperature_c: float | None = None
    # Where the owner set the battery to stop charging, in %.
    charge_limit_pct: float | None = None

    @property
    def total_range_km(self) -> float | None:
        """Electric plus fuel range, where the vehicle has both."""
        if self.battery_range_km is None or self.fuel_range_km is None:
            return None
        return self.battery_range_km + self.fuel_range_km

    @property
    def overall_health(self) -> OverallHealth:
        """Summarise warning lights, oil and maintenance into one grade."""
        severities = {light.severity for light in self.warning_lights}
        if Severity.CRITICAL in severities or self.oil_level is OilLevel.CRITICALLY_LOW:
            return OverallHealth.CRITICAL
        if severities or self.oil_level is OilLevel.LOW or self.maintenance_due:
            return OverallHealth.WARNING
        return OverallHealth.GOOD
