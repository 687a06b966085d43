"""Inställningar > Användare och roller (issue 12 §6, SPEC §10): every routine needs the right
"Administrera användare" (checked by the routine engine before anything is read or written) and is
audited with who and when. Passwords are hashed with Argon2id (app/auth.py) and never reach the
audit log, the log file or the stored command results.

* SaveUser: create a user (with the first password) or change one — user name, full name, e-mail,
  role, active. A user is never deleted (the audit log points at it); Inaktivera stops the log-in.
* SetPassword: set or reset a user's password.
* SaveRole: create a role or change its name and rights.
* UnlockLogin: lift a lock-out after too many wrong passwords (a user name or a desk, app/auth.py).

The rule that keeps the club administrable is checked after every change, in the same transaction:
at least one active user keeps the right "Administrera användare", and the user making the change
keeps it too (no one locks themselves out). A refused change writes nothing. On PostgreSQL the
routines lock the users table's rows first, so two administrators demoting each other at the same
moment are serialised and the second one is refused (SQLite serialises writers already).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth import DESK, USER, fold_username, hash_password
from app.context import Actor
from app.domain.inputs import check_email, check_name, check_text
from app.errors import NotFound, ValidationError
from app.rights import ADMIN_USERS
from app.routines.base import Routine

USERNAME = re.compile(r"^[a-z0-9åäö._-]{2,80}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 128

LAST_ADMIN = ("Det måste finnas minst en aktiv användare med rättigheten ”Administrera användare”. "
              "Ge någon annan den rättigheten först.")
OWN_RIGHT = ("Du kan inte ta bort din egen rättighet att administrera användare. "
             "Be en annan administratör göra ändringen.")
USER_GONE = "Användaren finns inte längre. Stäng fönstret och öppna det igen."
ROLE_GONE = "Rollen finns inte längre. Stäng fönstret och öppna det igen."


def check_username(text: str) -> str:
    name = check_text(text, "username", multiline=False).strip().lower()
    if not name:
        raise ValidationError("Skriv ett användarnamn.", field="username")
    if not USERNAME.match(name):
        raise ValidationError("Användarnamnet ska vara 2–80 tecken: bokstäver a–ö, siffror, punkt, bindestreck "
                              "eller understreck, utan mellanslag.", field="username")
    return name


def check_password(password: str, username: str = "") -> str:
    if not password:
        raise ValidationError("Skriv ett lösenord.", field="password")
    check_text(password, "password", multiline=False)
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"Lösenordet måste vara minst {MIN_PASSWORD} tecken.", field="password")
    if len(password) > MAX_PASSWORD:
        raise ValidationError(f"Lösenordet får vara högst {MAX_PASSWORD} tecken.", field="password")
    if username and password.strip().lower() == username.strip().lower():
        raise ValidationError("Lösenordet får inte vara detsamma som användarnamnet.", field="password")
    return password


def _full_name(text: str) -> str:
    from db.models import User

    name = check_name(text, "full_name", "Skriv användarens namn.")
    if len(name) > User.full_name.type.length:
        raise ValidationError(f"Namnet får vara högst {User.full_name.type.length} tecken.", field="full_name")
    return name


def lock_users(session: Session) -> None:
    """Serialise user administration on PostgreSQL (SQLite takes the write lock at BEGIN IMMEDIATE)."""
    from db.models import User

    session.execute(select(User.id).with_for_update()).all()


def check_admins_remain(session: Session, actor: Actor, field: str) -> None:
    """After a change (flushed): some active user, and the acting user, still administer users."""
    from db.models import Role, RoleRight, User

    session.flush()
    admins = set(session.scalars(select(User.id).join(Role, Role.id == User.role_id)
                                 .join(RoleRight, RoleRight.role_id == Role.id)
                                 .where(User.active.is_(True), RoleRight.right_code == ADMIN_USERS)))
    if actor.user_id not in admins:
        raise ValidationError(OWN_RIGHT if admins else LAST_ADMIN, field=field)


# --------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class UserCommand:
    user_id: int | None     # None: a new user
    username: str
    full_name: str
    role_id: int
    email: str = ""
    active: bool = True
    password: str = ""      # only for a new user (SetPassword changes it later)
    command_id: str | None = None


class SaveUser(Routine[UserCommand, int]):
    name = "Ändra användare"
    required_rights = (ADMIN_USERS,)
    input_rules_checked_by_routine = ("password",)

    def validate(self, session: Session, c: UserCommand) -> None:
        from db.models import Role, User

        if c.user_id is not None and session.get(User, c.user_id) is None:
            raise NotFound(USER_GONE, field="users")
        username = check_username(c.username)
        same = session.scalar(select(User.id).where(func.lower(User.username) == username,
                                                    User.id != (c.user_id or 0)))
        if same is not None:
            raise ValidationError(f"Det finns redan en användare som heter ”{username}”.", field="username")
        _full_name(c.full_name)
        if c.email.strip():
            check_email(c.email.strip(), "email")
        if session.get(Role, c.role_id) is None:
            raise ValidationError("Välj en roll.", field="role_id")
        if c.user_id is None:
            check_password(c.password, username)
        elif c.password:
            raise ValidationError("Byt lösenord med Sätt lösenord.", field="password")

    def perform(self, session: Session, c: UserCommand, actor: Actor):
        from db.models import User

        lock_users(session)
        if c.user_id is None:
            row = User(password_hash=hash_password(c.password))
            session.add(row)
        else:
            row = session.get(User, c.user_id)
        row.username = check_username(c.username)
        row.full_name = _full_name(c.full_name)
        row.email = check_email(c.email.strip(), "email") if c.email.strip() else None
        row.role_id = c.role_id
        row.active = c.active
        session.flush()
        check_admins_remain(session, actor, "active" if not c.active else "role_id")
        return row.id, "user", row.id

    def conflict_message(self, error) -> str:
        return "Det finns redan en användare med det användarnamnet."

    def audit_details(self, c: UserCommand):
        return {"användarnamn": c.username.strip().lower(), "namn": c.full_name, "e-post": c.email,
                "roll": c.role_id, "aktiv": c.active, "ny": c.user_id is None}


@dataclass(frozen=True)
class PasswordCommand:
    user_id: int
    password: str
    command_id: str | None = None


class SetPassword(Routine[PasswordCommand, int]):
    name = "Sätt lösenord"
    required_rights = (ADMIN_USERS,)
    input_rules_checked_by_routine = ("password",)

    def validate(self, session: Session, c: PasswordCommand) -> None:
        from db.models import User

        user = session.get(User, c.user_id)
        if user is None:
            raise NotFound(USER_GONE, field="users")
        check_password(c.password, user.username)

    def perform(self, session: Session, c: PasswordCommand, actor: Actor):
        from db.models import User

        row = session.get(User, c.user_id)
        row.password_hash = hash_password(c.password)
        return row.id, "user", row.id

    def audit_details(self, c: PasswordCommand):
        return {"lösenord": "nytt"}  # never the password itself


# --------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleCommand:
    role_id: int | None     # None: a new role
    name: str
    rights: tuple[str, ...] = ()
    command_id: str | None = None


class SaveRole(Routine[RoleCommand, int]):
    name = "Ändra roll"
    required_rights = (ADMIN_USERS,)

    def validate(self, session: Session, c: RoleCommand) -> None:
        from db.models import Right, Role

        if c.role_id is not None and session.get(Role, c.role_id) is None:
            raise NotFound(ROLE_GONE, field="roles")
        name = check_name(c.name, "name", "Skriv rollens namn.")
        if len(name) > Role.name.type.length:
            raise ValidationError(f"Namnet får vara högst {Role.name.type.length} tecken.", field="name")
        same = session.scalar(select(Role.id).where(func.lower(Role.name) == name.lower(),
                                                    Role.id != (c.role_id or 0)))
        if same is not None:
            raise ValidationError(f"Det finns redan en roll som heter ”{name}”.", field="name")
        known = set(session.scalars(select(Right.code)))
        if set(c.rights) - known:
            raise ValidationError("Okänd rättighet.", field="rights")

    def perform(self, session: Session, c: RoleCommand, actor: Actor):
        from db.models import Right, Role

        lock_users(session)
        row = Role() if c.role_id is None else session.get(Role, c.role_id)
        row.name = check_name(c.name, "name", "Skriv rollens namn.")
        row.rights = [session.get(Right, code) for code in sorted(set(c.rights))]
        if c.role_id is None:
            session.add(row)
        session.flush()
        check_admins_remain(session, actor, "rights")
        return row.id, "role", row.id

    def conflict_message(self, error) -> str:
        return "Det finns redan en roll med det namnet."


# --------------------------------------------------------------------------
# Lock-outs
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class UnlockCommand:
    kind: str               # anvandare / dator (app/auth.py)
    name: str               # the user name or the desk
    command_id: str | None = None


class UnlockLogin(Routine[UnlockCommand, bool]):
    name = "Lås upp inloggning"
    required_rights = (ADMIN_USERS,)

    def validate(self, session: Session, c: UnlockCommand) -> None:
        if c.kind not in (USER, DESK):
            raise ValidationError("Okänd spärr.", field="locks")

    def perform(self, session: Session, c: UnlockCommand, actor: Actor):
        from db.models import LoginThrottle, User

        key = fold_username(c.name) if c.kind == USER else c.name
        row = session.get(LoginThrottle, (c.kind, key))
        if row is not None:
            session.delete(row)
        user_id = session.scalar(select(User.id).where(User.username == key)) if c.kind == USER else None
        return row is not None, "inloggning", user_id
