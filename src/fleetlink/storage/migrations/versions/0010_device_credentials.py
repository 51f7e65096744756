"""device credentials: each vehicle's telematics unit signs in with a secret of its own

Revision ID: 0010_device_credentials
Revises: 0009_owner_since
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_device_credentials"
down_revision: str | None = "0009_owner_since"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device_credentials",
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("pending_hash", sa.String(64), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_device_credentials_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("vehicle_id", name=op.f("pk_device_credentials")),
    )
    op.create_index("ix_device_credentials_changed_at", "device_credentials", ["changed_at"])


def downgrade() -> None:
    op.drop_index("ix_device_credentials_changed_at", table_name="device_credentials")
    op.drop_table("device_credentials")
