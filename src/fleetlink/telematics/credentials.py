"""Derived broker passwords: the cloud's own, from a secret every server process shares.

The cloud is a process of the deployment, not a device: it signs in as CLOUD_USERNAME with
a password any of its processes can derive, so none has to be stored. Vehicles have
credentials of their own (fleetlink.services.devices); a deployment moving off the derived
vehicle passwords of earlier versions can accept them for a while
(FLEETLINK_MQTT_DERIVED_PASSWORDS, docs/telematics.md).
"""

import hashlib
import hmac

CLOUD_USERNAME = "fleetlink-cloud"
_CONTEXT = b"fleetlink mqtt credentials v1"


def credential_key(secret: str) -> bytes:
    """The key passwords are derived from, itself derived from a stored secret."""
    return hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).digest()


def password_for(key: bytes, username: str) -> str:
    """The derived broker password of username: the cloud (or, in transition, a VIN)."""
    return hmac.new(key, username.encode(), hashlib.sha256).hexdigest()


def verify(key: bytes, username: str, password: str) -> bool:
    """Check a presented password in constant time."""
    return hmac.compare_digest(password_for(key, username), password)
