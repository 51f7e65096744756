"""freshness: the vehicle's own time of each group of signals of the latest state

Revision ID: 0013_freshness
Revises: 0012_webhook_format

The one time each state had, reported_at, becomes the time of every group: it is when the
vehicle last reported, and no older time of any value is known.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_freshness"
down_revision: str | None = "0012_webhook_format"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUPS = (
    "ignition",
    "doors",
    "locks",
    "windows",
    "motion",
    "battery",
    "charging",
    "fuel",
    "climate",
    "health",
)


def upgrade() -> None:
    with op.batch_alter_table("vehicle_state") as batch:
        for group in GROUPS:
            batch.add_column(sa.Column(f"{group}_at", sa.DateTime(timezone=True)))
    op.execute(
        "UPDATE vehicle_state SET " + ", ".join(f"{group}_at = reported_at" for group in GROUPS)
    )


def downgrade() -> None:
    with op.batch_alter_table("vehicle_state") as batch:
        for group in GROUPS:
            batch.drop_column(f"{group}_at")
