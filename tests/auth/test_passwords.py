"""Passwords are kept only as Argon2id hashes."""

import pytest

from fleetlink.auth.passwords import hash_password, verify_password


def test_a_password_hash_is_argon2id_and_never_contains_the_password() -> None:
    password = "correct horse battery staple"

    hashed = hash_password(password)

    assert hashed.startswith("$argon2id$")
    assert password not in hashed
    assert verify_password(hashed, password)


def test_the_same_password_hashes_differently_each_time() -> None:
    first, second = hash_password("hunter22hunter22"), hash_password("hunter22hunter22")

    assert first != second
    assert verify_password(first, "hunter22hunter22")
    assert verify_password(second, "hunter22hunter22")


@pytest.mark.parametrize("attempt", ["wrong password", "", "Correct horse battery staple"])
def test_a_wrong_password_does_not_verify(attempt: str) -> None:
    assert not verify_password(hash_password("correct horse battery staple"), attempt)


def test_a_non_ascii_password_round_trips() -> None:
    assert verify_password(hash_password("pässwörd-日本語"), "pässwörd-日本語")
    assert not verify_password(hash_password("pässwörd-日本語"), "passwort-日本語")


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "garbage",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
        "$argon2id$v=19$m=65536,t=3,p=4$truncated",
    ],
)
def test_a_garbage_hash_verifies_nothing(stored: str) -> None:
    assert not verify_password(stored, "correct horse battery staple")
