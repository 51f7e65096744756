"""What a webhook request carries, in each format a subscription may choose.

- standard: fleetlink's envelope (docs/events.md), signed as Standard Webhooks
  (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`), one signature per
  secret in force, so a rotation has a grace period.
- high-mobility: High Mobility's webhook for `fleet_clearance_changed`: the vehicle's VIN
  under `vehicle`, the new clearance status as the event's `action` and its reason as
  `detail`, signed in `X-HM-Signature-256: sha256=<hex HMAC-SHA256 of the body>` with the
  secret as its key, so a receiver written for High Mobility verifies it unchanged. Its one
  signature header has room for one secret: the current one.
"""

import hmac
import json
from datetime import datetime
from typing import Any

from standardwebhooks.webhooks import Webhook

from fleetlink import __version__
from fleetlink.domain.events import Event, EventType
from fleetlink.domain.webhooks import WebhookFormat

USER_AGENT = f"fleetlink-webhooks/{__version__}"
# High Mobility's names for what fleetlink calls fleet.clearance_changed.
HM_EVENTS = {EventType.CLEARANCE_CHANGED: "fleet_clearance_changed"}


def body_of(event: Event) -> str:
    """The JSON body a standard receiver gets for an event."""
    return _json(event.envelope())


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def signed_headers(secrets: list[str], event: Event, body: str, now: datetime) -> dict[str, str]:
    """Standard Webhooks' headers: the event's id (stable across retries), the time, signatures."""
    signatures = " ".join(Webhook(s).sign(event.id, now, body) for s in secrets)
    return {
        "webhook-id": event.id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def high_mobility_body(event: Event) -> str:
    """High Mobility's webhook body for a clearance change."""
    detail = event.data.get("reason") or None
    payload: dict[str, Any] = {
        "vehicle": {"vin": event.vin},
        "event": {
            "type": HM_EVENTS[event.type],
            "action": event.data["status"],
            **({"detail": detail} if detail else {}),
        },
    }
    return _json(payload)


def hm_signature(secret: str, body: bytes, algorithm: str = "sha256") -> str:
    """`<algorithm>=<hex HMAC of the body>` keyed with the secret, as High Mobility signs."""
    digest = hmac.new(secret.encode(), body, algorithm).hexdigest()
    return f"{algorithm}={digest}"


def high_mobility_headers(secret: str, event: Event, body: bytes) -> dict[str, str]:
    """High Mobility's headers: the SHA-256 signature, the deprecated SHA-1 one it still
    sends, the delivery's id (the event's, stable across retries) and the event's name."""
    return {
        "x-hm-signature-256": hm_signature(secret, body, "sha256"),
        "x-hm-signature": hm_signature(secret, body, "sha1"),
        "x-hm-delivery": event.id,
        "x-hm-event": HM_EVENTS[event.type],
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def request_of(
    fmt: WebhookFormat, secrets: list[str], event: Event, now: datetime
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of the request that delivers event in the subscription's format.

    An event High Mobility has no webhook for goes out in the standard format, whatever the
    subscription chose (the API lets a high-mobility subscription name only those it has).
    """
    if fmt is WebhookFormat.HIGH_MOBILITY and event.type in HM_EVENTS:
        body = high_mobility_body(event).encode()
        return body, high_mobility_headers(secrets[0], event, body)
    text = body_of(event)
    return text.encode(), signed_headers(secrets, event, text, now)
