"""A vehicle state as VSS signals: what an event says changed, by VSS name, in SI units.

The units are the ones fleetlink keeps inside (km, km/h, °C, %, rpm), as vehicles report
them in protocol v1 (docs/telematics.md); a state holds no value for a signal the vehicle
does not report, and such a signal is left out rather than sent as null.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fleetlink.domain.state import ChargingStatus, OilLevel, VehicleState, WindowPosition

_DOORS = {
    "Row1.DriverSide": ("front_left_open", "front_left"),
    "Row1.PassengerSide": ("front_right_open", "front_right"),
    "Row2.DriverSide": ("rear_left_open", "rear_left"),
    "Row2.PassengerSide": ("rear_right_open", "rear_right"),
}
_OIL = {OilLevel.OK: "NORMAL", OilLevel.LOW: "LOW", OilLevel.CRITICALLY_LOW: "CRITICALLY_LOW"}

Reading = Callable[[VehicleState], Any]


def _charging(s: VehicleState) -> bool | None:
    return None if s.charging_status is None else s.charging_status is ChargingStatus.CHARGING


SIGNALS: dict[str, Reading] = {
    "Vehicle.Speed": lambda s: s.speed_kmh,
    "Vehicle.IsMoving": lambda s: not s.is_parked,
    "Vehicle.CurrentLocation.Latitude": lambda s: s.position and s.position.latitude,
    "Vehicle.CurrentLocation.Longitude": lambda s: s.position and s.position.longitude,
    "Vehicle.TraveledDistance": lambda s: s.odometer_km,
    "Vehicle.LowVoltageSystemState": lambda s: "ON" if s.ignition_on else "OFF",
    "Vehicle.Body.Trunk.Rear.IsOpen": lambda s: s.doors.trunk_open,
    "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current": lambda s: s.battery_soc_pct,
    "Vehicle.Powertrain.TractionBattery.Range": lambda s: s.battery_range_km,
    "Vehicle.Powertrain.TractionBattery.Charging.IsChargingCableConnected": lambda s: s.plugged_in,
    "Vehicle.Powertrain.TractionBattery.Charging.IsCharging": _charging,
    "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit": lambda s: s.charge_limit_pct,
    "Vehicle.Powertrain.CombustionEngine.Speed": lambda s: s.engine_rpm,
    "Vehicle.Powertrain.CombustionEngine.EOT": lambda s: s.oil_temperature_c,
    "Vehicle.Powertrain.CombustionEngine.EngineOilLevel": lambda s: (
        None if s.oil_level is None else _OIL[s.oil_level]
    ),
    "Vehicle.Powertrain.FuelSystem.RelativeLevel": lambda s: s.fuel_level_pct,
    "Vehicle.Powertrain.FuelSystem.Range": lambda s: s.fuel_range_km,
    "Vehicle.Cabin.HVAC.IsAirConditioningActive": lambda s: s.climate_running,
    "Vehicle.Cabin.HVAC.AmbientAirTemperature": lambda s: s.cabin_temperature_c,
    "Vehicle.Service.IsServiceDue": lambda s: s.maintenance_due,
}


def _door_readings(path: str, door: str, window: str) -> dict[str, Reading]:
    return {
        f"Vehicle.Cabin.Door.{path}.IsOpen": lambda s: getattr(s.doors, door),
        # The vehicle locks its doors together; each door says so.
        f"Vehicle.Cabin.Door.{path}.IsLocked": lambda s: s.doors_locked,
        f"Vehicle.Cabin.Door.{path}.Window.IsOpen": lambda s: (
            getattr(s.windows, window) is not WindowPosition.CLOSED
        ),
    }


for _path, (_door, _window) in _DOORS.items():
    SIGNALS.update(_door_readings(_path, _door, _window))


def signals_of(state: VehicleState) -> dict[str, Any]:
    """Every signal the state holds a value for."""
    out = {}
    for name, read in SIGNALS.items():
        value = read(state)
        if value is not None:
            out[name] = value
    return out


@dataclass
class SignalChanges:
    """What a run of states of one vehicle changed: every signal that changed at any step,
    with its value in the last state, and that state's (the vehicle's) time.

    A door opened and closed again within the run is listed, closed: a receiver learns
    that it moved even though the run ends where it began.
    """

    last: dict[str, Any] | None = None
    names: set[str] = field(default_factory=set)
    at: datetime | None = None
    states: int = 0
    # The last state, whose group times the event tells (read once, not on every state).
    newest: VehicleState | None = None

    @classmethod
    def after(cls, state: VehicleState | None) -> "SignalChanges":
        """Changes counted from state (None: the vehicle's first state is all new)."""
        return cls(None if state is None else signals_of(state))

    def add(self, state: VehicleState) -> None:
        """Count the changes of the next state."""
        now = signals_of(state)
        before = self.last
        if before is None:
            self.names.update(now)
        else:
            self.names.update(n for n, v in now.items() if before.get(n) != v)
        self.last, self.at = now, state.reported_at
        self.states += 1
        self.newest = state

    def times(self) -> dict[str, datetime]:
        """The last state's time of each group of signals (VehicleState.group_times)."""
        return {} if self.newest is None else self.newest.group_times()

    def signals(self) -> dict[str, Any]:
        """Each changed signal with its latest value."""
        last = self.last or {}
        return {n: last[n] for n in sorted(self.names) if n in last}
