"""Replaying the outbox: the queued commands run on the server, in the order they were queued,
through the same routine engine and with the actor who queued them.

* The server ran it (now, or already before: a desk that crashed between the server's commit and
  marking the entry gets the stored result for its `command_id`) → `sent`, with the result.
* The server refused it (card taken by another desk, pre-order used, subscription changed): a
  `UserError` → `conflict` with the Swedish reason; the entered data stays in the entry.
* The connection broke → the entry stays `queued`, the replay stops and starts again after the
  next reconnect (the order is kept: nothing later overtakes it).
* Anything else is a fault in the app: logged with its traceback and the entry becomes a conflict
  that says so — the queue never gets stuck behind one entry, and nothing is lost.
"""
from __future__ import annotations

import dataclasses
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.context import Actor, Core
from app.errors import DatabaseUnavailable, UserError
from app.routines.results import dump_result, load_result
from app.sync.outbox import Entry, Outbox

log = logging.getLogger("reception.outbox")

FAULT = ("Åtgärden kunde inte skickas på grund av ett fel i programmet ({kind}). Uppgifterna finns kvar: "
         "rätta och skicka igen, eller kassera med en anledning, och skapa en felrapport (Hjälp).")


@dataclass
class ReplayReport:
    sent: int = 0
    conflicts: int = 0
    interrupted: bool = False


def named(path: str) -> Any:
    """`module:Qualified.name` → the object."""
    module, _, qualname = path.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def rebuild_command(entry: Entry) -> Any:
    return load_result(named(entry.command_type), entry.command)


def rebuild_actor(entry: Entry, desk: str | None = None) -> Actor:
    data = dict(entry.actor_data)
    data["rights"] = frozenset(data.get("rights", ()))
    if desk is not None:
        data["desk"] = desk
    return Actor(**{f.name: data[f.name] for f in dataclasses.fields(Actor) if f.name in data})


def replay_one(core: Core, outbox: Outbox, entry: Entry) -> bool:
    """Run one queued entry on the server; False when the connection broke (stop the replay)."""
    try:
        routine = named(entry.routine)(core)
        command = rebuild_command(entry)
        actor = rebuild_actor(entry)
        result = routine.run_on_server(command, actor)
    except DatabaseUnavailable as err:  # ConnectionLost: not refused, just not there; try again later
        outbox.mark_attempt_failed(entry.command_id, err.message)
        return False
    except UserError as err:
        log.info("Queued %s (%s) refused by the server: %s", entry.title, entry.command_id, err.message)
        outbox.mark_conflict(entry.command_id, err.message)
        return True
    except Exception as err:  # a fault of ours: keep the data, tell the user, do not block the queue
        log.exception("Replaying %s (%s) failed", entry.title, entry.command_id)
        outbox.mark_conflict(entry.command_id, FAULT.format(kind=type(err).__name__))
        return True
    outbox.mark_sent(entry.command_id, dump_result(result), core.clock.now())
    log.info("Queued %s (%s) ran on the server", entry.title, entry.command_id)
    return True


def replay_pending(core: Core, outbox: Outbox, *, should_stop: Callable[[], bool] = lambda: False) -> ReplayReport:
    """Send every queued entry, oldest first, until the queue is empty or the connection breaks."""
    report = ReplayReport()
    for entry in outbox.pending():
        if should_stop():
            report.interrupted = True
            break
        before = entry.state
        if not replay_one(core, outbox, entry):
            report.interrupted = True
            break
        after = outbox.get(entry.command_id).state
        if before != after:
            if after == "sent":
                report.sent += 1
            else:
                report.conflicts += 1
    return report
