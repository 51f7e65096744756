"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 23:05:48.806625
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_accounts_email")),
        sa.UniqueConstraint("guid", name=op.f("uq_accounts_guid")),
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint("generation", name=op.f("uq_signing_keys_generation")),
    )
    op.create_table(
        "vehicles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("make", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("powertrain", sa.String(length=8), nullable=False),
        sa.Column("color", sa.String(length=64), nullable=True),
        sa.Column("trim", sa.String(length=64), nullable=True),
        sa.Column("alias", sa.String(length=64), nullable=True),
        sa.Column("connection", sa.String(length=8), nullable=False),
        sa.Column("last_connected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("climate_target_c", sa.Float(), nullable=False),
        sa.Column("climate_fan_speed", sa.Integer(), nullable=False),
        sa.Column("climate_mode", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["accounts.id"], name=op.f("fk_vehicles_owner_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
        sa.UniqueConstraint("vin", name=op.f("uq_vehicles_vin")),
    )
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vehicles_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "commands",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("return_code", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_commands_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commands")),
    )
    with op.batch_alter_table("commands", schema=None) as batch_op:
        batch_op.create_index(
            "ix_commands_status_expires_at", ["status", "expires_at"], unique=False
        )
        batch_op.create_index(
            "ix_commands_vehicle_id_created_at", ["vehicle_id", "created_at"], unique=False
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("is_read", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_notifications_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_vehicle_id_created_at", ["vehicle_id", "created_at"], unique=False
        )

    op.create_table(
        "service_records",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("odometer_km", sa.Float(), nullable=True),
        sa.Column("dealer_code", sa.String(length=32), nullable=True),
        sa.Column("dealer_name", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_service_records_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_records")),
    )
    with op.batch_alter_table("service_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_records_vehicle_id_service_date",
            ["vehicle_id", "service_date"],
            unique=False,
        )

    op.create_table(
        "trips",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("start_latitude", sa.Float(), nullable=False),
        sa.Column("start_longitude", sa.Float(), nullable=False),
        sa.Column("end_latitude", sa.Float(), nullable=False),
        sa.Column("end_longitude", sa.Float(), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.Column("max_speed_kmh", sa.Float(), nullable=False),
        sa.Column("start_address", sa.String(length=255), nullable=True),
        sa.Column("end_address", sa.String(length=255), nullable=True),
        sa.Column("route", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_trips_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trips")),
    )
    with op.batch_alter_table("trips", schema=None) as batch_op:
        batch_op.create_index(
            "ix_trips_vehicle_id_start_at", ["vehicle_id", "start_at"], unique=False
        )

    op.create_table(
        "vehicle_state",
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ignition_on", sa.Boolean(), nullable=False),
        sa.Column("doors_locked", sa.Boolean(), nullable=False),
        sa.Column("door_front_left_open", sa.Boolean(), nullable=False),
        sa.Column("door_front_right_open", sa.Boolean(), nullable=False),
        sa.Column("door_rear_left_open", sa.Boolean(), nullable=False),
        sa.Column("door_rear_right_open", sa.Boolean(), nullable=False),
        sa.Column("trunk_open", sa.Boolean(), nullable=False),
        sa.Column("window_front_left", sa.String(length=8), nullable=False),
        sa.Column("window_front_right", sa.String(length=8), nullable=False),
        sa.Column("window_rear_left", sa.String(length=8), nullable=False),
        sa.Column("window_rear_right", sa.String(length=8), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("position_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_parked", sa.Boolean(), nullable=False),
        sa.Column("odometer_km", sa.Float(), nullable=True),
        sa.Column("battery_soc_pct", sa.Float(), nullable=True),
        sa.Column("battery_range_km", sa.Float(), nullable=True),
        sa.Column("fuel_level_pct", sa.Float(), nullable=True),
        sa.Column("fuel_range_km", sa.Float(), nullable=True),
        sa.Column("charging_status", sa.String(length=16), nullable=True),
        sa.Column("plugged_in", sa.Boolean(), nullable=True),
        sa.Column("charge_complete_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("climate_running", sa.Boolean(), nullable=False),
        sa.Column("cabin_temperature_c", sa.Float(), nullable=True),
        sa.Column("oil_level", sa.String(length=16), nullable=True),
        sa.Column("warning_lights", sa.JSON(), nullable=False),
        sa.Column("maintenance_due", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_vehicle_state_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("vehicle_id", name=op.f("pk_vehicle_state")),
    )


def downgrade() -> None:
    op.drop_table("vehicle_state")
    with op.batch_alter_table("trips", schema=None) as batch_op:
        batch_op.drop_index("ix_trips_vehicle_id_start_at")

    op.drop_table("trips")
    with op.batch_alter_table("service_records", schema=None) as batch_op:
        batch_op.drop_index("ix_service_records_vehicle_id_service_date")

    op.drop_table("service_records")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_vehicle_id_created_at")

    op.drop_table("notifications")
    with op.batch_alter_table("commands", schema=None) as batch_op:
        batch_op.drop_index("ix_commands_vehicle_id_created_at")
        batch_op.drop_index("ix_commands_status_expires_at")

    op.drop_table("commands")
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicles_owner_id"))

    op.drop_table("vehicles")
    op.drop_table("signing_keys")
    op.drop_table("accounts")
