"""Användare och roller through the routine layer (issue 12 §6): the right is checked in the routine
and in the read side, every change is audited without the password, bad input writes nothing, and
nobody can remove the last administrator or their own right to administer users."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth import login, verify_password
from app.errors import NotAllowed, UserError, ValidationError
from app.queries.users import role_rows, user_rows
from app.rights import ADMIN_USERS
from app.routines.users_admin import (LAST_ADMIN, OWN_RIGHT, PasswordCommand, RoleCommand, SaveRole, SaveUser,
                                      SetPassword, UserCommand)
from db.models import AuditEntry, Role, User


def role_id(core, name: str) -> int:
    with core.sessions() as s:
        return s.scalar(select(Role.id).where(Role.name == name))


def users(core) -> dict[str, User]:
    with core.sessions() as s:
        return {u.username: u for u in s.scalars(select(User))}


def audit_rows(core) -> list[AuditEntry]:
    with core.sessions() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def new_user(core, admin, username="stina", password="långt-lösen-1", role="Receptionist", **kw) -> int:
    return SaveUser(core).execute(UserCommand(None, username, kw.pop("full_name", "Stina Ström"),
                                              role_id(core, role), password=password, **kw), admin)


def test_an_administrator_creates_a_user_who_can_then_log_in_with_the_hashed_password(core, admin):
    uid = new_user(core, admin, username=" Stina ", email="stina@example.se")
    stored = users(core)["stina"]
    assert stored.id == uid and stored.full_name == "Stina Ström" and stored.email == "stina@example.se"
    assert stored.password_hash.startswith("$argon2id$") and "långt-lösen-1" not in stored.password_hash
    assert login(core, "stina", "långt-lösen-1").rights == frozenset({"Kundrutiner", "Kassa"})
    entry = next(e for e in audit_rows(core) if e.action == "Ändra användare")
    assert entry.user_id == admin.user_id and entry.entity_id == uid
    assert "långt-lösen-1" not in entry.details and "argon2" not in entry.details


@pytest.mark.parametrize("username,password,field,message", [
    ("", "långt-lösen-1", "username", "Skriv ett användarnamn"),
    ("   ", "långt-lösen-1", "username", "Skriv ett användarnamn"),
    ("admin", "långt-lösen-1", "username", "finns redan"),
    ("ADMIN", "långt-lösen-1", "username", "finns redan"),
    ("två ord", "långt-lösen-1", "username", "utan mellanslag"),
    ("stina", "kort", "password", "minst 8 tecken"),
    ("stina", "", "password", "Skriv ett lösenord"),
    ("stina1234", "stina1234", "password", "detsamma som användarnamnet"),
])
def test_bad_input_is_refused_at_the_field_and_nothing_is_written(core, admin, username, password, field, message):
    before = users(core)
    with pytest.raises(ValidationError, match=message) as err:
        new_user(core, admin, username=username, password=password)
    assert err.value.field == field
    assert users(core).keys() == before.keys()
    assert audit_rows(core) == []


def test_a_name_without_letters_and_a_bad_email_are_refused(core, admin):
    with pytest.raises(ValidationError) as err:
        new_user(core, admin, full_name="1234")
    assert err.value.field == "full_name"
    with pytest.raises(ValidationError) as err:
        new_user(core, admin, email="inte-en-adress")
    assert err.value.field == "email"
    assert "stina" not in users(core)


def test_without_the_right_the_routines_and_the_read_side_refuse(core, admin, receptionist, clock):
    with pytest.raises(NotAllowed, match=ADMIN_USERS):
        new_user(core, receptionist)
    uid = users(core)["admin"].id
    with pytest.raises(NotAllowed, match=ADMIN_USERS):
        SetPassword(core).execute(PasswordCommand(uid, "nytt-lösen-99"), receptionist)
    with pytest.raises(NotAllowed, match=ADMIN_USERS):
        SaveRole(core).execute(RoleCommand(None, "Städ", ()), receptionist)
    with core.sessions() as s:
        with pytest.raises(NotAllowed, match=ADMIN_USERS):
            user_rows(s, receptionist, clock.now())
        with pytest.raises(NotAllowed, match=ADMIN_USERS):
            role_rows(s, receptionist)
        assert {r.username for r in user_rows(s, admin, clock.now())} == {"admin", "recep"}
    assert "stina" not in users(core) and audit_rows(core) == []


def test_reset_password_replaces_the_hash_and_is_audited_without_it(core, admin):
    uid = users(core)["recep"].id
    SetPassword(core).execute(PasswordCommand(uid, "nytt-lösen-99"), admin)
    assert verify_password(users(core)["recep"].password_hash, "nytt-lösen-99")
    with pytest.raises(UserError):
        login(core, "recep", "hemligt")
    entry = next(e for e in audit_rows(core) if e.action == "Sätt lösenord")
    assert entry.entity_id == uid and "nytt-lösen" not in entry.details
    with pytest.raises(ValidationError, match="minst 8") as err:
        SetPassword(core).execute(PasswordCommand(uid, "kort"), admin)
    assert err.value.field == "password"


def test_a_deactivated_user_cannot_log_in(core, admin):
    recep = users(core)["recep"]
    SaveUser(core).execute(UserCommand(recep.id, "recep", recep.full_name, recep.role_id, active=False), admin)
    with pytest.raises(UserError, match="Fel användarnamn eller lösenord"):
        login(core, "recep", "hemligt")


def test_the_last_administrator_cannot_be_deactivated_or_demoted(core, admin):
    me = users(core)["admin"]
    with pytest.raises(ValidationError) as err:
        SaveUser(core).execute(UserCommand(me.id, "admin", me.full_name, me.role_id, active=False), admin)
    assert err.value.field == "active" and err.value.message == LAST_ADMIN
    with pytest.raises(ValidationError, match="minst en aktiv användare") as err:
        SaveUser(core).execute(UserCommand(me.id, "admin", me.full_name, role_id(core, "Receptionist")), admin)
    assert err.value.field == "role_id"
    assert users(core)["admin"].active and users(core)["admin"].role_id == me.role_id
    assert audit_rows(core) == []


def test_an_administrator_cannot_take_the_right_from_their_own_role(core, admin):
    admin_role = role_id(core, "Administratör")
    other_rights = tuple(r for r in admin.rights if r != ADMIN_USERS)
    with pytest.raises(ValidationError, match="minst en aktiv användare") as err:
        SaveRole(core).execute(RoleCommand(admin_role, "Administratör", other_rights), admin)
    assert err.value.field == "rights"
    with core.sessions() as s:
        assert ADMIN_USERS in {r.code for r in s.get(Role, admin_role).rights}


def test_two_administrators_may_demote_each_other_one_at_a_time_but_not_the_last(core, admin, make_actor):
    new_user(core, admin, username="bosse", role="Administratör", full_name="Bo Boss")
    bosse = make_actor(core, "bosse")
    me = users(core)["admin"]
    # Ada may not take away her own right, even though Bosse would remain
    with pytest.raises(ValidationError) as err:
        SaveUser(core).execute(UserCommand(me.id, "admin", me.full_name, role_id(core, "Receptionist")), admin)
    assert err.value.message == OWN_RIGHT and err.value.field == "role_id"
    with pytest.raises(ValidationError) as err:
        SaveUser(core).execute(UserCommand(me.id, "admin", me.full_name, me.role_id, active=False), admin)
    assert err.value.message == OWN_RIGHT
    # Bosse demotes Ada: allowed, Bosse still administers users
    SaveUser(core).execute(UserCommand(me.id, "admin", me.full_name, role_id(core, "Receptionist")), bosse)
    assert users(core)["admin"].role_id == role_id(core, "Receptionist")
    # Bosse, now the only administrator, cannot deactivate himself
    b = users(core)["bosse"]
    with pytest.raises(ValidationError) as err:
        SaveUser(core).execute(UserCommand(b.id, "bosse", b.full_name, b.role_id, active=False), bosse)
    assert err.value.message == LAST_ADMIN
    assert users(core)["bosse"].active


def test_roles_are_created_with_their_rights_and_assigned(core, admin):
    rid = SaveRole(core).execute(RoleCommand(None, "Kassör", ("Kassa",)), admin)
    with core.sessions() as s:
        rows = {r.name: r for r in role_rows(s, admin)}
    assert rows["Kassör"].rights == ("Kassa",) and rows["Kassör"].users == 0
    recep = users(core)["recep"]
    SaveUser(core).execute(UserCommand(recep.id, "recep", recep.full_name, rid), admin)
    assert login(core, "recep", "hemligt").rights == frozenset({"Kassa"})
    with pytest.raises(ValidationError, match="finns redan") as err:
        SaveRole(core).execute(RoleCommand(None, "kassör", ()), admin)
    assert err.value.field == "name"
    with pytest.raises(ValidationError, match="Okänd rättighet"):
        SaveRole(core).execute(RoleCommand(rid, "Kassör", ("Allt",)), admin)
    with core.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Role)) == 4
        assert [r.action for r in s.scalars(select(AuditEntry).where(AuditEntry.entity == "role"))] == ["Ändra roll"]


@pytest.mark.pg
def test_two_administrators_demoting_each_other_at_once_leave_one(pg_db, clock, make_actor):
    """PostgreSQL, two desks at the same moment: the routines lock the users' rows first, so the
    second change sees the first and is refused; without the lock both would pass their check."""
    import threading

    from app.context import Core
    from db.engine import make_engine, make_session_factory

    desk_a = Core(sessions=make_session_factory(pg_db.engine), clock=clock, desk="Kassa 1")
    other = make_engine(pg_db.url)
    try:
        desk_b = Core(sessions=make_session_factory(other), clock=clock, desk="Kassa 2")
        ada = make_actor(desk_a, "admin")
        new_user(desk_a, ada, username="bosse", role="Administratör", full_name="Bo Boss")
        for _round in range(4):
            everyone = users(desk_a)
            a, b = everyone["admin"], everyone["bosse"]
            admin_role = role_id(desk_a, "Administratör")
            for u in (a, b):  # both administrators again
                if u.role_id != admin_role:
                    with desk_a.write_session() as s, s.begin():
                        s.get(User, u.id).role_id = admin_role
            bo = make_actor(desk_b, "bosse")
            recep_role = role_id(desk_a, "Receptionist")
            barrier = threading.Barrier(2)
            outcome: dict[str, str] = {}

            def demote(core, actor, target, key):
                barrier.wait()
                try:
                    SaveUser(core).execute(UserCommand(target.id, target.username, target.full_name, recep_role),
                                           actor)
                    outcome[key] = "ok"
                except ValidationError as err:
                    outcome[key] = err.message

            threads = [threading.Thread(target=demote, args=(desk_a, ada, b, "ada")),
                       threading.Thread(target=demote, args=(desk_b, bo, a, "bo"))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            assert list(outcome.values()).count("ok") == 1, outcome
            with desk_a.sessions() as s:
                admins = s.scalar(select(func.count()).select_from(User).where(User.role_id == admin_role,
                                                                               User.active.is_(True)))
            assert admins == 1
    finally:
        other.dispose()
