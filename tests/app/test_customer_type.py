"""Intyga/Ändra kundtyp (flow 7) on both databases."""
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from app.domain.legitimation import Legitimation
from app.errors import ValidationError
from app.routines.customer_type import CertifyCustomerTypeRoutine
from app.routines.registration_data import CertifyCustomerType
from db.models import CustomerTypeProof, Person, Subscription
from tests.app import builders as b


@pytest.fixture
def cat(core):
    return b.build_catalog(core)


@pytest.fixture
def actor(core, make_actor):
    return make_actor(core, "recep")


def test_renewing_a_student_proof_moves_the_guarantee(core, cat, actor):
    pid = b.add_person(core, customer_type="student", price_guarantee_until=date(2026, 12, 31))
    leg = replace(b.STUDENT, proof_valid_until=date(2027, 12, 31))
    preview = CertifyCustomerTypeRoutine(core).preview(CertifyCustomerType(pid, leg))
    assert preview.renewal and preview.price_changes == ()
    CertifyCustomerTypeRoutine(core).execute(CertifyCustomerType(pid, leg), actor)
    with core.sessions() as s:
        assert s.get(Person, pid).price_guarantee_until == date(2027, 12, 31)
        proof = s.scalar(select(CustomerTypeProof))
        assert (proof.customer_type, proof.valid_until, proof.certified_by) == (
            "student", date(2027, 12, 31), actor.user_id)


def test_a_renewal_must_extend_the_guarantee(core, cat, actor):
    pid = b.add_person(core, customer_type="student", price_guarantee_until=date(2027, 12, 31))
    before = b.counts(core)
    with pytest.raises(ValidationError, match="gälla längre"):
        CertifyCustomerTypeRoutine(core).execute(CertifyCustomerType(pid, b.STUDENT), actor)
    assert b.counts(core) == before


def test_changing_type_reprices_private_subscriptions_from_the_next_debit(core, cat, actor):
    pid = b.add_person(core)
    org = b.add_organisation(core, price_list_id=cat.org_list)
    private = b.add_subscription(core, pid, cat.gym_ag, start=date(2026, 1, 1), charged_through=date(2026, 12, 31),
                                 price_list_id=cat.ordinarie)
    agreement = b.add_subscription(core, pid, cat.gym_kontant, start=date(2026, 1, 1),
                                   charged_through=date(2026, 12, 31), status="uppsagt", price_ore=300000,
                                   price_list_id=cat.org_list, organisation_id=org)
    result = CertifyCustomerTypeRoutine(core).execute(CertifyCustomerType(pid, b.STUDENT), actor)
    assert result.repriced_subscription_ids == (private,)
    with core.sessions() as s:
        person = s.get(Person, pid)
        assert (person.customer_type, person.price_guarantee_until) == ("student", date(2027, 6, 30))
        sub = s.get(Subscription, private)
        assert (sub.price_ore, sub.price_list_id, sub.charged_through) == (30000, cat.student, date(2026, 12, 31))
        assert s.get(Subscription, agreement).price_ore == 300000


def test_pensioner_subtype_is_recorded_and_age_checked(core, cat, actor):
    b.settings(core, price_list_pensionar=cat.ordinarie)
    old = b.add_person(core, b.person_data(b.pnr("19500101"), first="Gun"))
    leg = Legitimation("pensionar", "svensk", pensioner_subtype="alderspensionar", proof_kind="alder",
                       checked=frozenset({"id", "proof"}))
    CertifyCustomerTypeRoutine(core).execute(CertifyCustomerType(old, leg), actor)
    with core.sessions() as s:
        assert (s.get(Person, old).customer_type, s.get(Person, old).pensioner_subtype) == (
            "pensionar", "alderspensionar")
    young = b.add_person(core)
    before = b.counts(core)
    with pytest.raises(ValidationError, match="minst 65"):
        CertifyCustomerTypeRoutine(core).execute(CertifyCustomerType(young, leg), actor)
    assert b.counts(core) == before
