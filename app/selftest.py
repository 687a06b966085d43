"""`reception --self-test`: prove that this installation can start, without touching any real data.

Run by the packaging test on the built one-folder program, and by a club's IT person after an install.
It checks what a missing hidden import or data file would break on a desk: the time-zone database, a
fresh embedded database with every migration, the postal-code lists, the keyring backend, the serial
and camera modules, and Qt itself (offscreen, with its Swedish translation). Each check prints one line;
the exit code is 0 only when every check passed. The device and Qt checks live in their own layers
(devices/selftest.py, widgets/selftest.py); reception/launcher.py hands them to `run`.
"""
from __future__ import annotations

import importlib
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from app.version import VERSION


def _timezone() -> str:
    from app.clock import STOCKHOLM, Clock

    return f"Europe/Stockholm, idag {Clock().now().astimezone(STOCKHOLM):%Y-%m-%d %H:%M}"


def _database(folder: Path) -> str:
    from sqlalchemy import text

    from db.migrate import open_database

    engine = open_database(f"sqlite+pysqlite:///{folder / 'selftest.db'}")
    try:
        with engine.connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            tables = len(engine.dialect.get_table_names(conn))
    finally:
        engine.dispose()
    return f"ny inbäddad databas, schema {revision}, {tables} tabeller"


def _postal_codes() -> str:
    from app.postal import PostalCodes

    codes = PostalCodes.load()
    counts = codes.counts()
    town = codes.town("11120", "SE")
    if not town or min(counts.values(), default=0) == 0:
        raise RuntimeError(f"postnummerlistorna är tomma eller saknas: {counts}")
    return f"{sum(counts.values())} postnummer ({', '.join(sorted(counts))}); 111 20 = {town}"


def _keyring() -> str:
    import keyring

    if sys.platform == "win32":  # the backend a Windows desk uses (Credential Manager), bundled or not
        importlib.import_module("keyring.backends.Windows")
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if name.startswith("keyring.backends.fail"):
        return f"{name} – ingen nyckelring på den här datorn: lösenord kan inte sparas (varning)"
    return name


def _disk_encryption() -> str:
    from app.disk_encryption import OFF, disk_encryption
    from app.paths import user_data_dir

    status = disk_encryption(user_data_dir())
    if status.state == OFF:  # reported, not failed: the desk itself decides by its desk.ini (default on Windows)
        return f"{status.describe()} – VARNING: kunddata på datorn ska ligga på en krypterad disk (BitLocker)"
    return status.describe()


def run(out: Callable[[str], None] = print, extra: Sequence[tuple[str, Callable[[], str]]] = ()) -> int:
    """The core's checks, then `extra`: the devices' and Qt's, given by reception/launcher.py (app/ never
    reaches up into devices/ or widgets/, docs/decisions/layers.md)."""
    out(f"Reception {VERSION} – självtest")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="reception-selftest-") as tmp:
        checks: list[tuple[str, Callable[[], str]]] = [
            ("Tidszon", _timezone),
            ("Databas", lambda: _database(Path(tmp))),
            ("Postnummer", _postal_codes),
            ("Nyckelring", _keyring),
            ("Diskkryptering", _disk_encryption),
            *extra,
        ]
        for name, check in checks:
            try:
                out(f"OK   {name}: {check()}")
            except Exception as err:  # a self-test reports every fault, then fails
                failures += 1
                out(f"FEL  {name}: {type(err).__name__}: {err}")
                out(traceback.format_exc())
    out("Självtestet gick igenom." if not failures else f"Självtestet misslyckades: {failures} fel.")
    return 0 if not failures else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
