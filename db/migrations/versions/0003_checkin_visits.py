"""visits: one row per check-in (issue 13)

Revision ID: checkin_visits
Revises: normalised_keys

A new table, nothing else changes. Not in the offline replica's change feed: a desk checks in
against the server (docs/decisions/checkin.md).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "checkin_visits"
down_revision = "normalised_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("card_number", sa.String(length=40), nullable=True),
        sa.Column("at", db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("local_hour", sa.Integer(), nullable=False),
        sa.Column("desk", sa.String(length=60), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=True),
        sa.Column("reason_text", sa.String(length=400), nullable=True),
        sa.Column("swipes", sa.Integer(), nullable=False),
        sa.Column("let_in_by", sa.Integer(), nullable=True),
        sa.Column("let_in_at", db.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("let_in_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint("verdict IN ('valkommen', 'nekad', 'inslappt')", name=op.f("ck_visits_verdict")),
        sa.CheckConstraint("method IN ('kort', 'manuell')", name=op.f("ck_visits_method")),
        sa.CheckConstraint("local_hour >= 0 AND local_hour <= 23", name=op.f("ck_visits_local_hour")),
        sa.CheckConstraint("swipes >= 1", name=op.f("ck_visits_swipes")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_visits_person_id_persons"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_visits_user_id_users")),
        sa.ForeignKeyConstraint(["let_in_by"], ["users.id"], name=op.f("fk_visits_let_in_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    op.create_index("ix_visits_person_at", "visits", ["person_id", "at"])
    op.create_index("ix_visits_card_at", "visits", ["card_number", "at"])
    op.create_index("ix_visits_day", "visits", ["local_date", "local_hour", "verdict"])


def downgrade() -> None:
    op.drop_table("visits")
