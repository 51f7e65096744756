"""Records the store keeps and hands back as they are: signing keys and raw messages."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class StoredKey:
    """A signing key pair as kept in the store."""

    kid: str
    generation: int
    algorithm: str
    private_pem: str
    public_jwk: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One message as it arrived."""

    vehicle_id: int
    message_id: str
    channel: str
    recorded_at: datetime
    received_at: datetime
    payload: dict[str, Any]
