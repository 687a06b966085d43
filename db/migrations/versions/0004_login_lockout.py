"""login_throttle: wrong passwords per user name and per desk, and the lock-out (issue 15 §6)

Revision ID: login_lockout
Revises: checkin_visits

A new table, nothing else changes. Not in the offline replica's change feed: a desk logs in against
the server, and a desk working from its replica does not count failures (docs/decisions/login-lockout.md).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "login_lockout"
down_revision = "checkin_visits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", db.models.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('anvandare', 'dator')", name=op.f("ck_login_throttle_kind")),
        sa.CheckConstraint("failures >= 0", name=op.f("ck_login_throttle_failures")),
        sa.PrimaryKeyConstraint("kind", "name", name=op.f("pk_login_throttle")),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
