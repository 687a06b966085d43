"""Registration flows 1–5 end to end on both databases: what Slutför writes, and what preview shows."""
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from app.errors import Conflict
from app.routines.person_data import AddressData
from app.routines.register import RegisterRoutine
from app.routines.registration_data import AccessData, NewPreOrder, ProductChoice
from db.models import (AuditEntry, AutogiroMandate, Card, CustomerTypeProof, Order, OutboxMessage, Person, Photo,
                       PreOrder, Subscription, OnlinePurchase)
from tests.app import builders as b


@pytest.fixture
def cat(core):
    return b.build_catalog(core)


@pytest.fixture
def actor(core, make_actor):
    return make_actor(core, "recep")


def test_new_private_customer_writes_everything_in_one_go(core, cat, actor):
    b.settings(core, internal_message_for_routines="Hanteras med kundrutiner.")
    result = RegisterRoutine(core).execute(b.registration(cat), actor)
    with core.sessions() as s:
        person = s.get(Person, result.person_id)
        assert person.personnummer == "198507099805" and person.customer_number == result.customer_number
        assert person.customer_type == "ordinarie" and person.price_guarantee_until is None
        assert person.registered_with_routines and person.internal_message == "Hanteras med kundrutiner."
        sub = s.get(Subscription, result.subscription_id)
        assert (sub.product_id, sub.price_list_id, sub.price_ore) == (cat.gym_ag, cat.ordinarie, 40000)
        assert (sub.start_date, sub.charged_through, sub.binding_end, sub.status) == (
            date(2026, 11, 22), date(2026, 12, 21), date(2027, 11, 21), "aktivt")
        assert sub.user_id == sub.payer_id == person.id and sub.parent_id is None
        order = s.get(Order, result.order_id)
        assert [(li.description, li.amount_ore, li.vat_basis_points) for li in order.lines] == [
            ("Gym AG", 40000, 600), ("Administrationsavgift", 20000, 2500)]
        assert order.lines[0].subscription_id == sub.id and order.lines[1].subscription_id is None
        assert order.desk == "Kassa 1" and order.routine == "Registrera ny privatkund"
        assert result.total_ore == order.total_ore == 60000
        card = s.scalar(select(Card).where(Card.person_id == person.id))
        assert (card.card_number, card.status) == ("0004520100", "aktivt")
        assert s.scalar(select(Photo.is_current).where(Photo.person_id == person.id)) is True
        mandate = s.scalar(select(AutogiroMandate).where(AutogiroMandate.person_id == person.id))
        assert (mandate.status, mandate.clearing, mandate.account_number, mandate.bank_name) == (
            "ny", "5000", "1234560", "SEB")
        proof = s.scalar(select(CustomerTypeProof).where(CustomerTypeProof.person_id == person.id))
        assert (proof.customer_type, proof.id_document, proof.certified_by) == ("ordinarie", "svensk", actor.user_id)
        assert s.scalar(select(AuditEntry.action).where(AuditEntry.entity == "person")) == "Registrering"


def test_preview_shows_lines_first_payment_monthly_amount_and_binding(core, cat):
    cmd = b.registration(cat, products=ProductChoice(cat.gym_ag, (cat.admin_fee, cat.towel)))
    preview = RegisterRoutine(core).preview(cmd)
    assert [(li.description, li.amount_ore, li.kind) for li in preview.lines] == [
        ("Gym AG", 40000, "huvud"), ("Administrationsavgift", 20000, "vara"), ("Handduksabonnemang", 5000, "tillagg")]
    assert preview.first_payment_ore == preview.total_ore == 65000
    assert preview.monthly_ore == 45000
    assert (preview.binding_months, preview.binding_end) == (12, date(2027, 11, 21))
    assert (preview.start_date, preview.charged_through, preview.status) == (
        date(2026, 11, 22), date(2026, 12, 21), "aktivt")
    assert preview.price_list_name == "Ordinarie" and preview.needs_mandate and preview.new_mandate
    assert b.counts(core)["persons"] == 0  # preview writes nothing


