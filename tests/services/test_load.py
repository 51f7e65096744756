"""The busy gauge: how much of the last second ingestion kept the process busy."""

import pytest

from fleetlink.services.load import WINDOW_S, BusyGauge


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_idle_gauge_reads_zero_and_continuous_work_reads_nearly_one() -> None:
    clock = Clock()
    gauge = BusyGauge(clock)
    assert gauge.share() == 0.0

    for _ in range(100):  # back-to-back blocks for 25 windows
        with gauge.busy():
            clock.now += WINDOW_S / 4

    assert gauge.share() == pytest.approx(1.0, abs=0.01)


def test_work_half_the_time_reads_about_half_and_fades_when_it_stops() -> None:
    clock = Clock()
    gauge = BusyGauge(clock)
    for _ in range(200):
        with gauge.busy():
            clock.now += WINDOW_S / 20
        clock.now += WINDOW_S / 20

    assert 0.4 < gauge.share() < 0.6
    clock.now += WINDOW_S * 5
    assert gauge.share() < 0.01
