"""owner_since: since when a vehicle's owner has had it, so a transfer hides what came before

Revision ID: 0009_owner_since
Revises: 0008_operators
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_owner_since"
down_revision: str | None = "0008_operators"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Null for every vehicle there is: its owner has had it since it was registered.
    with op.batch_alter_table("vehicles") as batch:
        batch.add_column(sa.Column("owner_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("vehicles") as batch:
        batch.drop_column("owner_since")
