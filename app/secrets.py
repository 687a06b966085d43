"""Database passwords live in the OS keyring, never in a file or a log."""
from __future__ import annotations

import logging

from sqlalchemy.engine import make_url

log = logging.getLogger("reception.secrets")
SERVICE = "reception"


def keyring_key(url: str) -> str:
    u = make_url(url)
    return f"{u.username or ''}@{u.host or ''}:{u.port or ''}/{u.database or ''}"


def database_password(url: str) -> str | None:
    """The password for a PostgreSQL URL from the keyring (None when none is stored or no keyring exists)."""
    try:
        u = make_url(url)
    except Exception:  # an unparseable URL is reported by db.migrate.open_database
        return None
    if u.get_backend_name() == "sqlite":
        return None
    try:
        import keyring

        return keyring.get_password(SERVICE, keyring_key(url))
    except Exception as err:  # no keyring backend on this PC: connect without a password (e.g. trust auth)
        log.warning("No keyring available (%s); connecting without a stored password", type(err).__name__)
        return None


def store_database_password(url: str, password: str) -> None:
    import keyring

    keyring.set_password(SERVICE, keyring_key(url), password)
