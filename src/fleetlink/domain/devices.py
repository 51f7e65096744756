"""Device credentials: what a vehicle's telematics unit signs in to the broker with.

Each unit has its own random secret; the store keeps only its digest. A rotation issues a
new secret beside the current one, and the current one stops working when the unit first
signs in with the new one (or at once, when asked). A revoked credential admits nobody.
"""

import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Admission(StrEnum):
    """How a credential answers a secret presented at sign-in."""

    CURRENT = "current"
    # The secret of a pending rotation: admitted, and from now on the only one.
    ROTATED = "rotated"
    WRONG = "wrong"
    REVOKED = "revoked"


class ChangeKind(StrEnum):
    """What happened to a vehicle's credential."""

    ISSUED = "issued"
    ROTATED = "rotated"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class DeviceCredential:
    """A vehicle's credential as stored: digests only, never a secret."""

    vin: str
    vehicle_id: int
    secret_hash: str
    issued_at: datetime
    changed_at: datetime
    # The digest of the secret a rotation issued, until the unit first signs in with it.
    pending_hash: str | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Whether the credential admits anyone at all."""
        return self.revoked_at is None

    def admission(self, presented_hash: str) -> Admission:
        """How this credential answers a secret whose digest is presented_hash."""
        if not self.active:
            return Admission.REVOKED
        # Both compared, in constant time, whichever matches.
        current = hmac.compare_digest(self.secret_hash, presented_hash)
        pending = self.pending_hash is not None and hmac.compare_digest(
            self.pending_hash, presented_hash
        )
        if pending:
            return Admission.ROTATED
        return Admission.CURRENT if current else Admission.WRONG

    def admits(self, presented_hash: str) -> bool:
        """Whether a unit presenting this digest may sign in."""
        return self.admission(presented_hash) in (Admission.CURRENT, Admission.ROTATED)


@dataclass(frozen=True, slots=True)
class CredentialChange:
    """A change of a vehicle's credential, as a broker that signs in vehicles must learn it."""

    kind: ChangeKind
    credential: DeviceCredential
    # The new secret (issued or rotated), for a broker that keeps its own copy (Mosquitto).
    secret: str | None = None
    # A rotation that retired the old secret at once, rather than at the unit's next sign-in.
    immediate: bool = False
