"""Commands sent to vehicles and their lifecycle.

pending ──► sent ──► succeeded
   │          ├────► failed
   │          └────► expired
   ├────────────────► succeeded   (the answer overtook the record that it was sent)
   ├────────────────► failed
   └────────────────► expired
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from fleetlink.domain.errors import InvalidInput, InvalidTransition
from fleetlink.domain.vehicle import check_climate_target

ACCEPTED_RETURN_CODE = "000000"
EXPIRED_RETURN_CODE = "TIMEOUT"
# A command still waiting for its vehicle when the vehicle changed owner.
TRANSFERRED_RETURN_CODE = "TRANSFERRED"
MIN_BEEPS = 1
MAX_BEEPS = 3


class CommandKind(StrEnum):
    """Everything a vehicle can be asked to do."""

    LOCK = "lock"
    UNLOCK = "unlock"
    HORN = "horn"
    LIGHTS = "lights"
    PANIC_ON = "panic_on"
    PANIC_OFF = "panic_off"
    TRUNK_OPEN = "trunk_open"
    CLIMATE_START = "climate_start"
    CLIMATE_STOP = "climate_stop"
    REFRESH_STATUS = "refresh_status"
    REFRESH_ELECTRIC = "refresh_electric"


class CommandStatus(StrEnum):
    """Where a command is in its lifecycle."""

    PENDING = "pending"
    SENT = "sent"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"

    @property
    def is_terminal(self) -> bool:
        """Whether the command can no longer change."""
        return self in _TERMINAL


_TERMINAL = frozenset({CommandStatus.SUCCEEDED, CommandStatus.FAILED, CommandStatus.EXPIRED})
_ALLOWED: dict[CommandStatus, frozenset[CommandStatus]] = {
    # A vehicle's answer can overtake the record that the command was sent.
    CommandStatus.PENDING: frozenset(
        {CommandStatus.SENT, CommandStatus.SUCCEEDED, CommandStatus.FAILED, CommandStatus.EXPIRED}
    ),
    CommandStatus.SENT: frozenset(_TERMINAL),
}


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """A validated request to act on a vehicle, before it is stored."""

    kind: CommandKind
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def remote(cls, kind: CommandKind, beeps: int | None = None) -> "CommandRequest":
        """Build a remote command; beeps only with horn, 1 to 3."""
        if beeps is None:
            return cls(kind)
        if kind is not CommandKind.HORN:
            raise InvalidInput(f"beeps is only allowed with the horn command, not {kind}")
        if not MIN_BEEPS <= beeps <= MAX_BEEPS:
            raise InvalidInput(f"beeps must be between {MIN_BEEPS} and {MAX_BEEPS}, got {beeps}")
        return cls(kind, {"beeps": beeps})

    @classmethod
    def climate_start(cls, target_c: float | None) -> "CommandRequest":
        """Build a climate start, optionally with a target cabin temperature."""
        if target_c is None:
            return cls(CommandKind.CLIMATE_START)
        return cls(CommandKind.CLIMATE_START, {"target_c": check_climate_target(target_c)})


@dataclass(frozen=True, slots=True)
class Command:
    """A command as stored: what was asked, of which vehicle, and how it went."""

    id: str
    vehicle_id: int
    vin: str
    kind: CommandKind
    params: dict[str, Any]
    status: CommandStatus
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    return_code: str = ACCEPTED_RETURN_CODE
    reason: str | None = None

    @classmethod
    def new(
        cls,
        *,
        id: str,
        vehicle_id: int,
        vin: str,
        request: CommandRequest,
        now: datetime,
        timeout: timedelta,
    ) -> "Command":
        """Create a pending command that expires after timeout."""
        return cls(
            id=id,
            vehicle_id=vehicle_id,
            vin=vin,
            kind=request.kind,
            params=dict(request.params),
            status=CommandStatus.PENDING,
            created_at=now,
            updated_at=now,
            expires_at=now + timeout,
        )

    def _move(
        self, status: CommandStatus, now: datetime, return_code: str, reason: str | None
    ) -> "Command":
        if status not in _ALLOWED.get(self.status, frozenset()):
            raise InvalidTransition(f"command {self.id} cannot go from {self.status} to {status}")
        return replace(self, status=status, updated_at=now, return_code=return_code, reason=reason)

    def mark_sent(self, now: datetime) -> "Command":
        """Record that the command was handed to the vehicle's transport."""
        return self._move(CommandStatus.SENT, now, self.return_code, None)

    def succeed(self, now: datetime) -> "Command":
        """Record the vehicle's report that it did what was asked."""
        return self._move(CommandStatus.SUCCEEDED, now, ACCEPTED_RETURN_CODE, None)

    def fail(self, now: datetime, return_code: str, reason: str) -> "Command":
        """Record the vehicle's (or the transport's) refusal, with its code and reason."""
        return self._move(CommandStatus.FAILED, now, return_code, reason)

    def expire(self, now: datetime) -> "Command":
        """Give up on a command the vehicle never answered."""
        return self._move(
            CommandStatus.EXPIRED, now, EXPIRED_RETURN_CODE, "no answer from the vehicle in time"
        )

    def settled(self, now: datetime) -> "Command":
        """Return the command as it stands at now: expired if its deadline has passed."""
        if not self.status.is_terminal and now >= self.expires_at:
            # It expired at its deadline, whenever someone first noticed.
            return self.expire(max(self.updated_at, self.expires_at))
        return self
