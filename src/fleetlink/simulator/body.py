"""Doors, windows and locks: what people do with them getting in and out, as VSS signals."""

import random
from dataclasses import dataclass, field
from typing import Any

# Door names as the protocol's door events carry them, and their VSS paths.
DOORS = {
    "front_left": "Row1.DriverSide",
    "front_right": "Row1.PassengerSide",
    "rear_left": "Row2.DriverSide",
    "rear_right": "Row2.PassengerSide",
}
TRUNK = "trunk"
DRIVER = "front_left"
# Above this outside, some drivers open a window rather than run the air conditioning.
WARM_C = 24.0
VENTING_PCT = 15.0
FORGETS_TO_LOCK = 0.04
FORGETS_WINDOW = 0.05


@dataclass
class Body:
    """Which doors stand open, where the windows are, whether the car is locked."""

    locked: bool = True
    open: set[str] = field(default_factory=set)
    windows: dict[str, float] = field(default_factory=lambda: dict.fromkeys(DOORS, 0.0))

    def signals(self) -> dict[str, Any]:
        """The body's part of a full sample."""
        s: dict[str, Any] = {}
        for door, path in DOORS.items():
            s[f"Vehicle.Cabin.Door.{path}.IsOpen"] = door in self.open
            s[f"Vehicle.Cabin.Door.{path}.IsLocked"] = self.locked
            s[f"Vehicle.Cabin.Door.{path}.Window.Position"] = round(self.windows[door])
        s["Vehicle.Body.Trunk.Rear.IsOpen"] = TRUNK in self.open
        return s

    def open_windows(self, rng: random.Random, outside_c: float) -> None:
        """Setting off in warm weather, the driver sometimes opens a window or two."""
        if outside_c < WARM_C or rng.random() > 0.4:
            return
        self.windows[DRIVER] = rng.choice((VENTING_PCT, rng.uniform(30, 100)))
        if rng.random() < 0.5:
            self.windows["front_right"] = rng.uniform(30, 100)

    def close_windows(self, rng: random.Random) -> None:
        """Parking, windows go up; now and then one is left venting."""
        for door in DOORS:
            if self.windows[door] and rng.random() > FORGETS_WINDOW:
                self.windows[door] = 0.0
            elif self.windows[door]:
                self.windows[door] = VENTING_PCT


def doors_used(rng: random.Random, *, arriving: bool) -> list[str]:
    """Who gets in or out: the driver always, passengers sometimes, the trunk for shopping."""
    doors = [DRIVER]
    if rng.random() < 0.35:
        doors.append("front_right")
    doors += [rear for rear in ("rear_left", "rear_right") if rng.random() < 0.12]
    if rng.random() < (0.15 if arriving else 0.08):
        doors.append(TRUNK)
    return doors


def forgets_to_lock(rng: random.Random) -> bool:
    """Now and then a driver walks away without locking."""
    return rng.random() < FORGETS_TO_LOCK
