"""Every rule the registration routine enforces: a refused command says why (Swedish) and writes nothing."""
from dataclasses import replace
from datetime import date

import pytest

from app.errors import Conflict, NotAllowed, UserError, ValidationError
from app.routines.register import ExistingCustomer, RegisterRoutine
from app.routines.registration_data import AccessData, NewPreOrder, ProductChoice
from tests.app import builders as b


@pytest.fixture
def cat(core):
    return b.build_catalog(core)


@pytest.fixture
def actor(core, make_actor):
    return make_actor(core, "recep")


def refused(core, actor, cmd, error=UserError, match=None):
    """Execute must fail with the error, and not a single row may change."""
    before = b.counts(core)
    with pytest.raises(error, match=match) as info:
        RegisterRoutine(core).execute(cmd, actor)
    assert b.counts(core) == before
    return info.value


def test_duplicate_personnummer_offers_the_existing_customer(core, cat, actor):
    pid = b.add_person(core)
    err = refused(core, actor, b.registration(cat), ExistingCustomer, "redan en kund")
    assert err.person_id == pid and err.field == "personnummer"


def test_a_type_without_price_list_cannot_be_chosen(core, actor):
    cat = b.build_catalog(core, student_list=False)
    refused(core, actor, b.registration(cat, legitimation=b.STUDENT), ValidationError, "ingen prislista")


def test_minimum_age_for_ordinarie(core, cat, actor):
    b.settings(core, min_age_ordinarie=16)
    young = replace(b.person_data(), personnummer=b.pnr("20120301"))
    refused(core, actor, b.registration(cat, person=young, mandate=None, product=cat.gym_kontant),
            ValidationError, "minst 16 år")


def test_unticked_legitimation_is_refused(core, cat, actor):
    leg = replace(b.ORDINARIE, checked=frozenset())
    refused(core, actor, b.registration(cat, legitimation=leg), ValidationError, "Bocka i")


def test_bad_person_data_is_refused(core, cat, actor):
    refused(core, actor, b.registration(cat, person=replace(b.person_data(), email="anna@")), ValidationError,
            "E-postadressen")


def test_only_products_on_the_price_list(core, cat, actor):
    refused(core, actor, b.registration(cat, product=cat.student_only), ValidationError, "finns inte på prislistan")


def test_a_mandatory_addon_cannot_be_left_out(core, cat, actor):
    refused(core, actor, b.registration(cat, addons=()), ValidationError, "Obligatoriska tillägg saknas")


@pytest.mark.parametrize("extra", ["insurance", "card_product"])
def test_not_selectable_or_unknown_addons_are_refused(core, cat, actor, extra):
    addons = (cat.admin_fee, getattr(cat, extra))
    refused(core, actor, b.registration(cat, addons=addons), ValidationError, "kan inte väljas")


def test_ag_without_mandate_is_refused(core, cat, actor):
    refused(core, actor, b.registration(cat, mandate=None), ValidationError, "kräver ett autogiromedgivande")


def test_existing_customer_with_a_rejected_mandate_needs_a_new_one(core, cat, actor):
    pid = b.add_person(core)
    b.add_mandate(core, pid, status="avvisat")
    refused(core, actor, b.registration(cat, "befintlig_privatkund", person_id=pid, mandate=None),
            ValidationError, "kräver ett autogiromedgivande")


def test_a_mandate_at_bgc_cannot_be_replaced(core, cat, actor):
    pid = b.add_person(core)
    b.add_mandate(core, pid, status="hos_bgc")
    err = refused(core, actor, b.registration(cat, "befintlig_privatkund", person_id=pid), ValidationError, "BGC")
    assert err.field == "mandate"


def test_account_holder_must_be_18(core, cat, actor):
    mandate = replace(b.MANDATE, holder_personnummer=b.pnr("20100101"))
    refused(core, actor, b.registration(cat, mandate=mandate), ValidationError, "minst 18 år")


def test_bad_bank_account_is_refused(core, cat, actor):
    refused(core, actor, b.registration(cat, mandate=replace(b.MANDATE, account="1234567")), ValidationError,
            "kontrollsiffran")


def test_months_in_advance_rule(core, cat, actor):
    pid = b.add_person(core)
    b.add_subscription(core, pid, cat.gym_kontant, start=date(2026, 4, 1), charged_through=date(2027, 3, 31))
    cmd = b.registration(cat, "befintlig_privatkund", person_id=pid, product=cat.gym_kontant)
    refused(core, actor, cmd, ValidationError, "tidigast 2027-02-28")
    b.settings(core, months_in_advance=5)
    assert RegisterRoutine(core).preview(cmd).start_date == date(2027, 4, 1)


