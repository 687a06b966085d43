"""Rights where the data is read (issue 15 §8): every guarded query checks the actor's right itself.

Each right is tested both ways against a direct call: an actor with every right *but* the one under
test is refused (or gets the data left out), and an actor with *only* that right gets it. The UI side
is tests/widgets/test_query_rights_ui.py; the decision docs/decisions/rights-in-queries.md.
"""
from __future__ import annotations

import ast
import inspect
from datetime import date
from pathlib import Path

import pytest

from app.errors import NotAllowed
from app.queries import admin as admin_queries
from app.queries import organisations as org_queries
from app.queries.person_card import load_document_content, load_person_card
from app.rights import CUSTOMER_JOURNAL, ORGANISATIONS, SYSTEM_SETTINGS, TILL, can, require
from db.models import RIGHTS, Document, Note
from tests.app.conftest_data import NOW, add_order, add_person
from tests.app.orgdata import add_preorder, build_orgs
from tests.app.rights_data import ALL_RIGHTS, user_with_rights, without

TODAY = date(2026, 11, 22)
ROOT = Path(__file__).resolve().parents[2]
JOURNAL_TEXT = "Konfidentiellt: skadad axel, remiss till sjukgymnast"


def test_the_rights_under_test_are_every_right_there_is():
    assert ALL_RIGHTS == {code for code, _ in RIGHTS}


def test_can_and_require_agree(core):
    actor = user_with_rights(core, "bara_kassa", {TILL})
    assert can(actor, TILL) and not can(actor, CUSTOMER_JOURNAL)
    require(actor, TILL)
    with pytest.raises(NotAllowed) as refused:
        require(actor, CUSTOMER_JOURNAL)
    assert refused.value.message.startswith("Du saknar rättigheten ”Kundjournal”.")


# -- Kundjournal: load_person_card leaves the journal out -------------------------------------------------------


@pytest.fixture
def journal_person(core) -> int:
    with core.sessions() as s, s.begin():
        person = add_person(s, "Jana", "Journal")
        s.add_all([Note(person_id=person.id, kind="journal", text=JOURNAL_TEXT, created_at=NOW),
                   Note(person_id=person.id, kind="anteckning", text="Vill ha morgonpass", created_at=NOW)])
        return person.id


def test_without_kundjournal_the_card_has_no_journal_and_no_journal_text_anywhere(core, journal_person):
    actor = user_with_rights(core, "utan_journal", without(CUSTOMER_JOURNAL))
    with core.sessions() as s:
        card = load_person_card(s, actor, journal_person, TODAY)
    assert card.journal is None
    assert [n.text for n in card.notes] == ["Vill ha morgonpass"]
    assert JOURNAL_TEXT not in repr(card)  # not read at all, not hidden in another list


def test_with_only_kundjournal_the_card_has_the_journal(core, journal_person):
    actor = user_with_rights(core, "bara_journal", {CUSTOMER_JOURNAL})
    with core.sessions() as s:
        card = load_person_card(s, actor, journal_person, TODAY)
    assert [n.text for n in card.journal] == [JOURNAL_TEXT]
    assert [n.text for n in card.notes] == ["Vill ha morgonpass"]


def test_a_caller_cannot_ask_for_the_journal_with_a_flag(core, journal_person):
    """The flag the caller used to pass is gone: what the actor may see is the query's decision."""
    assert "include_journal" not in inspect.signature(load_person_card).parameters
    assert "viewer_user_id" not in inspect.signature(load_person_card).parameters
    actor = user_with_rights(core, "flagga", without(CUSTOMER_JOURNAL))
    with core.sessions() as s, pytest.raises(TypeError):
        load_person_card(s, actor, journal_person, TODAY, include_journal=True)


