"""operators: operator accounts, owners disabled or given a password link, ownership history

Vehicles may be registered without an owner yet, with a licence plate; every change of a
vehicle's owner is kept with its time.

Revision ID: 0008_operators
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_operators"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("vehicles") as batch:
        batch.alter_column("owner_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("license_plate", sa.String(32), nullable=True))
        batch.add_column(sa.Column("brand", sa.String(64), nullable=True))
        batch.create_index("ix_vehicles_powertrain_vin", ["powertrain", "vin"])
        batch.create_index("ix_vehicles_connection_vin", ["connection", "vin"])
        batch.create_index("ix_vehicles_last_connected_at", ["last_connected_at"])
    # brand_slug of the make; the demo fleet's makes (Toyota, Lexus) are single words.
    op.execute("UPDATE vehicles SET brand = lower(replace(make, ' ', '-'))")
    with op.batch_alter_table("vehicles") as batch:
        batch.alter_column("brand", existing_type=sa.String(64), nullable=False)
        batch.create_index("ix_vehicles_brand_vin", ["brand", "vin"])
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("guid", sa.String(36), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
        sa.UniqueConstraint("guid", name=op.f("uq_operators_guid")),
        sa.UniqueConstraint("email", name=op.f("uq_operators_email")),
    )
    op.create_table(
        "password_links",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_password_links_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_password_links")),
    )
    op.create_index("ix_password_links_account_id", "password_links", ["account_id"])
    op.create_index("ix_password_links_expires_at", "password_links", ["expires_at"])
    op.create_table(
        "vehicle_owners",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("from_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("to_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_vehicle_owners_vehicle_id_vehicles")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_vehicle_owners_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicle_owners")),
    )
    op.create_index("ix_vehicle_owners_account_id", "vehicle_owners", ["account_id"])
    op.create_index(
        "ix_vehicle_owners_vehicle_id_from_at", "vehicle_owners", ["vehicle_id", "from_at"]
    )
    # Every vehicle registered so far has belonged to its owner since it was registered.
    op.execute(
        "INSERT INTO vehicle_owners (vehicle_id, account_id, from_at) "
        "SELECT id, owner_id, created_at FROM vehicles WHERE owner_id IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_vehicle_owners_vehicle_id_from_at", table_name="vehicle_owners")
    op.drop_index("ix_vehicle_owners_account_id", table_name="vehicle_owners")
    op.drop_table("vehicle_owners")
    op.drop_index("ix_password_links_expires_at", table_name="password_links")
    op.drop_index("ix_password_links_account_id", table_name="password_links")
    op.drop_table("password_links")
    op.drop_table("operators")
    # The older schema has no vehicle without an owner: assign or deregister those first.
    with op.batch_alter_table("vehicles") as batch:
        batch.drop_index("ix_vehicles_brand_vin")
        batch.drop_column("brand")
        batch.drop_index("ix_vehicles_last_connected_at")
        batch.drop_index("ix_vehicles_connection_vin")
        batch.drop_index("ix_vehicles_powertrain_vin")
        batch.drop_column("license_plate")
        batch.alter_column("owner_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("disabled_at")
