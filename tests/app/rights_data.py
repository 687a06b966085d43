"""Users whose role has exactly the rights a test names (for the rights-in-queries tests, core and UI)."""
from __future__ import annotations

from sqlalchemy import select

from app.context import Actor
from app.rights import ADMIN_USERS, CUSTOMER_JOURNAL, CUSTOMER_ROUTINES, ORGANISATIONS, SYSTEM_SETTINGS, TILL

ALL_RIGHTS = frozenset({SYSTEM_SETTINGS, ORGANISATIONS, CUSTOMER_JOURNAL, TILL, ADMIN_USERS, CUSTOMER_ROUTINES})


def user_with_rights(core, username: str, rights) -> Actor:
    """A stored user whose role holds exactly `rights`, as the log-in would build its Actor."""
    from db.models import Right, Role, User

    rights = frozenset(rights)
    with core.sessions() as s, s.begin():
        role = Role(name=f"Roll för {username}", rights=list(s.scalars(select(Right).where(Right.code.in_(rights)))))
        password_hash = s.scalar(select(User.password_hash).where(User.username == "recep"))
        user = User(username=username, full_name=f"Test {username}", password_hash=password_hash, role=role)
        s.add(user)
        s.flush()
        actor = Actor(user.id, user.username, user.full_name, frozenset(r.code for r in role.rights), core.desk)
    assert actor.rights == rights
    return actor


def without(right: str) -> frozenset[str]:
    """Every right but one: the right under test is the only thing missing."""
    return ALL_RIGHTS - {right}
