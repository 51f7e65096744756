"""oauth clients, grants, codes and refresh tokens; fleet vehicles and their clearance

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "oauth_clients",
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("secret_hash", sa.String(128), nullable=False),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("revoked_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("client_id", name="pk_oauth_clients"),
    )
    op.create_table(
        "oauth_grants",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(255), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("revoked_at", _TIME, nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_clients.client_id"],
            name="fk_oauth_grants_client_id_oauth_clients",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_oauth_grants_account_id_accounts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_oauth_grants"),
    )
    op.create_index("ix_oauth_grants_account_id", "oauth_grants", ["account_id"])
    op.create_index(
        "ix_oauth_grants_client_id_account_id", "oauth_grants", ["client_id", "account_id"]
    )
    op.create_table(
        "oauth_grant_vehicles",
        sa.Column("grant_id", sa.String(36), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["oauth_grants.id"], name="fk_oauth_grant_vehicles_grant_id_oauth_grants"
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name="fk_oauth_grant_vehicles_vehicle_id_vehicles"
        ),
        sa.PrimaryKeyConstraint("grant_id", "vehicle_id", name="pk_oauth_grant_vehicles"),
    )
    op.create_index("ix_oauth_grant_vehicles_vehicle_id", "oauth_grant_vehicles", ["vehicle_id"])
    op.create_table(
        "oauth_codes",
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("grant_id", sa.String(36), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("code_challenge", sa.String(128), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.Column("used_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["oauth_grants.id"], name="fk_oauth_codes_grant_id_oauth_grants"
        ),
        sa.PrimaryKeyConstraint("code_hash", name="pk_oauth_codes"),
    )
    op.create_index("ix_oauth_codes_grant_id", "oauth_codes", ["grant_id"])
    op.create_table(
        "oauth_refresh_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("grant_id", sa.String(36), nullable=False),
        sa.Column("issued_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.Column("used_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["oauth_grants.id"], name="fk_oauth_refresh_tokens_grant_id_oauth_grants"
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_oauth_refresh_tokens"),
    )
    op.create_index("ix_oauth_refresh_tokens_grant_id", "oauth_refresh_tokens", ["grant_id"])
    op.create_table(
        "fleet_vehicles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("vin", sa.String(17), nullable=False),
        sa.Column("brand", sa.String(64), nullable=False),
        sa.Column("license_plate", sa.String(32), nullable=True),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("settle_at", _TIME, nullable=True),
        sa.Column("removed_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_clients.client_id"],
            name="fk_fleet_vehicles_client_id_oauth_clients",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name="fk_fleet_vehicles_vehicle_id_vehicles"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_fleet_vehicles"),
        sa.UniqueConstraint("client_id", "vin", name="uq_fleet_vehicles_client_id_vin"),
    )
    op.create_index("ix_fleet_vehicles_vehicle_id", "fleet_vehicles", ["vehicle_id"])
    op.create_index("ix_fleet_vehicles_status_settle_at", "fleet_vehicles", ["status", "settle_at"])
    op.create_index(
        "ix_fleet_vehicles_client_id_status_settle_at",
        "fleet_vehicles",
        ["client_id", "status", "settle_at"],
    )
    op.create_table(
        "fleet_vehicle_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("fleet_vehicle_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["fleet_vehicle_id"],
            ["fleet_vehicles.id"],
            name="fk_fleet_vehicle_events_fleet_vehicle_id_fleet_vehicles",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_fleet_vehicle_events"),
    )
    op.create_index(
        "ix_fleet_vehicle_events_fleet_vehicle_id_at",
        "fleet_vehicle_events",
        ["fleet_vehicle_id", "at"],
    )


def downgrade() -> None:
    for table in (
        "fleet_vehicle_events",
        "fleet_vehicles",
        "oauth_refresh_tokens",
        "oauth_codes",
        "oauth_grant_vehicles",
        "oauth_grants",
        "oauth_clients",
    ):
        op.drop_table(table)