def test_addon_subscription_is_linked_to_the_main_one(core, cat, actor):
    cmd = b.registration(cat, products=ProductChoice(cat.gym_ag, (cat.admin_fee, cat.towel)))
    result = RegisterRoutine(core).execute(cmd, actor)
    with core.sessions() as s:
        addon = s.scalar(select(Subscription).where(Subscription.parent_id == result.subscription_id))
        assert (addon.product_id, addon.price_ore, addon.charged_through, addon.start_date) == (
            cat.towel, 5000, date(2026, 12, 21), date(2026, 11, 22))
    assert result.total_ore == 65000


def test_student_gets_student_prices_and_a_price_guarantee(core, cat, actor):
    result = RegisterRoutine(core).execute(b.registration(cat, legitimation=b.STUDENT), actor)
    with core.sessions() as s:
        person = s.get(Person, result.person_id)
        assert (person.customer_type, person.price_guarantee_until) == ("student", date(2027, 6, 30))
        sub = s.get(Subscription, result.subscription_id)
        assert (sub.price_list_id, sub.price_ore) == (cat.student, 30000)
        proof = s.scalar(select(CustomerTypeProof))
        assert (proof.proof_kind, proof.valid_until) == ("mecenatkort", date(2027, 6, 30))
    assert result.total_ore == 30000 + 20000


def test_kontant_needs_no_mandate_and_covers_its_validity(core, cat, actor):
    cmd = b.registration(cat, product=cat.gym_kontant)
    preview = RegisterRoutine(core).preview(cmd)
    assert preview.monthly_ore is None and not preview.needs_mandate and preview.binding_end is None
    result = RegisterRoutine(core).execute(cmd, actor)
    with core.sessions() as s:
        sub = s.get(Subscription, result.subscription_id)
        assert sub.charged_through == date(2027, 11, 21)
        assert s.scalar(select(AutogiroMandate)) is None
    assert result.total_ore == 480000


def test_bank_account_checksum_warning_is_shown_not_blocking(core, cat, actor):
    mandate = replace(b.MANDATE, clearing="8327-9", account="99 123 456-7")
    cmd = b.registration(cat, mandate=mandate)
    assert any("Swedbank" in w for w in RegisterRoutine(core).preview(cmd).warnings)
    result = RegisterRoutine(core).execute(cmd, actor)
    assert any("Swedbank" in w for w in result.warnings)


def test_existing_customer_data_is_updated_and_message_appended(core, cat, actor):
    b.settings(core, internal_message_for_routines="Hanteras med kundrutiner.")
    pid = b.add_person(core, internal_message="Betalar alltid kontant.")
    data = replace(b.person_data(), email="ny@example.se", address=AddressData("Nygatan 2", "", "41301", "Göteborg"))
    cmd = b.registration(cat, "befintlig_privatkund", person_id=pid, person=data)
    RegisterRoutine(core).execute(cmd, actor)
    with core.sessions() as s:
        person = s.get(Person, pid)
        assert person.email == "ny@example.se" and person.addresses[0].town == "Göteborg"
        assert person.internal_message == "Betalar alltid kontant.\n\nHanteras med kundrutiner."
        assert b.count(core, Person) == 1


def test_signing_in_advance_starts_the_day_after_the_current_one_ends(core, cat, actor):
    pid = b.add_person(core)
    old = b.add_subscription(core, pid, cat.gym_kontant, start=date(2025, 12, 10), charged_through=date(2026, 12, 9))
    cmd = b.registration(cat, "befintlig_privatkund", person_id=pid, product=cat.gym_kontant, access=AccessData())
    result = RegisterRoutine(core).execute(cmd, actor)
    with core.sessions() as s:
        new = s.get(Subscription, result.subscription_id)
        assert (new.start_date, new.status, new.charged_through) == (date(2026, 12, 10), "kommande",
                                                                      date(2027, 12, 9))
        assert s.get(Subscription, old).status == "aktivt"


