"""Nytt/Ändra autogiromedgivande (flow 8) on both databases."""
from dataclasses import replace

import pytest
from sqlalchemy import select

from app.errors import ValidationError
from app.routines.mandate import SetMandateRoutine
from app.routines.registration_data import SetMandate
from db.models import AutogiroMandate
from tests.app import builders as b


@pytest.fixture
def actor(core, make_actor):
    return make_actor(core, "recep")


def test_new_mandate_for_a_customer_without_one(core, actor):
    pid = b.add_person(core)
    result = SetMandateRoutine(core).execute(SetMandate(pid, b.MANDATE), actor)
    with core.sessions() as s:
        m = s.get(AutogiroMandate, result.mandate_id)
        assert (m.status, m.holder_personnummer, m.bank_name) == ("ny", "198507099805", "SEB")
    assert result.replaced_mandate_id is None


def test_changing_replaces_the_current_mandate(core, actor):
    pid = b.add_person(core)
    old = b.add_mandate(core, pid, status="aktivt")
    result = SetMandateRoutine(core).execute(SetMandate(pid, replace(b.MANDATE, clearing="8327-9",
                                                                     account="99 123 456-7")), actor)
    assert result.replaced_mandate_id == old and any("Swedbank" in w for w in result.warnings)
    with core.sessions() as s:
        assert {m.id: m.status for m in s.scalars(select(AutogiroMandate))} == {old: "makulerat",
                                                                                result.mandate_id: "ny"}


@pytest.mark.parametrize("mandate, current, match", [
    (b.MANDATE, "hos_bgc", "BGC"),
    (replace(b.MANDATE, holder_personnummer=b.pnr("20100101")), None, "minst 18 år"),
    (replace(b.MANDATE, holder_name=" "), None, "kontoinnehavarens namn"),
    (replace(b.MANDATE, holder_personnummer="850709-9806"), None, "Kontoinnehavarens personnummer"),
    (replace(b.MANDATE, clearing="12"), None, "fyra siffror"),
    (replace(b.MANDATE, account="1234567"), None, "kontrollsiffran"),
])
def test_refusals_write_nothing(core, actor, mandate, current, match):
    pid = b.add_person(core)
    if current:
        b.add_mandate(core, pid, status=current)
    before = b.counts(core)
    with pytest.raises(ValidationError, match=match):
        SetMandateRoutine(core).execute(SetMandate(pid, mandate), actor)
    assert b.counts(core) == before
