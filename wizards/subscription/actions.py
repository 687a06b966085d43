"""Hooks the subscription wizards into the person card's ≡ menus (SPEC §3.1, §6).

``register_subscription_actions(services)`` puts one callable per entry code of app/menus.py
into ``services.extra["menu_actions"]``: sag_upp, debitera, uppgradera, nedgradera, frys,
tina_upp, forkorta_frysning, forlang_frysning, overlat, ta_bort_annan_betalare (the
subscription menu) and sluta_betala (the menu of a subscription the person pays for
someone else). Each is called with the menu's :class:`app.menus.MenuTarget` (person_id =
the card's person, subscription_id = the row's subscription) and returns the opened wizard,
or None after showing why the routine cannot be done for this subscription now — checked
with the routine's own preview, so the reason is the routine's.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Callable

from PySide6.QtWidgets import QWidget

from app import menus
from app.errors import UserError, ValidationError
from app.menus import MenuTarget
from app.routines.subscriptions import (CancelSubscription, ChangeFreezeEnd, DebitSubscription, FreezeSubscription,
                                        ThawSubscription)
from app.routines.subscriptions.facts import freeze_rules
from app.settings import load_settings
from widgets.services import UiServices
from wizards.base import ReceptionWizard, keep_open
from wizards.subscription.pages.frysningsorsak import NO_REASONS
from wizards.subscription.transfer import TransferWizard
from wizards.subscription.wizards import (CancelWizard, ChangeProductWizard, DebitWizard, FreezeEndWizard,
                                          FreezeWizard, PayerWizard, ThawWizard, current_freeze)

ACTION_CODES = (menus.SAG_UPP, menus.DEBITERA, menus.UPPGRADERA, menus.NEDGRADERA, menus.FRYS, menus.TINA_UPP,
                menus.FORKORTA_FRYSNING, menus.FORLANG_FRYSNING, menus.OVERLAT, menus.TA_BORT_ANNAN_BETALARE,
                menus.SLUTA_BETALA)


# -- checks before a wizard opens (the routine's own rules) -------------------------------------------


def _check_cancel(w: CancelWizard) -> None:
    w.routine.preview(CancelSubscription(w.subscription_id, final_payment=False))


def _check_debit(w: DebitWizard) -> None:
    o = w.options
    if o.max_intervals < 1 and not o.lagging:
        raise ValidationError(f"Abonnemanget är redan debiterat så långt i förväg som tillåts (högst "
                              f"{o.setting_max} debiteringsintervall, debiterat t.o.m. "
                              f"{o.effective_charged_through:%Y-%m-%d}).")
    w.routine.preview(DebitSubscription(w.subscription_id, 1 if o.max_intervals >= 1 else "ikapp"))


def _check_change(w: ChangeProductWizard) -> None:
    if w.period.products.count() == 0:
        what = "dyrare" if w.direction == "upp" else "billigare"
        raise ValidationError(f"Det finns inget {what} abonnemang av samma typ på samma prislista.")


def _check_freeze(w: FreezeWizard) -> None:
    reason = None
    if w.orsak is not None:
        if w.orsak.reasons.count() == 0:
            raise ValidationError(NO_REASONS)
        reason = w.routine.reasons()[0][0]
    today = w.services.core.clock.today()
    limits = w.routine.limits(w.subscription_id, today)
    w.routine.preview(FreezeSubscription(w.subscription_id, today, limits.earliest_end, reason_id=reason))


def _check_thaw(w: ThawWizard) -> None:
    w.routine.preview(ThawSubscription(w.subscription_id))


def _check_freeze_end(w: FreezeEndWizard) -> None:
    services = w.services
    start, old_end = current_freeze(services, w.subscription_id)
    with services.core.sessions() as session:
        rules = freeze_rules(load_settings(session))
    limits = w.routine.limits(w.subscription_id)
    if w.action == "förkorta":
        if limits.earliest_end >= old_end:
            raise ValidationError(f"Frysningen {start:%Y-%m-%d} – {old_end:%Y-%m-%d} kan inte förkortas: kortast "
                                  f"tillåtna frysperiod ({rules.min}) slutar tidigast {limits.earliest_end:%Y-%m-%d}.")
        w.routine.preview(ChangeFreezeEnd(w.subscription_id, old_end - timedelta(days=1)))
    else:
        if limits.latest_end <= old_end:
            raise ValidationError(f"Frysningen {start:%Y-%m-%d} – {old_end:%Y-%m-%d} kan inte förlängas: längsta "
                                  f"tillåtna frysperiod ({rules.max}) är redan nådd.")
        w.routine.preview(ChangeFreezeEnd(w.subscription_id, old_end + timedelta(days=1)))


def _check_transfer(w: TransferWizard) -> None:
    reasons = w.routine.receiver_reasons(w.subscription_id, None)
    if reasons:
        raise ValidationError(" ".join(reasons))


def _check_payer(w: PayerWizard) -> None:
    w.routine.preview(w.command())


STARTERS: dict[str, tuple[Callable[..., ReceptionWizard], Callable]] = {
    menus.SAG_UPP: (CancelWizard, _check_cancel),
    menus.DEBITERA: (DebitWizard, _check_debit),
    menus.UPPGRADERA: (lambda s, t, p: ChangeProductWizard(s, t, "upp", p), _check_change),
    menus.NEDGRADERA: (lambda s, t, p: ChangeProductWizard(s, t, "ned", p), _check_change),
    menus.FRYS: (FreezeWizard, _check_freeze),
    menus.TINA_UPP: (ThawWizard, _check_thaw),
    menus.FORKORTA_FRYSNING: (lambda s, t, p: FreezeEndWizard(s, t, "förkorta", p), _check_freeze_end),
    menus.FORLANG_FRYSNING: (lambda s, t, p: FreezeEndWizard(s, t, "förläng", p), _check_freeze_end),
    menus.OVERLAT: (TransferWizard, _check_transfer),
    menus.TA_BORT_ANNAN_BETALARE: (lambda s, t, p: PayerWizard(s, t, False, p), _check_payer),
    menus.SLUTA_BETALA: (lambda s, t, p: PayerWizard(s, t, True, p), _check_payer),
}


def start_subscription_routine(services: UiServices, code: str, target: MenuTarget,
                               parent: QWidget | None = None) -> ReceptionWizard | None:
    """Open the wizard of the menu entry ``code`` for ``target.subscription_id``; None (after a message) when the
    routine cannot be done for it now."""
    make, check = STARTERS[code]
    wizard = None
    try:
        if target.subscription_id is None:
            raise ValidationError("Välj ett abonnemang.")
        wizard = make(services, target, parent)
        check(wizard)
    except UserError as err:
        if wizard is not None:
            wizard.deleteLater()
        ReceptionWizard.error_box(parent, err)
        return None
    return keep_open(services, wizard)


def register_subscription_actions(services: UiServices) -> dict[str, Callable]:
    actions = services.extra.setdefault("menu_actions", {})
    for code in ACTION_CODES:
        actions[code] = lambda target, code=code: start_subscription_routine(services, code, target)
    return actions
