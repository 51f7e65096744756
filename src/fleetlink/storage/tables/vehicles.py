"""Vehicles: identity, owners over time, the latest state, and their units' credentials."""

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, Integer, String, Table

from fleetlink.storage.tables.meta import metadata
from fleetlink.storage.types import UTCDateTime

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
    # The vehicle's own time of each group's newest value (domain.state.SignalTimes); null:
    # the vehicle never reported that group. reported_at is the newest of them all.
    Column("ignition_at", UTCDateTime),
    Column("doors_at", UTCDateTime),
    Column("locks_at", UTCDateTime),
    Column("windows_at", UTCDateTime),
    Column("motion_at", UTCDateTime),
    Column("battery_at", UTCDateTime),
    Column("charging_at", UTCDateTime),
    Column("fuel_at", UTCDateTime),
    Column("climate_at", UTCDateTime),
    Column("health_at", UTCDateTime),
)

# The columns of each group, set together by a sample newer than the group's time column
# (position_at for the position). Every column of vehicle_state but its key and reported_at is
# in exactly one group (a test checks).
STATE_GROUPS: dict[str, tuple[str, ...]] = {
    "ignition_at": ("ignition_on",),
    "doors_at": (
        "door_front_left_open",
        "door_front_right_open",
        "door_rear_left_open",
        "door_rear_right_open",
        "trunk_open",
    ),
    "locks_at": ("doors_locked",),
    "windows_at": (
        "window_front_left",
        "window_front_right",
        "window_rear_left",
        "window_rear_right",
    ),
    "position_at": ("latitude", "longitude"),
    "motion_at": ("is_parked", "odometer_km", "speed_kmh", "engine_rpm"),
    "battery_at": ("battery_soc_pct", "battery_range_km"),
    "charging_at": ("charging_status", "plugged_in", "charge_complete_at", "charge_limit_pct"),
    "fuel_at": ("fuel_level_pct", "fuel_range_km"),
    "climate_at": ("climate_running", "cabin_temperature_c"),
    "health_at": ("oil_level", "warning_lights", "maintenance_due", "oil_temperature_c"),
}

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
