"""Who signs in: owners, operators, their password links, and the signing keys."""

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, Text

from fleetlink.storage.tables.meta import metadata
from fleetlink.storage.types import UTCDateTime

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
