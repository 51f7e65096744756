"""oauth codes and refresh tokens: indexes on expiry, for the retention sweep

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("oauth_codes", "oauth_refresh_tokens")


def upgrade() -> None:
    for table in _TABLES:
        op.create_index(f"ix_{table}_expires_at", table, ["expires_at"])


def downgrade() -> None:
    for table in reversed(_TABLES):
        op.drop_index(f"ix_{table}_expires_at", table_name=table)