def test_a_running_autogiro_without_end_blocks_a_new_subscription(core, cat, actor):
    pid = b.add_person(core)
    b.add_subscription(core, pid, cat.gym_ag, start=date(2026, 1, 1), charged_through=date(2026, 11, 30))
    refused(core, actor, b.registration(cat, "befintlig_privatkund", person_id=pid), ValidationError,
            "utan slutdatum")


def test_an_upcoming_subscription_blocks_another(core, cat, actor):
    pid = b.add_person(core)
    b.add_subscription(core, pid, cat.gym_kontant, start=date(2026, 12, 1), charged_through=date(2027, 11, 30),
                       status="kommande")
    refused(core, actor, b.registration(cat, "befintlig_privatkund", person_id=pid), ValidationError,
            "kommande abonnemang")


def test_conversion_to_organisation_customer_rule(core, cat, actor):
    pid = b.add_person(core)
    org = b.add_organisation(core, price_list_id=cat.org_list)
    b.add_subscription(core, pid, cat.gym_kontant, start=date(2026, 6, 1), charged_through=date(2027, 5, 31))
    cmd = b.registration(cat, "avtal_forbestallning", person_id=pid, organisation_id=org,
                         legitimation=b.ORG_MEMBER, product=cat.gym_kontant)
    b.settings(core, org_conversion_max_months=3)
    refused(core, actor, cmd, ValidationError, "7 månader kvar")
    b.settings(core, org_conversion_max_months=0)  # no limit: starts when the current one ends
    preview = RegisterRoutine(core).preview(cmd)
    assert (preview.start_date, preview.status) == (date(2027, 6, 1), "kommande")


def test_card_number_used_by_someone_else_is_refused(core, cat, actor):
    other = b.add_person(core, b.person_data(b.pnr("19900101"), first="Bo"))
    b.add_card(core, other, "0004520100")
    refused(core, actor, b.registration(cat), Conflict, "Kortnumret används redan av en annan kund")


def test_a_blocked_card_number_can_be_reused(core, cat, actor):
    other = b.add_person(core, b.person_data(b.pnr("19900101"), first="Bo"))
    b.add_card(core, other, "0004520100", status="sparrat")
    RegisterRoutine(core).execute(b.registration(cat), actor)


@pytest.mark.parametrize("access, match", [
    (AccessData(card_number="12 34;56"), "siffror och bokstäver"),
    (AccessData(photo_jpeg=b"GIF89a"), "JPEG"),
])
def test_bad_access_data_is_refused(core, cat, actor, access, match):
    refused(core, actor, b.registration(cat, access=access), ValidationError, match)


def test_no_till_no_registration(core, cat, actor):
    core.till_enabled = False
    refused(core, actor, b.registration(cat), NotAllowed, "kassakoppling")


def test_organisation_flow_needs_the_membership_tick(core, cat, actor):
    org = b.add_organisation(core, price_list_id=cat.org_list)
    refused(core, actor, b.registration(cat, "ny_organisationskund", organisation_id=org), ValidationError,
            "Organisationstillhörighet")


def test_organisation_flow_needs_an_organisation(core, cat, actor):
    refused(core, actor, b.registration(cat, "ny_organisationskund", legitimation=b.ORG_MEMBER), ValidationError,
            "Välj organisation")


# --- pre-orders -------------------------------------------------------------------------------


@pytest.fixture
def pre_org(core, cat):
    b.settings(core, preorders_enabled=True)
    return b.add_organisation(core, price_list_id=cat.org_list, uses_preorders=True)


def org_cmd(cat, org, **kw):
    return b.registration(cat, "ny_organisationskund", organisation_id=org, legitimation=b.ORG_MEMBER, **kw)


def test_preorder_organisation_requires_a_preorder(core, cat, actor, pre_org):
    refused(core, actor, org_cmd(cat, pre_org), ValidationError, "använder förbeställningar")


def test_preorders_are_refused_when_the_organisation_does_not_use_them(core, cat, actor):
    org = b.add_organisation(core, price_list_id=cat.org_list)
    pre = b.add_preorder(core, org, cat.gym_ag, personnummer="198507099805")
    refused(core, actor, org_cmd(cat, org, preorder_id=pre), ValidationError, "använder inte förbeställningar")


