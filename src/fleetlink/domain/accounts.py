"""Accounts: the people who own vehicles and sign in to the Toyota API."""

from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email

from fleetlink.domain.errors import InvalidInput

MIN_PASSWORD_LENGTH = 8
# The stored hash of an account whose owner has not set a password yet: no password matches.
NO_PASSWORD = ""


@dataclass(frozen=True, slots=True)
class Account:
    """An account; guid is the public identifier, id the store's own."""

    id: int
    guid: str
    email: str
    password_hash: str
    created_at: datetime
    # Set when an operator disables the account: its tokens and sessions stop working.
    disabled_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        """Whether the account may still act (sign in, use its tokens and sessions)."""
        return self.disabled_at is None

    @property
    def has_password(self) -> bool:
        """Whether the owner has set a password (an operator-made account starts without)."""
        return self.password_hash != NO_PASSWORD


def normalize_email(raw: str) -> str:
    """Return the normalised address, or raise InvalidInput saying why it is not one."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(f"{raw!r} is not a valid email address: {exc}") from exc
    return result.normalized.lower()


def check_password_strength(password: str) -> None:
    """Refuse passwords too short to be worth hashing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
