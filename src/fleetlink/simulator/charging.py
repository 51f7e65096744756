"""Charging sessions: how fast a battery takes charge, at home (AC) or at a DC fast charger.

A charger offers its power; the battery accepts at most what its state of charge allows.
Lithium-ion cells take their peak up to about half full, less and less up to 80 %, and only
a trickle near full, which is why fast-charging drivers stop at around 80 %.
"""

import random
from dataclasses import dataclass
from enum import StrEnum

# Owners' habits: plug in at home below this; stop charging at one of these limits.
HOME_PLUG_BELOW_PCT = 80.0
CHARGE_LIMITS_PCT = (80.0, 90.0, 100.0)
# Not every battery car owner can charge at home; they live on fast chargers.
HOME_CHARGER_CHANCE = 0.8
# A battery car that would arrive below this stops at a fast charger on the way.
FAST_CHARGE_RESERVE_PCT = 25.0
LONG_TRIP_KM = 25.0
# Some drivers top up on a long trip even with charge to spare.
TOP_UP_CHANCE = 0.15
TOP_UP_BELOW_PCT = 60.0
HOME_AC_KW = 7.2
DC_FAST_KW = 150.0
# About 2C: a 71 kWh pack peaks near 140 kW, a plug-in hybrid's 18 kWh near 36 kW.
PEAK_C_RATE = 2.0
TAPER_FROM_PCT = 50.0
SLOW_FROM_PCT = 80.0
TRICKLE_KW = 3.0
# Integration step: the curve changes little within half a percent.
SOC_STEP_PCT = 0.5


class Charger(StrEnum):
    """Where a vehicle charges."""

    HOME_AC = "home_ac"
    DC_FAST = "dc_fast"


def acceptance_kw(battery_kwh: float, soc_pct: float) -> float:
    """The most power the battery takes at soc_pct: flat, then tapering, then a trickle."""
    peak = battery_kwh * PEAK_C_RATE
    if soc_pct < TAPER_FROM_PCT:
        return peak
    if soc_pct < SLOW_FROM_PCT:
        share = (soc_pct - TAPER_FROM_PCT) / (SLOW_FROM_PCT - TAPER_FROM_PCT)
        return peak * (1 - 0.55 * share)
    return max(TRICKLE_KW, peak * 0.45 * (100 - soc_pct) / (100 - SLOW_FROM_PCT))


@dataclass(frozen=True, slots=True)
class Session:
    """A vehicle on a charger, charging up to target_pct."""

    charger: Charger
    target_pct: float

    @property
    def offered_kw(self) -> float:
        return HOME_AC_KW if self.charger is Charger.HOME_AC else DC_FAST_KW

    def power_kw(self, battery_kwh: float, soc_pct: float) -> float:
        """What flows into the battery at soc_pct."""
        return min(self.offered_kw, acceptance_kw(battery_kwh, soc_pct))

    def charged(self, battery_kwh: float, soc_pct: float, hours: float) -> float:
        """The state of charge after hours on the charger, never beyond the target."""
        left = hours
        while left > 0 and soc_pct < self.target_pct:
            kw = self.power_kw(battery_kwh, soc_pct)
            step = min(SOC_STEP_PCT, self.target_pct - soc_pct)
            need = battery_kwh * step / 100 / kw
            if need >= left:
                return soc_pct + kw * left / battery_kwh * 100
            soc_pct += step
            left -= need
        return soc_pct

    def hours_left(self, battery_kwh: float, soc_pct: float) -> float:
        """How long until the target, along the curve."""
        hours = 0.0
        while soc_pct < self.target_pct:
            step = min(SOC_STEP_PCT, self.target_pct - soc_pct)
            hours += battery_kwh * step / 100 / self.power_kw(battery_kwh, soc_pct)
            soc_pct += step
        return hours


def wants_fast_charge(
    soc_pct: float, trip_use_pct: float, trip_km: float, rng: random.Random
) -> bool:
    """Whether a driver stops at a fast charger on the way: to arrive with a reserve, or
    sometimes to top up before a long trip."""
    if soc_pct - trip_use_pct < FAST_CHARGE_RESERVE_PCT:
        return True
    long_trip = trip_km > LONG_TRIP_KM and soc_pct < TOP_UP_BELOW_PCT
    return long_trip and rng.random() < TOP_UP_CHANCE
