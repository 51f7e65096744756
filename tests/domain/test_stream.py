"""The outbox cursor: every event told once, in order, even when commits come out of order."""

from datetime import UTC, datetime, timedelta

from fleetlink.domain.stream import HOLE_WAIT, MAX_GAP, Cursor

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _rows(*positions: int) -> list[tuple[int, str]]:
    return [(p, f"e{p}") for p in positions]


def test_rows_are_told_once_and_the_floor_follows_them() -> None:
    cursor = Cursor(floor=4)

    first = cursor.take(_rows(5, 6), T0)
    again = cursor.take(_rows(7), T0)

    assert first == _rows(5, 6)
    assert again == _rows(7)
    assert cursor.floor == 7 and cursor.waiting == 0


def test_a_position_committed_late_is_still_told() -> None:
    cursor = Cursor(floor=0)

    early = cursor.take(_rows(1, 3), T0)
    late = cursor.take(_rows(2, 3, 4), T0 + timedelta(seconds=1))

    assert early == _rows(1, 3)
    assert late == _rows(2, 4)
    assert cursor.floor == 4 and cursor.waiting == 0


def test_a_hole_that_never_fills_is_given_up_after_the_wait() -> None:
    cursor = Cursor(floor=0)
    cursor.take(_rows(1, 3), T0)

    cursor.take(_rows(3), T0 + HOLE_WAIT - timedelta(seconds=1))
    waiting = (cursor.floor, cursor.waiting)
    cursor.take(_rows(3), T0 + HOLE_WAIT)

    assert waiting == (1, 1)
    assert (cursor.floor, cursor.waiting) == (3, 0)


def test_a_gap_wider_than_any_transaction_is_not_waited_for() -> None:
    cursor = Cursor(floor=0)

    told = cursor.take(_rows(MAX_GAP * 3), T0)

    assert told == _rows(MAX_GAP * 3)
    assert cursor.floor == MAX_GAP * 2 and cursor.waiting == MAX_GAP - 1
