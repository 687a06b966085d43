"""SPEC §3.1 menu rules: hidden when an entry cannot apply, disabled with a reason when blocked."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from app import menus as m
from app.settings import OPTIONS, BusinessSettings

ALL = frozenset({"Kundrutiner", "Kassa"})
SETTINGS = BusinessSettings(**{o.key: o.default for o in OPTIONS})
WITH_CARDS = replace(SETTINGS, membership_card_products=[7])


def codes(entries):
    return [e.code for e in entries]


def entry(entries, code):
    return next(e for e in entries if e.code == code)


def sub(**kw):
    base = dict(subscription_id=1, payment="AG", status="aktivt")
    base.update(kw)
    return m.SubscriptionMenuFacts(**base)


class TestPersonMenu:
    def test_default_entries_in_order(self):
        entries = m.person_menu(m.PersonMenuFacts(), SETTINGS, True, ALL)
        assert codes(entries) == [m.TECKNA_ABONNEMANG, m.UTNYTTJA_AVTAL, m.INTYGA_KUNDTYP, m.NYTT_AG_MEDGIVANDE]
        assert all(e.enabled and e.reason is None for e in entries)
        assert [e.label for e in entries] == ["Teckna abonnemang", "Utnyttja avtal/förbeställning",
                                              "Intyga/Ändra kundtyp", "Nytt autogiromedgivande"]

    def test_online_pickup_only_when_a_purchase_waits(self):
        assert m.HAMTA_UT_ONLINEKOP not in codes(m.person_menu(m.PersonMenuFacts(), SETTINGS, True, ALL))
        entries = m.person_menu(m.PersonMenuFacts(online_purchase_waiting=True), SETTINGS, True, ALL)
        assert entry(entries, m.HAMTA_UT_ONLINEKOP).label == "Hämta ut onlineköp"

    def test_membership_card_only_when_products_are_configured(self):
        assert m.NYTT_MEDLEMSKORT not in codes(m.person_menu(m.PersonMenuFacts(), SETTINGS, True, ALL))
        assert m.NYTT_MEDLEMSKORT in codes(m.person_menu(m.PersonMenuFacts(), WITH_CARDS, True, ALL))

    def test_charging_entries_disabled_without_a_till(self):
        facts = m.PersonMenuFacts(online_purchase_waiting=True)
        entries = m.person_menu(facts, WITH_CARDS, False, ALL)
        for code in (m.TECKNA_ABONNEMANG, m.UTNYTTJA_AVTAL, m.HAMTA_UT_ONLINEKOP, m.NYTT_MEDLEMSKORT):
            assert not entry(entries, code).enabled and entry(entries, code).reason == m.TILL_MISSING
        assert "kassakoppling" in m.TILL_MISSING and "Arkiv > Inställningar för den här datorn" in m.TILL_MISSING
        for code in (m.INTYGA_KUNDTYP, m.NYTT_AG_MEDGIVANDE):  # no charge: still enabled
            assert entry(entries, code).enabled

    def test_signing_and_conversion_rules_disable_with_their_reason(self):
        facts = m.PersonMenuFacts(sign_blocked_reason="Redan aktivt.", convert_blocked_reason="För många månader.")
        entries = m.person_menu(facts, SETTINGS, True, ALL)
        assert (entry(entries, m.TECKNA_ABONNEMANG).enabled, entry(entries, m.TECKNA_ABONNEMANG).reason) == (
            False, "Redan aktivt.")
        assert entry(entries, m.UTNYTTJA_AVTAL).reason == "För många månader."

    def test_new_mandate_blocked_while_the_current_is_at_bgc(self):
        for status, enabled in (("hos_bgc", False), ("aktivt", True), (None, True)):
            e = entry(m.person_menu(m.PersonMenuFacts(mandate_status=status), SETTINGS, True, ALL),
                      m.NYTT_AG_MEDGIVANDE)
            assert e.enabled is enabled
        assert "BGC" in m.MANDATE_AT_BGC

    def test_missing_right_disables_everything_with_the_reason(self):
        entries = m.person_menu(m.PersonMenuFacts(), SETTINGS, True, frozenset({"Kassa"}))
        assert entries and all(not e.enabled and e.reason == m.RIGHT_MISSING for e in entries)
        assert "Kundrutiner" in m.RIGHT_MISSING


class TestSubscriptionMenu:
    def menu(self, till=True, rights=ALL, **kw):
        return m.subscription_menu(sub(**kw), SETTINGS, till, rights)

    def test_plain_active_ag(self):
        assert codes(self.menu()) == [m.SAG_UPP, m.DEBITERA, m.FRYS]

    def test_cancel_is_ag_only_and_not_twice(self):
        assert m.SAG_UPP not in codes(self.menu(payment="kontant"))
        assert m.SAG_UPP not in codes(self.menu(status="uppsagt"))
        assert m.SAG_UPP in codes(self.menu(status="fryst", freeze="pagaende"))

    def test_debit_needs_something_to_charge(self):
        assert m.DEBITERA in codes(self.menu(status="uppsagt"))
        assert m.DEBITERA not in codes(self.menu(status="uppsagt", chargeable=False))
        assert m.DEBITERA not in codes(self.menu(status="avslutat"))

    def test_upgrade_and_downgrade_only_when_a_product_exists(self):
        assert m.UPPGRADERA not in codes(self.menu()) and m.NEDGRADERA not in codes(self.menu())
        assert m.UPPGRADERA in codes(self.menu(dearer_exists=True))
        assert m.NEDGRADERA in codes(self.menu(cheaper_exists=True))
        assert m.UPPGRADERA not in codes(self.menu(dearer_exists=True, status="uppsagt"))

    def test_freeze_entries(self):
        assert m.FRYS in codes(self.menu()) and m.TINA_UPP not in codes(self.menu())
        future = codes(self.menu(freeze="framtida", status="framtida_frysning"))
        assert m.TINA_UPP in future and m.FRYS not in future
        assert m.FORKORTA_FRYSNING not in future and m.FORLANG_FRYSNING not in future
        ongoing = codes(self.menu(freeze="pagaende", status="fryst"))
        assert {m.TINA_UPP, m.FORKORTA_FRYSNING, m.FORLANG_FRYSNING} <= set(ongoing) and m.FRYS not in ongoing

    def test_transfer_kontant_with_transfer_allowed_only(self):
        assert m.OVERLAT in codes(self.menu(payment="kontant", transfer_allowed=True))
        assert m.OVERLAT not in codes(self.menu(payment="kontant"))
        assert m.OVERLAT not in codes(self.menu(payment="AG", transfer_allowed=True))

    def test_remove_other_payer_only_with_another_payer(self):
        assert m.TA_BORT_ANNAN_BETALARE not in codes(self.menu())
        assert m.TA_BORT_ANNAN_BETALARE in codes(self.menu(other_payer=True))

    def test_ended_subscription_has_no_menu(self):
        assert self.menu(status="avslutat", other_payer=True, dearer_exists=True) == []

    def test_till_disables_exactly_the_charging_routines(self):
        entries = self.menu(till=False, freeze="pagaende", status="fryst", dearer_exists=True, cheaper_exists=True,
                            other_payer=True)
        disabled = {e.code for e in entries if not e.enabled}
        assert disabled == {m.SAG_UPP, m.DEBITERA, m.UPPGRADERA, m.TINA_UPP, m.FORKORTA_FRYSNING}
        assert {e.reason for e in entries if not e.enabled} == {m.TILL_MISSING}
        kontant = self.menu(till=False, payment="kontant", transfer_allowed=True)
        assert not entry(kontant, m.OVERLAT).enabled

    def test_missing_right(self):
        assert all(not e.enabled for e in self.menu(rights=frozenset()))


class TestOtherMenus:
    def test_paid_for_others(self):
        entries = m.paid_for_others_menu(sub(), SETTINGS, True, ALL)
        assert [(e.code, e.label, e.enabled) for e in entries] == [(m.SLUTA_BETALA, "Sluta betala för abonnemang",
                                                                   True)]
        assert m.paid_for_others_menu(sub(status="avslutat"), SETTINGS, True, ALL) == []
        assert not m.paid_for_others_menu(sub(), SETTINGS, True, frozenset())[0].enabled

    @pytest.mark.parametrize("status, shown, enabled", [
        ("ny", True, True), ("aktivt", True, True), ("avvisat", True, True), ("hos_bgc", True, False),
        ("makulerat", False, None)])
    def test_mandate(self, status, shown, enabled):
        entries = m.mandate_menu(m.MandateMenuFacts(1, status), SETTINGS, True, ALL)
        assert bool(entries) is shown
        if shown:
            assert entries[0].label == "Ändra" and entries[0].enabled is enabled
            assert (entries[0].reason == m.MANDATE_AT_BGC) is (not enabled)

    def test_no_mandate_no_menu(self):
        assert m.mandate_menu(None, SETTINGS, True, ALL) == []


def test_freeze_state():
    spans = [(date(2026, 1, 1), date(2026, 1, 31))]
    assert m.freeze_state(spans, date(2025, 12, 31)) == "framtida"
    assert m.freeze_state(spans, date(2026, 1, 31)) == "pagaende"
    assert m.freeze_state(spans, date(2026, 2, 1)) is None
    assert m.freeze_state([], date(2026, 2, 1)) is None
