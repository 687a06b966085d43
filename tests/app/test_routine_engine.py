"""The routine engine end to end with a real routine (create a person), on both databases."""
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from app.context import Actor
from app.errors import Conflict, NotAllowed, UserError, ValidationError
from app.routines.base import Routine
from app.routines.create_person import CreatePerson, CreatePersonRoutine
from app.routines.person_data import AddressData, PersonData, insert_person, validate_person_data
from db.models import AuditEntry, ExecutedCommand, Person

ANNA = PersonData(first_name="Anna", last_name="Öberg", email="anna@example.se", mobile="070-123 45 67",
                  personnummer="850709-9805", address=AddressData("Storgatan 1", "", "11455", "Stockholm", "SE"))


def count(core, model):
    with core.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_create_person_writes_person_address_and_audit(core, admin):
    result = CreatePersonRoutine(core).execute(CreatePerson(ANNA), admin)
    with core.sessions() as s:
        person = s.get(Person, result.person_id)
        assert person.personnummer == "198507099805"
        assert person.customer_number == result.customer_number == 10001
        assert (person.first_name_norm, person.last_name_norm) == ("anna", "oberg")
        assert person.mobile_digits == "+46701234567"
        assert [(a.kind, a.postal_code, a.town) for a in person.addresses] == [("hem", "11455", "Stockholm")]
        entry = s.scalar(select(AuditEntry).where(AuditEntry.entity == "person"))
        assert entry.user_id == admin.user_id and entry.action == "Skapa person"
        assert "198507099805" not in entry.details and "850709-9805" not in entry.details  # masked


def test_customer_numbers_are_sequential(core, admin):
    a = CreatePersonRoutine(core).execute(CreatePerson(ANNA), admin)
    b = CreatePersonRoutine(core).execute(CreatePerson(replace(ANNA, personnummer="", birth_date=ANNA_BIRTH, gender="K")), admin)
    assert b.customer_number == a.customer_number + 1


ANNA_BIRTH = validate_person_data(ANNA, __import__("datetime").date(2026, 11, 22)).birth_date


def test_rights_are_checked_before_anything_is_written(core):
    nobody = Actor(user_id=1, username="x", full_name="X", rights=frozenset())
    with pytest.raises(NotAllowed, match="Kundrutiner"):
        CreatePersonRoutine(core).execute(CreatePerson(ANNA), nobody)
    assert count(core, Person) == 0


@pytest.mark.parametrize("change, field", [
    ({"email": ""}, "email"), ({"email": "anna@"}, "email"), ({"mobile": ""}, "mobile"),
    ({"personnummer": "850709-9806"}, "personnummer"), ({"first_name": " "}, "first_name"),
])
def test_bad_input_is_refused_with_nothing_written(core, admin, change, field):
    with pytest.raises(ValidationError) as info:
        CreatePersonRoutine(core).execute(CreatePerson(replace(ANNA, **change)), admin)
    assert info.value.field == field
    assert count(core, Person) == 0 and count(core, AuditEntry) == 0


def test_duplicate_personnummer_offers_the_existing_customer(core, admin):
    CreatePersonRoutine(core).execute(CreatePerson(ANNA), admin)
    with pytest.raises(Conflict, match="redan en kund"):
        CreatePersonRoutine(core).execute(CreatePerson(ANNA), admin)
    assert count(core, Person) == 1


def test_a_command_runs_once_even_when_replayed_and_the_replay_gets_the_stored_result(core, admin):
    from db.models import Person

    command = CreatePerson(ANNA)
    first = CreatePersonRoutine(core).execute(command, admin)
    again = CreatePersonRoutine(core).execute(command, admin)
    assert again == first  # the same dataclass, rebuilt from executed_commands
    assert count(core, ExecutedCommand) == 1 and count(core, Person) == 1


class FailsHalfway(Routine):
    name = "Misslyckas"

    def perform(self, session, command, actor):
        insert_person(session, validate_person_data(ANNA, self.core.clock.today()), self.core.clock.now())
        raise UserError("Kortet är redan upptaget.")


def test_failure_after_a_write_rolls_everything_back(core, admin):
    with pytest.raises(UserError, match="upptaget"):
        FailsHalfway(core).execute(object(), admin)
    assert count(core, Person) == 0 and count(core, AuditEntry) == 0
    # the customer-number counter was rolled back too
    assert CreatePersonRoutine(core).execute(CreatePerson(ANNA), admin).customer_number == 10001


class DuplicateInsert(Routine):
    name = "Dubblett"

    def perform(self, session, command, actor):
        person = insert_person(session, validate_person_data(ANNA, self.core.clock.today()), self.core.clock.now())
        person.personnummer = None
        session.flush()
        clone = insert_person(session, validate_person_data(replace(ANNA, personnummer="", birth_date=ANNA_BIRTH,
                                                                     gender="K"), self.core.clock.today()),
                              self.core.clock.now())
        clone.customer_number = person.customer_number  # violates the unique constraint in the database
        session.flush()
        return None, "person", None


def test_a_database_uniqueness_violation_becomes_a_conflict(core, admin):
    with pytest.raises(Conflict):
        DuplicateInsert(core).execute(object(), admin)
    assert count(core, Person) == 0


def test_reads_run_in_autocommit_on_postgresql_and_writes_stay_one_transaction(core, admin):
    """Read sessions need no transaction (and keep psycopg's prepared statements); a routine's write
    session is still all or nothing — the rollback test above relies on it, this pins the mechanism."""
    if core.dialect == "postgresql":
        with core.sessions() as s:
            read_autocommit = s.connection().connection.dbapi_connection.autocommit
        with core.write_session() as s, s.begin():
            write_autocommit = s.connection().connection.dbapi_connection.autocommit
        assert (read_autocommit, write_autocommit) == (True, False)
    with pytest.raises(UserError):
        FailsHalfway(core).execute(object(), admin)
    assert count(core, Person) == 0
