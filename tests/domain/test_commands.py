"""A command moves pending → sent → a terminal status, and never back."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from fleetlink.domain.commands import (
    ACCEPTED_RETURN_CODE,
    EXPIRED_RETURN_CODE,
    Command,
    CommandKind,
    CommandRequest,
    CommandStatus,
)
from fleetlink.domain.errors import InvalidInput, InvalidTransition
from fleetlink.domain.vehicle import MAX_CLIMATE_TARGET_C, MIN_CLIMATE_TARGET_C

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TIMEOUT = timedelta(seconds=60)
LATER = T0 + timedelta(seconds=5)

Move = Callable[[Command], Command]
MOVES: dict[CommandStatus, Move] = {
    CommandStatus.SENT: lambda c: c.mark_sent(LATER),
    CommandStatus.SUCCEEDED: lambda c: c.succeed(LATER),
    CommandStatus.FAILED: lambda c: c.fail(LATER, "E42", "doors are open"),
    CommandStatus.EXPIRED: lambda c: c.expire(LATER),
}
TERMINAL = [CommandStatus.SUCCEEDED, CommandStatus.FAILED, CommandStatus.EXPIRED]


def _pending(request: CommandRequest | None = None) -> Command:
    return Command.new(
        id="cmd-1",
        vehicle_id=7,
        vin="JTMAAAAA0PJ000001",
        request=request or CommandRequest(CommandKind.LOCK),
        now=T0,
        timeout=TIMEOUT,
    )


def _in(status: CommandStatus) -> Command:
    command = _pending()
    if status is CommandStatus.PENDING:
        return command
    if status is not CommandStatus.SENT:
        command = command.mark_sent(T0)
    return MOVES[status](command)


def test_a_new_command_is_pending_and_expires_after_its_timeout() -> None:
    command = _pending(CommandRequest.remote(CommandKind.HORN, beeps=2))

    assert command.status is CommandStatus.PENDING
    assert command.kind is CommandKind.HORN
    assert command.params == {"beeps": 2}
    assert command.created_at == command.updated_at == T0
    assert command.expires_at == T0 + TIMEOUT
    assert command.return_code == ACCEPTED_RETURN_CODE
    assert command.reason is None


@pytest.mark.parametrize(
    "target", [CommandStatus.SENT, CommandStatus.FAILED, CommandStatus.EXPIRED]
)
def test_a_pending_command_can_move_to(target: CommandStatus) -> None:
    moved = MOVES[target](_pending())

    assert moved.status is target
    assert moved.updated_at == LATER


@pytest.mark.parametrize("target", TERMINAL)
def test_a_sent_command_can_settle_as(target: CommandStatus) -> None:
    moved = MOVES[target](_pending().mark_sent(T0))

    assert moved.status is target
    assert moved.status.is_terminal
    assert moved.updated_at == LATER


def test_a_failed_command_keeps_the_vehicles_code_and_reason() -> None:
    failed = _pending().mark_sent(T0).fail(LATER, "E42", "doors are open")

    assert (failed.return_code, failed.reason) == ("E42", "doors are open")


def test_an_expired_command_says_it_timed_out() -> None:
    expired = _pending().expire(LATER)

    assert expired.return_code == EXPIRED_RETURN_CODE
    assert expired.reason is not None and "in time" in expired.reason


def test_moving_returns_a_new_command_and_leaves_the_old_one_alone() -> None:
    pending = _pending()

    pending.mark_sent(LATER)

    assert pending.status is CommandStatus.PENDING


def test_a_sent_command_cannot_be_sent_again() -> None:
    with pytest.raises(InvalidTransition, match="from sent to sent"):
        _in(CommandStatus.SENT).mark_sent(LATER)


def test_a_vehicles_answer_may_overtake_the_sent_record() -> None:
    done = _pending().succeed(LATER)

    assert done.status is CommandStatus.SUCCEEDED
    assert done.return_code == "000000"


@pytest.mark.parametrize("start", TERMINAL)
@pytest.mark.parametrize("target", [CommandStatus.SENT, *TERMINAL])
def test_a_settled_command_cannot_move(start: CommandStatus, target: CommandStatus) -> None:
    settled = _in(start)

    with pytest.raises(InvalidTransition, match=f"cmd-1 cannot go from {start} to {target}"):
        MOVES[target](settled)


def test_settled_leaves_a_command_alone_before_its_deadline() -> None:
    command = _pending()

    assert command.settled(command.expires_at - timedelta(microseconds=1)) is command


@pytest.mark.parametrize("start", [CommandStatus.PENDING, CommandStatus.SENT])
@pytest.mark.parametrize("after", [timedelta(0), timedelta(minutes=5)])
def test_settled_expires_an_open_command_at_or_after_its_deadline(
    start: CommandStatus, after: timedelta
) -> None:
    command = _in(start)
    now = command.expires_at + after

    settled = command.settled(now)

    assert settled.status is CommandStatus.EXPIRED
    assert settled.updated_at == command.expires_at, "it expired at its deadline, not when seen"
    assert settled.return_code == EXPIRED_RETURN_CODE


@pytest.mark.parametrize("start", TERMINAL)
def test_settled_never_changes_a_finished_command(start: CommandStatus) -> None:
    command = _in(start)

    assert command.settled(command.expires_at + timedelta(hours=1)) is command


@pytest.mark.parametrize("beeps", [1, 2, 3])
def test_the_horn_takes_one_to_three_beeps(beeps: int) -> None:
    request = CommandRequest.remote(CommandKind.HORN, beeps=beeps)

    assert request == CommandRequest(CommandKind.HORN, {"beeps": beeps})


@pytest.mark.parametrize("beeps", [0, 4, -1])
def test_the_horn_refuses_beeps_out_of_range(beeps: int) -> None:
    with pytest.raises(InvalidInput, match=f"between 1 and 3, got {beeps}"):
        CommandRequest.remote(CommandKind.HORN, beeps=beeps)


@pytest.mark.parametrize("kind", [k for k in CommandKind if k is not CommandKind.HORN])
def test_beeps_are_refused_with_anything_but_the_horn(kind: CommandKind) -> None:
    with pytest.raises(InvalidInput, match="only allowed with the horn"):
        CommandRequest.remote(kind, beeps=1)


def test_a_remote_command_without_beeps_has_no_params() -> None:
    assert CommandRequest.remote(CommandKind.HORN).params == {}
    assert CommandRequest.remote(CommandKind.UNLOCK) == CommandRequest(CommandKind.UNLOCK)


@pytest.mark.parametrize("target_c", [MIN_CLIMATE_TARGET_C, 22.0, MAX_CLIMATE_TARGET_C])
def test_climate_start_accepts_a_target_within_bounds(target_c: float) -> None:
    request = CommandRequest.climate_start(target_c)

    assert request.kind is CommandKind.CLIMATE_START
    assert request.params == {"target_c": target_c}


def test_climate_start_without_a_target_has_no_params() -> None:
    assert CommandRequest.climate_start(None) == CommandRequest(CommandKind.CLIMATE_START)


@pytest.mark.parametrize("target_c", [15.5, 29.5, -40.0, 100.0, float("nan")])
def test_climate_start_refuses_a_target_out_of_bounds(target_c: float) -> None:
    with pytest.raises(InvalidInput, match=r"between 15\.6 and 29\.4 °C \(60–85 °F\)"):
        CommandRequest.climate_start(target_c)
