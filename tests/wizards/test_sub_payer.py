"""Ta bort annan betalare and Sluta betala för abonnemang through their wizards (SPEC §6).

Anna uses Gym AG (+ Handduk AG); her father Bo pays for both. When the user pays herself and has no
valid autogiro mandate, the outbox gets an e-mail asking her for one.
"""
from __future__ import annotations

import pytest

from app import menus
from app.menus import MenuTarget
from tests.app import sub_builders as b
from tests.wizards.test_sub_freeze import finish_without_order, identify, start, summary_text
from wizards.subscription.actions import register_subscription_actions
from wizards.subscription.wizards import BEKRAFTA

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


@pytest.fixture
def paid_by_bo(sqlite_core):
    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    bo = b.person(sqlite_core, 2, first_name="Bo")
    gym = b.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie, payer_id=bo)
    towel = b.subscription(sqlite_core, anna, cat.towel, parent_id=gym, payer_id=bo)
    return cat, anna, bo, gym, towel


def test_remove_other_payer_end_to_end_mails_the_user_without_a_mandate(qtbot, services, sqlite_core, paid_by_bo):
    cat, anna, bo, gym, towel = paid_by_bo
    changed: list[int] = []
    services.bus.person_changed.connect(changed.append)
    d = start(qtbot, services, menus.TA_BORT_ANNAN_BETALARE, anna, gym)
    identify(d)
    d.next(BEKRAFTA)  # Identifiering → Bekräfta
    text = summary_text(d)
    for part in ("Betalare nu</b></td><td>Bo Svensson", "Betalare efter</b></td><td>Kund1 Svensson",
                 "Saknas: e-post skickas till kund1@example.se"):
        assert part in text
    assert d.page().total.text() == ""
    finish_without_order(d, services)
    for sid in (gym, towel):
        assert b.sub(sqlite_core, sid)["payer_id"] == anna
    (mail,) = b.outbox(sqlite_core)
    assert (mail["recipient"], mail["subject"], mail["person_id"]) == (
        "kund1@example.se", "Du behöver ett autogiromedgivande", anna)
    assert {anna, bo} <= set(changed)  # both cards reload
    assert b.audit_actions(sqlite_core).count("Ta bort annan betalare") == 1


def test_remove_other_payer_with_a_valid_mandate_sends_no_mail(qtbot, services, sqlite_core, paid_by_bo):
    cat, anna, bo, gym, towel = paid_by_bo
    b.mandate(sqlite_core, anna)
    d = start(qtbot, services, menus.TA_BORT_ANNAN_BETALARE, anna, gym)
    identify(d)
    d.next(BEKRAFTA)
    assert "Kund1 Svensson har ett giltigt medgivande" in summary_text(d)
    finish_without_order(d, services)
    assert b.outbox(sqlite_core) == []
    assert b.sub(sqlite_core, gym)["payer_id"] == anna


def test_stop_paying_from_the_payers_card_end_to_end(qtbot, services, sqlite_core, paid_by_bo):
    cat, anna, bo, gym, towel = paid_by_bo
    d = start(qtbot, services, menus.SLUTA_BETALA, bo, gym)  # Bo's card, his "paid for others" table
    assert "Bo Svensson" in d.page().person_text  # the payer identifies
    identify(d, agent="Eva Ombud")
    d.next(BEKRAFTA)
    assert "Ombud: Eva Ombud" in summary_text(d)
    finish_without_order(d, services)
    assert b.sub(sqlite_core, gym)["payer_id"] == anna and b.sub(sqlite_core, towel)["payer_id"] == anna
    assert [m["recipient"] for m in b.outbox(sqlite_core)] == ["kund1@example.se"]


def test_stop_paying_when_someone_else_pays_now_is_refused(services, sqlite_core, paid_by_bo, error_box):
    cat, anna, bo, gym, towel = paid_by_bo
    eva = b.person(sqlite_core, 3, first_name="Eva")
    before = b.snapshot(sqlite_core)
    assert register_subscription_actions(services)[menus.SLUTA_BETALA](MenuTarget(eva, gym)) is None
    assert error_box.calls[0].message.startswith("Kunden betalar inte för det här abonnemanget")
    assert b.snapshot(sqlite_core) == before


def test_remove_other_payer_without_another_payer_is_refused(services, sqlite_core, error_box):
    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    gym = b.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie)
    assert register_subscription_actions(services)[menus.TA_BORT_ANNAN_BETALARE](MenuTarget(anna, gym)) is None
    assert error_box.calls[0].message == "Abonnemanget har ingen annan betalare; nyttjaren betalar redan själv."
