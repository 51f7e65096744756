"""Charging sessions and what charging detection keeps of each vehicle between batches."""

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, Integer, String, Table

from fleetlink.storage.tables.meta import metadata
from fleetlink.storage.types import UTCDateTime

charging_sessions = Table(
    "charging_sessions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("vehicle_id", Integer, ForeignKey("vehicles.id"), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=False),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("soc_from_pct", Float),
    Column("soc_to_pct", Float),
    Column("energy_added_kwh", Float, nullable=False),
    Column("peak_power_kw", Float, nullable=False),
    Column("mean_power_kw", Float, nullable=False),
    Column("current", String(2), nullable=False),
    # The charge curve: [[µs since 1970, soc % or null, kW or null], …] (at most 500 points).
    Column("curve", JSON, nullable=False),
    # Every lookup is one vehicle's sessions by start time (pages, months, erasure).
    Index("ix_charging_sessions_vehicle_id_started_at", "vehicle_id", "started_at"),
)

charge_progress = Table(
    "charge_progress",
    metadata,
    # See domain.chargedetect: the signals detection holds, and the session under way.
    Column("vehicle_id", Integer, ForeignKey("vehicles.id"), primary_key=True),
    Column("seen_at", UTCDateTime, nullable=False),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("soc_pct", Float),
    Column("power_kw", Float),
    Column("plugged_in", Boolean),
    Column("charging", Boolean),
    # The session under way, if any (session_started_at is null when there is none).
    Column("session_started_at", UTCDateTime),
    Column("session_latitude", Float),
    Column("session_longitude", Float),
    Column("session_soc_from_pct", Float),
    Column("session_soc_to_pct", Float),
    Column("session_energy_kwh", Float, nullable=False),
    Column("session_peak_power_kw", Float),
    Column("session_last_at", UTCDateTime),
    Column("session_curve", JSON, nullable=False),
)
