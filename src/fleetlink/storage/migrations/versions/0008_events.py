"""events: the outbox of events for apps, and each vehicle's event counter

Revision ID: 0008_events
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_events"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("vehicles") as batch:
        batch.add_column(sa.Column("event_seq", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "events",
        sa.Column("position", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("vin", sa.String(17), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("dispatched", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_events_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_events")),
        sa.UniqueConstraint("id", name=op.f("uq_events_id")),
    )
    op.create_index("ix_events_dispatched_position", "events", ["dispatched", "position"])
    op.create_index("ix_events_vehicle_id_sequence", "events", ["vehicle_id", "sequence"])
    op.create_index("ix_events_recorded_at", "events", ["recorded_at"])


def downgrade() -> None:
    op.drop_table("events")
    with op.batch_alter_table("vehicles") as batch:
        batch.drop_column("event_seq")
