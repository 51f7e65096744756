"""The VSS signals protocol v1 carries: type, physical range, and where each lands."""

from dataclasses import dataclass
from typing import Any

from fleetlink.domain.reports import Door
from fleetlink.domain.state import OilLevel, WindowPosition

_DOOR_PATHS = {
    Door.FRONT_LEFT: "Row1.DriverSide",
    Door.FRONT_RIGHT: "Row1.PassengerSide",
    Door.REAR_LEFT: "Row2.DriverSide",
    Door.REAR_RIGHT: "Row2.PassengerSide",
}
VENTING_MAX_PCT = 20.0
_CONVERTED = frozenset({"ignition_on", "oil_level", "windows"})


@dataclass(frozen=True, slots=True)
class Signal:
    """A signal's type and range, and the StateReport field it fills."""

    kind: type
    field: str
    low: float | None = None
    high: float | None = None
    choices: frozenset[str] = frozenset()
    door: Door | None = None

    @property
    def converts(self) -> bool:
        """Whether the wire value needs domain_value to become the field's value."""
        return self.field in _CONVERTED


def _number(field: str, low: float, high: float) -> Signal:
    return Signal(float, field, low, high)


def _flag(field: str, door: Door | None = None) -> Signal:
    return Signal(bool, field, door=door)


SIGNALS: dict[str, Signal] = {
    "Vehicle.Speed": _number("speed_kmh", 0, 400),
    "Vehicle.IsMoving": _flag("is_moving"),
    "Vehicle.CurrentLocation.Latitude": _number("latitude", -90, 90),
    "Vehicle.CurrentLocation.Longitude": _number("longitude", -180, 180),
    "Vehicle.TraveledDistance": _number("odometer_km", 0, 2_000_000),
    "Vehicle.LowVoltageSystemState": Signal(
        str, "ignition_on", choices=frozenset({"UNDEFINED", "LOCK", "OFF", "ACC", "ON", "START"})
    ),
    "Vehicle.Body.Trunk.Rear.IsOpen": _flag("trunk_open"),
    "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current": _number("battery_soc_pct", 0, 100),
    "Vehicle.Powertrain.TractionBattery.Range": _number("battery_range_km", 0, 2_000),
    "Vehicle.Powertrain.TractionBattery.Charging.IsChargingCableConnected": _flag("plugged_in"),
    "Vehicle.Powertrain.TractionBattery.Charging.IsCharging": _flag("charging"),
    "Vehicle.Powertrain.TractionBattery.Charging.TimeToComplete": _number(
        "charge_time_remaining_s", 0, 604_800
    ),
    "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit": _number("charge_limit_pct", 0, 100),
    # VSS: positive into the battery. 1 MW covers the fastest chargers and any motor's draw.
    "Vehicle.Powertrain.TractionBattery.CurrentPower": _number(
        "battery_power_w", -1_000_000, 1_000_000
    ),
    "Vehicle.Powertrain.CombustionEngine.Speed": _number("engine_rpm", 0, 20_000),
    "Vehicle.Powertrain.CombustionEngine.EOT": _number("oil_temperature_c", -60, 250),
    "Vehicle.Powertrain.FuelSystem.RelativeLevel": _number("fuel_level_pct", 0, 100),
    "Vehicle.Powertrain.FuelSystem.Range": _number("fuel_range_km", 0, 3_000),
    "Vehicle.Powertrain.CombustionEngine.EngineOilLevel": Signal(
        str,
        "oil_level",
        choices=frozenset({"CRITICALLY_LOW", "LOW", "NORMAL", "HIGH", "CRITICALLY_HIGH"}),
    ),
    "Vehicle.Cabin.HVAC.IsAirConditioningActive": _flag("climate_running"),
    "Vehicle.Cabin.HVAC.AmbientAirTemperature": _number("cabin_temperature_c", -60, 90),
    "Vehicle.Service.IsServiceDue": _flag("maintenance_due"),
}
for _door, _path in _DOOR_PATHS.items():
    SIGNALS[f"Vehicle.Cabin.Door.{_path}.IsOpen"] = _flag("doors_open", _door)
    SIGNALS[f"Vehicle.Cabin.Door.{_path}.IsLocked"] = _flag("doors_locked", _door)
    SIGNALS[f"Vehicle.Cabin.Door.{_path}.Window.Position"] = Signal(
        float, "windows", 0, 100, door=_door
    )


def domain_value(signal: Signal, value: Any) -> Any:
    """Turn a checked wire value into the value its StateReport field holds."""
    if signal.field == "ignition_on":
        return value in ("ON", "START")
    if signal.field == "oil_level":
        return {"CRITICALLY_LOW": OilLevel.CRITICALLY_LOW, "LOW": OilLevel.LOW}.get(
            value, OilLevel.OK
        )
    if signal.field == "windows":
        if value == 0:
            return WindowPosition.CLOSED
        return WindowPosition.VENTING if value <= VENTING_MAX_PCT else WindowPosition.OPEN
    return value
