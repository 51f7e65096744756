"""Charge curves: fast to about 80 %, slower after, and never beyond the session's target."""

import pytest

from fleetlink.simulator.charging import HOME_AC_KW, Charger, Session, acceptance_kw

BZ4X_KWH = 71.4


def test_a_battery_takes_its_peak_until_half_full_and_less_after() -> None:
    peak = acceptance_kw(BZ4X_KWH, 20)

    assert acceptance_kw(BZ4X_KWH, 49) == peak
    assert acceptance_kw(BZ4X_KWH, 70) < peak
    assert acceptance_kw(BZ4X_KWH, 90) <= acceptance_kw(BZ4X_KWH, 80) / 2
    assert acceptance_kw(BZ4X_KWH, 99.9) > 0


def test_a_fast_charger_reaches_80_percent_quickly_and_tapers_after() -> None:
    dc = Session(Charger.DC_FAST, 100.0)

    to_80 = dc.hours_left(BZ4X_KWH, 10) - dc.hours_left(BZ4X_KWH, 80)
    last_20 = dc.hours_left(BZ4X_KWH, 80)

    assert 0.3 < to_80 < 0.8, "10 to 80 % in a coffee break"
    assert last_20 > to_80, "the last fifth takes longer than the first seventy percent"


def test_home_ac_is_slow_and_flat() -> None:
    ac = Session(Charger.HOME_AC, 100.0)

    assert ac.power_kw(BZ4X_KWH, 30) == ac.power_kw(BZ4X_KWH, 85) == HOME_AC_KW
    assert ac.hours_left(BZ4X_KWH, 20) == pytest.approx(0.8 * BZ4X_KWH / HOME_AC_KW, rel=0.05)


def test_charging_stops_at_the_target_and_agrees_with_the_estimate() -> None:
    dc = Session(Charger.DC_FAST, 85.0)
    hours = dc.hours_left(BZ4X_KWH, 15)

    assert dc.charged(BZ4X_KWH, 15, hours * 0.999) < 85.0
    assert dc.charged(BZ4X_KWH, 15, hours) == pytest.approx(85.0)
    assert dc.charged(BZ4X_KWH, 15, hours * 3) == 85.0
