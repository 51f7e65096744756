"""Vehicle Identification Numbers (ISO 3779), validated once, here."""

from functools import lru_cache

from vininfo import ValidationError as _VininfoError
from vininfo import Vin

from fleetlink.domain.errors import InvalidInput

_CHECK_DIGIT_POSITION = 8
_CHECK_DIGITS = "0123456789X"


# Every read of a vehicle checks its VIN, and an app asks about the same few again and
# again: the checksum costs more than a cache hit. Only valid VINs are kept (lru_cache does
# not keep what raised), at most this many, so no input can grow it.
_KEPT = 4096


@lru_cache(maxsize=_KEPT)
def normalize_vin(raw: str) -> str:
    """Return the canonical VIN, or raise InvalidInput saying what is wrong with it."""
    try:
        vin: str = Vin.validate(raw)
    except _VininfoError as exc:
        raise InvalidInput(f"{raw!r} is not a valid VIN: {exc}") from exc
    if not Vin(vin).verify_checksum(check_year=False):
        raise InvalidInput(f"{raw!r} is not a valid VIN: its check digit (9th character) is wrong")
    return vin


def is_valid_vin(raw: str) -> bool:
    """Tell whether raw is a well-formed VIN with a correct check digit."""
    try:
        normalize_vin(raw)
    except InvalidInput:
        return False
    return True


def with_check_digit(vin: str) -> str:
    """Return vin with its 9th character set to the correct ISO 3779 check digit."""
    try:
        vin = Vin.validate(vin)
    except _VininfoError as exc:
        raise InvalidInput(f"{vin!r} cannot take a check digit: {exc}") from exc
    for digit in _CHECK_DIGITS:
        candidate = vin[:_CHECK_DIGIT_POSITION] + digit + vin[_CHECK_DIGIT_POSITION + 1 :]
        if Vin(candidate).verify_checksum(check_year=False):
            return candidate
    raise InvalidInput(f"no check digit makes {vin!r} a valid VIN")
