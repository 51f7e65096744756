"""Hashing is tested here: with the production Argon2id parameters, not the cheap ones."""

import pytest


@pytest.fixture(autouse=True)
def cheap_password_hashing() -> None:
    """Overrides tests/conftest.py's fixture: passwords hash as in production."""
