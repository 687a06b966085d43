"""desk registry and the lowest client version the database accepts

Revision ID: desk_registry
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "desk_registry"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "database_info",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("min_client_version", sa.String(length=20), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_database_info_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_database_info")),
    )
    # The first version that knows this table; a later revision raises it when old clients must stop.
    op.execute("INSERT INTO database_info (id, min_client_version) VALUES (1, '0.1.0')")
    op.create_table(
        "desks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("machine", sa.String(length=100), nullable=False),
        sa.Column("desk_name", sa.String(length=60), nullable=False),
        sa.Column("client_version", sa.String(length=20), nullable=False),
        sa.Column("os", sa.String(length=100), nullable=False),
        sa.Column("first_seen_at", db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_user", sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desks")),
        sa.UniqueConstraint("machine", "desk_name", name="machine_desk"),
    )


def downgrade() -> None:
    op.drop_table("desks")
    op.drop_table("database_info")
