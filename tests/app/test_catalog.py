"""The read side of the registration pages, on both databases."""
from datetime import date

import pytest

from app.errors import ValidationError
from app.queries import catalog as q
from app.settings import load_settings
from db.models import Photo
from tests.app import builders as b


@pytest.fixture
def cat(core):
    return b.build_catalog(core)


def test_only_types_with_a_price_list_are_selectable(core):
    b.build_catalog(core, student_list=False)
    with core.sessions() as s:
        assert q.selectable_customer_types(load_settings(s)) == ("ordinarie",)


def test_price_list_by_organisation_type_and_fallback(core, cat):
    with_list = b.add_organisation(core, price_list_id=cat.org_list)
    without = b.add_organisation(core, "Annat AB", "556036-0793")
    with core.sessions() as s:
        st = load_settings(s)
        assert q.price_list_for(s, st, "student", with_list) == cat.org_list
        assert q.price_list_for(s, st, "student", without) == cat.ordinarie
        assert q.price_list_for(s, st, "student") == cat.student
        assert q.price_list_for(s, st, "pensionar") == cat.ordinarie


def test_missing_ordinarie_list_is_a_clear_error(core):
    with core.sessions() as s, pytest.raises(ValidationError, match="Ordinarieprislistan"):
        q.price_list_for(s, load_settings(s), "ordinarie")


def test_main_products_carry_the_list_price(core, cat):
    with core.sessions() as s:
        rows = q.main_products(s, cat.student)
        assert [(r.name, r.payment, r.price_ore) for r in rows] == [
            ("Studentgym AG", "AG", 20000), ("Gym AG", "AG", 30000), ("Gym 12 månader", "kontant", 360000)]
        ag = rows[1]
        assert (ag.interval_months, ag.binding_months, ag.notice_months) == (1, 12, 1)


def test_addons_leave_out_ej_valbart_and_put_mandatory_first(core, cat):
    with core.sessions() as s:
        rows = q.addons_for(s, cat.gym_ag, cat.ordinarie, "registrering")
        assert [(r.name, r.availability, r.price_ore) for r in rows] == [
            ("Administrationsavgift", "obligatoriskt", 20000), ("Handduksabonnemang", "valbart", 5000)]
        assert rows[0].mandatory and not rows[1].mandatory
        assert q.addons_for(s, cat.gym_kontant, cat.ordinarie, "registrering") == []


def test_price_summary(core, cat):
    with core.sessions() as s:
        summary = q.price_summary(s, cat.ordinarie, cat.gym_ag, [cat.admin_fee, cat.towel], date(2026, 11, 22))
        assert (summary.first_payment_ore, summary.monthly_ore, summary.binding_months, summary.binding_end) == (
            65000, 45000, 12, date(2027, 11, 21))
        kontant = q.price_summary(s, cat.ordinarie, cat.gym_kontant, [], date(2026, 11, 22))
        assert (kontant.first_payment_ore, kontant.monthly_ore, kontant.charged_through) == (
            480000, None, date(2027, 11, 21))


def test_search_organisations_by_name_prefix_and_number(core, cat):
    b.add_organisation(core, "Åkeriet i Norr AB", "556036-0793")
    b.add_organisation(core, "Företag AB", "556016-0680")
    with core.sessions() as s:
        assert [o.name for o in q.search_organisations(s, "akeri")] == ["Åkeriet i Norr AB"]
        assert [o.name for o in q.search_organisations(s, "5560160680")] == ["Företag AB"]
        assert q.search_organisations(s, "  ") == [] and q.search_organisations(s, "Zeta") == []


def test_preorders_for_a_person_and_all_open(core, cat):
    org = b.add_organisation(core)
    mine = b.add_preorder(core, org, cat.gym_ag, personnummer="198507099805")
    by_birth = b.add_preorder(core, org, cat.gym_ag, birth_date=date(1985, 7, 9), name="Anna B")
    b.add_preorder(core, org, cat.gym_ag, personnummer="198507099805", valid_to=date(2026, 11, 21))  # expired
    other = b.add_preorder(core, org, cat.gym_ag, personnummer=b.pnr("19900101").replace("-", ""), name="Bo Ek")
    with core.sessions() as s:
        rows = q.preorders_for(s, org, "198507099805", date(1985, 7, 9), b.TODAY)
        assert {r.id for r in rows} == {mine, by_birth}
        assert {r.id for r in q.all_open_preorders(s, org, "bo", b.TODAY)} == {other}
        assert len(q.all_open_preorders(s, org, "")) == 4
        assert [o.id for o in q.organisations_with_preorders_for(s, "198507099805", b.TODAY)] == [org]


def test_person_state_for_the_pages(core, cat):
    pid = b.add_person(core)
    b.add_mandate(core, pid, status="hos_bgc")
    b.add_card(core, pid, "1111", status="sparrat")
    b.add_card(core, pid, "2222")
    with core.sessions() as s, s.begin():
        s.add(Photo(person_id=pid, jpeg=b.JPEG, taken_at=b.NOW, is_current=True))
    purchase = b.add_online_purchase(core, pid, cat.gym_ag, cat.student, customer_type="student",
                                     price_paid_ore=30000, registered_on=date(2026, 11, 12), addon_ids=(cat.towel,))
    with core.sessions() as s:
        mandate = q.current_mandate(s, pid)
        assert mandate.status == "hos_bgc" and not mandate.replaceable
        assert q.active_card(s, pid).card_number == "2222"
        assert q.card_number_taken(s, "2222") and not q.card_number_taken(s, "2222", except_person_id=pid)
        assert not q.card_number_taken(s, "1111")
        assert q.current_photo(s, pid).jpeg == b.JPEG
        row = q.pending_online_purchase(s, pid)
        assert (row.id, row.addon_ids, row.customer_type) == (purchase, (cat.towel,), "student")
        prefill = q.existing_customer_prefill(s, pid)
        assert (prefill.personnummer, prefill.first_name, prefill.address.town) == (
            "198507099805", "Anna", "Stockholm")


def test_signing_verdict(core, cat):
    pid = b.add_person(core)
    b.add_subscription(core, pid, cat.gym_kontant, start=date(2026, 4, 1), charged_through=date(2027, 3, 31))
    with core.sessions() as s:
        st = load_settings(s)
        assert not q.signing_verdict(s, st, pid, "befintlig_privatkund", b.TODAY)
        assert q.signing_verdict(s, st, pid, "avtal_forbestallning", b.TODAY)  # 0 = no limit
