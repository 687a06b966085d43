"""Log-in throttling (issue 15 §6): wrong passwords are counted in the database per user name and per
desk, so a lock-out holds at every desk; the message says how long; every step is audited; an
administrator can unlock. Times come from the injected clock."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app import auth
from app.auth import LoginLocked, login
from app.context import Core
from app.errors import NotAllowed, UserError
from app.queries.users import running_locks, user_rows
from app.routines.users_admin import UnlockCommand, UnlockLogin
from db.engine import make_engine, make_session_factory
from db.models import AuditEntry, LoginThrottle


def fail(core, username="recep", times=1):
    for _ in range(times):
        with pytest.raises(UserError) as err:
            login(core, username, "fel-lösen")
    return err.value


def actions(core) -> list[str]:
    with core.sessions() as s:
        return [a for a in s.scalars(select(AuditEntry.action).order_by(AuditEntry.id))]


def test_five_wrong_passwords_lock_the_user_name_and_the_message_says_how_long(core, clock):
    last = fail(core, times=auth.USER_LIMIT - 1)
    assert not isinstance(last, LoginLocked) and last.message == auth.WRONG
    locked = fail(core)
    assert isinstance(locked, LoginLocked)
    assert locked.message.startswith("För många felaktiga försök – försök igen om 5 minuter")
    # while locked even the right password is refused, and the password is not even checked
    clock.advance(seconds=61)
    with pytest.raises(LoginLocked, match="försök igen om 4 minuter"):
        login(core, "recep", "hemligt")
    clock.advance(minutes=3, seconds=30)
    with pytest.raises(LoginLocked, match="försök igen om 1 minut\\."):
        login(core, "RECEP ", "hemligt")
    clock.advance(minutes=1)
    assert login(core, "recep", "hemligt").username == "recep"
    with core.sessions() as s:  # a correct password clears the count
        assert s.get(LoginThrottle, ("anvandare", "recep")) is None
    assert actions(core) == ["Felaktigt lösenord"] * 5 + ["Inloggning spärrad", "Inloggning"]


def test_the_lock_holds_at_another_desk_and_after_a_restart(db, clock):
    desk_a = Core(sessions=make_session_factory(db.engine), clock=clock, desk="Kassa 1")
    other = make_engine(db.url)
    try:
        desk_b = Core(sessions=make_session_factory(other), clock=clock, desk="Kassa 2")
        fail(desk_a, times=3)
        fail(desk_b, times=2)  # the fifth, at another desk
        with pytest.raises(LoginLocked, match="om 5 minuter"):
            login(desk_a, "recep", "hemligt")
        with pytest.raises(LoginLocked):
            login(desk_b, "recep", "hemligt")
    finally:
        other.dispose()


def test_every_further_failure_after_a_lock_doubles_it(core, clock):
    fail(core, times=auth.USER_LIMIT)
    clock.advance(minutes=5)
    with pytest.raises(LoginLocked, match="om 10 minuter"):
        login(core, "recep", "fel-lösen")
    clock.advance(minutes=10)
    with pytest.raises(LoginLocked, match="om 20 minuter"):
        login(core, "recep", "fel-lösen")
    assert auth.lock_length(50, 5).total_seconds() == auth.MAX_LOCK_MINUTES * 60


def test_old_failures_are_forgotten(core, clock):
    fail(core, times=auth.USER_LIMIT - 1)
    clock.advance(minutes=auth.FORGET_MINUTES + 1)
    fail(core, times=auth.USER_LIMIT - 1)  # counted from one again: not locked
    assert login(core, "recep", "hemligt").username == "recep"


def test_an_unknown_user_name_is_locked_the_same_way(core):
    """The answer never tells which names exist."""
    assert fail(core, "finns-inte", times=4).message == auth.WRONG
    assert isinstance(fail(core, "finns-inte"), LoginLocked)


def test_many_names_at_one_desk_lock_the_desk(core, clock):
    for i in range(auth.DESK_LIMIT - 1):
        assert not isinstance(fail(core, f"namn{i}"), LoginLocked)
    locked = fail(core, "namn-sista")
    assert isinstance(locked, LoginLocked) and "vid den här datorn" in locked.message
    with pytest.raises(LoginLocked, match="vid den här datorn"):
        login(core, "admin", "hemligt")
    other_desk = Core(sessions=core.sessions, clock=clock, desk="Kassa 2")
    assert login(other_desk, "admin", "hemligt").username == "admin"


def test_an_administrator_sees_and_lifts_the_lock(core, clock, admin, receptionist):
    fail(core, times=auth.USER_LIMIT)
    with core.sessions() as s:
        row = next(r for r in user_rows(s, admin, clock.now()) if r.username == "recep")
        assert row.locked_until is not None
        assert [(r.kind, r.name) for r in running_locks(s, admin, clock.now())] == [("anvandare", "recep")]
    with pytest.raises(NotAllowed):
        UnlockLogin(core).execute(UnlockCommand("anvandare", "recep"), receptionist)
    assert UnlockLogin(core).execute(UnlockCommand("anvandare", "recep"), admin) is True
    assert login(core, "recep", "hemligt").username == "recep"
    with core.sessions() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "Lås upp inloggning"))
        assert entry.user_id == admin.user_id and "recep" in entry.details


def test_the_failure_audit_names_the_desk_and_the_count(core):
    fail(core, times=2)
    with core.sessions() as s:
        details = [e.details for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "Felaktigt lösenord")
                                                     .order_by(AuditEntry.id))]
    assert '"försök": 2' in details[-1] and "Kassa 1" in details[-1] and "fel-lösen" not in "".join(details)
