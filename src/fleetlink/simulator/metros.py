"""The home areas simulated vehicles live around: where they commute, and how warm it is."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Metro:
    """A home area vehicles live around."""

    name: str
    latitude: float
    longitude: float
    mean_temperature_c: float


METROS: tuple[Metro, ...] = (
    Metro("Plano, TX", 33.0198, -96.6989, 19.0),
    Metro("Los Angeles, CA", 34.0522, -118.2437, 18.5),
    Metro("Toyota City, Aichi", 35.0825, 137.1561, 15.8),
    Metro("Paris, Île-de-France", 48.8566, 2.3522, 12.5),
)
