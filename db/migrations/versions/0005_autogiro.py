"""autogiro: files exchanged with Bankgirot, mandate history, debits (issue 17)

Revision ID: autogiro
Revises: login_lockout

New tables autogiro_files, autogiro_mandate_events and autogiro_debits; four nullable columns on
autogiro_mandates (payer_number, sent_at, approved_at, bgc_closed_at). Existing rows keep working:
a mandate without payer_number has not been sent to Bankgirot by Reception.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "autogiro"
down_revision = "login_lockout"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("autogiro_mandates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payer_number", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("sent_at", db.models.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("approved_at", db.models.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("bgc_closed_at", db.models.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_autogiro_mandates_payer_number"), ["payer_number"], unique=False)

    op.create_table(
        "autogiro_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("total_ore", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("direction IN ('ut', 'in')", name=op.f("ck_autogiro_files_direction")),
        sa.CheckConstraint("kind IN ('medgivanden', 'betalningar', 'makuleringar', 'medgivandeavisering', "
                           "'betalningsspecifikation', 'avvisade')", name=op.f("ck_autogiro_files_kind")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_autogiro_files_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_autogiro_files")),
        sa.UniqueConstraint("direction", "sha256", name="direction_sha256"),
    )
    op.create_table(
        "autogiro_mandate_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mandate_id", sa.Integer(), nullable=False),
        sa.Column("at", db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=2), nullable=True),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("event IN ('skickad', 'godkand', 'avvisad', 'makulerad', 'makulering_skickad', "
                           "'nytt_betalarnummer')", name=op.f("ck_autogiro_mandate_events_event")),
        sa.ForeignKeyConstraint(["mandate_id"], ["autogiro_mandates.id"],
                                name=op.f("fk_autogiro_mandate_events_mandate_id_autogiro_mandates"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["file_id"], ["autogiro_files.id"],
                                name=op.f("fk_autogiro_mandate_events_file_id_autogiro_files")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_autogiro_mandate_events")),
    )
    op.create_index(op.f("ix_autogiro_mandate_events_mandate_id"), "autogiro_mandate_events", ["mandate_id"])
    op.create_table(
        "autogiro_debits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("payer_id", sa.Integer(), nullable=False),
        sa.Column("mandate_id", sa.Integer(), nullable=True),
        sa.Column("payer_number", sa.String(length=16), nullable=False),
        sa.Column("debit_date", sa.Date(), nullable=False),
        sa.Column("amount_ore", sa.Integer(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("result_code", sa.String(length=2), nullable=True),
        sa.Column("result_text", sa.String(length=300), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("result_file_id", sa.Integer(), nullable=True),
        sa.Column("cancel_file_id", sa.Integer(), nullable=True),
        sa.Column("created_at", db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.models.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('skickad', 'betald', 'misslyckad', 'avvisad', 'makulerad')",
                           name=op.f("ck_autogiro_debits_status")),
        sa.CheckConstraint("amount_ore > 0", name=op.f("ck_autogiro_debits_amount")),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscriptions.id"],
                                name=op.f("fk_autogiro_debits_subscription_id_subscriptions")),
        sa.ForeignKeyConstraint(["payer_id"], ["persons.id"], name=op.f("fk_autogiro_debits_payer_id_persons"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mandate_id"], ["autogiro_mandates.id"],
                                name=op.f("fk_autogiro_debits_mandate_id_autogiro_mandates"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_autogiro_debits_invoice_id_invoices")),
        sa.ForeignKeyConstraint(["file_id"], ["autogiro_files.id"],
                                name=op.f("fk_autogiro_debits_file_id_autogiro_files")),
        sa.ForeignKeyConstraint(["result_file_id"], ["autogiro_files.id"],
                                name=op.f("fk_autogiro_debits_result_file_id_autogiro_files")),
        sa.ForeignKeyConstraint(["cancel_file_id"], ["autogiro_files.id"],
                                name=op.f("fk_autogiro_debits_cancel_file_id_autogiro_files")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_autogiro_debits")),
        sa.UniqueConstraint("subscription_id", "debit_date", name="subscription_date"),
    )
    op.create_index(op.f("ix_autogiro_debits_payer_id"), "autogiro_debits", ["payer_id"])
    op.create_index(op.f("ix_autogiro_debits_invoice_id"), "autogiro_debits", ["invoice_id"])
    op.create_index("ix_autogiro_debits_status_date", "autogiro_debits", ["status", "debit_date"])


def downgrade() -> None:
    op.drop_table("autogiro_debits")
    op.drop_table("autogiro_mandate_events")
    op.drop_table("autogiro_files")
    with op.batch_alter_table("autogiro_mandates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_autogiro_mandates_payer_number"))
        batch_op.drop_column("bgc_closed_at")
        batch_op.drop_column("approved_at")
        batch_op.drop_column("sent_at")
        batch_op.drop_column("payer_number")
