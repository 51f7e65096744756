"""Brands and capabilities from a VIN: what a platform can say of a car before it sees it.

The manufacturer comes from the VIN's World Manufacturer Identifier through vininfo's
maintained WMI table; the model, where the catalog knows its VIN pattern, tells what the
car can report. Nothing here looks at the store, so what eligibility answers for a VIN
never reveals whether some owner has registered it.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from vininfo import Vin

from fleetlink.domain.catalog import CATALOG, ModelSpec
from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.vehicle import Powertrain
from fleetlink.domain.vin import normalize_vin

_UNKNOWN_MANUFACTURER = "UnsupportedBrand"
_NOT_WORD = re.compile(r"[^a-z0-9]+")


class Capability(StrEnum):
    """A section of vehicle data, as the High Mobility API names it."""

    DOORS = "doors"
    CHARGING = "charging"
    DIAGNOSTICS = "diagnostics"
    VEHICLE_LOCATION = "vehicle_location"


def brand_slug(name: str) -> str:
    """A brand's identifier: lower case, words joined by hyphens ("Mercedes Benz" → …)."""
    return "-".join(w for w in _NOT_WORD.split(name.lower()) if w)


SUPPORTED_BRANDS = frozenset(brand_slug(spec.make) for spec in CATALOG)


@dataclass(frozen=True, slots=True)
class DecodedVin:
    """What a VIN says of its car."""

    vin: str
    wmi: str
    manufacturer: str
    model: ModelSpec | None

    @property
    def brand(self) -> str:
        """The brand: the model's make where known, else the manufacturer's first word."""
        if self.model is not None:
            return brand_slug(self.model.make)
        return brand_slug(self.manufacturer).split("-")[0]

    @property
    def supported(self) -> bool:
        """Whether this platform serves cars of this brand."""
        return self.brand in SUPPORTED_BRANDS

    def matches(self, asked: str) -> bool:
        """Whether asked names this car's brand, or its manufacturer whole ("toyota-mexico")."""
        return brand_slug(asked) in {self.brand, brand_slug(self.manufacturer)}

    @property
    def capabilities(self) -> tuple[Capability, ...]:
        """What the car can report; where the model is unknown, what every car can."""
        return capabilities_of(self.model.powertrain if self.model is not None else None)


def capabilities_of(powertrain: Powertrain | None) -> tuple[Capability, ...]:
    """Sections a car of this powertrain reports; only a plug-in car has charging."""
    common = (Capability.DOORS, Capability.DIAGNOSTICS, Capability.VEHICLE_LOCATION)
    if powertrain in (Powertrain.BEV, Powertrain.PHEV):
        return (Capability.DOORS, Capability.CHARGING, *common[1:])
    return common


def _model(vin: str) -> ModelSpec | None:
    for spec in CATALOG:
        if vin.startswith(spec.wmi) and vin[3:].startswith(spec.vds_prefix):
            return spec
    return None


def decode_vin(raw: str) -> DecodedVin:
    """Decode a VIN; InvalidInput says what is wrong when it is malformed or unknown."""
    vin = normalize_vin(raw)
    manufacturer = Vin(vin).manufacturer
    if not manufacturer or manufacturer == _UNKNOWN_MANUFACTURER:
        raise InvalidInput(
            f"{vin!r}: no manufacturer is registered for its WMI {vin[:3]!r} (first 3 characters)"
        )
    return DecodedVin(vin=vin, wmi=vin[:3], manufacturer=str(manufacturer), model=_model(vin))
