"""Vehicles: identity, powertrain, owner, alias and the climate preset kept for them."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fleetlink.domain.errors import InvalidInput

MAX_ALIAS_LENGTH = 64


class Powertrain(StrEnum):
    """How a vehicle moves; it decides which signals apply to it."""

    ICE = "ice"
    HYBRID = "hybrid"
    PHEV = "phev"
    BEV = "bev"

    @property
    def has_fuel_tank(self) -> bool:
        """Whether the vehicle burns fuel."""
        return self is not Powertrain.BEV

    @property
    def has_traction_battery(self) -> bool:
        """Whether a battery drives the wheels (hybrids included)."""
        return self is not Powertrain.ICE

    @property
    def is_pluggable(self) -> bool:
        """Whether the vehicle charges from the grid and has an electric range."""
        return self in (Powertrain.PHEV, Powertrain.BEV)

    @property
    def has_engine_oil(self) -> bool:
        """Whether there is an engine whose oil can run low."""
        return self is not Powertrain.BEV


class ConnectionState(StrEnum):
    """What the vehicle's modem last said about itself."""

    ONLINE = "online"
    ASLEEP = "asleep"
    OFFLINE = "offline"


class ClimateMode(StrEnum):
    """Climate preset modes a user can choose."""

    AUTO = "auto"
    COOL = "cool"
    HEAT = "heat"
    DEFROST = "defrost"


# 60–85 °F, the range Toyota's head units accept, kept in °C inside.
MIN_CLIMATE_TARGET_C = (60.0 - 32.0) * 5.0 / 9.0
MAX_CLIMATE_TARGET_C = (85.0 - 32.0) * 5.0 / 9.0
MIN_FAN_SPEED = 1
MAX_FAN_SPEED = 5


def check_climate_target(target_c: float) -> float:
    """Return a cabin target inside 60–85 °F, else raise InvalidInput saying the range."""
    if not MIN_CLIMATE_TARGET_C <= target_c <= MAX_CLIMATE_TARGET_C:
        raise InvalidInput(
            f"temperature must be between {MIN_CLIMATE_TARGET_C:.1f} and "
            f"{MAX_CLIMATE_TARGET_C:.1f} °C (60–85 °F), got {target_c:.1f} °C"
        )
    return target_c


@dataclass(frozen=True, slots=True)
class ClimateSettings:
    """The preset the vehicle's climate system starts with."""

    target_c: float = 22.0
    fan_speed: int = 3
    mode: ClimateMode = ClimateMode.AUTO

    def __post_init__(self) -> None:
        check_climate_target(self.target_c)
        if not MIN_FAN_SPEED <= self.fan_speed <= MAX_FAN_SPEED:
            raise InvalidInput(
                f"fanSpeed must be between {MIN_FAN_SPEED} and {MAX_FAN_SPEED}, "
                f"got {self.fan_speed}"
            )


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A registered vehicle and what the cloud knows of its identity and connection."""

    id: int
    vin: str
    # None while the vehicle is registered but not yet assigned to an owner.
    owner_id: int | None
    owner_guid: str | None
    make: str
    model: str
    year: int
    powertrain: Powertrain
    color: str | None = None
    trim: str | None = None
    alias: str | None = None
    connection: ConnectionState = ConnectionState.OFFLINE
    last_connected_at: datetime | None = None
    climate: ClimateSettings = ClimateSettings()
    license_plate: str | None = None
    # Since when its owner has had it (None: since it was registered).
    owner_since: datetime | None = None

    def owners_record(self, at: datetime) -> bool:
        """Whether something recorded at `at` is its present owner's to see.

        A vehicle that changed hands shows its new owner nothing from before: not the
        trips, notifications, positions or commands of the previous one.
        """
        return self.owner_since is None or at >= self.owner_since

    @property
    def is_connected(self) -> bool:
        """Whether the modem is reachable right now (asleep modems can be woken)."""
        return self.connection is not ConnectionState.OFFLINE


def validate_alias(alias: str) -> str | None:
    """Return the alias if it is 1–64 printable characters, None if it is empty or blank (the
    nickname is cleared), else raise InvalidInput."""
    if not alias.strip():
        return None
    if len(alias) > MAX_ALIAS_LENGTH:
        raise InvalidInput(
            f"alias must be at most {MAX_ALIAS_LENGTH} characters long, got {len(alias)}"
        )
    if not alias.isprintable():
        raise InvalidInput("alias must contain only printable characters")
    return alias
