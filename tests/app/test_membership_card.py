"""Nytt medlemskort (flow 6) on both databases."""
import pytest
from sqlalchemy import select

from app.errors import Conflict, UserError, ValidationError
from app.routines.membership_card import NewMembershipCardRoutine
from app.routines.registration_data import AccessData, NewMembershipCard
from db.models import Card, Order
from tests.app import builders as b


@pytest.fixture
def cat(core):
    return b.build_catalog(core)


@pytest.fixture
def actor(core, make_actor):
    return make_actor(core, "recep")


def test_new_card_blocks_the_old_one_and_opens_an_order(core, cat, actor):
    pid = b.add_person(core)
    b.add_card(core, pid, "1111")
    cmd = NewMembershipCard(pid, cat.card_product, AccessData(card_number="2222"))
    preview = NewMembershipCardRoutine(core).preview(cmd)
    assert (preview.price_ore, preview.card_number, preview.blocks_card_number) == (10000, "2222", "1111")
    result = NewMembershipCardRoutine(core).execute(cmd, actor)
    with core.sessions() as s:
        assert {c.card_number: c.status for c in s.scalars(select(Card))} == {"1111": "sparrat", "2222": "aktivt"}
        assert s.get(Card, result.card_id).product_id == cat.card_product
        order = s.get(Order, result.order_id)
        assert order.total_ore == result.total_ore == 10000 and order.lines[0].vat_basis_points == 2500


def refused(core, actor, cmd, error, match):
    before = b.counts(core)
    with pytest.raises(error, match=match):
        NewMembershipCardRoutine(core).execute(cmd, actor)
    assert b.counts(core) == before


def test_only_configured_membership_card_products(core, cat, actor):
    pid = b.add_person(core)
    refused(core, actor, NewMembershipCard(pid, cat.admin_fee, AccessData(card_number="2222")), ValidationError,
            "medlemskortsprodukter")


def test_no_products_configured(core, cat, actor):
    b.settings(core, membership_card_products=[])
    pid = b.add_person(core)
    refused(core, actor, NewMembershipCard(pid, cat.card_product, AccessData(card_number="2222")), ValidationError,
            "Inga medlemskortsprodukter")


@pytest.mark.parametrize("number, error, match", [(None, ValidationError, "nya kortets nummer"),
                                                  ("1111", ValidationError, "samma som"),
                                                  ("3333", Conflict, "används redan av en annan kund")])
def test_the_new_card_must_be_new_and_unique(core, cat, actor, number, error, match):
    pid = b.add_person(core)
    b.add_card(core, pid, "1111")
    other = b.add_person(core, b.person_data(b.pnr("19900101"), first="Bo"))
    b.add_card(core, other, "3333")
    refused(core, actor, NewMembershipCard(pid, cat.card_product, AccessData(card_number=number)), error, match)


def test_no_till_no_card(core, cat, actor):
    pid = b.add_person(core)
    core.till_enabled = False
    refused(core, actor, NewMembershipCard(pid, cat.card_product, AccessData(card_number="2222")), UserError,
            "kassakoppling")