@pytest.mark.parametrize("kw, error, match", [
    ({"status": "utnyttjad"}, Conflict, "redan utnyttjats vid en annan kassa"),
    ({"status": "utgangen"}, ValidationError, "inte längre öppen"),
    ({"valid_to": date(2026, 11, 21)}, ValidationError, "inte idag"),
    ({"valid_from": date(2026, 11, 23)}, ValidationError, "inte idag"),
    ({"personnummer": "199001011230"}, ValidationError, "annan person"),
    ({"personnummer": None, "birth_date": date(1990, 1, 1)}, ValidationError, "annan person"),
])
def test_preorder_must_be_open_valid_and_for_this_person(core, cat, actor, pre_org, kw, error, match):
    fields = {"personnummer": "198507099805", **kw}
    if fields["personnummer"] == "199001011230":
        fields["personnummer"] = b.pnr("19900101").replace("-", "")
    if fields.get("status") == "utnyttjad":
        pre = b.add_preorder(core, pre_org, cat.gym_ag, personnummer=fields["personnummer"])
        other = b.add_person(core, b.person_data(b.pnr("19900101"), first="Bo"))
        sub = b.add_subscription(core, other, cat.gym_ag, start=date(2026, 11, 1), charged_through=None,
                                 status="avslutat")
        from db.models import PreOrder

        with core.sessions() as s, s.begin():
            row = s.get(PreOrder, pre)
            row.status, row.used_subscription_id = "utnyttjad", sub
    else:
        pre = b.add_preorder(core, pre_org, cat.gym_ag, **fields)
    refused(core, actor, org_cmd(cat, pre_org, preorder_id=pre), error, match)


def test_preorder_of_another_organisation_is_refused(core, cat, actor, pre_org):
    other = b.add_organisation(core, "Annat AB", "556036-0793", uses_preorders=True)
    pre = b.add_preorder(core, other, cat.gym_ag, personnummer="198507099805")
    refused(core, actor, org_cmd(cat, pre_org, preorder_id=pre), ValidationError, "hör inte till")


def test_preorder_product_must_be_the_chosen_product(core, cat, actor, pre_org):
    pre = b.add_preorder(core, pre_org, cat.gym_kontant, personnummer="198507099805")
    refused(core, actor, org_cmd(cat, pre_org, preorder_id=pre), ValidationError, "Förbeställningen gäller Gym 12")


@pytest.mark.parametrize("change, match", [
    ({"email": "kam"}, "e-postadress"),
    ({"valid_from": date(2026, 12, 1)}, "gälla idag"),
    ({"personnummer": "", "birth_date": None}, "personnummer eller födelsedatum"),
    ({"personnummer": "19900101-1230"}, "stämmer inte"),
    ({"product_id": -1}, "skiljer sig"),
])
def test_a_new_preorder_is_checked(core, cat, actor, pre_org, change, match):
    new = NewPreOrder(cat.gym_ag, date(2026, 11, 1), date(2027, 10, 31), "Anna Öberg", "anna@foretag.se",
                      personnummer="850709-9805")
    if change.get("personnummer") == "19900101-1230":
        change = {"personnummer": b.pnr("19900101")}
    refused(core, actor, org_cmd(cat, pre_org, new_preorder=replace(new, **change)), ValidationError, match)


# --- online pickup ----------------------------------------------------------------------------


@pytest.mark.parametrize("status, error, match", [("uthamtad", Conflict, "redan uthämtat"),
                                                  ("makulerad", ValidationError, "makulerat")])
def test_pickup_needs_a_waiting_purchase(core, cat, actor, status, error, match):
    pid = b.add_person(core)
    purchase = b.add_online_purchase(core, pid, cat.gym_ag, cat.student, customer_type="student",
                                     price_paid_ore=30000, registered_on=date(2026, 11, 12), status=status)
    cmd = b.registration(cat, "uthamtning", person_id=pid, online_purchase_id=purchase, products=None)
    refused(core, actor, cmd, error, match)


def test_pickup_is_for_the_purchased_product(core, cat, actor):
    pid = b.add_person(core)
    purchase = b.add_online_purchase(core, pid, cat.gym_ag, cat.student, customer_type="student",
                                     price_paid_ore=30000, registered_on=date(2026, 11, 12))
    cmd = b.registration(cat, "uthamtning", person_id=pid, online_purchase_id=purchase,
                         products=ProductChoice(cat.gym_kontant))
    refused(core, actor, cmd, ValidationError, "Onlineköpet gäller Gym AG")


def test_a_prepaid_addon_cannot_be_dropped_at_pickup(core, cat, actor):
    pid = b.add_person(core)
    purchase = b.add_online_purchase(core, pid, cat.gym_ag, cat.student, customer_type="student",
                                     price_paid_ore=30000, registered_on=date(2026, 11, 12),
                                     addon_ids=(cat.admin_fee, cat.towel))
    cmd = b.registration(cat, "uthamtning", person_id=pid, online_purchase_id=purchase, legitimation=b.STUDENT,
                         products=ProductChoice(cat.gym_ag, (cat.admin_fee,)))
    refused(core, actor, cmd, ValidationError, "Handduksabonnemang")


# --- failures late in the transaction roll back everything ----------------------------------------


def test_a_failure_after_the_first_writes_leaves_nothing(core, cat, actor, monkeypatch):
    import app.routines.register as register

    def broken(*args, **kwargs):
        raise Conflict("Kassan svarar inte.")

    monkeypatch.setattr(register, "create_order", broken)
    refused(core, actor, b.registration(cat), Conflict, "Kassan svarar inte")