def test_an_expired_kontant_subscription_is_closed_by_the_new_one(core, cat, actor):
    pid = b.add_person(core)
    old = b.add_subscription(core, pid, cat.gym_kontant, start=date(2025, 10, 1), charged_through=date(2026, 9, 30))
    cmd = b.registration(cat, "befintlig_privatkund", person_id=pid, product=cat.gym_kontant, access=AccessData())
    result = RegisterRoutine(core).execute(cmd, actor)
    with core.sessions() as s:
        closed = s.get(Subscription, old)
        assert (closed.status, closed.end_date) == ("avslutat", date(2026, 9, 30))
        assert s.get(Subscription, result.subscription_id).status == "aktivt"


def test_existing_mandate_is_kept_when_no_new_one_is_given(core, cat, actor):
    pid = b.add_person(core)
    mandate = b.add_mandate(core, pid, status="aktivt")
    RegisterRoutine(core).execute(b.registration(cat, "befintlig_privatkund", person_id=pid, mandate=None), actor)
    with core.sessions() as s:
        assert [(m.id, m.status) for m in s.scalars(select(AutogiroMandate))] == [(mandate, "aktivt")]


@pytest.mark.parametrize("status", ["ny", "aktivt"])
def test_a_new_mandate_replaces_the_current_one(core, cat, actor, status):
    pid = b.add_person(core)
    old = b.add_mandate(core, pid, status=status)
    RegisterRoutine(core).execute(b.registration(cat, "befintlig_privatkund", person_id=pid), actor)
    with core.sessions() as s:
        rows = {m.id: m.status for m in s.scalars(select(AutogiroMandate))}
        assert rows.pop(old) == "makulerat" and list(rows.values()) == ["ny"]


def test_a_new_card_blocks_the_old_one_and_a_new_photo_becomes_current(core, cat, actor):
    pid = b.add_person(core)
    old_card = b.add_card(core, pid, "1111")
    with core.sessions() as s, s.begin():
        s.add(Photo(person_id=pid, jpeg=b.JPEG, taken_at=b.NOW, is_current=True))
    cmd = b.registration(cat, "befintlig_privatkund", person_id=pid,
                         access=AccessData(card_number="2222", photo_jpeg=b.JPEG + b"new"))
    assert RegisterRoutine(core).preview(cmd).blocks_card_number == "1111"
    RegisterRoutine(core).execute(cmd, actor)
    with core.sessions() as s:
        assert {c.card_number: c.status for c in s.scalars(select(Card))} == {"1111": "sparrat", "2222": "aktivt"}
        assert s.get(Card, old_card).blocked_at is not None
        photos = s.scalars(select(Photo).order_by(Photo.id)).all()
        assert [p.is_current for p in photos] == [False, True] and photos[1].jpeg.endswith(b"new")


def test_keeping_the_same_card_number_changes_nothing(core, cat, actor):
    pid = b.add_person(core)
    b.add_card(core, pid, "1111")
    cmd = b.registration(cat, "befintlig_privatkund", person_id=pid, access=AccessData(card_number="1111"))
    RegisterRoutine(core).execute(cmd, actor)
    with core.sessions() as s:
        assert [(c.card_number, c.status) for c in s.scalars(select(Card))] == [("1111", "aktivt")]


def test_organisation_customer_gets_the_organisation_price_list(core, cat, actor):
    org = b.add_organisation(core, price_list_id=cat.org_list)
    cmd = b.registration(cat, "ny_organisationskund", organisation_id=org, legitimation=b.ORG_MEMBER)
    result = RegisterRoutine(core).execute(cmd, actor)
    with core.sessions() as s:
        sub = s.get(Subscription, result.subscription_id)
        assert (sub.price_list_id, sub.price_ore, sub.organisation_id) == (cat.org_list, 25000, org)
        assert s.get(Person, result.person_id).organisation_id == org
        assert s.get(Order, result.order_id).routine == "Registrera ny organisationskund"


