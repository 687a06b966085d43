"""Staff log-in. Passwords are hashed with Argon2id (memory-hard, SPEC §10).

Wrong passwords are counted in the database (table login_throttle, issue 15 §6), per typed user
name and per desk, so a lock-out holds at every desk and survives a restart:

* USER_LIMIT wrong passwords for one user name (whether the user exists or not, so the answer never
  tells which names exist) lock that name for LOCK_MINUTES; every further wrong password after the
  lock has run out doubles the time, up to MAX_LOCK_MINUTES (the throttle);
* DESK_LIMIT wrong passwords at one desk, whatever the names, lock the desk the same way (someone
  trying many names at one PC);
* failures older than FORGET_MINUTES (counted from the last one) are forgotten; a correct password
  clears the user name's and the desk's count.

While a name or desk is locked the password is not even checked. Every failure, every lock-out, every
log-in and every unlock (app/routines/users_admin.py UnlockLogin) is in the audit log. Times come from
the injected clock. A desk working from its offline replica cannot reach the table: it logs in
without counting (docs/decisions/login-lockout.md).
"""
from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import exc, select

from app.context import Actor, Core
from app.errors import UserError

log = logging.getLogger("reception.auth")

# Modest parameters: a front desk logs in a few times a day; 64 MiB, 2 passes.
_hasher = PasswordHasher(time_cost=2, memory_cost=65536, parallelism=2)

USER_LIMIT = 5
DESK_LIMIT = 20
LOCK_MINUTES = 5
MAX_LOCK_MINUTES = 60
FORGET_MINUTES = 15
NAME_LENGTH = 80  # users.username / login_throttle.name

WRONG = "Fel användarnamn eller lösenord."
USER, DESK = "anvandare", "dator"


class LoginLocked(UserError):
    """Too many wrong passwords for this user name or at this desk: try again later."""

    title = "Inloggningen är spärrad"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(hash_password("ingen användare"))
    return _DUMMY[0]


def fold_username(username: str) -> str:
    return username.strip().lower()[:NAME_LENGTH]


def minutes_left(locked_until: datetime, now: datetime) -> int:
    return max(1, math.ceil((locked_until - now).total_seconds() / 60))


def locked_message(locked_until: datetime, now: datetime, *, desk: bool = False) -> str:
    n = minutes_left(locked_until, now)
    what = "vid den här datorn " if desk else ""
    return (f"För många felaktiga försök {what}– försök igen om {n} {'minut' if n == 1 else 'minuter'}. "
            "En administratör kan låsa upp under Inställningar > Användare och roller.")


def lock_length(failures: int, limit: int) -> timedelta:
    """LOCK_MINUTES at the limit, doubled for every failure beyond it, at most MAX_LOCK_MINUTES."""
    return timedelta(minutes=min(MAX_LOCK_MINUTES, LOCK_MINUTES * 2 ** max(0, failures - limit)))


def _counting(core: Core) -> bool:
    return not core.working_offline


def _current_lock(core: Core, name: str, now: datetime) -> tuple[str, datetime] | None:
    """(kind, until) of a lock on the user name or this desk that still runs."""
    from db.models import LoginThrottle

    with core.sessions() as session:
        rows = session.scalars(select(LoginThrottle).where(
            ((LoginThrottle.kind == USER) & (LoginThrottle.name == name))
            | ((LoginThrottle.kind == DESK) & (LoginThrottle.name == core.desk[:NAME_LENGTH])))).all()
    running = [(r.kind, r.locked_until) for r in rows if r.locked_until is not None and r.locked_until > now]
    return max(running, key=lambda kind_until: kind_until[1]) if running else None


def _record_failure(core: Core, name: str, user_id: int | None, now: datetime) -> tuple[str, datetime] | None:
    """Count the failure for the name and the desk (one transaction, audited); the lock it starts, if any."""
    from db.models import LoginThrottle
    from app.routines.base import audit

    for attempt in range(3):  # two desks failing at once for one name: the loser of the insert tries again
        session = core.write_session()
        try:
            with session.begin():
                started: tuple[str, datetime] | None = None
                counts = {}
                for kind, key, limit in ((USER, name, USER_LIMIT), (DESK, core.desk[:NAME_LENGTH], DESK_LIMIT)):
                    row = session.scalar(select(LoginThrottle).where(LoginThrottle.kind == kind,
                                                                     LoginThrottle.name == key).with_for_update())
                    if row is None:
                        row = LoginThrottle(kind=kind, name=key, failures=0, last_failure_at=now)
                        session.add(row)
                    elif row.last_failure_at < now - timedelta(minutes=FORGET_MINUTES) and (
                            row.locked_until is None or row.locked_until <= now):
                        row.failures = 0
                    row.failures += 1
                    row.last_failure_at = now
                    counts[kind] = row.failures
                    if row.failures >= limit:
                        row.locked_until = now + lock_length(row.failures, limit)
                        if started is None or row.locked_until > started[1]:
                            started = (kind, row.locked_until)
                audit(session, core, None, "Felaktigt lösenord", "inloggning", user_id,
                      {"användarnamn": name, "dator": core.desk, "försök": counts[USER],
                       "försök vid datorn": counts[DESK]})
                if started is not None:
                    audit(session, core, None, "Inloggning spärrad", "inloggning", user_id,
                          {"användarnamn": name if started[0] == USER else None, "dator": core.desk,
                           "spärrad till": started[1].isoformat()})
            return started
        except exc.IntegrityError:
            session.rollback()
            if attempt == 2:
                raise
        finally:
            session.close()
    return None


def _record_success(core: Core, actor: Actor, via: str) -> None:
    from db.models import LoginThrottle
    from app.routines.base import audit

    with core.write_session() as session, session.begin():
        for kind, key in ((USER, fold_username(actor.username)), (DESK, core.desk[:NAME_LENGTH])):
            row = session.get(LoginThrottle, (kind, key))
            if row is not None:
                session.delete(row)
        audit(session, core, actor, "Inloggning", "inloggning", actor.user_id, {"dator": core.desk, "via": via})


def authenticate(core: Core, username: str, password: str) -> Actor:
    """The user behind a name and password, with the lock-out, without recording a successful log-in."""
    from db.models import User

    name = fold_username(username)
    now = core.clock.now()
    counting = _counting(core)
    if counting:
        lock = _current_lock(core, name, now)
        if lock is not None:
            raise LoginLocked(locked_message(lock[1], now, desk=lock[0] == DESK), field="password")
    with core.sessions() as session:
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
        # an unknown name costs the same Argon2 time as a known one: the timing tells nothing either
        ok = verify_password(user.password_hash if user is not None else _dummy_hash(), password)
        ok = ok and user is not None and user.active
        if ok:
            rights = frozenset(r.code for r in user.role.rights)
            actor = Actor(user.id, user.username, user.full_name, rights, core.desk)
        user_id = user.id if user is not None else None
    if ok:
        return actor
    if counting:
        started = _record_failure(core, name, user_id, now)
        log.warning("Wrong password for %r at %s", name, core.desk)
        if started is not None:
            raise LoginLocked(locked_message(started[1], now, desk=started[0] == DESK), field="password")
    raise UserError(WRONG, field="password")


def login(core: Core, username: str, password: str, *, via: str = "kassa") -> Actor:
    """Log in: the lock-out first, then the password; audited either way. `via`: kassa (the log-in
    dialog, the lock screen) or kommandorad (app/cli_auth.py)."""
    actor = authenticate(core, username, password)
    if _counting(core):
        _record_success(core, actor, via)
    return actor
