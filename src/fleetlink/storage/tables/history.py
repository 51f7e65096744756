"""What vehicles did and sent: commands, trips, notifications, service visits, raw messages."""

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
    String,
    Table,
    Text,
)

from fleetlink.storage.tables.meta import metadata
from fleetlink.storage.types import UTCDateTime

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
    # Battery charge and fuel level at either end (what the trip used).
    Column("soc_from_pct", Float),
    Column("soc_to_pct", Float),
    Column("fuel_from_pct", Float),
    Column("fuel_to_pct", Float),
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
    Column("soc_pct", Float),
    Column("fuel_pct", Float),
    Column("trip_start_soc_pct", Float),
    Column("trip_start_fuel_pct", Float),
)
