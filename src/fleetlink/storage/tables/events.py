"""The event outbox and the webhooks that deliver it."""

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from fleetlink.storage.tables.meta import metadata
from fleetlink.storage.types import UTCDateTime

events = Table(
    "events",
    metadata,
    # The outbox: every event, written in the transaction of the change that caused it.
    # position orders the writes; id is the event's public, stable id.
    Column("position", Integer, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("type", String(32), nullable=False),
    Column("vin", String(17), nullable=False),
    Column("vehicle_id", Integer, ForeignKey("vehicles.id")),
    Column("sequence", Integer, nullable=False),
    # The one fleet an event is meant for (its clearance); null: whoever may read the vehicle.
    Column("client_id", String(64)),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("data", JSON, nullable=False),
    # False until the webhook fan-out has made the event's deliveries.
    Column("dispatched", Boolean, nullable=False),
    # The fan-out's lookup: undispatched events in order.
    Index("ix_events_dispatched_position", "dispatched", "position"),
    # Replay and the stream: a vehicle's events in order, and events by time.
    Index("ix_events_vehicle_id_sequence", "vehicle_id", "sequence"),
    Index("ix_events_recorded_at", "recorded_at"),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", String(36), primary_key=True),
    # Exactly one of these: a High Mobility client's fleet, or an owner.
    Column("client_id", String(64), ForeignKey("oauth_clients.client_id"), index=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), index=True),
    Column("url", Text, nullable=False),
    Column("event_types", JSON, nullable=False),
    # The signing secrets as they are: an HMAC needs the key itself, so a hash cannot sign.
    Column("secret", String(64), nullable=False),
    Column("previous_secret", String(64)),
    Column("previous_secret_until", UTCDateTime),
    Column("status", String(16), nullable=False),
    Column("disabled_reason", Text),
    Column("failing_since", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    # How requests are shaped and signed: standard (Standard Webhooks) or high-mobility.
    Column("format", String(16), nullable=False, server_default="standard"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("subscription_id", String(36), ForeignKey("webhook_subscriptions.id"), nullable=False),
    Column("event_id", String(36), ForeignKey("events.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    # A claim: until then one process is sending it; a process killed mid-send lets it lapse.
    Column("leased_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    # The sender's lookup: pending deliveries by when they are due.
    Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_subscription_id_created_at", "subscription_id", "created_at"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", String(36), ForeignKey("webhook_deliveries.id"), nullable=False),
    Column("subscription_id", String(36), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("attempted_at", UTCDateTime, nullable=False),
    Column("status_code", Integer),
    Column("latency_ms", Float, nullable=False),
    Column("error", Text),
    Index("ix_webhook_attempts_subscription_id_attempted_at", "subscription_id", "attempted_at"),
)
