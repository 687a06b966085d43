"""Debitera (SPEC §6): prepay N debit intervals, or "Debitera ikapp" when the subscription is lagging.

Add-ons are charged to the same debiterat t.o.m. as the main subscription. The
arithmetic is ``app.domain.debit.debit_plan``; the limit is the setting "Max
antal debiteringsintervall att förskottsbetala abonnemang". Slutför creates the
order for the till and moves debiterat t.o.m. of every charged subscription.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from sqlalchemy.orm import Session

from app.context import Actor
from app.domain.debit import IKAPP, catch_up_intervals, debit_plan, max_debit_intervals
from app.domain.subscriptions import effective_charged_through, expected_charged_through, is_lagging
from app.orders import require_till
from app.routines.subscriptions.common import (
    OrderLinePreview,
    SubscriptionRoutine,
    SubscriptionRowPreview,
    line_amounts,
    total,
)
from app.routines.subscriptions.facts import apply_debit_plan, debit_drafts, load, require_status
from app.settings import load_settings

DEBITABLE = ("kommande", "aktivt", "fryst", "framtida_frysning", "uppsagt")


@dataclass(frozen=True)
class DebitSubscription:
    subscription_id: int
    intervals: int | Literal["ikapp"]     # 1 … max setting, or "ikapp" (only when lagging)
    agent_name: str = ""
    command_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class DebitOptions:
    """What the Debitera page offers: 1 … ``max_intervals`` and, when lagging, "Debitera ikapp"."""

    max_intervals: int                    # 0 = already prepaid as far as allowed
    setting_max: int
    lagging: bool
    catch_up_intervals: int
    expected_charged_through: date
    effective_charged_through: date


@dataclass(frozen=True)
class DebitPreview:
    intervals: int | None
    catch_up: bool
    new_charged_through: date
    options: DebitOptions
    rows: tuple[SubscriptionRowPreview, ...]
    lines: tuple[OrderLinePreview, ...]
    total_ore: int


@dataclass(frozen=True)
class DebitResult:
    new_charged_through: date
    order_id: int | None
    total_ore: int


class DebitSubscriptionRoutine(SubscriptionRoutine[DebitSubscription, DebitResult]):
    name = "Debitera"
    offline_queueable = True  # waits in the desk's outbox while the server is away

    def options(self, subscription_id: int) -> DebitOptions:
        with self.preview_session() as session:
            loaded = load(session, subscription_id)
            return self._options(loaded, load_settings(session).max_prepay_intervals)

    def preview(self, command: DebitSubscription) -> DebitPreview:
        with self.preview_session() as session:
            return self._plan(session, command, lock=False)[1]

    def _options(self, loaded, setting_max: int) -> DebitOptions:
        today = self.core.clock.today()
        facts = loaded.main_facts
        return DebitOptions(max_debit_intervals(facts, setting_max, today) if setting_max >= 1 else 0, setting_max,
                            is_lagging(facts, today), catch_up_intervals(facts, today),
                            expected_charged_through(facts, today), effective_charged_through(facts))

    def _plan(self, session: Session, cmd: DebitSubscription, *, lock: bool):
        require_till(self.core)
        today = self.core.clock.today()
        settings = load_settings(session)
        loaded = load(session, cmd.subscription_id, lock=lock)
        require_status(loaded.main, DEBITABLE, "debiteras")
        plan = debit_plan(loaded.main_facts, loaded.addon_facts, cmd.intervals, settings.max_prepay_intervals, today)
        drafts = debit_drafts(loaded, plan)
        amounts = line_amounts(drafts)
        by_key = {line.subscription_key: line for line in plan.lines}
        rows = []
        for sub in loaded.rows:
            line = by_key.get(str(sub.id))
            rows.append(SubscriptionRowPreview(
                sub.id, sub.product.name, sub.product.payment, sub.parent_id is not None, sub.charged_through,
                line.period_to if line else sub.charged_through, end_date_after=sub.end_date,
                credit_days_before=sub.credit_days,
                credit_days_after=sub.credit_days - (line.credit_days_used if line else 0),
                amount_ore=amounts.get(sub.id, 0)))
        preview = DebitPreview(plan.intervals, cmd.intervals == IKAPP, plan.new_charged_through,
                               self._options(loaded, settings.max_prepay_intervals), tuple(rows),
                               tuple(OrderLinePreview.of(d) for d in drafts), total(drafts))
        return (loaded, plan, drafts), preview

    def _write(self, session: Session, plan, cmd: DebitSubscription, actor: Actor):
        (loaded, debit, drafts), _preview = plan
        apply_debit_plan(loaded, debit)
        order = self._order(session, actor, loaded.main.payer_id, drafts)
        return (DebitResult(debit.new_charged_through, order.id if order else None, order.total_ore if order else 0),
                "abonnemang", loaded.main.id)
