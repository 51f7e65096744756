"""What a simulated unit reads off its car: the VSS signals of a sample, and the engine."""

from typing import TYPE_CHECKING, Any

from fleetlink.simulator import health

if TYPE_CHECKING:
    from fleetlink.simulator.model import SimVehicle

LATITUDE = "Vehicle.CurrentLocation.Latitude"
LONGITUDE = "Vehicle.CurrentLocation.Longitude"
IDLE_RPM, RPM_PER_KMH = 750.0, 18.0


def motion(v: "SimVehicle") -> dict[str, Any]:
    """What changes as the vehicle moves: a unit on the move sends only this."""
    s: dict[str, Any] = {
        "Vehicle.Speed": round(v.speed_kmh, 1),
        "Vehicle.IsMoving": v.driving,
        LATITUDE: round(v.position[0], 6),
        LONGITUDE: round(v.position[1], 6),
        "Vehicle.TraveledDistance": round(v.odometer_km, 2),
    }
    p = v.spec.powertrain
    if p.has_traction_battery:
        s["Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"] = round(v.soc_pct, 1)
    if p.is_pluggable and v.spec.electric_range_km:
        s["Vehicle.Powertrain.TractionBattery.Range"] = round(
            v.spec.electric_range_km * v.soc_pct / 100, 1
        )
    if p.has_engine_oil:
        engine = "Vehicle.Powertrain.CombustionEngine"
        s[f"{engine}.Speed"] = (
            round(IDLE_RPM + RPM_PER_KMH * v.speed_kmh) if engine_running(v) else 0
        )
        s[f"{engine}.EOT"] = round(v.oil_temp_c)
    if p.has_fuel_tank and v.spec.fuel_range_km:
        s["Vehicle.Powertrain.FuelSystem.RelativeLevel"] = round(v.fuel_pct, 1)
        s["Vehicle.Powertrain.FuelSystem.Range"] = round(v.spec.fuel_range_km * v.fuel_pct / 100, 1)
    return s


def full(v: "SimVehicle") -> dict[str, Any]:
    """Everything the unit reports in a full sample."""
    s = motion(v)
    s["Vehicle.LowVoltageSystemState"] = "ON" if v.driving else "OFF"
    s["Vehicle.Cabin.HVAC.IsAirConditioningActive"] = v.climate_on
    s["Vehicle.Cabin.HVAC.AmbientAirTemperature"] = round(v.cabin_c, 1)
    if v.spec.powertrain.has_engine_oil:
        s["Vehicle.Powertrain.CombustionEngine.EngineOilLevel"] = (
            "CRITICALLY_LOW" if v.oil_pct < 10 else "LOW" if v.oil_pct < 25 else "NORMAL"
        )
    s["Vehicle.Service.IsServiceDue"] = v.km_since_service >= health.SERVICE_INTERVAL_KM
    s.update(v.body.signals())
    if v.spec.powertrain.is_pluggable and v.spec.electric_range_km:
        charging = "Vehicle.Powertrain.TractionBattery.Charging"
        s[f"{charging}.IsChargingCableConnected"] = v.plugged
        s[f"{charging}.IsCharging"] = v.charging
        s[f"{charging}.ChargeLimit"] = v.charge_limit_pct
        power_w = 0.0
        if v.charging and v.session and v.spec.battery_kwh:
            hours = v.session.hours_left(v.spec.battery_kwh, v.soc_pct)
            s[f"{charging}.TimeToComplete"] = round(hours * 3600)
            power_w = v.session.power_kw(v.spec.battery_kwh, v.soc_pct) * 1000
        # Parked, only a charger moves energy: the unit says what flows in (W, as VSS has it).
        s["Vehicle.Powertrain.TractionBattery.CurrentPower"] = round(power_w)
    return s


def engine_running(v: "SimVehicle") -> bool:
    """Whether the combustion engine turns: always on the move without a battery;
    a hybrid's only at speed or with its battery low."""
    if not v.driving or not v.spec.powertrain.has_engine_oil:
        return False
    if not v.spec.powertrain.has_traction_battery:
        return True
    return v.speed_kmh > 60 or v.soc_pct < 25
