"""Change feed for the desks' offline replicas (PostgreSQL only; nothing on SQLite).

Every replicated table gets an AFTER INSERT/UPDATE/DELETE row trigger that appends (version, xid,
table, primary key, op) to `reception_sync.changes`, with `version` from ONE sequence and `xid` the
writing transaction (`pg_current_xact_id()`), plus a statement trigger that sends
`NOTIFY reception_changes` (delivered at commit). A delete is a change like any other: the desk sees
the key in the feed and no row on the server, and deletes its copy (the tombstone is the feed entry).
The feed lives in its own schema so the app's models (schema `public`) stay exactly the migrated
tables. See docs/decisions/offline.md for why desks advance by transaction id, not by version.

Revision ID: offline_feed
Revises: desk_registry
"""
from __future__ import annotations

from alembic import op

revision = "offline_feed"
down_revision = "desk_registry"
branch_labels = None
depends_on = None

# Table -> primary-key columns. Keep in step with app.sync.feed.REPLICATED (a test checks it).
REPLICATED = {
    "rights": ("code",),
    "roles": ("id",),
    "role_rights": ("role_id", "right_code"),
    "users": ("id",),
    "settings": ("key",),
    "deviation_types": ("code",),
    "deviation_reasons": ("id",),
    "price_lists": ("id",),
    "products": ("id",),
    "price_list_items": ("price_list_id", "product_id"),
    "addon_rules": ("main_product_id", "addon_product_id", "routine"),
    "organisations": ("id",),
    "persons": ("id",),
    "addresses": ("id",),
    "customer_type_proofs": ("id",),
    "cards": ("id",),
    "subscriptions": ("id",),
    "freezes": ("id",),
    "preorders": ("id",),
    "online_purchases": ("id",),
    "autogiro_mandates": ("id",),
    "invoices": ("id",),
    "value_cards": ("id",),
    "photos": ("id",),
}


def _key(record: str, columns: tuple[str, ...]) -> str:
    return "jsonb_build_array(" + ", ".join(f"{record}.{c}" for c in columns) + ")"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SCHEMA IF NOT EXISTS reception_sync")
    op.execute("CREATE SEQUENCE reception_sync.version_seq AS bigint")
    op.execute("""
        CREATE TABLE reception_sync.changes (
            version bigint PRIMARY KEY DEFAULT nextval('reception_sync.version_seq'),
            xid bigint NOT NULL,
            tbl text NOT NULL,
            pk jsonb NOT NULL,
            op char(1) NOT NULL CHECK (op IN ('I', 'U', 'D')),
            changed_at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute("CREATE INDEX ix_changes_xid_version ON reception_sync.changes (xid, version)")
    # Entries older than the horizon have been pruned; a desk whose watermark is below it refills.
    op.execute("CREATE TABLE reception_sync.horizon (id int PRIMARY KEY CHECK (id = 1), pruned_below_xid bigint NOT NULL)")
    op.execute("INSERT INTO reception_sync.horizon VALUES (1, 0)")
    op.execute("""
        CREATE FUNCTION reception_sync.notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('reception_changes', TG_TABLE_NAME);
            RETURN NULL;
        END $$""")
    for table, columns in REPLICATED.items():
        xid = "pg_current_xact_id()::text::bigint"
        op.execute(f"""
            CREATE FUNCTION reception_sync.log_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    INSERT INTO reception_sync.changes (xid, tbl, pk, op) VALUES ({xid}, '{table}', {_key('OLD', columns)}, 'D');
                    RETURN OLD;
                END IF;
                IF TG_OP = 'UPDATE' AND {_key('OLD', columns)} <> {_key('NEW', columns)} THEN
                    INSERT INTO reception_sync.changes (xid, tbl, pk, op) VALUES ({xid}, '{table}', {_key('OLD', columns)}, 'D');
                END IF;
                INSERT INTO reception_sync.changes (xid, tbl, pk, op)
                    VALUES ({xid}, '{table}', {_key('NEW', columns)}, substr(TG_OP, 1, 1));
                RETURN NEW;
            END $$""")
        op.execute(f"CREATE TRIGGER reception_sync_log AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION reception_sync.log_{table}()")
        op.execute(f"CREATE TRIGGER reception_sync_notify AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION reception_sync.notify()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in REPLICATED:
        op.execute(f"DROP TRIGGER IF EXISTS reception_sync_log ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS reception_sync_notify ON {table}")
    op.execute("DROP SCHEMA reception_sync CASCADE")
