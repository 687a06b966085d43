"""Blocked person-menu entries are shown disabled with the reason (issue 14 §2, SPEC §3.1), with the same rule
the wizard's routine applies later — no walking four pages before Produkter says no."""
from __future__ import annotations

from datetime import date

import pytest

from app import menus
from app.domain.eligibility import may_start_registration
from app.queries.catalog import signing_verdict
from app.settings import load_settings
from tests.app import builders
from widgets.person_card import PersonCardWidget
from widgets.services import Bus, UiServices
from wizards.actions import register_person_actions
from wizards.base import ReceptionWizard
from wizards.organisation import start_use_agreement

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")

AG_RUNS_ON = "Kunden har redan ett aktivt autogiroabonnemang utan slutdatum. Säg upp det först."


@pytest.fixture
def card(qtbot, sqlite_core, make_actor, tmp_path, monkeypatch):
    services = UiServices(core=sqlite_core, actor=make_actor(sqlite_core, "recep"), bus=Bus(), user_data_dir=tmp_path)
    actions = register_person_actions(services)
    from wizards.org_actions import register_organisation_actions
    register_organisation_actions(services)
    widget = PersonCardWidget(services, menu_actions=actions)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def person_menu(card) -> dict:
    return {a.text(): a for a in card.person_menu_button.menu().actions()}


def test_utnyttja_avtal_disabled_for_a_running_ag_subscription(card, sqlite_core):
    cat = builders.build_catalog(sqlite_core)
    anna = builders.add_person(sqlite_core)
    builders.add_subscription(sqlite_core, anna, cat.gym_ag, start=date(2026, 1, 1), charged_through=date(2026, 11, 30))
    card.show_person(anna)
    entries = person_menu(card)
    use = entries[menus.LABELS[menus.UTNYTTJA_AVTAL]]
    assert not use.isEnabled()
    assert use.toolTip() == AG_RUNS_ON
    sign = entries[menus.LABELS[menus.TECKNA_ABONNEMANG]]
    assert not sign.isEnabled()


def test_hamta_ut_disabled_while_a_subscription_is_active(card, sqlite_core):
    cat = builders.build_catalog(sqlite_core)
    anna = builders.add_person(sqlite_core)
    builders.add_subscription(sqlite_core, anna, cat.gym_kontant, start=date(2026, 1, 1), charged_through=date(2026, 12, 31))
    builders.add_online_purchase(sqlite_core, anna, cat.gym_ag, cat.ordinarie, customer_type="ordinarie",
                                 price_paid_ore=40000, registered_on=date(2026, 11, 20))
    card.show_person(anna)
    pickup = person_menu(card)[menus.LABELS[menus.HAMTA_UT_ONLINEKOP]]
    assert not pickup.isEnabled()
    assert pickup.toolTip().startswith("Kunden har redan ett aktivt abonnemang t.o.m. 2026-12-31.")


def test_entry_point_refuses_with_the_same_reason(qtbot, sqlite_core, make_actor, tmp_path, monkeypatch):
    """A card opened before the subscription was signed still has the entry enabled: the start refuses up front."""
    shown = []
    monkeypatch.setattr(ReceptionWizard, "error_box", staticmethod(lambda parent, err: shown.append(err.message)))
    cat = builders.build_catalog(sqlite_core)
    anna = builders.add_person(sqlite_core)
    builders.add_subscription(sqlite_core, anna, cat.gym_ag, start=date(2026, 1, 1), charged_through=date(2026, 11, 30))
    services = UiServices(core=sqlite_core, actor=make_actor(sqlite_core, "recep"), bus=Bus(), user_data_dir=tmp_path)
    assert start_use_agreement(services, anna) is None
    assert shown == [AG_RUNS_ON]
    with sqlite_core.sessions() as session:
        assert signing_verdict(session, load_settings(session), anna, "avtal_forbestallning",
                               date(2026, 11, 22)).reason == AG_RUNS_ON


def test_one_start_rule_for_every_flow():
    today = date(2026, 11, 22)
    kw = dict(months_in_advance=1, org_conversion_max_months=0, today=today)
    assert may_start_registration("avtal_forbestallning", date.max, None, **kw).reason == AG_RUNS_ON
    assert may_start_registration("befintlig_privatkund", None, None, **kw)
    assert may_start_registration("uthamtning", date(2026, 11, 1), None, **kw)  # ended: may pick up
    assert not may_start_registration("uthamtning", today, None, **kw)
    assert may_start_registration("avtal_forbestallning", None, date(2026, 12, 1), **kw).reason == (
        "Kunden har redan ett kommande abonnemang som börjar 2026-12-01.")
