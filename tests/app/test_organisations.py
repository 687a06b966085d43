"""Organisation search and card, the Ekonomi tab, and pre-order administration (SPEC §2.3, §4, §7).

Every test runs on SQLite and PostgreSQL. Rights are checked with the seeded users:
admin has all rights, recep lacks "Organisationer".
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.domain.preorder_csv import ERR_ALREADY_OPEN, apply_existing_open, read_preorder_file
from app.errors import Conflict, NotAllowed, NotFound, ValidationError
from app.queries.organisations import (account_manager_choices, list_preorders, load_organisation_card,
                                       open_preorder_keys, price_lists, products_on_org_price_list,
                                       search_organisations)
from app.routines.organisations import (ALREADY_REMOVED, DUPLICATE_OPEN, NO_PRICE_LIST, NOT_ON_PRICE_LIST,
                                        PREORDERS_OFF, USED_CANNOT_BE_REMOVED, AddPreOrder, AddPreOrderCommand,
                                        EconomyCommand, ImportPreOrders, ImportPreOrdersCommand, ImportRefused,
                                        ImportRow, RemovePreOrder, RemovePreOrderCommand, UpdateOrganisationEconomy)
from app.settings import save_setting
from db.models import AuditEntry, Organisation, PreOrder, User
from tests.app.orgdata import PREORDER_FILES, TODAY, add_preorder, build_orgs, preorder_count, preorders

D = timedelta(days=1)


@pytest.fixture
def orgs(core):
    return build_orgs(core)


def audit_count(core, action: str) -> int:
    with core.sessions() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def user_id(core, username: str) -> int:
    with core.sessions() as s:
        return s.scalar(select(User.id).where(User.username == username))


def org_row(core, org_id: int) -> Organisation:
    with core.sessions() as s:
        org = s.get(Organisation, org_id)
        s.expunge(org)
        return org


def enable_preorders(core, on: bool = True) -> None:
    with core.sessions() as s, s.begin():
        save_setting(s, "preorders_enabled", on)


def add_cmd(orgs, **changes) -> AddPreOrderCommand:
    values = dict(organisation_id=orgs.volvo, product_id=orgs.gym, valid_from=TODAY, valid_to=TODAY + 90 * D,
                  name="Åsa Öberg", personnummer="19850709-9805", email="asa@example.se")
    values.update(changes)
    return AddPreOrderCommand(**values)


def import_cmd(orgs, preview, **changes) -> ImportPreOrdersCommand:
    values = dict(organisation_id=orgs.volvo, product_id=orgs.gym, valid_from=TODAY, valid_to=TODAY + 365 * D,
                  rows=tuple(ImportRow.from_preview(r) for r in preview.valid_rows))
    values.update(changes)
    return ImportPreOrdersCommand(**values)


# --------------------------------------------------------------------------
# Search and card
# --------------------------------------------------------------------------


def test_search_by_name_prefix_is_case_and_accent_insensitive(core, orgs):
    with core.sessions() as s:
        assert [r.name for r in search_organisations(s, "volvo", 50)] == ["Volvo Personvagnar AB"]
        assert [r.name for r in search_organisations(s, "VOLVO pers", 50)] == ["Volvo Personvagnar AB"]
        assert [r.name for r in search_organisations(s, "ahl", 50)] == ["Åhléns AB"]
        assert [r.name for r in search_organisations(s, "Åhlén", 50)] == ["Åhléns AB"]
        assert search_organisations(s, "personvagnar", 50) == []  # a prefix, not a substring
        assert search_organisations(s, "", 50) == []


@pytest.mark.parametrize("text", ["556074-3089", "5560743089", " 556074 3089 ", "556074-3089 "])
def test_search_by_organisationsnummer_in_any_formatting(core, orgs, text):
    with core.sessions() as s:
        hits = search_organisations(s, text, 50)
    assert [(h.id, h.org_number) for h in hits] == [(orgs.volvo, "556074-3089")]


def test_organisation_card_shows_number_price_list_preorders_and_account_manager(core, orgs, make_actor):
    manager = user_id(core, "admin")
    admin = make_actor(core, "admin")
    with core.sessions() as s, s.begin():
        org = s.get(Organisation, orgs.volvo)
        org.account_manager_id, org.uses_preorders = manager, True
    open_id = add_preorder(core, orgs.volvo, orgs.gym, "Bo Ek", personnummer="196408233234")
    add_preorder(core, orgs.volvo, orgs.gym, "Ada Ek", birth_date=date(1977, 4, 12))
    add_preorder(core, orgs.volvo, orgs.gym, "Cilla Ek", personnummer="197704128011", status="borttagen")
    add_preorder(core, orgs.volvo, orgs.gym, "Dan Ek", personnummer="198812245556", status="utnyttjad")
    add_preorder(core, orgs.ericsson, orgs.gym, "Eva Ek", personnummer="196601019117")
    with core.sessions() as s:
        card = load_organisation_card(s, admin, orgs.volvo)
        bare = load_organisation_card(s, admin, orgs.ericsson)
    assert (card.name, card.org_number, card.price_list_name, card.uses_preorders, card.account_manager_name) == (
        "Volvo Personvagnar AB", "556074-3089", "Volvo avtal", True, "Ada Admin")
    assert card.open_preorders_count == 2
    assert [(p.name, p.identity, p.status_label) for p in card.open_preorders] == [
        ("Ada Ek", "1977-04-12", "Öppen"), ("Bo Ek", "19640823-3234", "Öppen")]
    assert card.open_preorders[1].id == open_id and card.open_preorders[1].product_name == "Gym AG"
    assert (bare.price_list_name, bare.uses_preorders, bare.account_manager_name, bare.open_preorders_count) == (
        None, False, None, 1)


def test_card_of_a_missing_organisation(core, orgs, make_actor):
    with core.sessions() as s, pytest.raises(NotFound) as info:
        load_organisation_card(s, make_actor(core, "admin"), 999_999)
    assert info.value.message == "Organisationen finns inte längre. Sök fram den igen."


def test_list_preorders_filters_by_status_and_text(core, orgs, make_actor):
    admin = make_actor(core, "admin")
    add_preorder(core, orgs.volvo, orgs.gym, "Bo Ek", personnummer="196408233234", email="bo@volvo.se")
    add_preorder(core, orgs.volvo, orgs.gym, "Åsa Öberg", birth_date=date(1977, 4, 12))
    add_preorder(core, orgs.volvo, orgs.gym, "Cilla Ek", personnummer="197704128011", status="borttagen")
    add_preorder(core, orgs.volvo, orgs.gym, "Dan Ek", personnummer="198812245556", status="utnyttjad")
    add_preorder(core, orgs.volvo, orgs.gym, "Eva Ek", personnummer="196601019117", status="utgangen")
    with core.sessions() as s:
        names = lambda **kw: [p.name for p in list_preorders(s, admin, orgs.volvo, **kw)]  # noqa: E731
        assert names() == ["Bo Ek", "Cilla Ek", "Dan Ek", "Eva Ek", "Åsa Öberg"]
        assert names(status="oppen") == ["Bo Ek", "Åsa Öberg"]
        assert names(status="utnyttjad") == ["Dan Ek"]
        assert names(status="utgangen") == ["Eva Ek"]
        assert names(status="borttagen") == ["Cilla Ek"]
        assert names(text="asa") == ["Åsa Öberg"]              # accent-insensitive
        assert names(text="19640823") == ["Bo Ek"]             # personnummer digits
        assert names(text="1977-04") == ["Cilla Ek", "Åsa Öberg"]  # birth date digits, also of a personnummer
        assert names(text="volvo.se") == ["Bo Ek"]             # e-mail
        assert names(status="oppen", text="ek") == ["Bo Ek"]
        with pytest.raises(ValueError):
            list_preorders(s, admin, orgs.volvo, status="open")


def test_pre_order_products_are_the_active_main_products_on_the_price_list(core, orgs, make_actor):
    admin = make_actor(core, "admin")
    with core.sessions() as s:
        products = products_on_org_price_list(s, admin, orgs.volvo)
        assert [(p.name, p.price_ore) for p in products] == [("Gym 12 månader", 299000), ("Gym AG", 29900)]
        assert products_on_org_price_list(s, admin, orgs.ericsson) == []
        assert [p.name for p in price_lists(s, admin)] == ["Ordinarie", "Volvo avtal"]
        assert [u.name for u in account_manager_choices(s, admin)] == ["Ada Admin", "Rut Reception"]


# --------------------------------------------------------------------------
# Ekonomi
# --------------------------------------------------------------------------


def test_economy_update_sets_price_list_account_manager_and_preorders(core, orgs, make_actor):
    enable_preorders(core)
    admin = make_actor(core, "admin")
    manager = user_id(core, "recep")
    UpdateOrganisationEconomy(core).execute(EconomyCommand(orgs.ericsson, orgs.other_list, manager, True), admin)
    org = org_row(core, orgs.ericsson)
    assert (org.price_list_id, org.account_manager_id, org.uses_preorders) == (orgs.other_list, manager, True)
    assert audit_count(core, "uppdatera_organisation_ekonomi") == 1
    # None leaves the flag as it is; clearing price list and manager is allowed
    UpdateOrganisationEconomy(core).execute(EconomyCommand(orgs.ericsson, None, None, None), admin)
    org = org_row(core, orgs.ericsson)
    assert (org.price_list_id, org.account_manager_id, org.uses_preorders) == (None, None, True)


def test_turning_preorders_on_is_refused_while_the_global_setting_is_off(core, orgs, make_actor):
    admin = make_actor(core, "admin")
    with pytest.raises(ValidationError) as info:
        UpdateOrganisationEconomy(core).execute(EconomyCommand(orgs.volvo, orgs.other_list, None, True), admin)
    assert info.value.message == PREORDERS_OFF and info.value.field == "uses_preorders"
    org = org_row(core, orgs.volvo)
    assert (org.price_list_id, org.uses_preorders) == (orgs.volvo_list, False)  # nothing written
    assert audit_count(core, "uppdatera_organisation_ekonomi") == 0
    # turning it off is always allowed
    with core.sessions() as s, s.begin():
        s.get(Organisation, orgs.volvo).uses_preorders = True
    UpdateOrganisationEconomy(core).execute(EconomyCommand(orgs.volvo, orgs.volvo_list, None, False), admin)
    assert org_row(core, orgs.volvo).uses_preorders is False


def test_economy_update_needs_the_right_organisationer(core, orgs, make_actor):
    enable_preorders(core)
    with pytest.raises(NotAllowed) as info:
        UpdateOrganisationEconomy(core).execute(EconomyCommand(orgs.ericsson, orgs.other_list, None, True),
                                                make_actor(core, "recep"))
    assert "Organisationer" in info.value.message
    org = org_row(core, orgs.ericsson)
    assert (org.price_list_id, org.uses_preorders) == (None, False)
    assert audit_count(core, "uppdatera_organisation_ekonomi") == 0


def test_economy_update_refuses_unknown_price_list_and_inactive_manager(core, orgs, make_actor):
    admin = make_actor(core, "admin")
    with pytest.raises(NotFound) as info:
        UpdateOrganisationEconomy(core).execute(EconomyCommand(orgs.volvo, 999_999, None), admin)
    assert info.value.field == "price_list"
    with core.sessions() as s, s.begin():
        s.scalar(select(User).where(User.username == "recep")).active = False
    with pytest.raises(ValidationError) as info:
        UpdateOrganisationEconomy(core).execute(EconomyCommand(orgs.volvo, None, user_id(core, "recep")), admin)
    assert info.value.field == "account_manager"
    assert org_row(core, orgs.volvo).price_list_id == orgs.volvo_list


# --------------------------------------------------------------------------
# Lägg till / Ta bort
# --------------------------------------------------------------------------


def test_add_preorder_with_personnummer(core, orgs, make_actor):
    admin = make_actor(core, "admin")
    new_id = AddPreOrder(core).execute(add_cmd(orgs, email="Asa@Example.SE"), admin)
    [p] = preorders(core, orgs.volvo)
    assert (p.id, p.name, p.personnummer, p.birth_date, p.email, p.status, p.created_by) == (
        new_id, "Åsa Öberg", "198507099805", date(1985, 7, 9), "Asa@example.se", "oppen", admin.user_id)
    assert (p.valid_from, p.valid_to, p.product_id) == (TODAY, TODAY + 90 * D, orgs.gym)
    assert audit_count(core, "lagg_till_forbestallning") == 1


def test_add_preorder_with_birth_date(core, orgs, make_actor):
    AddPreOrder(core).execute(add_cmd(orgs, personnummer="", birth_date=date(1990, 8, 7), name="  John  Smith "),
                              make_actor(core, "admin"))
    [p] = preorders(core, orgs.volvo)
    assert (p.name, p.personnummer, p.birth_date) == ("John Smith", None, date(1990, 8, 7))


@pytest.mark.parametrize("changes, field, message", [
    (dict(name=" "), "name", "Ange namn."),
    (dict(name="Åsa 2"), "name", "Namnet får inte innehålla siffror eller @."),
    (dict(personnummer="19850709-9806"), "personnummer",
     "Personnumret är felaktigt (kontrollsiffran stämmer inte). Kontrollera siffrorna."),
    (dict(personnummer=""), "personnummer", "Ange personnummer eller födelsedatum."),
    (dict(personnummer="", birth_date=TODAY + D), "birth_date", "Födelsedatumet ligger i framtiden."),
    (dict(personnummer="", birth_date=date(1899, 12, 31)), "birth_date",
         "Datumet måste ligga mellan 1900-01-01 och 2100-12-31."),
    (dict(birth_date=date(1985, 7, 9)), "birth_date", "Ange personnummer eller födelsedatum, inte båda."),
    (dict(email=""), "email", "Ange e-postadress."),
    (dict(email="asa.example.se"), "email", "E-postadressen är ogiltig. Skriv den som namn@exempel.se."),
    (dict(valid_from=TODAY + 10 * D, valid_to=TODAY + 9 * D), "valid_to",
     "Giltig till måste vara samma dag som Giltig från eller senare."),
    (dict(valid_from=TODAY - 30 * D, valid_to=TODAY - D), "valid_to",
     "Giltig till har redan passerat. Välj ett datum från och med i dag."),
])
def test_add_preorder_refuses_bad_input_and_writes_nothing(core, orgs, make_actor, changes, field, message):
    with pytest.raises(ValidationError) as info:
        AddPreOrder(core).execute(add_cmd(orgs, **changes), make_actor(core, "admin"))
    assert (info.value.field, info.value.message) == (field, message)
    assert preorder_count(core) == 0 and audit_count(core, "lagg_till_forbestallning") == 0


def test_add_preorder_product_must_be_on_the_organisations_price_list(core, orgs, make_actor):
    admin = make_actor(core, "admin")
    for product in (orgs.swim, orgs.towel, orgs.inactive):
        with pytest.raises(ValidationError) as info:
            AddPreOrder(core).execute(add_cmd(orgs, product_id=product), admin)
        assert (info.value.field, info.value.message) == ("product", NOT_ON_PRICE_LIST)
    with pytest.raises(ValidationError) as info:
        AddPreOrder(core).execute(add_cmd(orgs, organisation_id=orgs.ericsson), admin)
    assert info.value.message == NO_PRICE_LIST
    assert preorder_count(core) == 0


def test_add_preorder_refuses_a_duplicate_open_preorder(core, orgs, make_actor):
    admin = make_actor(core, "admin")
    add_preorder(core, orgs.volvo, orgs.gym, "Åsa Öberg", personnummer="198507099805")
    add_preorder(core, orgs.volvo, orgs.gym, "Bo Ek", birth_date=date(1964, 8, 23))
    with pytest.raises(Conflict) as info:
        AddPreOrder(core).execute(add_cmd(orgs, personnummer="850709-9805", name="Åsa Berg"), admin)
    assert info.value.message == DUPLICATE_OPEN and info.value.field == "personnummer"
    with pytest.raises(Conflict):  # the stored one has only a birth date: matched on birth date + name
        AddPreOrder(core).execute(add_cmd(orgs, personnummer="196408233234", name="BO  EK"), admin)
    assert preorder_count(core) == 2
    # another product, another organisation, or the old one no longer open: allowed
    AddPreOrder(core).execute(add_cmd(orgs, product_id=orgs.kontant), admin)
    AddPreOrder(core).execute(add_cmd(orgs, organisation_id=orgs.ahlens, product_id=orgs.swim), admin)
    with core.sessions() as s, s.begin():
        s.scalar(select(PreOrder).where(PreOrder.name == "Bo Ek")).status = "utgangen"
    AddPreOrder(core).execute(add_cmd(orgs, personnummer="196408233234", name="Bo Ek"), admin)
    assert preorder_count(core) == 5


def test_preorder_routines_need_the_right_organisationer(core, orgs, make_actor):
    recep = make_actor(core, "recep")
    existing = add_preorder(core, orgs.volvo, orgs.gym, "Bo Ek", personnummer="196408233234")
    preview = read_preorder_file(PREORDER_FILES / "libreoffice_cp1252_semicolon.csv", today=TODAY)
    for routine, command in ((AddPreOrder(core), add_cmd(orgs)),
                             (RemovePreOrder(core), RemovePreOrderCommand(existing)),
                             (ImportPreOrders(core), import_cmd(orgs, preview))):
        with pytest.raises(NotAllowed):
            routine.execute(command, recep)
    assert [(p.name, p.status) for p in preorders(core, orgs.volvo)] == [("Bo Ek", "oppen")]


def test_remove_preorder_marks_it_removed(core, orgs, make_actor):
    admin = make_actor(core, "admin")
    open_id = add_preorder(core, orgs.volvo, orgs.gym, "Bo Ek", personnummer="196408233234")
    expired_id = add_preorder(core, orgs.volvo, orgs.gym, "Eva Ek", personnummer="196601019117", status="utgangen")
    RemovePreOrder(core).execute(RemovePreOrderCommand(open_id), admin)
    RemovePreOrder(core).execute(RemovePreOrderCommand(expired_id), admin)
    assert [p.status for p in preorders(core, orgs.volvo)] == ["borttagen", "borttagen"]
    assert audit_count(core, "ta_bort_forbestallning") == 2
    with pytest.raises(Conflict) as info:
        RemovePreOrder(core).execute(RemovePreOrderCommand(open_id), admin)
    assert info.value.message == ALREADY_REMOVED
    with pytest.raises(NotFound):
        RemovePreOrder(core).execute(RemovePreOrderCommand(999_999), admin)


def test_a_used_preorder_cannot_be_removed(core, orgs, make_actor):
    used = add_preorder(core, orgs.volvo, orgs.gym, "Dan Ek", personnummer="198812245556", status="utnyttjad")
    with pytest.raises(Conflict) as info:
        RemovePreOrder(core).execute(RemovePreOrderCommand(used), make_actor(core, "admin"))
    assert info.value.message == USED_CANNOT_BE_REMOVED == "En utnyttjad förbeställning kan inte tas bort."
    [p] = preorders(core, orgs.volvo)
    assert p.status == "utnyttjad" and p.used_subscription_id is not None
    assert audit_count(core, "ta_bort_forbestallning") == 0


def test_remove_loses_the_race_against_a_desk_that_uses_the_preorder(core, orgs, make_actor, monkeypatch):
    """The pre-order is used between the check and the update: the conditional UPDATE refuses."""
    admin = make_actor(core, "admin")
    target = add_preorder(core, orgs.volvo, orgs.gym, "Dan Ek", personnummer="198812245556")
    used = add_preorder(core, orgs.volvo, orgs.gym, "Eva Ek", personnummer="196601019117", status="utnyttjad")
    original = RemovePreOrder.validate

    def validate_then_another_desk_uses_it(self, session, command):
        original(self, session, command)
        # The other desk's registration, simulated in the routine's own transaction: Eva's
        # subscription is handed over to Dan's pre-order, which becomes used.
        eva, dan = session.get(PreOrder, used), session.get(PreOrder, target)
        sub_id = eva.used_subscription_id
        eva.status, eva.used_subscription_id = "utgangen", None
        session.flush()
        dan.status, dan.used_subscription_id = "utnyttjad", sub_id
        session.flush()

    monkeypatch.setattr(RemovePreOrder, "validate", validate_then_another_desk_uses_it)
    with pytest.raises(Conflict) as info:
        RemovePreOrder(core).execute(RemovePreOrderCommand(target), admin)
    assert info.value.message == USED_CANNOT_BE_REMOVED
    assert {p.name: p.status for p in preorders(core, orgs.volvo)} == {"Dan Ek": "oppen", "Eva Ek": "utnyttjad"}


# --------------------------------------------------------------------------
# Importera
# --------------------------------------------------------------------------


@pytest.mark.parametrize("filename, valid, lines", [
    ("libreoffice_cp1252_semicolon.csv", 8, [1, 2, 3, 4, 5, 6, 7, 8]),
    ("excel_utf8_bom.csv", 4, [2, 3, 6, 7]),
    ("header_crlf.csv", 8, [2, 4, 5, 6, 7, 8, 11, 12]),
    ("bad_rows.csv", 5, [1, 14, 17, 30, 31]),
])
def test_import_each_real_world_file(core, orgs, make_actor, filename, valid, lines):
    admin = make_actor(core, "admin")
    preview = read_preorder_file(PREORDER_FILES / filename, today=TODAY)
    assert [r.line_no for r in preview.valid_rows] == lines
    progress = []
    count = ImportPreOrders(core, progress=lambda done, total: progress.append((done, total))).execute(
        import_cmd(orgs, preview), admin)
    assert count == valid == preorder_count(core, orgs.volvo)
    assert progress[-1] == (valid, valid)
    stored = preorders(core, orgs.volvo)
    assert [(p.name, p.personnummer, p.birth_date, p.email) for p in stored] == [
        (r.name, r.personnummer, r.birth_date, r.email) for r in preview.valid_rows]
    assert {(p.status, p.product_id, p.valid_from, p.valid_to, p.created_by) for p in stored} == {
        ("oppen", orgs.gym, TODAY, TODAY + 365 * D, admin.user_id)}
    assert audit_count(core, "importera_forbestallningar") == 1


def test_libreoffice_file_end_to_end_keeps_windows_1252_names(core, orgs, make_actor):
    preview = read_preorder_file(PREORDER_FILES / "libreoffice_cp1252_semicolon.csv", today=TODAY)
    ImportPreOrders(core).execute(import_cmd(orgs, preview), make_actor(core, "admin"))
    names = [p.name for p in preorders(core, orgs.volvo)]
    assert "Šárka Nováková" in names and 'Anna "Nina" Lind' in names and "Svensson, Karl" in names


def test_second_file_is_checked_against_the_open_preorders_of_the_first(core, orgs, make_actor):
    admin = make_actor(core, "admin")
    first = read_preorder_file(PREORDER_FILES / "libreoffice_cp1252_semicolon.csv", today=TODAY)
    ImportPreOrders(core).execute(import_cmd(orgs, first), admin)
    second = read_preorder_file(PREORDER_FILES / "header_crlf.csv", today=TODAY)
    with core.sessions() as s:
        marked = apply_existing_open(second, open_preorder_keys(s, admin, orgs.volvo, orgs.gym))
    # Karl Svensson, Erik Johansson (= Jürgen Müller's number) and Greta Holm (= Åsa Öberg's) are already open
    assert [(r.line_no, r.errors) for r in marked.invalid_rows] == [
        (8, [ERR_ALREADY_OPEN]), (11, [ERR_ALREADY_OPEN]), (12, [ERR_ALREADY_OPEN])]
    assert ImportPreOrders(core).execute(import_cmd(orgs, marked), admin) == 5
    assert preorder_count(core, orgs.volvo) == 13
    # for another product the same people are welcome
    assert ImportPreOrders(core).execute(import_cmd(orgs, second, product_id=orgs.kontant), admin) == 8


def test_import_revalidates_against_preorders_added_after_the_preview(core, orgs, make_actor):
    admin = make_actor(core, "admin")
    preview = read_preorder_file(PREORDER_FILES / "header_crlf.csv", today=TODAY)
    # meanwhile another account manager adds Britt Ek (birth date only) and Greta Holm (personnummer)
    add_preorder(core, orgs.volvo, orgs.gym, "Britt Ek", birth_date=date(1966, 1, 1))
    add_preorder(core, orgs.volvo, orgs.gym, "Greta Holm", personnummer="198507099805")
    with pytest.raises(ImportRefused) as info:
        ImportPreOrders(core).execute(import_cmd(orgs, preview), admin)
    assert [(p.line_no, p.reasons) for p in info.value.problems] == [(4, (ERR_ALREADY_OPEN,)),
                                                                      (12, (ERR_ALREADY_OPEN,))]
    assert info.value.message.startswith("Ingenting importerades: rad 4, 12 går inte längre att importera")
    assert preorder_count(core, orgs.volvo) == 2 and audit_count(core, "importera_forbestallningar") == 0


def test_import_refuses_rows_that_were_tampered_with_and_duplicates_within_the_batch(core, orgs, make_actor):
    admin = make_actor(core, "admin")
    good = ImportRow(1, "Åsa Öberg", "198507099805", date(1985, 7, 9), "asa@example.se")
    for rows, reason in (
            ((good, ImportRow(2, "Bo Ek", "198507099806", date(1985, 7, 9), "bo@example.se")),
             "Personnumret är felaktigt (kontrollsiffran stämmer inte). Kontrollera siffrorna."),
            ((good, ImportRow(2, "Bo Ek", None, date(1985, 7, 9), "bo(at)example.se")),
             "E-postadressen är ogiltig. Skriv den som namn@exempel.se."),
            ((good, ImportRow(2, "Åsa Öberg", "198507099805", date(1985, 7, 9), "x@example.se")),
             "Samma person finns redan på rad 1")):
        with pytest.raises(ImportRefused) as info:
            ImportPreOrders(core).execute(ImportPreOrdersCommand(orgs.volvo, orgs.gym, TODAY, TODAY, rows), admin)
        assert [(p.line_no, p.reasons) for p in info.value.problems] == [(2, (reason,))]
    assert preorder_count(core) == 0


def test_import_checks_product_validity_and_that_there_are_rows(core, orgs, make_actor):
    admin = make_actor(core, "admin")
    preview = read_preorder_file(PREORDER_FILES / "excel_utf8_bom.csv", today=TODAY)
    with pytest.raises(ValidationError) as info:
        ImportPreOrders(core).execute(import_cmd(orgs, preview, product_id=orgs.swim), admin)
    assert info.value.message == NOT_ON_PRICE_LIST
    with pytest.raises(ValidationError) as info:
        ImportPreOrders(core).execute(import_cmd(orgs, preview, valid_from=TODAY + D, valid_to=TODAY), admin)
    assert info.value.field == "valid_to"
    with pytest.raises(ValidationError) as info:
        ImportPreOrders(core).execute(import_cmd(orgs, preview, rows=()), admin)
    assert info.value.message == "Det finns inga giltiga rader att importera."
    with pytest.raises(NotFound):
        ImportPreOrders(core).execute(import_cmd(orgs, preview, organisation_id=999_999), admin)
    assert preorder_count(core) == 0


def test_import_is_all_or_nothing_when_the_database_refuses_a_row(core, orgs, make_actor, monkeypatch):
    """A failure in the last chunk rolls back the chunks already sent."""
    import app.routines.organisations as routines

    monkeypatch.setattr(routines, "INSERT_CHUNK", 2)
    monkeypatch.setattr(routines, "recheck_rows", lambda *a: [])  # let a broken row through to the database
    preview = read_preorder_file(PREORDER_FILES / "libreoffice_cp1252_semicolon.csv", today=TODAY)
    rows = [ImportRow.from_preview(r) for r in preview.valid_rows]
    rows[-1] = ImportRow(rows[-1].line_no, rows[-1].name, None, None, rows[-1].email)  # breaks CHECK identity
    written = []
    with pytest.raises(Conflict):
        ImportPreOrders(core, progress=lambda done, total: written.append(done)).execute(
            ImportPreOrdersCommand(orgs.volvo, orgs.gym, TODAY, TODAY, tuple(rows)), make_actor(core, "admin"))
    assert written == [2, 4, 6]  # three chunks were written before the fourth failed
    assert preorder_count(core) == 0 and audit_count(core, "importera_forbestallningar") == 0


def test_a_name_longer_than_the_column_is_refused_by_the_recheck(core, orgs, make_actor):
    rows = (ImportRow(7, "Å" * 201, None, date(1985, 7, 9), "a@example.se"),)
    with pytest.raises(ImportRefused) as info:
        ImportPreOrders(core).execute(ImportPreOrdersCommand(orgs.volvo, orgs.gym, TODAY, TODAY, rows),
                                      make_actor(core, "admin"))
    assert [(p.line_no, p.reasons) for p in info.value.problems] == [(7, ("Namnet får vara högst 200 tecken.",))]
    assert preorder_count(core) == 0


def ten_thousand_rows() -> tuple[ImportRow, ...]:
    rows = []
    start = date(1950, 1, 1)
    for i in range(10_000):
        born = start + timedelta(days=i * 2)
        rows.append(ImportRow(i + 1, f"Person Nummer {chr(65 + i % 26)}", None, born, f"p{i}@exempel.se"))
    return tuple(rows)


def test_ten_thousand_rows_import_in_one_transaction(core, orgs, make_actor):
    rows = ten_thousand_rows()
    count = ImportPreOrders(core).execute(ImportPreOrdersCommand(orgs.volvo, orgs.gym, TODAY, TODAY + 30 * D, rows),
                                          make_actor(core, "admin"))  # timed in benchmarks/, not here
    assert count == 10_000 == preorder_count(core, orgs.volvo)
    with core.sessions() as s:  # the audit row is a summary, not 10,000 rows of personal data
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == ImportPreOrders.name))
    assert '"rows": 10000' in entry.details and len(entry.details) < 2000