def test_a_private_document_is_only_for_its_creator_whoever_asks(core, journal_person):
    owner = user_with_rights(core, "agare", {CUSTOMER_JOURNAL})
    other = user_with_rights(core, "annan", ALL_RIGHTS)  # even every right does not open another's document
    with core.sessions() as s, s.begin():
        doc = Document(person_id=journal_person, filename="läkarintyg.pdf", content=b"%PDF-x", created_at=NOW,
                       created_by=owner.user_id, only_owner_visible=True)
        s.add(doc)
        s.flush()
        doc_id = doc.id
    with core.sessions() as s:
        assert [d.filename for d in load_person_card(s, owner, journal_person, TODAY).documents] == ["läkarintyg.pdf"]
        assert load_person_card(s, other, journal_person, TODAY).documents == ()
        assert load_document_content(s, owner, journal_person, doc_id) == ("läkarintyg.pdf", b"%PDF-x")
        with pytest.raises(Exception, match="Dokumentet finns inte längre"):
            load_document_content(s, other, journal_person, doc_id)


# -- Organisationer: the pre-order reads refuse, the card leaves the rows out ------------------------------------


@pytest.fixture
def orgs(core):
    data = build_orgs(core)
    add_preorder(core, data.volvo, data.gym, "Bo Förbeställd", personnummer="196408233234")
    return data


def org_reads(orgs):
    return {
        "list_preorders": lambda s, a: org_queries.list_preorders(s, a, orgs.volvo),
        "products_on_org_price_list": lambda s, a: org_queries.products_on_org_price_list(s, a, orgs.volvo),
        "open_preorder_keys": lambda s, a: org_queries.open_preorder_keys(s, a, orgs.volvo, orgs.gym),
        "price_lists": lambda s, a: org_queries.price_lists(s, a),
        "account_manager_choices": lambda s, a: org_queries.account_manager_choices(s, a),
    }


ORG_READS = ("list_preorders", "products_on_org_price_list", "open_preorder_keys", "price_lists",
             "account_manager_choices")


@pytest.mark.parametrize("read", ORG_READS)
def test_organisation_reads_refuse_an_actor_without_organisationer(core, orgs, read):
    actor = user_with_rights(core, "utan_org", without(ORGANISATIONS))
    with core.sessions() as s, pytest.raises(NotAllowed) as refused:
        org_reads(orgs)[read](s, actor)
    assert "”Organisationer”" in refused.value.message


@pytest.mark.parametrize("read", ORG_READS)
def test_organisation_reads_answer_an_actor_with_only_organisationer(core, orgs, read):
    actor = user_with_rights(core, "bara_org", {ORGANISATIONS})
    with core.sessions() as s:
        assert org_reads(orgs)[read](s, actor)  # every one of them has something for Volvo


def test_the_organisation_card_leaves_the_preorder_rows_out_without_organisationer(core, orgs):
    without_right = user_with_rights(core, "kort_utan", without(ORGANISATIONS))
    with_right = user_with_rights(core, "kort_med", {ORGANISATIONS})
    with core.sessions() as s:
        bare = org_queries.load_organisation_card(s, without_right, orgs.volvo)
        full = org_queries.load_organisation_card(s, with_right, orgs.volvo)
    assert bare.open_preorders is None and bare.open_preorders_count == 1
    assert "Bo Förbeställd" not in repr(bare) and "196408233234" not in repr(bare)
    assert (bare.name, bare.price_list_name) == ("Volvo Personvagnar AB", "Volvo avtal")  # the card itself stays
    assert [p.name for p in full.open_preorders] == ["Bo Förbeställd"]


def test_every_public_read_of_the_organisation_module_takes_the_actor():
    """A read added later without an actor fails here (search is shared with the registration wizard)."""
    open_to_all = {"search_organisations", "preorder_matches", "swedish_sort_key"}
    for name in org_queries.__all__:
        fn = getattr(org_queries, name)
        if inspect.isfunction(fn) and name not in open_to_all:
            assert list(inspect.signature(fn).parameters)[1] == "actor", name


