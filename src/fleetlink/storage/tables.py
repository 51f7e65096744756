"""The schema, as SQLAlchemy Core tables. Alembic migrations create it; this mirrors them."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from fleetlink.storage.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("guid", String(36), nullable=False, unique=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),
)

operators = Table(
    "operators",
    metadata,
    # The people who run the deployment; their tokens are for the operator API only.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("guid", String(36), nullable=False, unique=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),
)

password_links = Table(
    "password_links",
    metadata,
    # Single-use links to set an owner's password, kept as SHA-256 digests of their token.
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
    Column("used_at", UTCDateTime),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    # Unique, so that processes racing to create the first key agree on one.
    Column("generation", Integer, nullable=False, unique=True),
    Column("algorithm", String(16), nullable=False),
    Column("private_pem", Text, nullable=False),
    Column("public_jwk", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

vehicles = Table(
    "vehicles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("vin", String(17), nullable=False, unique=True),
    # Null while registered but not yet assigned to an owner.
    Column("owner_id", Integer, ForeignKey("accounts.id"), index=True),
    Column("make", String(64), nullable=False),
    Column("model", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("powertrain", String(8), nullable=False),
    Column("color", String(64)),
    Column("trim", String(64)),
    Column("alias", String(64)),
    Column("connection", String(8), nullable=False),
    Column("last_connected_at", UTCDateTime),
    Column("climate_target_c", Float, nullable=False),
    Column("climate_fan_speed", Integer, nullable=False),
    Column("climate_mode", String(8), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("license_plate", String(32)),
    # Since when its owner has had it: what was recorded before is not theirs to see
    # (trips, notifications, positions, commands). Null: since it was registered.
    Column("owner_since", UTCDateTime),
    # The make as an identifier (fleetlink.domain.brands.brand_slug: "Toyota" → "toyota"),
    # so that a filter on the make matches whatever its case, through a plain index.
    Column("brand", String(64), nullable=False),
    Index("ix_vehicles_brand_vin", "brand", "vin"),
    # The operator API's filters; each list is ordered and paged by the unique VIN.
    Index("ix_vehicles_powertrain_vin", "powertrain", "vin"),
    Index("ix_vehicles_connection_vin", "connection", "vin"),
    Index("ix_vehicles_last_connected_at", "last_connected_at"),
    # The sequence number of the vehicle's latest event: raised in the transaction that
    # writes events, so the row's lock hands out numbers without a race (see events below).
    Column("event_seq", Integer, nullable=False, server_default="0"),
)

vehicle_owners = Table(
    "vehicle_owners",
    metadata,
    # Every time a vehicle belonged to an owner: from_at until to_at (null: still does).
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("vehicle_id", Integer, ForeignKey("vehicles.id"), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("from_at", UTCDateTime, nullable=False),
    Column("to_at", UTCDateTime),
    Index("ix_vehicle_owners_vehicle_id_from_at", "vehicle_id", "from_at"),
)

vehicle_state = Table(
    "vehicle_state",
    metadata,
    Column("vehicle_id", Integer, ForeignKey("vehicles.id"), primary_key=True),
    Column("reported_at", UTCDateTime, nullable=False),
    Column("ignition_on", Boolean, nullable=False),
    Column("doors_locked", Boolean, nullable=False),
    Column("door_front_left_open", Boolean, nullable=False),
    Column("door_front_right_open", Boolean, nullable=False),
    Column("door_rear_left_open", Boolean, nullable=False),
    Column("door_rear_right_open", Boolean, nullable=False),
    Column("trunk_open", Boolean, nullable=False),
    Column("window_front_left", String(8), nullable=False),
    Column("window_front_right", String(8), nullable=False),
    Column("window_rear_left", String(8), nullable=False),
    Column("window_rear_right", String(8), nullable=False),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("position_at", UTCDateTime),
    Column("is_parked", Boolean, nullable=False),
    Column("odometer_km", Float),
    Column("battery_soc_pct", Float),
    Column("battery_range_km", Float),
    Column("fuel_level_pct", Float),
    Column("fuel_range_km", Float),
    Column("charging_status", String(16)),
    Column("plugged_in", Boolean),
    Column("charge_complete_at", UTCDateTime),
    Column("climate_running", Boolean, nullable=False),
    Column("cabin_temperature_c", Float),
    Column("oil_level", String(16)),
    Column("warning_lights", JSON, nullable=False),
    Column("maintenance_due", Boolean, nullable=False),
    Column("speed_kmh", Float),
    Column("engine_rpm", Float),
    Column("oil_temperature_c", Float),
    Column("charge_limit_pct", Float),
)

commands = Table(
    "commands",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("vehicle_id", Integer, ForeignKey("vehicles.id"), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("params", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("return_code", String(16), nullable=False),
    Column("reason", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_commands_vehicle_id_created_at", "vehicle_id", "created_at"),
    # The dispatcher's and the expiry sweep's lookup: open commands by deadline.
    Index("ix_commands_status_expires_at", "status", "expires_at"),
)

trips = Table(
    "trips",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("vehicle_id", Integer, ForeignKey("vehicles.id"), nullable=False),
    Column("start_at", UTCDateTime, nullable=False),
    Column("end_at", UTCDateTime, nullable=False),
    Column("start_latitude", Float, nullable=False),
    Column("start_longitude", Float, nullable=False),
    Column("end_latitude", Float, nullable=False),
    Column("end_longitude", Float, nullable=False),
    Column("distance_km", Float, nullable=False),
    Column("max_speed_kmh", Float, nullable=False),
    Column("start_address", String(255)),
    Column("end_address", String(255)),
    # The whole route in one value: see fleetlink.domain.trips.encode_route.
    Column("route", Text, nullable=False),
    Index("ix_trips_vehicle_id_start_at", "vehicle_id", "start_at"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("vehicle_id", Integer, ForeignKey("vehicles.id"), nullable=False),
    Column("type", String(16), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("title", String(255), nullable=False),
    Column("message", Text, nullable=False),
    Column("is_read", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_notifications_vehicle_id_created_at", "vehicle_id", "created_at"),
)

service_records = Table(
    "service_records",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("vehicle_id", Integer, ForeignKey("vehicles.id"), nullable=False),
    Column("category", String(64), nullable=False),
    Column("description", Text, nullable=False),
    Column("service_date", Date, nullable=False),
    Column("odometer_km", Float),
    Column("dealer_code", String(32)),
    Column("dealer_name", String(255)),
    Index("ix_service_records_vehicle_id_service_date", "vehicle_id", "service_date"),
)

vehicle_messages = Table(
    "vehicle_messages",
    metadata,
    # The key makes ingestion idempotent: a redelivered message id is inserted once.
    Column("vehicle_id", Integer, ForeignKey("vehicles.id"), primary_key=True),
    Column("message_id", String(64), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("payload", JSON, nullable=False),
    # The retention sweep deletes by age.
    Index("ix_vehicle_messages_received_at", "received_at"),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    # Uplink messages set aside, as they arrived (bytes: they may not even be text).
    Column("id", String(36), primary_key=True),
    Column("topic", String(255), nullable=False),
    Column("vin", String(17)),
    Column("reason", String(64), nullable=False),
    Column("error", Text, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("set_aside_at", UTCDateTime, nullable=False),
    Column("replays", Integer, nullable=False, default=0),
    # Operators list the newest first; the sweep deletes by age.
    Index("ix_dead_letters_received_at", "received_at"),
)

trip_progress = Table(
    "trip_progress",
    metadata,
    # What trip detection knows of each vehicle between batches: see domain.tripdetect.
    Column("vehicle_id", Integer, ForeignKey("vehicles.id"), primary_key=True),
    Column("seen_at", UTCDateTime, nullable=False),
    Column("reports_ignition", Boolean, nullable=False),
    Column("ignition_on", Boolean, nullable=False),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("position_at", UTCDateTime),
    Column("anchor_latitude", Float),
    Column("anchor_longitude", Float),
    Column("odometer_km", Float),
    # The trip under way, if any (trip_started_at is null when there is none).
    Column("trip_started_at", UTCDateTime),
    Column("trip_start_odometer_km", Float),
    Column("trip_odometer_km", Float),
    Column("trip_gps_km", Float, nullable=False),
    Column("trip_max_speed_kmh", Float),
    Column("trip_derived_max_speed_kmh", Float, nullable=False),
    Column("trip_stopped_at", UTCDateTime),
    # The route so far, encoded like a trip's (see fleetlink.domain.trips.encode_route),
    # with its length and last point, so that a batch appends to it without decoding it.
    Column("trip_route", Text, nullable=False),
    Column("trip_route_points", Integer, nullable=False),
    Column("trip_route_end_latitude", Float),
    Column("trip_route_end_longitude", Float),
    Column("trip_route_end_at", UTCDateTime),
)

oauth_clients = Table(
    "oauth_clients",
    metadata,
    # An application of the High Mobility API: a fleet operator's or an app developer's.
    Column("client_id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    # A keyed hash (HMAC-SHA256) of the secret; the secret itself is shown once and never kept.
    Column("secret_hash", String(128), nullable=False),
    Column("redirect_uris", JSON, nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)

oauth_grants = Table(
    "oauth_grants",
    metadata,
    # An owner's consent to a client, for chosen vehicles; also the family of every token
    # issued under it, so revoking the grant ends them all.
    Column("id", String(36), primary_key=True),
    Column("client_id", String(64), ForeignKey("oauth_clients.client_id"), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("scope", String(255), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("revoked_reason", Text),
    Index("ix_oauth_grants_client_id_account_id", "client_id", "account_id"),
)

oauth_grant_vehicles = Table(
    "oauth_grant_vehicles",
    metadata,
    Column("grant_id", String(36), ForeignKey("oauth_grants.id"), primary_key=True),
    Column("vehicle_id", Integer, ForeignKey("vehicles.id"), primary_key=True, index=True),
)

oauth_codes = Table(
    "oauth_codes",
    metadata,
    # Authorization codes, kept as SHA-256 digests: single use, short-lived, bound to PKCE.
    Column("code_hash", String(64), primary_key=True),
    Column("grant_id", String(36), ForeignKey("oauth_grants.id"), nullable=False, index=True),
    Column("redirect_uri", Text, nullable=False),
    Column("code_challenge", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # The hourly sweep deletes what expired a while ago.
    Column("expires_at", UTCDateTime, nullable=False, index=True),
    Column("used_at", UTCDateTime),
)

oauth_refresh_tokens = Table(
    "oauth_refresh_tokens",
    metadata,
    # Rotating refresh tokens, as SHA-256 digests; the grant is the family that reuse revokes.
    Column("token_hash", String(64), primary_key=True),
    Column("grant_id", String(36), ForeignKey("oauth_grants.id"), nullable=False, index=True),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
    Column("used_at", UTCDateTime),
)

fleet_vehicles = Table(
    "fleet_vehicles",
    metadata,
    # A VIN a fleet (an OAuth client) registered, and where its clearance stands.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(64), ForeignKey("oauth_clients.client_id"), nullable=False),
    Column("vin", String(17), nullable=False),
    Column("brand", String(64), nullable=False),
    Column("license_plate", String(32)),
    # Null when the platform does not know the VIN.
    Column("vehicle_id", Integer, ForeignKey("vehicles.id"), index=True),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # When a pending clearance is settled by the platform on its own (null: it waits).
    Column("settle_at", UTCDateTime),
    # Set when the fleet removes the VIN: the row stays for its history.
    Column("removed_at", UTCDateTime),
    UniqueConstraint("client_id", "vin"),
    Index("ix_fleet_vehicles_status_settle_at", "status", "settle_at"),
    # Each fleet's read first asks whether any of its clearances is due to settle.
    Index("ix_fleet_vehicles_client_id_status_settle_at", "client_id", "status", "settle_at"),
)

fleet_vehicle_events = Table(
    "fleet_vehicle_events",
    metadata,
    # Every clearance change, with its time and reason.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("fleet_vehicle_id", Integer, ForeignKey("fleet_vehicles.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_fleet_vehicle_events_fleet_vehicle_id_at", "fleet_vehicle_id", "at"),
)

device_credentials = Table(
    "device_credentials",
    metadata,
    # One per vehicle: its telematics unit's credential, as SHA-256 digests only.
    Column("vehicle_id", Integer, ForeignKey("vehicles.id", ondelete="CASCADE"), primary_key=True),
    Column("secret_hash", String(64), nullable=False),
    # A rotation's new secret, until the unit first signs in with it.
    Column("pending_hash", String(64)),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    # Every change sets it: brokers of other processes read what changed since they last looked.
    Column("changed_at", UTCDateTime, nullable=False),
    Index("ix_device_credentials_changed_at", "changed_at"),
)


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
