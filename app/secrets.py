"""Passwords (the database's, the SMTP server's, the SMS provider's API password) live in the OS keyring,
never in a file or a log."""
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


SMTP_SERVICE = "reception-smtp"


def smtp_keyring_key(user: str, host: str) -> str:
    return f"{user}@{host}"


def smtp_password(user: str, host: str) -> str | None:
    """The SMTP password stored on this PC for user@host (None when none is stored or no keyring exists)."""
    try:
        import keyring

        return keyring.get_password(SMTP_SERVICE, smtp_keyring_key(user, host))
    except Exception as err:  # no keyring backend on this PC: this desk does not send e-mail
        log.warning("No keyring available for the SMTP password (%s)", type(err).__name__)
        return None


def store_smtp_password(user: str, host: str, password: str) -> None:
    """Store (or, with an empty password, remove) the SMTP password on this PC."""
    import keyring

    if password:
        keyring.set_password(SMTP_SERVICE, smtp_keyring_key(user, host), password)
    else:
        try:
            keyring.delete_password(SMTP_SERVICE, smtp_keyring_key(user, host))
        except Exception:  # nothing stored: nothing to remove
            pass


SMS_SERVICE = "reception-sms"


def sms_keyring_key(user: str, api_url: str) -> str:
    """user@host[:port] of the SMS API: a new address or account needs its own password."""
    from urllib.parse import urlsplit

    return f"{user.strip()}@{urlsplit(api_url.strip()).netloc}"


def sms_password(user: str, api_url: str) -> str | None:
    """The SMS provider's API password stored on this PC (None when none is stored or no keyring exists)."""
    try:
        import keyring

        return keyring.get_password(SMS_SERVICE, sms_keyring_key(user, api_url))
    except Exception as err:  # no keyring backend on this PC: this desk does not send SMS
        log.warning("No keyring available for the SMS password (%s)", type(err).__name__)
        return None


def store_sms_password(user: str, api_url: str, password: str) -> None:
    """Store (or, with an empty password, remove) the SMS provider's API password on this PC."""
    import keyring

    if password:
        keyring.set_password(SMS_SERVICE, sms_keyring_key(user, api_url), password)
    else:
        try:
            keyring.delete_password(SMS_SERVICE, sms_keyring_key(user, api_url))
        except Exception:  # nothing stored: nothing to remove
            pass
