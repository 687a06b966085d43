"""Säg upp (SPEC §6): cancel an autogiro subscription and its add-ons, with or without slutbetalning.

The end date is ``notice_end`` (notice period from today, or from tomorrow when
"Inkludera dagens datum i uppsägningstid" is off; never before the binding end).
Main and add-ons become 'uppsagt' with that end date; the nightly job ends them
('avslutat') after it. Slutbetalning charges main and add-ons up to the end date
now (order for the till, ``final_payment`` set); otherwise the autogiro debits
continue until the end date.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from app.context import Actor
from app.domain.notice import plan_cancellation
from app.domain.periods import iso
from app.errors import ValidationError
from app.orders import require_till
from app.routines.subscriptions.common import (
    OrderLinePreview,
    SubscriptionRoutine,
    SubscriptionRowPreview,
    line_amounts,
    total,
)
from app.routines.subscriptions.facts import RUNNING, apply_debit_plan, debit_drafts, load, require_status
from app.settings import load_settings


@dataclass(frozen=True)
class CancelSubscription:
    subscription_id: int
    final_payment: bool                  # True = slutbetalning now; False = autogiro continues to the end
    agent_name: str = ""                 # ombud, when someone else identifies for the customer
    command_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class CancelPreview:
    end_date: date
    notice_months: int
    binding_end: date | None
    include_today: bool
    final_payment: bool
    final_payment_total_ore: int          # what slutbetalning would cost (shown whichever is chosen)
    final_payment_lines: tuple[OrderLinePreview, ...]
    rows: tuple[SubscriptionRowPreview, ...]
    lines: tuple[OrderLinePreview, ...]   # the order Slutför creates (empty without slutbetalning)
    total_ore: int


@dataclass(frozen=True)
class CancelResult:
    subscription_ids: tuple[int, ...]
    end_date: date
    order_id: int | None
    total_ore: int


class CancelSubscriptionRoutine(SubscriptionRoutine[CancelSubscription, CancelResult]):
    name = "Säg upp"
    offline_queueable = True  # waits in the desk's outbox while the server is away

    def preview(self, command: CancelSubscription) -> CancelPreview:
        with self.preview_session() as session:
            return self._plan(session, command, lock=False)[1]

    def _plan(self, session: Session, cmd: CancelSubscription, *, lock: bool):
        require_till(self.core)
        today = self.core.clock.today()
        settings = load_settings(session)
        loaded = load(session, cmd.subscription_id, lock=lock)
        main = loaded.main
        if loaded.kind != "AG":
            raise ValidationError("Endast autogiroabonnemang kan sägas upp. Ett kontantabonnemang gäller "
                                  "t.o.m. sitt giltighetsdatum och behöver inte sägas upp.",
                                  field="subscription_id")
        if main.status == "uppsagt":
            raise ValidationError(f"Abonnemanget är redan uppsagt med slutdatum {iso(main.end_date)}.",
                                  field="subscription_id")
        require_status(main, RUNNING, "sägas upp")
        plan = plan_cancellation(loaded.main_facts, loaded.addon_facts, today, settings.notice_include_today)
        for facts in (loaded.main_facts, *loaded.addon_facts):
            current = facts.current_freeze(today)
            if current is not None and current.end > plan.end:
                raise ValidationError(
                    f"Abonnemanget är fryst t.o.m. {iso(current.end)}, efter uppsägningens slutdatum "
                    f"{iso(plan.end)}. Förkorta frysningen eller tina upp abonnemanget först.",
                    field="subscription_id")
        pay_lines = debit_drafts(loaded, plan.final_payment)
        chosen = pay_lines if cmd.final_payment else []
        amounts = line_amounts(chosen)
        by_key = {line.subscription_key: line for line in plan.final_payment.lines}
        rows = []
        for sub in loaded.rows:
            line = by_key.get(str(sub.id)) if cmd.final_payment else None
            end = plan.end if sub.end_date is None else min(sub.end_date, plan.end)
            rows.append(SubscriptionRowPreview(
                sub.id, sub.product.name, sub.product.payment, sub.parent_id is not None, sub.charged_through,
                line.period_to if line else sub.charged_through, end_date_after=end,
                credit_days_before=sub.credit_days,
                credit_days_after=sub.credit_days - (line.credit_days_used if line else 0),
                amount_ore=amounts.get(sub.id, 0)))
        preview = CancelPreview(
            end_date=plan.end, notice_months=main.product.notice_months, binding_end=main.binding_end,
            include_today=settings.notice_include_today, final_payment=cmd.final_payment,
            final_payment_total_ore=plan.final_payment_ore,
            final_payment_lines=tuple(OrderLinePreview.of(d) for d in pay_lines), rows=tuple(rows),
            lines=tuple(OrderLinePreview.of(d) for d in chosen), total_ore=total(chosen))
        return (loaded, plan, chosen), preview

    def _write(self, session: Session, plan, cmd: CancelSubscription, actor: Actor):
        (loaded, cancellation, drafts), preview = plan
        for sub, row in zip(loaded.rows, preview.rows):
            sub.status = "uppsagt"
            sub.end_date = row.end_date_after
            if cmd.final_payment:
                sub.final_payment = True
        if cmd.final_payment:
            apply_debit_plan(loaded, cancellation.final_payment)
        order = self._order(session, actor, loaded.main.payer_id, drafts)
        result = CancelResult(tuple(s.id for s in loaded.rows), cancellation.end, order.id if order else None,
                              order.total_ore if order else 0)
        return result, "abonnemang", loaded.main.id
