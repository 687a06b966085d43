"""The routine engine: a routine is a command + preview() + execute().

* The wizard collects plain data into a frozen command dataclass.
* `preview(command)` is read-only: amounts, dates, warnings for summary pages.
* `execute(command, actor)` checks the actor's rights, re-validates against the
  database as it is *now*, writes everything in ONE transaction with an audit
  row, and returns a result. A UserError (Swedish message) rolls everything
  back; a database uniqueness violation becomes a Conflict with a clear message.
* Before anything else every command passes the input rules (app.domain.inputs.check_command):
  no control characters or lone surrogates, text within its column's length, dates within
  1900–2100 and amounts within what the till holds, each refused with a Swedish message.
* A command carrying `command_id` runs at most once: the id is stored in the
  same transaction, so a replayed offline command is recognised.
* Offline (a desk on the shared database without contact with the server): a routine marked
  `offline_queueable` is validated against the desk's replica and saved in the outbox
  (`QueuedOffline` is raised with the entry); the sync thread replays it later through
  `run_on_server`. Any other routine is refused with `NeedsServer`.
"""
from __future__ import annotations

import dataclasses
import functools
from abc import ABC, abstractmethod
import json
import logging
from datetime import date, datetime
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import exc
from sqlalchemy.orm import Session

from app.context import Actor, Core
from app.domain.inputs import check_command
from app.errors import Conflict, ConnectionLost, NeedsServer, QueuedOffline, UserError
from app.masking import mask
from app.rights import CUSTOMER_ROUTINES, require
from app.routines.results import NotRebuildable, dump_result, load_result, result_type

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


CONNECTION_LOST = "Kontakten med databasen bröts – inget sparades, dina uppgifter finns kvar. Försök igen om en stund."
# SQLSTATEs that mean the connection (or the server) went away, not that the data was refused.
_LOST_STATES = {None, "08000", "08001", "08003", "08004", "08006", "08007", "57P01", "57P02", "57P03", "57014"}


def is_connection_lost(err: exc.DBAPIError) -> bool:
    """The one place that tells a broken connection from a refused statement (ARCHITECTURE: known
    environmental faults get a Swedish message, bugs the crash dialog)."""
    if err.connection_invalidated:
        return True
    if isinstance(err, exc.InterfaceError):
        return True
    if isinstance(err, exc.OperationalError) and err.orig is not None:
        module = type(err.orig).__module__ or ""
        if module.startswith("psycopg"):
            return getattr(err.orig, "sqlstate", None) in _LOST_STATES
    return False


def user_error_for(err: BaseException) -> UserError | None:
    """A broken connection met outside a routine (a query on a worker thread) as the same Swedish error."""
    if isinstance(err, UserError):
        return err
    if isinstance(err, exc.DBAPIError) and is_connection_lost(err):
        return ConnectionLost(CONNECTION_LOST)
    return None


