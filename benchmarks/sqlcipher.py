"""What SQLCipher would cost the embedded desk, against plain SQLite (docs/decisions/security.md, "Data på datorn").

    pip install sqlcipher3   # not a dependency of Reception: only this measurement needs it
    python benchmarks/sqlcipher.py [--rows 200000] [--samples 500]

Same schema, same data, same pragmas as the desk (WAL, synchronous=FULL) in a temporary folder:
opening a connection (SQLCipher derives the page key; with a raw 256-bit key from a keyring the
KDF is skipped, with a passphrase it runs PBKDF2 with 256,000 iterations), a card swipe's lookup
by an indexed key, a search's prefix scan on names, a one-row INSERT + COMMIT, and the file size.
Prints median and p95 in milliseconds per variant.
"""
from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

RAW_KEY = "x'" + os.urandom(32).hex() + "'"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def connect(module, path: Path, key: str | None):
    conn = module.connect(str(path), isolation_level=None)
    if key:
        conn.execute(f'PRAGMA key = "{key}"')
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def fill(conn, rows: int) -> None:
    conn.execute("CREATE TABLE persons (id INTEGER PRIMARY KEY, pnr TEXT UNIQUE, card TEXT, first TEXT, last TEXT,"
                 " email TEXT, street TEXT)")
    conn.execute("CREATE INDEX ix_card ON persons (card)")
    conn.execute("CREATE INDEX ix_last ON persons (last, first)")
    rnd = random.Random(1)
    names = ["Andersson", "Berg", "Öberg", "Lind", "Nilsson", "Karlsson", "Svensson", "Ek", "Holm", "Sjöberg"]
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO persons VALUES (?, ?, ?, ?, ?, ?, ?)", (
        (i, f"19{i:010d}", f"{i:010d}", f"Förnamn{i % 997}", f"{rnd.choice(names)}{i % 5003}", f"p{i}@exempel.se",
         f"Gatan {i % 200}") for i in range(1, rows + 1)))
    conn.execute("COMMIT")


def timed(fn, samples: int) -> list[float]:
    out = []
    for i in range(samples):
        start = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - start) * 1000)
    return out


def measure(name: str, module, key: str | None, folder: Path, rows: int, samples: int) -> dict:
    path = folder / f"{name}.db"
    conn = connect(module, path, key)
    fill(conn, rows)
    conn.close()
    opens = timed(lambda i: connect(module, path, key).execute("SELECT count(*) FROM sqlite_master").fetchone(),
                  max(5, samples // 20))
    conn = connect(module, path, key)
    rnd = random.Random(2)
    swipe = timed(lambda i: conn.execute("SELECT * FROM persons WHERE card = ?",
                                         (f"{rnd.randint(1, rows):010d}",)).fetchone(), samples)
    search = timed(lambda i: conn.execute("SELECT id, first, last FROM persons WHERE last >= ? AND last < ? "
                                          "ORDER BY last, first LIMIT 50", ("Berg", "Berh")).fetchall(), samples)
    insert = timed(lambda i: conn.execute("INSERT INTO persons (pnr, card, first, last) VALUES (?, ?, 'Ny', 'Person')",
                                          (f"20{i:010d}", f"N{i:09d}")), samples)
    conn.close()
    return {"variant": name, "open": opens, "swipe": swipe, "search": search, "insert": insert,
            "mb": path.stat().st_size / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=500)
    args = parser.parse_args()
    try:
        import sqlcipher3
    except ImportError:
        raise SystemExit("sqlcipher3 is not installed: pip install sqlcipher3 (only this benchmark needs it)")
    version = sqlcipher3.connect(":memory:").execute("PRAGMA cipher_version").fetchone()[0]
    print(f"SQLite {sqlite3.sqlite_version}, SQLCipher {version}; {args.rows} rows, {args.samples} samples")
    with tempfile.TemporaryDirectory(prefix="reception-sqlcipher-") as tmp:
        results = [measure("sqlite", sqlite3, None, Path(tmp), args.rows, args.samples),
                   measure("sqlcipher-raw-key", sqlcipher3, RAW_KEY, Path(tmp), args.rows, args.samples),
                   measure("sqlcipher-passphrase", sqlcipher3, "lösenfras från nyckelringen", Path(tmp), args.rows,
                           args.samples)]
    print(f"{'variant':24} {'open':>14} {'swipe':>14} {'search':>14} {'insert+commit':>14} {'file MB':>8}")
    for r in results:
        cells = " ".join(f"{statistics.median(r[k]):6.2f}/{p95(r[k]):6.2f}" for k in ("open", "swipe", "search", "insert"))
        print(f"{r['variant']:24} {cells} {r['mb']:8.1f}")
    print("(median/p95 ms)")


if __name__ == "__main__":
    main()