def test_organisation_without_price_list_falls_back_to_ordinarie(core, cat, actor):
    org = b.add_organisation(core)
    cmd = b.registration(cat, "ny_organisationskund", organisation_id=org, legitimation=b.ORG_MEMBER)
    assert RegisterRoutine(core).preview(cmd).price_list_id == cat.ordinarie


def _preorder_setup(core, cat, **kw):
    b.settings(core, preorders_enabled=True)
    manager = b.add_manager(core)
    org = b.add_organisation(core, price_list_id=cat.org_list, uses_preorders=True, account_manager_id=manager)
    return org


def test_using_a_preorder_marks_it_used_once(core, cat, actor):
    org = _preorder_setup(core, cat)
    pre = b.add_preorder(core, org, cat.gym_ag, personnummer="198507099805")
    # a pre-order by personnummer proves the membership: no organisation tick needed
    cmd = b.registration(cat, "ny_organisationskund", organisation_id=org, preorder_id=pre)
    result = RegisterRoutine(core).execute(cmd, actor)
    with core.sessions() as s:
        row = s.get(PreOrder, pre)
        assert (row.status, row.used_by_person_id, row.used_subscription_id) == (
            "utnyttjad", result.person_id, result.subscription_id)
        assert row.used_at is not None


def test_a_new_preorder_is_created_used_and_mailed_to_the_account_manager(core, cat, actor):
    org = _preorder_setup(core, cat)
    new = NewPreOrder(cat.gym_ag, date(2026, 11, 1), date(2027, 10, 31), "Anna Öberg", "anna@foretag.se",
                      personnummer="850709-9805")
    cmd = b.registration(cat, "ny_organisationskund", organisation_id=org, new_preorder=new,
                         legitimation=b.ORG_MEMBER)
    result = RegisterRoutine(core).execute(cmd, actor)
    with core.sessions() as s:
        row = s.scalar(select(PreOrder))
        assert (row.status, row.personnummer, row.used_subscription_id, row.created_by) == (
            "utnyttjad", "198507099805", result.subscription_id, actor.user_id)
        mail = s.scalar(select(OutboxMessage))
        assert (mail.channel, mail.recipient, mail.status) == ("epost", "kam@klubben.se", "vantar")
        assert "Anna Öberg" in mail.subject and "Företag AB" in mail.subject
        assert "Gym AG" in mail.body and "2026-11-01 – 2027-10-31" in mail.body and "Anna Öberg" in mail.body


def test_new_preorder_without_account_manager_email_warns(core, cat, actor):
    b.settings(core, preorders_enabled=True)
    org = b.add_organisation(core, price_list_id=cat.org_list, uses_preorders=True)
    new = NewPreOrder(cat.gym_ag, date(2026, 11, 1), date(2027, 10, 31), "Anna Öberg", "anna@foretag.se",
                      personnummer="850709-9805")
    cmd = b.registration(cat, "ny_organisationskund", organisation_id=org, new_preorder=new,
                         legitimation=b.ORG_MEMBER)
    result = RegisterRoutine(core).execute(cmd, actor)
    assert any("kundansvarig" in w for w in result.warnings) and b.count(core, OutboxMessage) == 0


def test_existing_customer_uses_an_agreement(core, cat, actor):
    pid = b.add_person(core)
    org = b.add_organisation(core, price_list_id=cat.org_list)
    cmd = b.registration(cat, "avtal_forbestallning", person_id=pid, organisation_id=org,
                         legitimation=b.ORG_MEMBER)
    result = RegisterRoutine(core).execute(cmd, actor)
    with core.sessions() as s:
        assert s.get(Person, pid).organisation_id == org
        assert s.get(Subscription, result.subscription_id).price_ore == 25000


def _pickup(core, cat, *, customer_type="student", paid=30000, registered_on=date(2026, 11, 12)):
    pid = b.add_person(core)
    purchase = b.add_online_purchase(core, pid, cat.gym_ag, cat.student if customer_type == "student"
                                     else cat.ordinarie, customer_type=customer_type, price_paid_ore=paid,
                                     registered_on=registered_on, addon_ids=(cat.admin_fee,))
    return pid, purchase


