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
from app.domain.inputs import check_name, max_length
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
