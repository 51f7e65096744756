"""charging_sessions: charging sessions, detection's progress, charge and fuel at trip ends

Sessions derived from the reports, and detection's progress per vehicle; trips keep the
battery's charge and the fuel level at either end (monthly statistics). Alembic logs the
first line when it runs this, so it stays one line.

Revision ID: 0014_charging_sessions
Revises: 0013_freshness
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_charging_sessions"
down_revision: str | None = "0013_freshness"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_TRIP_ENDS = ("soc_from_pct", "soc_to_pct", "fuel_from_pct", "fuel_to_pct")
_PROGRESS_LEVELS = ("soc_pct", "fuel_pct", "trip_start_soc_pct", "trip_start_fuel_pct")


def upgrade() -> None:
    with op.batch_alter_table("trips") as batch:
        for name in _TRIP_ENDS:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))
    with op.batch_alter_table("trip_progress") as batch:
        for name in _PROGRESS_LEVELS:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))
    op.create_table(
        "charging_sessions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("soc_from_pct", sa.Float(), nullable=True),
        sa.Column("soc_to_pct", sa.Float(), nullable=True),
        sa.Column("energy_added_kwh", sa.Float(), nullable=False),
        sa.Column("peak_power_kw", sa.Float(), nullable=False),
        sa.Column("mean_power_kw", sa.Float(), nullable=False),
        sa.Column("current", sa.String(2), nullable=False),
        sa.Column("curve", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_charging_sessions_vehicle_id_vehicles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_sessions")),
    )
    op.create_index(
        "ix_charging_sessions_vehicle_id_started_at",
        "charging_sessions",
        ["vehicle_id", "started_at"],
    )
    op.create_table(
        "charge_progress",
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("soc_pct", sa.Float(), nullable=True),
        sa.Column("power_kw", sa.Float(), nullable=True),
        sa.Column("plugged_in", sa.Boolean(), nullable=True),
        sa.Column("charging", sa.Boolean(), nullable=True),
        sa.Column("session_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("session_latitude", sa.Float(), nullable=True),
        sa.Column("session_longitude", sa.Float(), nullable=True),
        sa.Column("session_soc_from_pct", sa.Float(), nullable=True),
        sa.Column("session_soc_to_pct", sa.Float(), nullable=True),
        sa.Column("session_energy_kwh", sa.Float(), nullable=False),
        sa.Column("session_peak_power_kw", sa.Float(), nullable=True),
        sa.Column("session_last_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("session_curve", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_charge_progress_vehicle_id_vehicles"),
        ),
        sa.PrimaryKeyConstraint("vehicle_id", name=op.f("pk_charge_progress")),
    )


def downgrade() -> None:
    op.drop_table("charge_progress")
    op.drop_index("ix_charging_sessions_vehicle_id_started_at", table_name="charging_sessions")
    op.drop_table("charging_sessions")
    with op.batch_alter_table("trip_progress") as batch:
        for name in _PROGRESS_LEVELS:
            batch.drop_column(name)
    with op.batch_alter_table("trips") as batch:
        for name in _TRIP_ENDS:
            batch.drop_column(name)
