"""One wizard per subscription routine of SPEC §6 (all but Överlåt, which is in transfer.py).

Every wizard starts with Identifiering (the customer or an ombud) and ends with Bekräfta and
Slutför; in between the routine's own steps:

* Säg upp — Period (end date; slutbetalning or autogiro to the end)
* Debitera — Period (1 … max debit intervals, or "Debitera ikapp" when lagging)
* Uppgradera / Nedgradera — Abonnemang (the dearer / cheaper products)
* Frys — Frysningsorsak (only with "Använd avvikelseorsaker") → Period (start, "Idag", end)
* Tina upp — nothing more: Bekräfta shows when it thaws and any "betala ikapp"
* Förkorta / Förläng frysning — Period (the new end)
* Ta bort annan betalare / Sluta betala för abonnemang — nothing more

Pages and Bekräfta show the routine's ``preview``; Slutför runs ``execute`` (one transaction,
audited). An order goes to the till through ``bus.order_created``; the person cards of the
user and the payer reload through ``bus.person_changed``.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from PySide6.QtWidgets import QWidget

from app.domain.money import format_sek
from app.errors import NotFound, UserError
from app.menus import MenuTarget
from app.routines.subscriptions import (CancelSubscription, CancelSubscriptionRoutine, ChangeFreezeEnd, ChangeProduct,
                                        DebitSubscription, DebitSubscriptionRoutine, DowngradeSubscriptionRoutine,
                                        ExtendFreezeRoutine, FreezeSubscription, FreezeSubscriptionRoutine,
                                        RemoveOtherPayer, RemoveOtherPayerRoutine, ShortenFreezeRoutine,
                                        StopPayingForOther, StopPayingForOtherRoutine, ThawSubscription,
                                        ThawSubscriptionRoutine, UpgradeSubscriptionRoutine)
from app.routines.subscriptions.facts import freeze_rules, period_months
from app.settings import load_settings
from widgets.printing import pdf_bytes
from widgets.services import UiServices
from wizards.base import PageId, ReceptionWizard, keep_open
from wizards.pages.identifiering import IdentifieringPage
from wizards.pages.sammanfattning import Summary
from wizards.subscription.confirmation import ConfirmationPrintDialog, confirmation_document, suggested_path
from wizards.subscription.pages.bekrafta import BekraftaPage
from wizards.subscription.pages.frysningsorsak import FrysningsorsakPage
from wizards.subscription.pages.period import (CancelPeriodPage, DebitPeriodPage, FreezeEndPage, FreezePeriodPage,
                                               ProductChoicePage)

log = logging.getLogger("reception.ui.subscriptions")

FRYSNINGSORSAK = 6
SOK_KUND = 7
PERIOD = 45
BEKRAFTA = PageId.SAMMANFATTNING


def d(value) -> str:
    return value.isoformat() if value is not None else "–"


@dataclass(frozen=True)
class SubscriptionInfo:
    id: int
    product_name: str
    payment: str
    period_months: int
    user_id: int
    payer_id: int
    user_name: str
    payer_name: str


def subscription_info(services: UiServices, subscription_id: int) -> SubscriptionInfo:
    from db.models import Person, Subscription

    with services.core.sessions() as session:
        sub = session.get(Subscription, subscription_id)
        if sub is None:
            raise NotFound("Abonnemanget finns inte längre. Sök fram kunden igen.")
        user, payer = session.get(Person, sub.user_id), session.get(Person, sub.payer_id)
        return SubscriptionInfo(sub.id, sub.product.name, sub.product.payment or "kontant", period_months(sub.product),
                                sub.user_id, sub.payer_id, f"{user.first_name} {user.last_name}",
                                f"{payer.first_name} {payer.last_name}")


class SubscriptionWizard(ReceptionWizard):
    """Identifiering → (the routine's pages) → Bekräfta. Subclasses set ``routine`` and implement ``command``,
    ``summary_rows`` and optionally ``lines``."""

    routine: Any

    def __init__(self, services: UiServices, title: str, target: MenuTarget, routine,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, title, parent)
        self.person_id = target.person_id
        self.subscription_id = int(target.subscription_id)
        self.routine = routine
        self.command_id = str(uuid.uuid4())  # stable across Slutför attempts: a double Slutför runs once
        self.info = subscription_info(services, self.subscription_id)
        self.last_preview: Any = None
        self.identifiering = IdentifieringPage(services, self.person_id)
        self.bekrafta = BekraftaPage(services)
        self.setPage(PageId.IDENTIFIERING, self.identifiering)
        self.setPage(BEKRAFTA, self.bekrafta)

    # -- what subclasses give ---------------------------------------------------
    def command(self):
        raise NotImplementedError

    def summary_rows(self, preview) -> list[tuple[str, str]]:
        return []

    def charges(self) -> bool:
        """Whether the routine can charge (the Bekräfta page then shows the order total)."""
        return True

    def table_amounts(self) -> bool:
        """Whether the Bekräfta table shows what each row adds to the order."""
        return self.charges()

    def base_rows(self) -> list[tuple[str, str]]:
        return [("Kund", self.identifiering.person_text), ("Identifierad", self.who()),
                ("Abonnemang", f"{self.info.product_name}, {self.info.payment}")]

    # -- what the pages ask ----------------------------------------------------------
    def preview(self):
        self.last_preview = self.routine.preview(self.command())
        return self.last_preview

    def who(self) -> str:
        agent = self.identifiering.agent()
        return f"Ombud: {agent}" if agent else "Kunden själv"

    def summary(self) -> Summary:
        preview = self.preview()
        rows = self.base_rows() + self.summary_rows(preview)
        lines = tuple((li.description, li.amount_ore) for li in getattr(preview, "lines", ()))
        total = getattr(preview, "total_ore", 0) if self.charges() else None
        return Summary(tuple(rows), lines, total, tuple(getattr(preview, "warnings", ())))

    def table_rows(self):
        p = self.last_preview
        if p is None:
            return ()
        return p.rows if hasattr(p, "rows") else (p.row,)

    # -- Slutför ------------------------------------------------------------------
    def run(self):
        return self.routine.execute(self.command(), self.services.actor)

    def involved_person_ids(self) -> set[int]:
        return {self.person_id, self.info.user_id, self.info.payer_id}

    def done_text(self) -> str:
        return f"{self.routine.name}: klart."

    def after_success(self, result) -> None:
        # The card is open already: reload it (and the other person's), open the order in the till; no open_person,
        # which would show the internal message again.
        bus = self.services.bus
        for person_id in sorted(self.involved_person_ids()):
            bus.person_changed.emit(person_id)
        order_id = getattr(result, "order_id", None)
        if order_id is not None:
            bus.order_created.emit(int(order_id))
        bus.status.emit(self.done_text())


# --------------------------------------------------------------------------
# Säg upp
# --------------------------------------------------------------------------


class CancelWizard(SubscriptionWizard):
    def __init__(self, services: UiServices, target: MenuTarget, parent: QWidget | None = None) -> None:
        super().__init__(services, "Säg upp abonnemang", target, CancelSubscriptionRoutine(services.core), parent)
        self.period = CancelPeriodPage(services)
        self.setPage(PERIOD, self.period)

    def command(self) -> CancelSubscription:
        return CancelSubscription(self.subscription_id, final_payment=self.period.final_payment(),
                                  agent_name=self.identifiering.agent(), command_id=self.command_id)

    def summary_rows(self, p) -> list[tuple[str, str]]:
        rows = [("Slutdatum", d(p.end_date)), ("Uppsägningstid", f"{p.notice_months} mån")]
        if p.binding_end is not None:
            rows.append(("Bindningstid t.o.m.", d(p.binding_end)))
        if p.final_payment:
            rows.append(("Betalning", f"Slutbetalning t.o.m. {d(p.end_date)}: {format_sek(p.final_payment_total_ore)}"))
        else:
            rows.append(("Betalning", f"Autogirodragningarna fortsätter t.o.m. {d(p.end_date)}"))
        rows.append(("Tillägg", "Sägs upp samtidigt" if any(r.is_addon for r in p.rows) else "Inga"))
        return rows

    def done_text(self) -> str:
        return "Abonnemanget är uppsagt."


# --------------------------------------------------------------------------
# Debitera
# --------------------------------------------------------------------------


class DebitWizard(SubscriptionWizard):
    def __init__(self, services: UiServices, target: MenuTarget, parent: QWidget | None = None) -> None:
        super().__init__(services, "Debitera abonnemang", target, DebitSubscriptionRoutine(services.core), parent)
        self.options = self.routine.options(self.subscription_id)
        self.period = DebitPeriodPage(services, self.options, self.info.period_months)
        self.setPage(PERIOD, self.period)

    def command(self) -> DebitSubscription:
        return DebitSubscription(self.subscription_id, self.period.intervals(), agent_name=self.identifiering.agent(),
                                 command_id=self.command_id)

    def summary_rows(self, p) -> list[tuple[str, str]]:
        what = "Debitera ikapp" if p.catch_up else f"{p.intervals} debiteringsintervall"
        return [("Debitering", what), ("Debiterat t.o.m. nu", d(p.options.effective_charged_through)),
                ("Debiterat t.o.m. efter", d(p.new_charged_through))]

    def done_text(self) -> str:
        return "Debiteringen är skapad och öppnad i kassan."


# --------------------------------------------------------------------------
# Uppgradera / Nedgradera
# --------------------------------------------------------------------------


class ChangeProductWizard(SubscriptionWizard):
    def __init__(self, services: UiServices, target: MenuTarget, direction: str,
                 parent: QWidget | None = None) -> None:
        upgrade = direction == "upp"
        routine = (UpgradeSubscriptionRoutine if upgrade else DowngradeSubscriptionRoutine)(services.core)
        super().__init__(services, "Uppgradera abonnemang" if upgrade else "Nedgradera abonnemang", target, routine,
                         parent)
        self.direction = direction
        options = self.routine.options(self.subscription_id)
        self.period = ProductChoicePage(services, direction, self.info.product_name, options, self.option_preview)
        self.setPage(PERIOD, self.period)

    def option_preview(self, product_id: int):
        try:
            return self.routine.preview(ChangeProduct(self.subscription_id, product_id))
        except UserError as err:
            return err

    def command(self) -> ChangeProduct:
        return ChangeProduct(self.subscription_id, self.period.product_id() or 0,
                             agent_name=self.identifiering.agent(), command_id=self.command_id)

    def charges(self) -> bool:
        return self.direction == "upp"

    def summary_rows(self, p) -> list[tuple[str, str]]:
        rows = [("Nuvarande", f"{p.old_product_name}, {format_sek(p.old_price_ore)}"),
                ("Nytt", f"{p.new_product_name}, {format_sek(p.new_price_ore)}"),
                ("Betalda dagar framåt", str(p.paid_days_ahead))]
        if self.direction == "ned":
            rows += [("Dagar som läggs till", str(p.shift_days)),
                     ("Debiterat t.o.m.", f"{d(p.row.charged_through_before)} → {d(p.row.charged_through_after)}")]
        return rows

    def done_text(self) -> str:
        return "Abonnemanget är uppgraderat." if self.direction == "upp" else "Abonnemanget är nedgraderat."


# --------------------------------------------------------------------------
# Frys
# --------------------------------------------------------------------------


class FreezeWizard(SubscriptionWizard):
    """Identifiering → Frysningsorsak (only with "Använd avvikelseorsaker") → Period → Bekräfta.

    With "Använd bekräftelse på frysning" on, the confirmation is rendered at Slutför from the routine's preview
    and passed to the routine (attached to the e-mail). Only after the freeze is saved does
    ``ConfirmationPrintDialog`` offer "Skriv ut bekräftelse" (focused) and "Spara som PDF…" for that document;
    nothing can be printed before Slutför. Queued offline, nothing is saved yet, so nothing is offered.
    """

    def __init__(self, services: UiServices, target: MenuTarget, parent: QWidget | None = None) -> None:
        super().__init__(services, "Frys abonnemang", target, FreezeSubscriptionRoutine(services.core), parent)
        with services.core.sessions() as session:
            settings = load_settings(session)
        rules = freeze_rules(settings)
        self.use_reasons = settings.use_deviation_reasons
        self.confirmation = settings.freeze_confirmation
        self.club_name = settings.club_name
        self.saved_confirmation = None  # (document, pdf) that went with the saved freeze
        self.confirmation_dialog: ConfirmationPrintDialog | None = None
        self.orsak = None
        if self.use_reasons:
            self.orsak = FrysningsorsakPage(services, self.routine.reasons())
            self.setPage(FRYSNINGSORSAK, self.orsak)
        self.period = FreezePeriodPage(services, lambda start: self.routine.limits(self.subscription_id, start),
                                       str(rules.min), str(rules.max))
        self.setPage(PERIOD, self.period)

    def command(self) -> FreezeSubscription:
        return FreezeSubscription(self.subscription_id, self.period.start_date(), self.period.end_date(),
                                  reason_id=self.orsak.reason_id() if self.orsak is not None else None,
                                  agent_name=self.identifiering.agent(), command_id=self.command_id)

    def charges(self) -> bool:
        return False

    def summary_rows(self, p) -> list[tuple[str, str]]:
        kind = "pågående från idag" if p.kind == "pågående" else "framtida frysning"
        rows = [("Frysning", f"{d(p.start)} – {d(p.end)} ({p.days} dagar, {kind})")]
        if p.reason_name:
            rows.append(("Frysningsorsak", p.reason_name))
        rows.append(("Frysta debiterade dagar tillgodo", str(p.frozen_paid_days)))
        if p.credit_days_after_binding:
            rows.append(("Dagar tillgodo efter bindningstiden", str(p.credit_days_after_binding)))
        main = next((r for r in p.rows if not r.is_addon), None)
        if main is not None and main.next_debit is not None:
            rows.append(("Nästa debitering", d(main.next_debit)))
        elif main is not None and main.validity_end is not None:
            rows.append(("Giltigt t.o.m.", d(main.validity_end)))
        if p.confirmation:
            rows.append(("Bekräftelse", f"Skrivs ut och skickas till {p.confirmation_email}" if p.confirmation_email
                         else "Skrivs ut (kunden saknar e-postadress)"))
        return rows

    def run(self):
        command = self.command()
        saved = None
        if self.confirmation:
            preview = self.routine.preview(command)
            document = confirmation_document(preview, self.info.product_name, self.club_name,
                                             self.services.core.clock.today())
            saved = (document, pdf_bytes(document), preview)
            command = replace(command, confirmation_pdf=saved[1])
        result = self.routine.execute(command, self.services.actor)
        self.saved_confirmation = saved  # only now: the freeze (and the e-mail with this PDF) is saved
        return result

    def after_success(self, result) -> None:
        super().after_success(result)
        if self.saved_confirmation is None:
            return
        document, pdf, preview = self.saved_confirmation
        sent = (f" Den skickas också till {preview.confirmation_email}." if preview.confirmation_email
                else " Kunden saknar e-postadress, så den skickas inte.")
        self.confirmation_dialog = ConfirmationPrintDialog(
            document, pdf, f"{self.done_text()} Skriv ut bekräftelsen till kunden.{sent}",
            suggested_path(self.services.user_data_dir, self.subscription_id, preview.start), self.parentWidget())
        keep_open(self.services, self.confirmation_dialog)

    def done_text(self) -> str:
        """What was saved, not more: a freeze that starts later is only planned (issue 14 §1)."""
        command = self.command()
        if command.start > self.services.core.clock.today():
            return f"Frysning planerad {d(command.start)} – {d(command.end)}."
        return f"Abonnemanget är fryst t.o.m. {d(command.end)}."


# --------------------------------------------------------------------------
# Tina upp, Förkorta, Förläng
# --------------------------------------------------------------------------


def change_rows(p) -> list[tuple[str, str]]:
    rows = [("Frysning nu", f"{d(p.freeze_start)} – {d(p.old_end)}")]
    if p.removed:
        rows.append(("Efter", "Frysningen tas bort"))
    else:
        rows.append(("Efter", f"{d(p.freeze_start)} – {d(p.new_end)}"))
    return rows


class ThawWizard(SubscriptionWizard):
    def __init__(self, services: UiServices, target: MenuTarget, parent: QWidget | None = None) -> None:
        super().__init__(services, "Tina upp abonnemang", target, ThawSubscriptionRoutine(services.core), parent)

    def command(self) -> ThawSubscription:
        return ThawSubscription(self.subscription_id, agent_name=self.identifiering.agent(),
                                command_id=self.command_id)

    def summary_rows(self, p) -> list[tuple[str, str]]:
        rows = change_rows(p)
        if p.waits_for_minimum:
            rows.append(("Tinas upp", f"{d(p.effective)}, när kortaste frysperioden är uppnådd"))
        else:
            rows.append(("Tinas upp", d(p.effective)))
        if p.total_ore:
            rows.append(("Betala ikapp", format_sek(p.total_ore)))
        return rows

    def done_text(self) -> str:
        """From the saved result: a thaw that waits for the shortest freeze period is only scheduled."""
        result = getattr(self, "result_value", None)
        new_end = getattr(result, "new_end", None)
        if new_end is not None and new_end >= self.services.core.clock.today():
            return f"Upptining planerad {d(new_end + timedelta(days=1))} (när kortaste frysperioden är uppnådd)."
        if new_end is None and getattr(self.last_preview, "effective", None) is not None \
                and self.last_preview.freeze_start > self.services.core.clock.today():
            return "Den planerade frysningen är borttagen."
        return "Abonnemanget är upptinat."


class FreezeEndWizard(SubscriptionWizard):
    """Förkorta frysning (action "förkorta") or Förläng frysning ("förläng")."""

    def __init__(self, services: UiServices, target: MenuTarget, action: str, parent: QWidget | None = None) -> None:
        shorten = action == "förkorta"
        routine = (ShortenFreezeRoutine if shorten else ExtendFreezeRoutine)(services.core)
        super().__init__(services, "Förkorta frysning" if shorten else "Förläng frysning", target, routine, parent)
        self.action = action
        with services.core.sessions() as session:
            rules = freeze_rules(load_settings(session))
        limits = self.routine.limits(self.subscription_id)
        start, old_end = current_freeze(services, self.subscription_id)
        self.period = FreezeEndPage(services, action, start, old_end, limits, str(rules.min), str(rules.max))
        self.setPage(PERIOD, self.period)

    def command(self) -> ChangeFreezeEnd:
        return ChangeFreezeEnd(self.subscription_id, self.period.new_end(), agent_name=self.identifiering.agent(),
                               command_id=self.command_id)

    def charges(self) -> bool:
        return self.action == "förkorta"

    def summary_rows(self, p) -> list[tuple[str, str]]:
        rows = change_rows(p)
        if p.total_ore:
            rows.append(("Betala ikapp", format_sek(p.total_ore)))
        return rows

    def done_text(self) -> str:
        return "Frysningen är förkortad." if self.action == "förkorta" else "Frysningen är förlängd."


def current_freeze(services: UiServices, subscription_id: int):
    """(start, end) of the subscription's ongoing or future freeze."""
    from sqlalchemy import select

    from db.models import Freeze

    with services.core.sessions() as session:
        row = session.execute(select(Freeze.start_date, Freeze.end_date).where(
            Freeze.subscription_id == subscription_id, Freeze.status.in_(("pagaende", "framtida")),
            Freeze.end_date >= services.core.clock.today()).order_by(Freeze.start_date)).first()
        if row is None:
            raise NotFound("Abonnemanget är inte fryst.")
        return row.start_date, row.end_date


# --------------------------------------------------------------------------
# Ta bort annan betalare / Sluta betala för abonnemang
# --------------------------------------------------------------------------


class PayerWizard(SubscriptionWizard):
    """``stop=False``: Ta bort annan betalare (the user's card); ``stop=True``: Sluta betala för abonnemang (the
    payer's card, ``target.person_id`` is the payer)."""

    def __init__(self, services: UiServices, target: MenuTarget, stop: bool, parent: QWidget | None = None) -> None:
        routine = (StopPayingForOtherRoutine if stop else RemoveOtherPayerRoutine)(services.core)
        super().__init__(services, "Sluta betala för abonnemang" if stop else "Ta bort annan betalare", target,
                         routine, parent)
        self.stop = stop

    def command(self):
        if self.stop:
            return StopPayingForOther(self.subscription_id, payer_id=self.person_id,
                                      agent_name=self.identifiering.agent(), command_id=self.command_id)
        return RemoveOtherPayer(self.subscription_id, agent_name=self.identifiering.agent(),
                                command_id=self.command_id)

    def charges(self) -> bool:
        return False

    def table_rows(self):
        return ()

    def summary_rows(self, p) -> list[tuple[str, str]]:
        rows = [("Nyttjare", p.user_name), ("Betalare nu", p.old_payer_name), ("Betalare efter", p.user_name),
                ("Abonnemang och tillägg som byter betalare", str(len(p.subscription_ids)))]
        if p.autogiro:
            if p.user_has_mandate:
                rows.append(("Autogiromedgivande", f"{p.user_name} har ett giltigt medgivande"))
            elif p.mandate_email:
                rows.append(("Autogiromedgivande", f"Saknas: e-post skickas till {p.mandate_email} med en uppmaning "
                                                   "att lämna ett medgivande"))
        return rows

    def done_text(self) -> str:
        return f"{self.info.user_name} betalar nu själv sitt abonnemang."