def test_pickup_with_proven_type_costs_nothing_and_extends_charged_through(core, cat, actor):
    pid, purchase = _pickup(core, cat)
    cmd = b.registration(cat, "uthamtning", person_id=pid, online_purchase_id=purchase, legitimation=b.STUDENT,
                         products=None)
    preview = RegisterRoutine(core).preview(cmd)
    assert preview.total_ore == 0 and {li.kind for li in preview.lines} == {"betald_online"}
    result = RegisterRoutine(core).execute(cmd, actor)
    assert result.order_id is None and result.total_ore == 0
    with core.sessions() as s:
        sub = s.get(Subscription, result.subscription_id)
        # registered 2026-11-12: first month to 2026-12-11, plus 10 days (picked up 10 days later, max 14)
        assert (sub.start_date, sub.charged_through, sub.price_ore) == (date(2026, 11, 12), date(2026, 12, 21),
                                                                        30000)
        p = s.get(OnlinePurchase, purchase)
        assert (p.status, p.subscription_id) == ("uthamtad", sub.id) and p.picked_up_at is not None
        assert s.get(Person, pid).customer_type == "student"


def test_pickup_extension_is_capped_by_the_setting(core, cat, actor):
    pid, purchase = _pickup(core, cat, registered_on=date(2026, 11, 2))
    cmd = b.registration(cat, "uthamtning", person_id=pid, online_purchase_id=purchase, legitimation=b.STUDENT,
                         products=None)
    # 20 days since registration, max 14: 2026-12-01 + 14 days
    assert RegisterRoutine(core).preview(cmd).charged_through == date(2026, 12, 15)


def test_pickup_without_proof_becomes_ordinarie_and_pays_the_difference(core, cat, actor):
    pid, purchase = _pickup(core, cat)
    cmd = b.registration(cat, "uthamtning", person_id=pid, online_purchase_id=purchase, products=None)
    preview = RegisterRoutine(core).preview(cmd)
    adjustments = [li for li in preview.lines if li.kind == "prisjustering"]
    assert [(li.amount_ore, li.product_id) for li in adjustments] == [(10000, cat.gym_ag)]
    assert preview.adjustment_total_ore == preview.total_ore == 10000
    result = RegisterRoutine(core).execute(cmd, actor)
    with core.sessions() as s:
        assert s.get(Person, pid).customer_type == "ordinarie"
        sub = s.get(Subscription, result.subscription_id)
        assert (sub.price_ore, sub.price_list_id) == (40000, cat.ordinarie)
        order = s.get(Order, result.order_id)
        assert order.total_ore == 10000 and "Prisjustering" in order.lines[-1].description


def test_pickup_without_repricing_charges_no_difference(core, cat, actor):
    b.settings(core, pickup_retroactive_repricing=False)
    pid, purchase = _pickup(core, cat)
    cmd = b.registration(cat, "uthamtning", person_id=pid, online_purchase_id=purchase, products=None)
    result = RegisterRoutine(core).execute(cmd, actor)
    assert result.order_id is None and result.total_ore == 0


def test_a_command_runs_once(core, cat, actor):
    cmd = b.registration(cat)
    first = RegisterRoutine(core).execute(cmd, actor)
    before = b.counts(core)
    assert RegisterRoutine(core).execute(cmd, actor) == first  # the stored result: nothing runs twice
    assert b.counts(core) == before


def test_the_routine_message_is_not_added_twice(core, cat, actor):
    b.settings(core, internal_message_for_routines="Hanteras med kundrutiner.")
    pid = b.add_person(core, internal_message="Betalar kontant.\n\nHanteras med kundrutiner.")
    RegisterRoutine(core).execute(b.registration(cat, "befintlig_privatkund", person_id=pid), actor)
    with core.sessions() as s:
        assert s.get(Person, pid).internal_message == "Betalar kontant.\n\nHanteras med kundrutiner."
