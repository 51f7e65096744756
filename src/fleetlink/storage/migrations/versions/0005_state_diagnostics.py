"""vehicle state: speed, engine speed, oil temperature and charge limit

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("speed_kmh", "engine_rpm", "oil_temperature_c", "charge_limit_pct")


def upgrade() -> None:
    with op.batch_alter_table("vehicle_state") as batch:
        for name in _COLUMNS:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("vehicle_state") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