class Routine(ABC, Generic[C, R]):
    """Subclass and implement `validate` and `perform`; optionally `preview` and `conflict_message`."""

    name: ClassVar[str]
    required_rights: ClassVar[tuple[str, ...]] = (CUSTOMER_ROUTINES,)
    # Command fields the routine checks against the input rules itself (see check_command).
    input_rules_checked_by_routine: ClassVar[tuple[str, ...]] = ()
    # May wait in the desk's outbox while the server is away (validated against the replica first).
    offline_queueable: ClassVar[bool] = False

    def __init__(self, core: Core) -> None:
        self.core = core

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # preview() gets the same input rules as execute(): a summary page never computes with a
        # date past 2100 or a NUL in a name (period arithmetic past date.max raised ValueError).
        super().__init_subclass__(**kwargs)
        original = cls.__dict__.get("preview")
        if original is not None and not getattr(original, "_input_rules", False):
            @functools.wraps(original)
            def preview(self, command, *args, **kw):
                check_command(command, self.input_rules_checked_by_routine)
                return original(self, command, *args, **kw)

            preview._input_rules = True
            cls.preview = preview

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
        """Run the routine; on an offline desk queue it (raises QueuedOffline) or refuse it (NeedsServer)."""
        self._admit(command, actor)
        if self.core.working_offline:  # validated against the replica, then queued (or a UserError)
            raise QueuedOffline(self._queue(command, actor))
        return self._run(command, actor)

    def enqueue(self, command: C, actor: Actor):
        """Put the command in the desk's outbox whatever the connection (the sync thread sends it):
        for bookkeeping that must never block the window. Returns the outbox entry."""
        self._admit(command, actor)
        return self._queue(command, actor)

    def run_on_server(self, command: C, actor: Actor) -> R:
        """The replay of a queued command: always against the server, never queued again."""
        self._admit(command, actor)
        return self._run(command, actor)

    def _admit(self, command: C, actor: Actor) -> None:
        for right in self.required_rights:
            require(actor, right)
        check_command(command, self.input_rules_checked_by_routine)  # text, dates and amounts within the app's input rules (app.domain.inputs)

    # -- offline ------------------------------------------------------------
    def offline_person_id(self, session: Session, command: C) -> int | None:
        """The person whose card shows the queued work (read from the replica while offline)."""
        return getattr(command, "person_id", None)

    def offline_summary(self, session: Session, command: C) -> str:
        """One Swedish line for the queue views: the routine and whom it concerns."""
        person_id = self.offline_person_id(session, command)
        who = ""
        if person_id is not None:
            from db.models import Person

            person = session.get(Person, person_id)
            if person is not None:
                who = f"{person.first_name} {person.last_name}"
        else:
            data = getattr(command, "person", None)
            if data is not None and hasattr(data, "first_name"):
                who = f"{data.first_name} {data.last_name}"
        return f"{self.name} – {who}" if who else self.name

    def _queue(self, command: C, actor: Actor):
        from app.sync.outbox import actor_json, command_json

        outbox = self.core.outbox
        command_id = getattr(command, "command_id", None)
        if not self.offline_queueable or outbox is None or not command_id:
            raise NeedsServer(f"{self.name} kan inte göras utan kontakt med servern. Försök igen när kontakten "
                              "är tillbaka.")
        with self.core.sessions() as session:  # the replica while offline
            self.validate(session, command)
            summary = self.offline_summary(session, command)
            person_id = self.offline_person_id(session, command)
            session.rollback()
        kind = type(command)
        entry = outbox.add(command_id=command_id, routine=f"{type(self).__module__}:{type(self).__qualname__}",
                           command_type=f"{kind.__module__}:{kind.__qualname__}", command=command_json(command),
                           actor=actor_json(actor), title=self.name, summary=summary,
                           person_id=person_id, at=self.core.clock.now())
        log.info("%s queued offline by %s (%s)", self.name, actor.username, command_id)
        return entry

    def _run(self, command: C, actor: Actor) -> R:
        command_id = getattr(command, "command_id", None)
        try:
            return self._execute(command, actor, command_id)
        except exc.DBAPIError as err:
            if is_connection_lost(err):
                log.warning("%s: the connection to the database broke (%s)", self.name, type(err.orig).__name__)
                raise ConnectionLost(CONNECTION_LOST) from None
            raise

    def _execute(self, command: C, actor: Actor, command_id: str | None) -> R:
        stored = self._stored_result(command_id) if command_id else None
        if stored is not None:
            log.info("%s: command %s ran before; returning its stored result", self.name, command_id)
            return stored[0]
        session = self.core.write_session()
        try:
            with session.begin():
                if command_id and self._already_executed(session, command_id):
                    session.rollback()
                    stored = self._stored_result(command_id)
                    return stored[0]
                self.validate(session, command)
                result, entity, entity_id = self.perform(session, command, actor)
                audit(session, self.core, actor, self.name, entity, entity_id, self.audit_details(command))
                if command_id:
                    self._record(session, command_id, actor, result)
            log.info("%s done by %s (%s %s)", self.name, actor.username, entity, entity_id)
            return result
        except exc.IntegrityError as err:
            session.rollback()
            if command_id:  # the same command ran at the same moment on another desk: its result is ours
                stored = self._stored_result(command_id)
                if stored is not None:
                    return stored[0]
            log.warning("%s refused by the database: %s", self.name, mask(str(err.orig)))
            raise Conflict(self.conflict_message(err)) from None
        except UserError:
            raise
        finally:
            session.close()

    def _stored_result(self, command_id: str) -> tuple[R] | None:
        """(result,) when the command ran before, else None. A result that cannot be rebuilt (stored by
        an older version) is refused the way it was before: the work is done, nothing runs twice."""
        from db.models import ExecutedCommand

        with self.core.write_session() as session:
            row = session.get(ExecutedCommand, command_id)
            text = row.result if row is not None else None
        if text is None:
            return None
        try:
            return (load_result(result_type(type(self)), text),)
        except (NotRebuildable, TypeError, ValueError, KeyError):
            log.warning("%s: stored result of %s cannot be rebuilt", self.name, command_id)
            raise Conflict("Den här åtgärden är redan genomförd.") from None

    def _already_executed(self, session: Session, command_id: str) -> bool:
        from db.models import ExecutedCommand

        return session.get(ExecutedCommand, command_id) is not None

    def _record(self, session: Session, command_id: str, actor: Actor, result: Any) -> None:
        from db.models import ExecutedCommand

        session.add(ExecutedCommand(command_id=command_id, routine=self.name, executed_at=self.core.clock.now(),
                                    user_id=actor.user_id, result=dump_result(result)))
