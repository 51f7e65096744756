"""What a simulated telematics unit puts on every message: a seeded id and its own clock."""

import random
import uuid
from datetime import datetime

from fleetlink.domain.reports import EventKind, ServiceVisit
from fleetlink.domain.state import WarningLight
from fleetlink.domain.vehicle import ConnectionState
from fleetlink.telematics.encoding import (
    Uplink,
    connection_message,
    event_message,
    result_message,
)


class Stamping:
    """The messages a unit sends besides samples, stamped with the vehicle's clock.

    A base of fleetlink.simulator.model.SimVehicle, whose fields these are: ids come from its
    seeded generator, so a life repeats exactly.
    """

    rng: random.Random
    now: datetime

    def _message_id(self, ids: random.Random | None = None) -> str:
        # From the seeded generator, so lives repeat exactly.
        return str(uuid.UUID(int=(ids or self.rng).getrandbits(128)))

    def connection(self, state: ConnectionState) -> Uplink:
        """The unit's connection state, stamped with its clock."""
        return connection_message(self._message_id(), self.now, state)

    def result(self, command_id: str, *, ok: bool, code: str, reason: str | None = None) -> Uplink:
        """The unit's answer to a command, stamped with its clock."""
        return result_message(
            self._message_id(), self.now, command_id, ok=ok, code=code, reason=reason
        )

    def event(
        self,
        kind: EventKind,
        light: WarningLight | None = None,
        *,
        door: str | None = None,
        service: ServiceVisit | None = None,
    ) -> Uplink:
        """Something that happened to the vehicle, stamped with its clock."""
        return event_message(self._message_id(), self.now, kind, light, door=door, service=service)
