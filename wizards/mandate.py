"""Flow 8, Nytt / Ändra autogiromedgivande (SPEC §5): the Autogiromedgivande page on its own.

"Nytt autogiromedgivande" comes from the person menu, "Ändra" from the
mandate's menu; both replace the current mandate with the one entered — never
while it is "Hos BGC" (the page says why and Slutför stays disabled).
"""
from __future__ import annotations

import uuid

from PySide6.QtWidgets import QWidget

from app.domain.personnummer import parse_personnummer
from app.errors import NotFound, UserError
from app.routines.mandate import MandateResult, SetMandateRoutine
from app.routines.registration_data import SetMandate
from widgets.services import UiServices
from wizards.base import PageId, ReceptionWizard, keep_open
from wizards.pages.autogiro import AutogiroPage

NEW_TITLE = "Nytt autogiromedgivande"
CHANGE_TITLE = "Ändra autogiromedgivande"


class MandateWizard(ReceptionWizard):
    def __init__(self, services: UiServices, person_id: int, *, title: str = NEW_TITLE,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, title, parent)
        from db.models import Person

        self.person_id = person_id
        self.command_id = str(uuid.uuid4())
        self.routine = SetMandateRoutine(services.core)
        with services.core.sessions() as session:
            person = session.get(Person, person_id)
            if person is None:
                raise NotFound("Kunden finns inte längre i registret. Sök fram kunden igen.")
            name = f"{person.first_name} {person.last_name}"
            pnr = (parse_personnummer(person.personnummer, services.core.clock.today()).formatted()
                   if person.personnummer else "")
        self.autogiro = AutogiroPage(services, person_id=person_id, holder=lambda: (name, pnr), require_new=True,
                                     title=title)
        self.setPage(PageId.AUTOGIRO, self.autogiro)

    def command(self) -> SetMandate:
        return SetMandate(self.person_id, self.autogiro.mandate(), command_id=self.command_id)

    def run(self) -> MandateResult:
        if self.autogiro.mandate() is None:  # Hos BGC: the page says why; Slutför is disabled
            raise UserError(self.autogiro.blocked.text())
        return self.routine.execute(self.command(), self.services.actor)


def _start(services: UiServices, person_id: int, title: str, parent: QWidget | None) -> MandateWizard | None:
    try:
        wizard = MandateWizard(services, person_id, title=title, parent=parent)
    except UserError as err:
        ReceptionWizard.error_box(parent, err)
        return None
    return keep_open(services, wizard)


def start_new_mandate(services: UiServices, person_id: int, parent: QWidget | None = None) -> MandateWizard | None:
    """Flow 8 from the person menu's "Nytt autogiromedgivande"."""
    return _start(services, person_id, NEW_TITLE, parent)


def start_change_mandate(services: UiServices, person_id: int, parent: QWidget | None = None) -> MandateWizard | None:
    """Flow 8 from the mandate menu's "Ändra"."""
    return _start(services, person_id, CHANGE_TITLE, parent)