def test_only_the_routines_use_the_unchecked_preorder_reads():
    """`_price_list_products` / `_open_preorder_keys` skip the check: only app/routines/organisations.py,
    whose routines require Organisationer before they validate, may import them."""
    users = set()
    for path in [*ROOT.glob("app/**/*.py"), *ROOT.glob("widgets/**/*.py"), *ROOT.glob("wizards/**/*.py"),
                 *ROOT.glob("benchmarks/*.py"), *ROOT.glob("tools/*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "app.queries.organisations":
                if {a.name for a in node.names} & {"_price_list_products", "_open_preorder_keys"}:
                    users.add(path.relative_to(ROOT).as_posix())
    assert users == {"app/routines/organisations.py"}
    from app.routines import organisations as routines

    for routine in (routines.AddPreOrder, routines.ImportPreOrders):
        assert ORGANISATIONS in routine.required_rights


# -- Kassa: the till's reads ----------------------------------------------------------------------------------------


@pytest.fixture
def order(core) -> int:
    with core.sessions() as s, s.begin():
        return add_order(s, add_person(s, "Kassa", "Kund"), [19900]).id


def till_reads(order_id):
    from app.orders import open_orders, order_summary

    return {"open_orders": lambda s, a: open_orders(s, a, "Kassa 1"),
            "order_summary": lambda s, a: order_summary(s, a, order_id)}


@pytest.mark.parametrize("read", ["open_orders", "order_summary"])
def test_till_reads_refuse_an_actor_without_kassa(core, order, read):
    actor = user_with_rights(core, "utan_kassa", without(TILL))
    with core.sessions() as s, pytest.raises(NotAllowed) as refused:
        till_reads(order)[read](s, actor)
    assert "”Kassa”" in refused.value.message


@pytest.mark.parametrize("read", ["open_orders", "order_summary"])
def test_till_reads_answer_an_actor_with_only_kassa(core, order, read):
    actor = user_with_rights(core, "bara_kassa", {TILL})
    with core.sessions() as s:
        assert till_reads(order)[read](s, actor)


# -- Systeminställningar: the Inställningar menu's reads -------------------------------------------------------------


def admin_reads(product_id):
    return {"price_lists": lambda s, a: admin_queries.price_lists(s, a),
            "product_choices": lambda s, a: admin_queries.product_choices(s, a),
            "deviation_type_rows": lambda s, a: admin_queries.deviation_type_rows(s, a),
            "freeze_reason_rows": lambda s, a: admin_queries.freeze_reason_rows(s, a),
            "price_list_rows": lambda s, a: admin_queries.price_list_rows(s, a),
            "product_detail": lambda s, a: admin_queries.product_detail(s, a, product_id)}


ADMIN_READS = ("price_lists", "product_choices", "deviation_type_rows", "freeze_reason_rows", "price_list_rows",
               "product_detail")


@pytest.fixture
def product(core) -> int:
    from tests.app.conftest_data import add_price_list, add_product

    with core.sessions() as s, s.begin():
        add_price_list(s)
        return add_product(s, "GYM").id


@pytest.mark.parametrize("read", ADMIN_READS)
def test_admin_reads_refuse_an_actor_without_systeminstallningar(core, product, read):
    actor = user_with_rights(core, "utan_system", without(SYSTEM_SETTINGS))
    with core.sessions() as s, pytest.raises(NotAllowed) as refused:
        admin_reads(product)[read](s, actor)
    assert "”Systeminställningar”" in refused.value.message


@pytest.mark.parametrize("read", ADMIN_READS)
def test_admin_reads_answer_an_actor_with_only_systeminstallningar(core, product, read):
    from db.models import DeviationReason

    with core.sessions() as s, s.begin():
        s.add(DeviationReason(kind="frysning", name="Sjukdom", active=True))
    actor = user_with_rights(core, "bara_system", {SYSTEM_SETTINGS})
    with core.sessions() as s:
        assert admin_reads(product)[read](s, actor)


def test_every_public_read_of_the_admin_module_takes_the_actor():
    reads = [fn for name, fn in vars(admin_queries).items()
             if inspect.isfunction(fn) and fn.__module__ == admin_queries.__name__ and not name.startswith("_")]
    assert {fn.__name__ for fn in reads} == set(ADMIN_READS)
    for fn in reads:
        assert list(inspect.signature(fn).parameters)[:2] == ["session", "actor"], fn.__name__
