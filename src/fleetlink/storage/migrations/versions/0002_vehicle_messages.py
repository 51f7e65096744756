"""vehicle messages: raw samples, kept for a retention, keyed for idempotent ingestion

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vehicle_messages",
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_vehicle_messages_vehicle_id_vehicles"),
        ),
        sa.PrimaryKeyConstraint("vehicle_id", "message_id", name=op.f("pk_vehicle_messages")),
    )
    with op.batch_alter_table("vehicle_messages", schema=None) as batch_op:
        batch_op.create_index("ix_vehicle_messages_received_at", ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("vehicle_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_vehicle_messages_received_at")
    op.drop_table("vehicle_messages")
