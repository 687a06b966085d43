"""The routine engine: a routine is a command + preview() + execute().

* The wizard collects plain data into a frozen command dataclass.
* `preview(command)` is read-only: amounts, dates, warnings for summary pages.
* `execute(command, actor)` checks the actor's rights, re-validates against the
  database as it is *now*, writes everything in ONE transaction with an audit
  row, and returns a result. A UserError (Swedish message) rolls everything
  back; a database uniqueness violation becomes a Conflict with a clear message.
* A command carrying `command_id` runs at most once: the id is stored in the
  same transaction, so a replayed offline command is recognised.
"""
from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
import json
import logging
from datetime import date, datetime
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import exc
from sqlalchemy.orm import Session

from app.context import Actor, Core
from app.errors import Conflict, UserError
from app.masking import mask
from app.rights import CUSTOMER_ROUTINES, require

log = logging.getLogger("reception.routines")

C = TypeVar("C")
R = TypeVar("R")


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def audit(session: Session, core: Core, actor: Actor | None, action: str, entity: str,
          entity_id: int | None, details: Any = None) -> None:
    """Add an audit row in the caller's transaction; personnummer/accounts are masked."""
    from db.models import AuditEntry

    text = mask(json.dumps(_jsonable(details or {}), ensure_ascii=False, sort_keys=True))
    session.add(AuditEntry(at=core.clock.now(), user_id=actor.user_id if actor else None, action=action,
                           entity=entity, entity_id=entity_id, details=text))


class Routine(ABC, Generic[C, R]):
    """Subclass and implement `validate` and `perform`; optionally `preview` and `conflict_message`."""

    name: ClassVar[str]
    required_rights: ClassVar[tuple[str, ...]] = (CUSTOMER_ROUTINES,)

    def __init__(self, core: Core) -> None:
        self.core = core

    # -- to implement -------------------------------------------------------
    def validate(self, session: Session, command: C) -> None:
        """Raise a UserError if the command cannot be carried out against the data as it is now."""

    @abstractmethod
    def perform(self, session: Session, command: C, actor: Actor) -> tuple[R, str, int | None]:
        """Write; return (result, audited entity name, entity id)."""

    def conflict_message(self, error: exc.IntegrityError) -> str:
        return "Någon annan har ändrat samma uppgifter samtidigt. Kontrollera och försök igen."

    def audit_details(self, command: C) -> Any:
        """What the audit row records about the command; override to summarise bulk commands."""
        return command

    # -- the engine ---------------------------------------------------------
    def preview_session(self) -> Session:
        return self.core.sessions()

    def execute(self, command: C, actor: Actor) -> R:
        for right in self.required_rights:
            require(actor, right)
        command_id = getattr(command, "command_id", None)
        session = self.core.write_session()
        try:
            with session.begin():
                if command_id and self._already_executed(session, command_id):
                    raise Conflict("Den här åtgärden är redan genomförd.")
                self.validate(session, command)
                result, entity, entity_id = self.perform(session, command, actor)
                audit(session, self.core, actor, self.name, entity, entity_id, self.audit_details(command))
                if command_id:
                    self._record(session, command_id, actor, result)
            log.info("%s done by %s (%s %s)", self.name, actor.username, entity, entity_id)
            return result
        except exc.IntegrityError as err:
            log.warning("%s refused by the database: %s", self.name, mask(str(err.orig)))
            raise Conflict(self.conflict_message(err)) from None
        except UserError:
            raise
        finally:
            session.close()

    def _already_executed(self, session: Session, command_id: str) -> bool:
        from db.models import ExecutedCommand

        return session.get(ExecutedCommand, command_id) is not None

    def _record(self, session: Session, command_id: str, actor: Actor, result: Any) -> None:
        from db.models import ExecutedCommand

        session.add(ExecutedCommand(command_id=command_id, routine=self.name, executed_at=self.core.clock.now(),
                                    user_id=actor.user_id, result=json.dumps(_jsonable(result), default=str)))
