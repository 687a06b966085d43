"""Administration of the club's settings (Inställningar menu, SPEC §4): every routine here needs
the right "Systeminställningar", checked by the routine engine before anything is read or written,
and is audited with who and when.

* SaveSettings: the Kundrutiner… and Inställningar… dialogs. The command carries the changed
  keys with their new value AND the value the dialog showed; a key someone changed at another desk
  meanwhile is refused (Conflict at the field) instead of being overwritten silently. The whole
  set of settings after the change passes app.settings.check_values (types, limits, Ordinarie
  price list, shortest freeze not longer than the longest …), so one bad value writes nothing.
  The audit row records every changed key with its old and new value.
  Other desks read settings from the database at every routine and card load (app.settings has no
  cache), so a saved change applies at another desk's next routine start at the latest.
* SetSeverities: Personstatustyper — the severity (fel / varning / information) per deviation type.
* Freeze reasons (Avvikelseorsaker of type Frysning): AddReason, RenameReason, SetReasonActive.
  A reason is never deleted (freezes keep pointing at it); a deactivated one is no longer offered.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.context import Actor
from app.domain.inputs import check_name
from app.errors import Conflict, NotFound, ValidationError
from app.rights import SYSTEM_SETTINGS
from app.routines.base import Routine
from app.settings import BY_KEY, check_values, save_setting, stored_values


# --------------------------------------------------------------------------
# Business settings
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingChange:
    key: str
    value_json: str      # the new value (JSON, as stored)
    previous_json: str   # the value the dialog showed when it opened


@dataclass(frozen=True)
class SaveSettingsCommand:
    changes: tuple[SettingChange, ...]
    command_id: str | None = None

    @classmethod
    def of(cls, shown: dict[str, Any], wanted: dict[str, Any]) -> "SaveSettingsCommand":
        """The changes between what the dialog showed and what is in its fields now."""
        dump = lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True)  # noqa: E731
        return cls(tuple(SettingChange(k, dump(wanted[k]), dump(shown[k])) for k in wanted
                         if dump(wanted[k]) != dump(shown[k])))


CHANGED_ELSEWHERE = ("Inställningen har ändrats vid en annan dator medan du hade fönstret öppet. "
                     "Stäng fönstret och öppna det igen för att se det nya värdet.")


class SaveSettings(Routine[SaveSettingsCommand, tuple[str, ...]]):
    """Spara in Kundrutiner… / Inställningar…: the changed settings, validated together, one audit row."""

    name = "Ändra inställningar"
    required_rights = (SYSTEM_SETTINGS,)
    # Setting values are judged per option (its own length, multi-line or not) by check_values.
    input_rules_checked_by_routine = ("changes",)

    def _decode(self, command: SaveSettingsCommand) -> dict[str, tuple[Any, Any]]:
        decoded = {}
        for change in command.changes:
            if change.key not in BY_KEY:
                raise ValidationError("Okänd inställning.", field=change.key)
            try:
                decoded[change.key] = (json.loads(change.value_json), json.loads(change.previous_json))
            except (TypeError, ValueError):
                raise ValidationError(f"Ogiltigt värde för ”{BY_KEY[change.key].title}”.", field=change.key) from None
        return decoded

    def validate(self, session: Session, command: SaveSettingsCommand) -> None:
        decoded = self._decode(command)
        now = stored_values(session)
        for key, (_new, previous) in decoded.items():
            if json.dumps(now[key], sort_keys=True) != json.dumps(previous, sort_keys=True):
                raise Conflict(CHANGED_ELSEWHERE, field=key)
        after = {**now, **{k: new for k, (new, _old) in decoded.items()}}
        pages = {BY_KEY[k].page for k in decoded}
        check_values(session, {k: v for k, v in after.items() if BY_KEY[k].page in pages})

    def perform(self, session: Session, command: SaveSettingsCommand, actor: Actor):
        for key, (new, _old) in self._decode(command).items():
            save_setting(session, key, new)
        return tuple(c.key for c in command.changes), "settings", None

    def audit_details(self, command: SaveSettingsCommand) -> Any:
        return {c.key: {"från": json.loads(c.previous_json), "till": json.loads(c.value_json)}
                for c in command.changes}


# --------------------------------------------------------------------------
# Avvikelseorsaker (freeze reasons)
# --------------------------------------------------------------------------

REASON_KIND = "frysning"
REASON_GONE = "Orsaken finns inte längre. Stäng fönstret och öppna det igen."
REASON_IN_USE = ("Orsaken används av {n} och kan inte tas bort. Inaktivera den i stället, "
                 "så erbjuds den inte längre.")


@dataclass(frozen=True)
class ReasonCommand:
    """Lägg till (reason_id None), Byt namn, Inaktivera/Aktivera or Ta bort one freeze reason."""

    action: str                 # lagg_till, byt_namn, aktivera, inaktivera, ta_bort
    name: str = ""
    reason_id: int | None = None
    command_id: str | None = None


def _reason_name(session: Session, name: str, except_id: int | None) -> str:
    from db.models import DeviationReason

    clean = check_name(name, "name", "Skriv orsakens namn.")
    limit = DeviationReason.__table__.c.name.type.length
    if len(clean) > limit:
        raise ValidationError(f"Namnet får vara högst {limit} tecken.", field="name")
    same = session.scalar(select(DeviationReason.id).where(
        DeviationReason.kind == REASON_KIND, func.lower(DeviationReason.name) == clean.lower(),
        DeviationReason.id != (except_id or 0)))
    if same is not None:
        raise ValidationError(f"Det finns redan en frysningsorsak som heter ”{clean}”.", field="name")
    return clean


class ChangeFreezeReason(Routine[ReasonCommand, int]):
    """Avvikelseorsaker of the type Frysning. A reason that a freeze points at is never deleted."""

    name = "Ändra avvikelseorsak"
    required_rights = (SYSTEM_SETTINGS,)
    ACTIONS = ("lagg_till", "byt_namn", "aktivera", "inaktivera", "ta_bort")

    def _row(self, session: Session, command: ReasonCommand):
        from db.models import DeviationReason

        row = session.get(DeviationReason, command.reason_id) if command.reason_id else None
        if row is None or row.kind != REASON_KIND:
            raise NotFound(REASON_GONE, field="reasons")
        return row

    def validate(self, session: Session, command: ReasonCommand) -> None:
        from db.models import Freeze

        if command.action not in self.ACTIONS:
            raise ValidationError("Okänd åtgärd.", field="reasons")
        if command.action == "lagg_till":
            _reason_name(session, command.name, None)
            return
        self._row(session, command)
        if command.action == "byt_namn":
            _reason_name(session, command.name, command.reason_id)
        if command.action == "ta_bort":
            used = session.scalar(select(func.count()).select_from(Freeze).where(
                Freeze.reason_id == command.reason_id))
            if used:
                raise ValidationError(REASON_IN_USE.format(n="1 frysning" if used == 1 else f"{used} frysningar"),
                                      field="reasons")

    def perform(self, session: Session, command: ReasonCommand, actor: Actor):
        from db.models import DeviationReason

        if command.action == "lagg_till":
            row = DeviationReason(kind=REASON_KIND, name=_reason_name(session, command.name, None), active=True)
            session.add(row)
            session.flush()
            return row.id, "deviation_reason", row.id
        row = self._row(session, command)
        if command.action == "byt_namn":
            row.name = _reason_name(session, command.name, row.id)
        elif command.action in ("aktivera", "inaktivera"):
            row.active = command.action == "aktivera"
        else:
            session.delete(row)
        return row.id, "deviation_reason", row.id


# --------------------------------------------------------------------------
# Personstatustyper (severity per deviation type)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SeverityChange:
    code: str
    severity: str
    previous: str


@dataclass(frozen=True)
class SetSeveritiesCommand:
    changes: tuple[SeverityChange, ...]
    command_id: str | None = None


class SetSeverities(Routine[SetSeveritiesCommand, int]):
    """Personstatustyper: the severity of each deviation type (fel / varning / information)."""

    name = "Ändra personstatustyper"
    required_rights = (SYSTEM_SETTINGS,)

    def validate(self, session: Session, command: SetSeveritiesCommand) -> None:
        from db.models import SEVERITIES, DeviationType

        for change in command.changes:
            row = session.get(DeviationType, change.code)
            if row is None:
                raise NotFound("Avvikelsetypen finns inte.", field=change.code)
            if change.severity not in SEVERITIES:
                raise ValidationError("Välj fel, varning eller information.", field=change.code)
            if row.severity != change.previous:
                raise Conflict(CHANGED_ELSEWHERE, field=change.code)

    def perform(self, session: Session, command: SetSeveritiesCommand, actor: Actor):
        from db.models import DeviationType

        for change in command.changes:
            session.get(DeviationType, change.code).severity = change.severity
        return len(command.changes), "deviation_types", None
