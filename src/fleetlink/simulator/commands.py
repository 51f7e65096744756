"""How a simulated car answers the cloud's commands: carried out, or refused with a reason."""

from typing import TYPE_CHECKING, Any

from fleetlink.domain.reports import EventKind
from fleetlink.domain.vehicle import ConnectionState
from fleetlink.simulator.body import TRUNK

if TYPE_CHECKING:
    from fleetlink.simulator.model import SimVehicle
    from fleetlink.telematics.encoding import Uplink

# What a car will not do while it moves.
REFUSED_WHILE_DRIVING = {"unlock", "trunk_open", "panic_on"}


def answer(v: "SimVehicle", command: dict[str, Any]) -> "list[Uplink]":
    """Carry out a command and answer it: a wake-up if asleep, a full sample, the result."""
    name, params = command["command"], command.get("params", {})
    out = [v.connection(ConnectionState.ONLINE)] if v.asleep else []
    v.asleep = False
    if v.driving and name in REFUSED_WHILE_DRIVING:
        return [
            *out,
            v.result(
                command["id"],
                ok=False,
                code="VEHICLE_MOVING",
                reason=f"{name} is refused while driving",
            ),
        ]
    if not v.driving:
        v.parked_since = v.now
    if name in ("lock", "unlock"):
        v.body.locked = name == "lock"
    elif name == "trunk_open" and TRUNK not in v.body.open:
        # The latch lets go; the lid stays up until someone shuts it (next time they drive).
        v.body.open.add(TRUNK)
        out.append(v.event(EventKind.DOOR_OPENED, door=TRUNK))
    elif name == "climate_start":
        v.climate_on = True
        v.climate_target_c = float(params.get("target_c", v.climate_target_c))
    elif name == "climate_stop":
        v.climate_on = False
    out += v.sample(full=True)
    out.append(v.result(command["id"], ok=True, code="000000"))
    return out
