"""Read side of Inställningar > Användare och roller: users, roles with their rights, running lock-outs.

Every query checks the actor's right "Administrera användare" itself (like the routines do), so a
caller that forgets the menu's check still gets nothing. Password hashes never leave this module.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.context import Actor
from app.rights import ADMIN_USERS, require


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    full_name: str
    email: str
    role_id: int
    role_name: str
    active: bool
    locked_until: datetime | None  # a running lock-out of this user name


@dataclass(frozen=True)
class RoleRow:
    id: int
    name: str
    rights: tuple[str, ...]
    users: int  # active users with the role


@dataclass(frozen=True)
class RightRow:
    code: str
    description: str


@dataclass(frozen=True)
class LockRow:
    kind: str        # anvandare / dator
    name: str
    failures: int
    locked_until: datetime


def running_locks(session: Session, actor: Actor, now: datetime) -> list[LockRow]:
    from db.models import LoginThrottle

    require(actor, ADMIN_USERS)
    return [LockRow(r.kind, r.name, r.failures, r.locked_until)
            for r in session.scalars(select(LoginThrottle).where(LoginThrottle.locked_until > now)
                                     .order_by(LoginThrottle.kind, LoginThrottle.name))]


def user_rows(session: Session, actor: Actor, now: datetime) -> list[UserRow]:
    from db.models import Role, User

    require(actor, ADMIN_USERS)
    locks = {r.name: r.locked_until for r in running_locks(session, actor, now) if r.kind == "anvandare"}
    rows = session.execute(select(User.id, User.username, User.full_name, User.email, User.role_id, Role.name,
                                  User.active).join(Role, Role.id == User.role_id)
                           .order_by(User.active.desc(), User.username)).all()
    return [UserRow(i, u, n, e or "", r, rn, a, locks.get(u)) for i, u, n, e, r, rn, a in rows]


def role_rows(session: Session, actor: Actor) -> list[RoleRow]:
    from db.models import Role, User

    require(actor, ADMIN_USERS)
    counts = dict(session.execute(select(User.role_id, func.count()).where(User.active.is_(True))
                                  .group_by(User.role_id)).all())
    return [RoleRow(r.id, r.name, tuple(sorted(x.code for x in r.rights)), counts.get(r.id, 0))
            for r in session.scalars(select(Role).order_by(Role.name))]


def right_rows(session: Session, actor: Actor) -> list[RightRow]:
    from db.models import RIGHTS, Right

    require(actor, ADMIN_USERS)
    order = {code: i for i, (code, _) in enumerate(RIGHTS)}
    return sorted((RightRow(r.code, r.description) for r in session.scalars(select(Right))),
                  key=lambda r: order.get(r.code, 99))
