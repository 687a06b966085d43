"""The settings routines of the Inställningar menu, called directly (issue 12): the right is checked in
the routine, every change is audited, and a change saved at one desk applies at another desk's next
routine start (two Core instances on one database, SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.context import Core
from app.errors import NotAllowed, ValidationError
from app.routines.admin_settings import SaveSettings, SaveSettingsCommand
from app.routines.subscriptions.freeze import FreezeSubscriptionRoutine
from app.routines.subscriptions.freeze import FreezeSubscription
from app.settings import length_can_exceed, load_settings, stored_values
from db.engine import make_engine, make_session_factory
from tests.app import sub_builders as b


def change(core, **wanted) -> SaveSettingsCommand:
    with core.sessions() as s:
        shown = stored_values(s)
    return SaveSettingsCommand.of({k: shown[k] for k in wanted}, wanted)


def test_saving_settings_without_the_right_is_refused_in_the_routine(core, make_actor):
    recep = make_actor(core, "recep")
    with pytest.raises(NotAllowed, match="Systeminställningar"):
        SaveSettings(core).execute(change(core, max_prepay_intervals=3), recep)
    with core.sessions() as s:
        assert load_settings(s).max_prepay_intervals == 12
    assert b.audit_actions(core) == []


def test_a_change_at_one_desk_applies_at_the_next_routine_of_another_desk(db, clock, make_actor):
    desk_a = Core(sessions=make_session_factory(db.engine), clock=clock, desk="Kassa 1")
    other_engine = make_engine(db.url)  # the other PC: its own engine and connections
    try:
        desk_b = Core(sessions=make_session_factory(other_engine), clock=clock, desk="Kassa 2")
        cat = b.catalog(desk_a)
        anna = b.person(desk_a, 1)
        gym = b.subscription(desk_a, anna, cat.gym, price_list_id=cat.ordinarie)
        admin = make_actor(desk_a, "admin")
        recep = make_actor(desk_b, "recep")
        SaveSettings(desk_a).execute(change(desk_a, freeze_max={"number": 2, "unit": "månader"}), admin)
        with desk_b.sessions() as s:
            assert load_settings(s).freeze_max == {"number": 2, "unit": "månader"}
        with pytest.raises(ValidationError, match="högst 2 månader"):
            FreezeSubscriptionRoutine(desk_b).execute(
                FreezeSubscription(gym, date(2026, 11, 22), date(2027, 2, 21)), recep)
        FreezeSubscriptionRoutine(desk_b).execute(FreezeSubscription(gym, date(2026, 11, 22), date(2027, 1, 21)),
                                                  recep)
    finally:
        other_engine.dispose()


def test_the_audit_row_says_who_when_and_what_changed(core, make_actor):
    from db.models import AuditEntry

    b.catalog(core)
    admin = make_actor(core, "admin")
    assert SaveSettings(core).execute(change(core, min_age_ordinarie=18, notice_include_today=False), admin) == (
        "min_age_ordinarie", "notice_include_today")
    with core.sessions() as s:
        (row,) = s.scalars(select(AuditEntry))
    assert (row.user_id, row.at, row.action) == (admin.user_id, core.clock.now(), "Ändra inställningar")
    assert '"min_age_ordinarie": {"från": 0, "till": 18}' in row.details
    assert '"notice_include_today": {"från": true, "till": false}' in row.details


def test_lengths_are_compared_over_real_calendar_months():
    month = {"number": 1, "unit": "månader"}
    assert length_can_exceed({"number": 29, "unit": "dagar"}, month)      # February
    assert not length_can_exceed({"number": 28, "unit": "dagar"}, month)
    assert length_can_exceed(month, {"number": 30, "unit": "dagar"})      # 31-day months
    assert not length_can_exceed(month, {"number": 31, "unit": "dagar"})
    assert not length_can_exceed({"number": 2, "unit": "månader"}, {"number": 2, "unit": "månader"})
    assert length_can_exceed({"number": 3, "unit": "månader"}, {"number": 2, "unit": "månader"})


def test_freeze_reasons_and_severities_without_the_right_are_refused_in_the_routine(core, make_actor):
    from app.routines.admin_settings import (ChangeFreezeReason, ReasonCommand, SetSeverities, SetSeveritiesCommand,
                                             SeverityChange)
    from db.models import DeviationReason, DeviationType

    recep = make_actor(core, "recep")
    with pytest.raises(NotAllowed):
        ChangeFreezeReason(core).execute(ReasonCommand("lagg_till", "Sjukdom"), recep)
    with pytest.raises(NotAllowed):
        SetSeverities(core).execute(SetSeveritiesCommand((SeverityChange("skuld", "information", "fel"),)), recep)
    with core.sessions() as s:
        assert s.scalars(select(DeviationReason)).all() == []
        assert s.get(DeviationType, "skuld").severity == "fel"
    assert b.audit_actions(core) == []


def test_a_used_reason_is_never_deleted(core, make_actor):
    from app.routines.admin_settings import ChangeFreezeReason, ReasonCommand

    cat = b.catalog(core)
    anna = b.person(core, 1)
    gym = b.subscription(core, anna, cat.gym, price_list_id=cat.ordinarie)
    sick = b.reason(core, "Sjukdom")
    b.freeze(core, gym, date(2026, 11, 1), date(2026, 12, 31), reason_id=sick)
    admin = make_actor(core, "admin")
    with pytest.raises(ValidationError, match="används av 1 frysning"):
        ChangeFreezeReason(core).execute(ReasonCommand("ta_bort", reason_id=sick), admin)
    ChangeFreezeReason(core).execute(ReasonCommand("inaktivera", reason_id=sick), admin)
    assert b.freezes(core, gym)[0]["reason_id"] == sick


def test_a_severity_must_be_one_of_three_and_not_changed_meanwhile(core, make_actor):
    from app.errors import Conflict
    from app.routines.admin_settings import SetSeverities, SetSeveritiesCommand, SeverityChange
    from db.models import DeviationType

    admin = make_actor(core, "admin")
    with pytest.raises(ValidationError, match="Välj fel, varning eller information"):
        SetSeverities(core).execute(SetSeveritiesCommand((SeverityChange("skuld", "kritisk", "fel"),)), admin)
    with pytest.raises(Conflict):
        SetSeverities(core).execute(SetSeveritiesCommand((SeverityChange("skuld", "varning", "information"),)),
                                    admin)
    with core.sessions() as s:
        assert s.get(DeviationType, "skuld").severity == "fel"
    SetSeverities(core).execute(SetSeveritiesCommand((SeverityChange("skuld", "varning", "fel"),)), admin)
    with core.sessions() as s:
        assert s.get(DeviationType, "skuld").severity == "varning"
    assert b.audit_actions(core) == ["Ändra personstatustyper"]


def test_catalogue_routines_without_the_right_are_refused_and_write_nothing(core, make_actor):
    from app.routines.catalog_admin import PriceListCommand, ProductCommand, SavePriceList, SaveProduct

    cat = b.catalog(core)
    recep = make_actor(core, "recep")
    before = b.snapshot(core)
    with pytest.raises(NotAllowed):
        SavePriceList(core).execute(PriceListCommand(None, "Ny lista", ("student",)), recep)
    with pytest.raises(NotAllowed):
        SaveProduct(core).execute(ProductCommand(cat.gym, "GYM", "Gym AG", "huvud", "AG", 1), recep)
    assert b.snapshot(core) == before and b.audit_actions(core) == []


def test_a_product_save_is_one_transaction_with_its_prices_and_add_ons(core, make_actor):
    from app.routines.catalog_admin import (AddonAvailability, ListPrice, ProductCommand, SaveProduct)
    from db.models import AddonRule, PriceListItem, Product

    cat = b.catalog(core)
    admin = make_actor(core, "admin")
    command = ProductCommand(None, "YOGA", "Yoga AG", "huvud", "AG", 29900, binding_months=6, notice_months=1,
                             list_prices=(ListPrice(cat.ordinarie, 27900),),
                             addons=(AddonAvailability(cat.towel, "teckna", "valbart"),))
    product_id = SaveProduct(core).execute(command, admin)
    with core.sessions() as s:
        p = s.get(Product, product_id)
        assert (p.code, p.price_ore, p.binding_months, p.is_subscription) == ("YOGA", 29900, 6, True)
        assert s.get(PriceListItem, (cat.ordinarie, product_id)).price_ore == 27900
        assert [(r.addon_product_id, r.routine) for r in s.scalars(
            select(AddonRule).where(AddonRule.main_product_id == product_id))] == [(cat.towel, "teckna")]
    # A bad add-on (a main subscription as an add-on) refuses the whole save: the price stays.
    with pytest.raises(ValidationError, match="Bara tilläggsprodukter"):
        SaveProduct(core).execute(ProductCommand(product_id, "YOGA", "Yoga AG", "huvud", "AG", 1,
                                                 addons=(AddonAvailability(cat.gym, "teckna", "valbart"),)), admin)
    with core.sessions() as s:
        assert s.get(Product, product_id).price_ore == 29900
    assert b.audit_actions(core) == ["Ändra produkt"]


def test_a_one_off_add_on_has_no_payment_form_and_is_no_subscription(core, make_actor):
    from app.routines.catalog_admin import ProductCommand, SaveProduct
    from db.models import Product

    admin = make_actor(core, "admin")
    fee = SaveProduct(core).execute(ProductCommand(None, "ADM", "Administrationsavgift", "tillagg", None, 19900,
                                                   vat_basis_points=2500), admin)
    towel = SaveProduct(core).execute(ProductCommand(None, "HAND", "Handduk AG", "tillagg", "AG", 9900), admin)
    with core.sessions() as s:
        assert s.get(Product, fee).is_subscription is False and s.get(Product, towel).is_subscription is True
    with pytest.raises(ValidationError, match="Ett huvudabonnemang betalas med Autogiro eller Kontant"):
        SaveProduct(core).execute(ProductCommand(None, "X", "Gym", "huvud", None, 100), admin)
    with pytest.raises(ValidationError, match="En vara eller ett värdekort betalas direkt"):
        SaveProduct(core).execute(ProductCommand(None, "Y", "Klipp", "vardekort", "AG", 100), admin)
