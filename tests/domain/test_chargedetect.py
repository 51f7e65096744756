"""Charging detection on known sessions: a battery charged at a steady or a tapering power,
so the energy, the powers, the charge and the curve each have a known answer."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from fleetlink.domain.chargedetect import (
    ChargeDetection,
    ChargeProgress,
    ChargeRules,
    detect_charging,
)
from fleetlink.domain.charging import ChargingSession, Current, session_id
from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.reports import EventKind, EventReport, StateReport

T0 = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
VIN = "JTDKB20U993000001"
VEHICLE = 7
HOME = (35.0, 137.0)
Report = StateReport | EventReport


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def sample(minutes: float, **fields: object) -> StateReport:
    return StateReport(VIN, f"s{minutes}", at(minutes), **fields)  # type: ignore[arg-type]


def event(minutes: float, kind: EventKind) -> EventReport:
    return EventReport(VIN, f"e{minutes}", at(minutes), kind)


def arrive(minutes: float = 0.0, soc: float = 40.0) -> list[Report]:
    """The car parks at home and reports where it is and its charge."""
    return [
        sample(minutes, latitude=HOME[0], longitude=HOME[1], speed_kmh=0.0, battery_soc_pct=soc)
    ]


def charge(
    start_min: float,
    steps: int,
    kw: float,
    soc: float,
    *,
    every_min: float = 10.0,
    kwh: float = 71.4,
) -> list[Report]:
    """A charge at a steady kw from soc, a sample every every_min, as a unit reports it:
    plugged in and charging once, the power once, then only the rising charge."""
    out: list[Report] = [
        sample(
            start_min,
            plugged_in=True,
            charging=True,
            battery_power_w=kw * 1000,
            battery_soc_pct=soc,
        ),
        event(start_min, EventKind.CHARGING_STARTED),
    ]
    for k in range(1, steps + 1):
        soc += kw * every_min / 60 / kwh * 100
        out.append(sample(start_min + k * every_min, battery_soc_pct=round(soc, 3)))
    return out


def run(
    reports: Sequence[Report], progress: ChargeProgress | None = None, **rules: object
) -> ChargeDetection:
    return detect_charging(
        progress or ChargeProgress(VEHICLE),
        reports,
        ChargeRules(**rules),  # type: ignore[arg-type]
    )


def completed(minutes: float, soc: float) -> list[Report]:
    return [
        sample(minutes, charging=False, battery_power_w=0.0, battery_soc_pct=soc),
        event(minutes, EventKind.CHARGING_COMPLETED),
    ]


def test_a_home_charge_runs_from_charging_on_to_completed_with_its_energy_and_powers() -> None:
    reports = [*arrive(), *charge(1, 12, 7.2, 40.0), *completed(121, 60.17)]

    found = run(reports)

    (s,) = found.sessions
    assert (s.started_at, s.ended_at) == (at(1), at(121))
    assert (s.latitude, s.longitude) == HOME
    assert (s.soc_from_pct, s.soc_to_pct) == (40.0, 60.17)
    assert s.energy_added_kwh == pytest.approx(7.2 * 2)  # two hours at 7.2 kW
    assert s.peak_power_kw == pytest.approx(7.2)
    assert s.mean_power_kw == pytest.approx(7.2)
    assert s.current is Current.AC
    assert s.vehicle_id == VEHICLE and s.id == session_id(VEHICLE, at(1))
    assert found.progress.session is None


def test_the_curve_keeps_each_samples_charge_and_power_and_ends_at_the_end() -> None:
    reports = [*arrive(), *charge(1, 3, 7.2, 40.0), *completed(31, 45.0)]

    (s,) = run(reports).sessions

    assert [p.at for p in s.curve] == [at(1), at(11), at(21), at(31)]
    assert [p.power_kw for p in s.curve[:3]] == [7.2, 7.2, 7.2]
    assert s.curve[0].soc_pct == 40.0 and s.curve[-1].soc_pct == 45.0


def test_a_fast_charge_tapering_off_is_dc_with_a_peak_above_its_mean() -> None:
    powers = [150.0, 140.0, 100.0, 60.0]  # kW at 0, 10, 20, 30 minutes
    reports: list[Report] = [
        *arrive(soc=20.0),
        sample(1, plugged_in=True, charging=True, battery_power_w=150_000, battery_soc_pct=20.0),
    ]
    for k, kw in enumerate(powers[1:], start=1):
        reports.append(sample(1 + 10 * k, battery_power_w=kw * 1000, battery_soc_pct=20 + 15 * k))
    reports += completed(41, 80.0)

    (s,) = run(reports).sessions

    # Trapezoids between samples, the last power held to the end.
    expected = (145 + 120 + 80) / 6 + 60 / 6
    assert s.energy_added_kwh == pytest.approx(expected)
    assert s.peak_power_kw == 150.0
    assert s.mean_power_kw == pytest.approx(expected / (40 / 60))
    assert s.current is Current.DC


def test_unplugging_ends_the_session_early() -> None:
    reports = [*arrive(), *charge(1, 3, 7.2, 40.0), sample(35, plugged_in=False)]

    (s,) = run(reports).sessions

    assert s.ended_at == at(35)
    assert s.energy_added_kwh == pytest.approx(7.2 * 34 / 60)


def test_driving_off_ends_a_session_whose_end_the_unit_never_said() -> None:
    reports = [*arrive(), *charge(1, 3, 7.2, 40.0), sample(40, speed_kmh=30.0)]

    (s,) = run(reports).sessions

    assert s.ended_at == at(40)
    assert run([*reports, sample(50, speed_kmh=0.0)]).progress.session is None


def test_a_gap_without_data_ends_the_session_at_the_last_sample_before_it() -> None:
    reports = [*arrive(), *charge(1, 3, 7.2, 40.0), sample(31 + 4 * 60, battery_soc_pct=90.0)]

    (s,) = run(reports).sessions

    assert s.ended_at == at(31)
    assert s.soc_to_pct == pytest.approx(40 + 3 * 7.2 / 6 / 71.4 * 100, abs=0.01)


def test_a_unit_reporting_only_power_charges_while_power_flows_and_it_stands_still() -> None:
    reports: list[Report] = [
        *arrive(),
        sample(1, battery_power_w=11_000),
        sample(31, battery_power_w=11_000),
        sample(61, battery_power_w=0),
    ]

    (s,) = run(reports).sessions

    assert (s.started_at, s.ended_at) == (at(1), at(61))
    assert s.energy_added_kwh == pytest.approx(11.0)
    assert s.current is Current.AC


def test_power_drawn_on_the_move_is_no_charge() -> None:
    reports = [sample(k, speed_kmh=50.0, battery_power_w=20_000) for k in range(5)]

    assert run(reports).sessions == () and run(reports).progress.session is None


def test_plugged_in_at_full_charge_with_nothing_flowing_is_no_session() -> None:
    reports = [
        *arrive(soc=100.0),
        sample(1, plugged_in=True, charging=True, battery_power_w=0),
        sample(11, charging=False),
    ]

    found = run(reports)

    assert found.sessions == () and found.discarded == 1


def test_a_unit_without_power_has_its_energy_from_the_charge_and_the_battery() -> None:
    reports = [
        *arrive(soc=30.0),
        sample(1, plugged_in=True, charging=True),
        sample(61, battery_soc_pct=40.0),
        sample(121, charging=False, battery_soc_pct=50.0),
    ]

    (s,) = detect_charging(ChargeProgress(VEHICLE), reports, battery_kwh=60.0).sessions

    assert s.energy_added_kwh == pytest.approx(12.0)
    assert s.mean_power_kw == pytest.approx(6.0) and s.peak_power_kw == pytest.approx(6.0)


def test_detection_carries_on_across_batches_through_its_progress() -> None:
    reports = [*arrive(), *charge(1, 12, 7.2, 40.0), *completed(121, 60.17)]
    whole = run(reports)

    progress = ChargeProgress(VEHICLE)
    sessions: list[ChargingSession] = []
    for k in range(0, len(reports), 3):
        part = run(reports[k : k + 3], progress)
        progress = part.progress
        sessions.extend(part.sessions)

    assert tuple(sessions) == whole.sessions


def test_reports_older_than_the_progress_are_ignored() -> None:
    reports = [*arrive(), *charge(1, 12, 7.2, 40.0), *completed(121, 60.17)]
    done = run(reports)

    again = run(reports, done.progress)

    assert again.sessions == () and again.progress == done.progress


def test_reports_in_any_order_are_taken_in_the_vehicles_time_order() -> None:
    reports = [*arrive(), *charge(1, 6, 7.2, 40.0), *completed(65, 50.0)]

    assert run(list(reversed(reports))).sessions == run(reports).sessions


def test_a_long_session_keeps_a_bounded_curve_with_its_ends() -> None:
    reports = [*arrive(), *charge(1, 200, 1.0, 10.0, every_min=1.0), *completed(202, 60.0)]

    (s,) = run(reports, max_curve_points=50).sessions

    assert len(s.curve) <= 50
    assert s.curve[0].at == at(1) and s.curve[-1].at == at(202)


def test_rules_that_leave_a_curve_no_shape_are_refused() -> None:
    with pytest.raises(InvalidInput):
        ChargeRules(max_curve_points=2)
