"""The latest state a vehicle reported, in SI units, stamped with the vehicle's own clock."""

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple


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


class SignalTimes(NamedTuple):
    """The vehicle's own time of the newest value of each group of signals; None: not reported.

    A group is what the APIs show together: a sample updates a group only when it carries one
    of its signals and is not older than the group's time. The position's time is its own.
    A named tuple, not a frozen dataclass: ingestion builds one per sample, and a frozen
    dataclass's __init__ costs several times as much.
    """

    ignition: datetime | None = None  # ignition_on
    doors: datetime | None = None  # doors (and trunk) open or closed
    locks: datetime | None = None  # doors_locked
    windows: datetime | None = None
    motion: datetime | None = None  # is_parked, speed, odometer, engine speed
    battery: datetime | None = None  # state of charge, electric range
    charging: datetime | None = None  # plug, charger, completion time, charge limit
    fuel: datetime | None = None  # fuel level, fuel range
    climate: datetime | None = None  # climate running, cabin temperature
    health: datetime | None = None  # oil level and temperature, warning lights, service due


GROUPS: tuple[str, ...] = SignalTimes._fields


def newest(*times: datetime | None) -> datetime | None:
    """The latest of the times that are known; None if none is."""
    known = [t for t in times if t is not None]
    return max(known) if known else None


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
    # When the vehicle reported each group's newest value; reported_at is the newest of all.
    times: SignalTimes = field(default_factory=SignalTimes)

    def stamped(self) -> "VehicleState":
        """The state as reported whole at reported_at: each group without a time takes it."""
        at = self.reported_at
        return replace(
            self,
            times=SignalTimes(*(getattr(self.times, g) or at for g in GROUPS)),
        )

    def group_times(self) -> dict[str, datetime]:
        """Each group's time that is known, with the position's, by group name."""
        out = {g: t for g in GROUPS if (t := getattr(self.times, g)) is not None}
        if self.position is not None:
            out["position"] = self.position.at
        return out

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
