"""Routine: create a customer from person data alone (no products).

The smallest complete routine; registration flows build on the same pieces.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import exc
from sqlalchemy.orm import Session

from app.context import Actor
from app.routines.base import Routine
from app.routines.person_data import PersonData, find_by_personnummer, insert_person, validate_person_data
from app.errors import Conflict


@dataclass(frozen=True)
class CreatePerson:
    person: PersonData
    command_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class CreatedPerson:
    person_id: int
    customer_number: int


class CreatePersonRoutine(Routine[CreatePerson, CreatedPerson]):
    name = "Skapa person"

    def preview(self, command: CreatePerson) -> PersonData:
        return validate_person_data(command.person, self.core.clock.today())

    def validate(self, session: Session, command: CreatePerson) -> None:
        data = validate_person_data(command.person, self.core.clock.today())
        if data.personnummer and find_by_personnummer(session, data.personnummer) is not None:
            raise Conflict("Det finns redan en kund med det personnumret. Sök fram kunden i stället.",
                           field="personnummer")

    def perform(self, session: Session, command: CreatePerson, actor: Actor):
        data = validate_person_data(command.person, self.core.clock.today())
        person = insert_person(session, data, self.core.clock.now())
        return CreatedPerson(person.id, person.customer_number), "person", person.id

    def conflict_message(self, error: exc.IntegrityError) -> str:
        if "personnummer" in str(error.orig):
            return "Det finns redan en kund med det personnumret (en annan kassa hann före). Sök fram kunden."
        return super().conflict_message(error)
