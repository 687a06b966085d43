"""Staff log-in. Passwords are hashed with Argon2id (memory-hard, SPEC §10)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from app.context import Actor, Core
from app.errors import UserError

# Modest parameters: a front desk logs in a few times a day; 64 MiB, 2 passes.
_hasher = PasswordHasher(time_cost=2, memory_cost=65536, parallelism=2)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def login(core: Core, username: str, password: str) -> Actor:
    from db.models import User

    with core.sessions() as session:
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
        if user is None or not user.active or not verify_password(user.password_hash, password):
            raise UserError("Fel användarnamn eller lösenord.", field="password")
        rights = frozenset(r.code for r in user.role.rights)
        return Actor(user.id, user.username, user.full_name, rights, core.desk)
