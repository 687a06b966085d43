"""Inställningar > Lokalt register… and `reception register import`: fill the local person register
(the source "Lokalt register" of Personuppslagning, app.lookup.RegisterProvider) from an extract.

The file is read and checked by app.domain.register_csv (the CSV reader every import shares); the
dialog and the command line show the rows with their reasons, and this routine then writes the
valid rows. An import REPLACES the register: an extract is the whole population the club may look
up, and a person no longer in it must not be found any more. Right "Systeminställningar", checked
here; one audit row with who, when, the file's name and how many people were in the register
before and after (never the people themselves: the register rows are the record).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from app.context import Actor
from app.domain.register_csv import RegisterRow, check_entry, mark_duplicates
from app.errors import ValidationError
from app.rights import SYSTEM_SETTINGS
from app.routines.base import Routine
from app.routines.organisations import ImportRefused, RowProblem

INSERT_CHUNK = 1000


@dataclass(frozen=True)
class RegisterImportRow:
    """One valid row of the previewed file (app.domain.register_csv.RegisterRow)."""

    line_no: int
    personnummer: str
    first_name: str
    last_name: str
    street: str = ""
    co: str = ""
    postal_code: str = ""
    town: str = ""
    protected_identity: bool = False

    @classmethod
    def from_preview(cls, row: RegisterRow) -> "RegisterImportRow":
        return cls(row.line_no, row.personnummer or "", row.first_name, row.last_name, row.street, row.co,
                   row.postal_code, row.town, row.protected_identity)

    def cells(self) -> list[str]:
        return [self.personnummer, self.first_name, self.last_name, self.street, self.co, self.postal_code,
                self.town, "ja" if self.protected_identity else ""]


@dataclass(frozen=True)
class ImportRegisterCommand:
    rows: tuple[RegisterImportRow, ...]
    file_name: str = ""
    command_id: str | None = None


def register_size(session: Session) -> int:
    from db.models import PersonRegisterEntry

    return session.scalar(select(func.count()).select_from(PersonRegisterEntry)) or 0


class ImportRegister(Routine[ImportRegisterCommand, int]):
    """Importera lokalt register: every row checked again, the register replaced in one transaction.

    `progress(done, total)` is called from the executing thread as rows are written."""

    name = "Importera lokalt register"
    required_rights = (SYSTEM_SETTINGS,)
    input_rules_checked_by_routine = ("rows",)  # row by row in validate, with line numbers

    def __init__(self, core, progress: Callable[[int, int], None] | None = None) -> None:
        super().__init__(core)
        self.progress = progress
        self._checked: list[RegisterRow] = []
        self._before = 0

    def validate(self, session: Session, command: ImportRegisterCommand) -> None:
        from app.domain.inputs import text_problem

        problem = text_problem(command.file_name, multiline=False)
        if problem:
            raise ValidationError(problem, field="fil")
        if not command.rows:
            raise ValidationError("Det finns inga giltiga rader att importera.", field="fil")
        today = self.core.clock.today()
        checked = mark_duplicates([check_entry(row.line_no, row.cells(), today) for row in command.rows])
        problems = [RowProblem(row.line_no, tuple(row.errors)) for row in checked if not row.ok]
        if problems:
            raise ImportRefused(problems)
        self._checked = checked
        self._before = register_size(session)

    def perform(self, session: Session, command: ImportRegisterCommand, actor: Actor):
        from db.models import PersonRegisterEntry

        values = [dict(personnummer=row.personnummer, first_name=row.first_name, last_name=row.last_name,
                       street=row.street or None, co=row.co or None, postal_code=row.postal_code or None,
                       town=row.town or None, protected_identity=row.protected_identity) for row in self._checked]
        session.execute(delete(PersonRegisterEntry))
        total = len(values)
        for start in range(0, total, INSERT_CHUNK):
            session.execute(insert(PersonRegisterEntry), values[start:start + INSERT_CHUNK])
            if self.progress is not None:
                self.progress(min(start + INSERT_CHUNK, total), total)
        return total, "person_register", None

    def audit_details(self, command: ImportRegisterCommand) -> dict:
        # The register rows are the record of who is in it; the audit says who replaced it, when, from what.
        return {"fil": command.file_name, "personer_före": self._before, "personer_efter": len(self._checked)}
