"""trip progress: what trip detection knows of each vehicle between batches

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trip_progress",
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reports_ignition", sa.Boolean(), nullable=False),
        sa.Column("ignition_on", sa.Boolean(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("position_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("anchor_latitude", sa.Float(), nullable=True),
        sa.Column("anchor_longitude", sa.Float(), nullable=True),
        sa.Column("odometer_km", sa.Float(), nullable=True),
        sa.Column("trip_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trip_start_odometer_km", sa.Float(), nullable=True),
        sa.Column("trip_odometer_km", sa.Float(), nullable=True),
        sa.Column("trip_gps_km", sa.Float(), nullable=False),
        sa.Column("trip_max_speed_kmh", sa.Float(), nullable=True),
        sa.Column("trip_derived_max_speed_kmh", sa.Float(), nullable=False),
        sa.Column("trip_stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trip_route", sa.Text(), nullable=False),
        sa.Column("trip_route_points", sa.Integer(), nullable=False),
        sa.Column("trip_route_end_latitude", sa.Float(), nullable=True),
        sa.Column("trip_route_end_longitude", sa.Float(), nullable=True),
        sa.Column("trip_route_end_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_trip_progress_vehicle_id_vehicles"),
        ),
        sa.PrimaryKeyConstraint("vehicle_id", name=op.f("pk_trip_progress")),
    )


def downgrade() -> None:
    op.drop_table("trip_progress")
