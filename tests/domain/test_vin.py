"""VINs are validated once, in the domain, and say what is wrong with a bad one."""

import pytest

from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.vin import is_valid_vin, normalize_vin, with_check_digit

REAL_VIN = "1M8GDM9AXKP042788"  # A real VIN whose check digit is X.


def test_a_real_vin_with_check_digit_x_is_accepted() -> None:
    assert normalize_vin(REAL_VIN) == REAL_VIN
    assert is_valid_vin(REAL_VIN)


def test_lower_case_and_surrounding_whitespace_are_normalized() -> None:
    assert normalize_vin(f"  {REAL_VIN.lower()}\n") == REAL_VIN


@pytest.mark.parametrize(
    "raw", ["", REAL_VIN[:-1], REAL_VIN + "8", REAL_VIN[:10] + " " + REAL_VIN[10:]]
)
def test_a_vin_of_the_wrong_length_is_refused_with_its_length(raw: str) -> None:
    with pytest.raises(InvalidInput, match="17 chars"):
        normalize_vin(raw)
    assert not is_valid_vin(raw)


@pytest.mark.parametrize("letter", ["I", "O", "Q"])
def test_letters_i_o_and_q_are_refused(letter: str) -> None:
    raw = REAL_VIN[:10] + letter + REAL_VIN[11:]

    with pytest.raises(InvalidInput, match="except 'I', 'O', and 'Q'"):
        normalize_vin(raw)


def test_punctuation_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not a valid VIN"):
        normalize_vin(REAL_VIN[:-1] + "!")


@pytest.mark.parametrize("digit", [d for d in "0123456789" if d != REAL_VIN[8]])
def test_a_wrong_check_digit_is_refused_naming_the_check_digit(digit: str) -> None:
    raw = REAL_VIN[:8] + digit + REAL_VIN[9:]

    with pytest.raises(InvalidInput, match=r"check digit \(9th character\) is wrong") as caught:
        normalize_vin(raw)
    assert raw in caught.value.message


@pytest.mark.parametrize(
    "body", ["JTMAAAAA0PJ000001", "5YFB4MEE0PP012345", "2T3RWRFV0RW099999", "JTJHKCEZ0S2A00042"]
)
def test_with_check_digit_makes_vins_that_normalize_accepts(body: str) -> None:
    vin = with_check_digit(body)

    assert normalize_vin(vin) == vin
    assert vin[:8] == body[:8] and vin[9:] == body[9:]


def test_with_check_digit_restores_a_real_vins_check_digit() -> None:
    assert with_check_digit(REAL_VIN[:8] + "0" + REAL_VIN[9:]) == REAL_VIN


def test_with_check_digit_refuses_a_vin_of_the_wrong_length_with_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        with_check_digit("JTMAAAAA0PJ00001")
