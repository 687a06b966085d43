"""Which PCs run the client against this database, with which version, and when each was last heard
from — so an administrator sees which desk still needs the new version."""
from __future__ import annotations

import platform
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exc, select

from app.context import Core
from app.version import VERSION


@dataclass(frozen=True)
class DeskRow:
    machine: str
    desk_name: str
    client_version: str
    os: str
    first_seen_at: datetime
    last_seen_at: datetime
    last_user: str | None


def this_machine() -> str:
    return (platform.node() or "okänd dator")[:100]


def record_contact(core: Core, *, user: str | None = None, machine: str | None = None,
                   version: str = VERSION) -> None:
    """Upsert this desk's row: version, operating system, last contact (and who logged in)."""
    from db.models import Desk

    machine = machine or this_machine()
    now = core.clock.now()
    os_name = f"{platform.system()} {platform.release()}".strip()[:100]
    for _attempt in range(2):  # a first contact racing with itself: the unique key decides, then update
        session = core.write_session()
        try:
            with session.begin():
                row = session.scalar(select(Desk).where(Desk.machine == machine, Desk.desk_name == core.desk))
                if row is None:
                    session.add(Desk(machine=machine, desk_name=core.desk, client_version=version, os=os_name,
                                     first_seen_at=now, last_seen_at=now, last_user=user))
                else:
                    row.client_version, row.os, row.last_seen_at = version, os_name, now
                    if user:
                        row.last_user = user
            return
        except exc.IntegrityError:
            continue
        finally:
            session.close()


def list_desks(core: Core) -> list[DeskRow]:
    from db.models import Desk

    with core.sessions() as session:
        rows = session.scalars(select(Desk).order_by(Desk.last_seen_at.desc(), Desk.machine)).all()
        return [DeskRow(r.machine, r.desk_name, r.client_version, r.os, r.first_seen_at, r.last_seen_at,
                        r.last_user) for r in rows]
