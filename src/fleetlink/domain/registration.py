"""What an operator says of a vehicle they register, and what its VIN says: one identity.

The VIN decides what it can (the manufacturer from its WMI through vininfo, the model and
powertrain where our catalog knows its pattern, the model-year candidates from its 10th
character); the operator gives the rest. Where both speak, they must agree, so that a
typing slip ("Ford" for a Toyota VIN) is refused rather than stored.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from vininfo import Vin

from fleetlink.domain.brands import DecodedVin, brand_slug, decode_vin
from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.vehicle import Powertrain, Vehicle
from fleetlink.domain.vin import normalize_vin

MAX_TEXT = 64
MAX_PLATE = 32
OLDEST_YEAR = 1981  # the 17-character VIN's first model year


@dataclass(frozen=True, slots=True)
class VehicleDetails:
    """What the operator gives; None leaves a field to the VIN (or, on update, unchanged)."""

    make: str | None = None
    model: str | None = None
    year: int | None = None
    powertrain: Powertrain | None = None
    color: str | None = None
    trim: str | None = None
    license_plate: str | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """A registered vehicle's identity, complete."""

    vin: str
    make: str
    model: str
    year: int
    powertrain: Powertrain
    color: str | None
    trim: str | None
    license_plate: str | None

    @property
    def brand(self) -> str:
        """The brand's identifier ("toyota", "lexus"…), as the High Mobility API names it."""
        return brand_slug(self.make)


def identity_of(vehicle: Vehicle) -> Identity:
    """A registered vehicle's identity."""
    return Identity(
        vin=vehicle.vin,
        make=vehicle.make,
        model=vehicle.model,
        year=vehicle.year,
        powertrain=vehicle.powertrain,
        color=vehicle.color,
        trim=vehicle.trim,
        license_plate=vehicle.license_plate,
    )


def text(name: str, value: str | None, longest: int = MAX_TEXT) -> str | None:
    """A free-text field: printable, not blank, at most longest characters; None stays None."""
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > longest or not value.isprintable():
        raise InvalidInput(f"{name} must be 1 to {longest} printable characters, got {value!r}")
    return value


def _decoded(vin: str) -> DecodedVin | None:
    try:
        return decode_vin(vin)
    except InvalidInput:
        return None  # a valid VIN whose WMI vininfo does not know: the operator says the make


def model_years(vin: str, now: datetime) -> list[int]:
    """The model years the VIN's 10th character can mean, no later than next year."""
    years: list[int] = [y for y in Vin(vin).years if OLDEST_YEAR <= y <= now.year + 1]
    return sorted(years, reverse=True)


def _year(vin: str, given: int | None, now: datetime) -> int:
    candidates = model_years(vin, now)
    if given is None:
        if not candidates:
            raise InvalidInput(f"the model year of {vin} cannot be decoded: give year")
        return candidates[0]
    if not OLDEST_YEAR <= given <= now.year + 1:
        raise InvalidInput(f"year must be between {OLDEST_YEAR} and {now.year + 1}, got {given}")
    if candidates and given not in candidates:
        raise InvalidInput(
            f"year {given} contradicts {vin}, whose 10th character means "
            + " or ".join(str(y) for y in candidates)
        )
    return given


def _make(vin: str, decoded: DecodedVin | None, given: str | None) -> str:
    if decoded is None:
        if given is None:
            raise InvalidInput(f"the make of {vin} cannot be decoded from its WMI: give make")
        return given
    known = decoded.model.make if decoded.model is not None else decoded.manufacturer
    if given is not None and not decoded.matches(given):
        raise InvalidInput(f"make {given!r} contradicts {vin}, made by {decoded.manufacturer}")
    return given or known


def resolve_identity(raw_vin: str, given: VehicleDetails, now: datetime) -> Identity:
    """The vehicle's identity from its VIN and what the operator gave; InvalidInput says
    which field is missing or contradicts the VIN."""
    vin = normalize_vin(raw_vin)
    decoded = _decoded(vin)
    spec = decoded.model if decoded is not None else None
    make = _make(vin, decoded, text("make", given.make))
    model = text("model", given.model) or (spec.model if spec is not None else None)
    if model is None:
        raise InvalidInput(f"the model of {vin} cannot be decoded: give model")
    powertrain = given.powertrain or (spec.powertrain if spec is not None else None)
    if powertrain is None:
        raise InvalidInput(f"the powertrain of {vin} cannot be decoded: give powertrain")
    return Identity(
        vin=vin,
        make=make,
        model=model,
        year=_year(vin, given.year, now),
        powertrain=powertrain,
        color=text("color", given.color),
        trim=text("trim", given.trim),
        license_plate=text("licensePlate", given.license_plate, MAX_PLATE),
    )


def updated_identity(current: Identity, change: VehicleDetails, now: datetime) -> Identity:
    """current with the fields change gives, checked against the VIN as at registration."""
    merged = VehicleDetails(
        make=change.make or current.make,
        model=change.model or current.model,
        year=change.year or current.year,
        powertrain=change.powertrain or current.powertrain,
        color=change.color if change.color is not None else current.color,
        trim=change.trim if change.trim is not None else current.trim,
        license_plate=(
            change.license_plate if change.license_plate is not None else current.license_plate
        ),
    )
    return resolve_identity(current.vin, merged, now)


def with_identity(vehicle: Vehicle, identity: Identity) -> Vehicle:
    """vehicle, with this identity (its VIN, owner and connection as they are)."""
    return replace(
        vehicle,
        make=identity.make,
        model=identity.model,
        year=identity.year,
        powertrain=identity.powertrain,
        color=identity.color,
        trim=identity.trim,
        license_plate=identity.license_plate,
    )


def as_vehicle(identity: Identity) -> Vehicle:
    """A vehicle to register with this identity: no owner yet, never seen."""
    blank = Vehicle(0, identity.vin, None, None, "", "", 0, identity.powertrain)
    return with_identity(blank, identity)
