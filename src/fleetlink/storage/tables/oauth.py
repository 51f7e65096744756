"""The High Mobility API's OAuth clients, owners' grants, codes and tokens, and fleet clearances."""

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from fleetlink.storage.tables.meta import metadata
from fleetlink.storage.types import UTCDateTime

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
