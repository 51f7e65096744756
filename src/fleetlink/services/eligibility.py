"""Eligibility: can the platform serve this VIN, and what could it read of it."""

from fleetlink.domain.brands import DecodedVin, decode_vin
from fleetlink.domain.errors import InvalidInput, NotFound


def check_eligibility(vin: str) -> DecodedVin:
    """Decode vin; one that cannot be decoded is NotFound, with the reason."""
    try:
        return decode_vin(vin)
    except InvalidInput as exc:
        raise NotFound(f"cannot decode this VIN: {exc.message}") from exc
