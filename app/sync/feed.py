"""Reading the server's change feed (migration `offline_feed`, docs/decisions/offline.md).

The server appends one entry per changed row to `reception_sync.changes`: (version, xid, table,
primary key). A desk keeps a *watermark*: a transaction id W such that every transaction with an id
below W has been applied. A pull runs in one REPEATABLE READ snapshot and

* reads `xmin = pg_snapshot_xmin(pg_current_snapshot())`: every transaction below xmin has ended;
  none with a smaller id can still commit;
* reads every visible entry with xid >= W in (xid, version) order, fetches the rows' current state
  in the same snapshot (a key with no row is a delete: the entry is the tombstone);
* afterwards the watermark becomes xmin, never the largest version seen. A transaction that took
  its sequence numbers early but commits late has an xid >= xmin while it runs, so it is read by a
  later pull; "version > max seen" would skip it for good (the classic lost update of such feeds).

Entries of committed transactions at or above xmin are applied too (they are visible), so a long
transaction elsewhere does not delay other desks' changes; they are simply applied again by the next
pull, which is harmless because a desk always writes the row's current state.

Plain SQLAlchemy Core, no Qt; the server is PostgreSQL only.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import Table, select, text, tuple_
from sqlalchemy.engine import Connection

from db.models import Base

CHANNEL = "reception_changes"

# What the desk keeps (table -> primary key columns). The migration creates triggers for exactly
# these; tests/app/sync/test_feed.py checks that the two lists agree and match the models.
REPLICATED: dict[str, tuple[str, ...]] = {
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
PHOTOS = "photos"

# Which column of a replicated row names the person it belongs to (to refresh an open person card).
PERSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "persons": ("id",), "addresses": ("person_id",), "customer_type_proofs": ("person_id",),
    "cards": ("person_id",), "subscriptions": ("user_id", "payer_id"), "online_purchases": ("person_id",),
    "autogiro_mandates": ("person_id",), "invoices": ("person_id",), "value_cards": ("person_id",),
    "photos": ("person_id",), "preorders": ("used_by_person_id",),
}


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def pk_columns(name: str):
    t = table(name)
    return [t.c[c] for c in REPLICATED[name]]


@dataclass(frozen=True)
class Change:
    version: int
    xid: int
    table: str
    key: tuple


@dataclass(frozen=True)
class Snapshot:
    """Where a pull stands: `xmin` is the watermark the pull may move to when it has read all."""

    xmin: int


def begin_snapshot(conn: Connection) -> Snapshot:
    """Call first in a REPEATABLE READ transaction: the snapshot's xmin."""
    return Snapshot(int(conn.execute(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")).scalar()))


def current_horizon(conn: Connection) -> int:
    """Entries of transactions below this id have been pruned from the feed."""
    return int(conn.execute(text("SELECT pruned_below_xid FROM reception_sync.horizon WHERE id = 1")).scalar())


def feed_position(conn: Connection) -> int:
    """A watermark for a desk that copies the tables now: every transaction that may not be in the
    copy has an id at or above it."""
    return begin_snapshot(conn).xmin


def changes_since(conn: Connection, watermark: int, *, batch: int = 5000) -> Iterator[list[Change]]:
    """Visible feed entries with xid >= watermark, in (xid, version) order, in batches."""
    after: tuple[int, int] = (watermark, -1)
    while True:
        rows = conn.execute(text(
            "SELECT version, xid, tbl, pk FROM reception_sync.changes "
            "WHERE (xid, version) > (:x, :v) ORDER BY xid, version LIMIT :n"),
            {"x": after[0], "v": after[1], "n": batch}).all()
        if not rows:
            return
        yield [Change(r.version, r.xid, r.tbl, tuple(r.pk if isinstance(r.pk, list) else json.loads(r.pk)))
               for r in rows if r.tbl in REPLICATED]
        after = (rows[-1].xid, rows[-1].version)
        if len(rows) < batch:
            return


def fetch_rows(conn: Connection, name: str, keys: Iterable[tuple], columns=None) -> list:
    """The current rows of `name` for these primary keys (missing keys: deleted)."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return []
    t = table(name)
    cols = columns if columns is not None else list(t.c)
    pk = pk_columns(name)
    out = []
    for start in range(0, len(keys), 1000):
        chunk = keys[start:start + 1000]
        where = pk[0].in_([k[0] for k in chunk]) if len(pk) == 1 else tuple_(*pk).in_(chunk)
        out += conn.execute(select(*cols).where(where)).all()
    return out


def prune(conn: Connection, keep_below_xid: int) -> int:
    """Drop feed entries of transactions below `keep_below_xid` (run by an administrator or a job,
    e.g. with the xmin of a week ago); desks with an older watermark refill. Returns rows removed."""
    removed = conn.execute(text("DELETE FROM reception_sync.changes WHERE xid < :x"), {"x": keep_below_xid}).rowcount
    conn.execute(text("UPDATE reception_sync.horizon SET pruned_below_xid = greatest(pruned_below_xid, :x)"),
                 {"x": keep_below_xid})
    return removed
