"""Frys, Tina upp, Förkorta frysning, Förläng frysning (SPEC §6).

The arithmetic is ``app.domain.freeze`` (plan_freeze / plan_thaw / plan_shorten /
plan_extend, with the limits of the settings as :class:`FreezeRules`). Each main
and add-on subscription gets its own Freeze row with the same dates.

Statuses, kept consistent with the nightly job (app/jobs/nightly.py):

* Frys starting today: freeze 'pagaende', subscription 'fryst'; starting later:
  freeze 'framtida', subscription 'framtida_frysning' (the job makes both
  ongoing on the start day). A cancelled subscription keeps 'uppsagt' — the
  freeze row shows the freeze, and the job must not turn it 'aktivt' later.
* Tina upp of a future freeze: the freeze becomes 'borttagen' and the dates
  return to what they were. An ongoing freeze that may thaw today ends
  yesterday ('avslutad', subscription 'aktivt' at once; a freeze that started
  today is 'borttagen'). When the minimum period is not reached, the freeze's
  end date becomes the day before the minimum is reached and it stays
  'pagaende' until the nightly job ends it that night.
* Förkorta / Förläng change the end date of the ongoing freeze.

For AG, Tina upp and Förkorta may leave the subscription lagging: the catch-up
("betala ikapp") becomes an order for the till, charged to the payer.
"""
from __future__ import annotations

from typing import Any

from abc import abstractmethod

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.inputs import check_date
from app.context import Actor
from app.domain.freeze import FreezeChangePlan, FreezePlan, FreezeRow, plan_extend, plan_freeze, plan_shorten, plan_thaw
from app.domain.periods import iso
from app.errors import ValidationError
from app.orders import require_till
from app.routines.subscriptions.common import (
    OrderLinePreview,
    SubscriptionRoutine,
    SubscriptionRowPreview,
    line_amounts,
    person_name,
    total,
)
from app.routines.subscriptions.facts import (
    apply_debit_plan,
    apply_freeze_row,
    debit_drafts,
    freeze_row_for,
    freeze_rules,
    load,
    require_status,
)
from app.settings import load_settings

FREEZABLE = ("aktivt", "uppsagt")
CONFIRMATION_ATTACHMENT = "frysbekraftelse.pdf"


def _new_id() -> str:
    return str(uuid.uuid4())


# --------------------------------------------------------------------------
# Commands, previews, results
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FreezeSubscription:
    subscription_id: int
    start: date                            # today ("Idag") or later
    end: date
    reason_id: int | None = None           # required when "Använd avvikelseorsaker" is on
    agent_name: str = ""                   # ombud
    confirmation_pdf: bytes | None = None  # rendered by the UI when "Använd bekräftelse på frysning" is on
    command_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class ThawSubscription:
    subscription_id: int
    agent_name: str = ""
    command_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class ChangeFreezeEnd:
    """Förkorta frysning / Förläng frysning: the ongoing freeze's new last day."""

    subscription_id: int
    new_end: date
    agent_name: str = ""
    command_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class FreezeLimits:
    """Dates the Period page allows (inclusive) for a freeze starting ``start``."""

    start: date
    earliest_end: date
    latest_end: date


@dataclass(frozen=True)
class FreezePreview:
    kind: str                              # framtida / pågående
    start: date
    end: date
    days: int
    reason_name: str | None
    agent_name: str
    customer_name: str
    rows: tuple[SubscriptionRowPreview, ...]
    frozen_paid_days: int                  # main subscription: paid days given back after the freeze
    credit_days_after_binding: int         # main subscription: dagar tillgodo after the binding end
    confirmation: bool                     # a confirmation is printed and e-mailed
    confirmation_email: str | None         # where it goes (None: the customer has no e-mail address)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class FreezeResult:
    freeze_ids: tuple[int, ...]
    subscription_status: str
    outbox_message_id: int | None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class FreezeChangePreview:
    """Tina upp / Förkorta / Förläng: the freeze before and after, rows and the catch-up order."""

    action: str                            # tina / förkorta / förläng
    freeze_start: date
    old_end: date
    new_end: date | None                   # None: the freeze is removed
    effective: date                        # the first day without freeze (tina/förkorta), first added day (förläng)
    removed: bool
    waits_for_minimum: bool                # Tina upp before the minimum period: thaws on ``effective``
    rows: tuple[SubscriptionRowPreview, ...]
    lines: tuple[OrderLinePreview, ...]    # "betala ikapp" (AG)
    total_ore: int
    limits: FreezeLimits


@dataclass(frozen=True)
class FreezeChangeResult:
    new_end: date | None
    subscription_status: str
    order_id: int | None
    total_ore: int


def _rows(loaded, rows: tuple[FreezeRow, ...], catch_up=None, drafts=()) -> tuple[SubscriptionRowPreview, ...]:
    by_key = {r.subscription_key: r for r in rows}
    debit = {line.subscription_key: line for line in (catch_up.lines if catch_up else ())}
    amounts = line_amounts(list(drafts))
    result = []
    for sub in loaded.rows:
        row = by_key.get(str(sub.id))
        if row is None:
            continue
        line = debit.get(str(sub.id))
        after = line.period_to if line else row.new_charged_through
        credit_after = row.new_credit_days - (line.credit_days_used if line else 0)
        result.append(SubscriptionRowPreview(
            sub.id, sub.product.name, sub.product.payment, sub.parent_id is not None, sub.charged_through, after,
            end_date_after=sub.end_date, frozen_paid_days=row.frozen_paid_days, taken_back_days=row.taken_back_days,
            credit_days_before=sub.credit_days, credit_days_after=credit_after, amount_ore=amounts.get(sub.id, 0)))
    return tuple(result)


def _reason(session: Session, reason_id: int | None, required: bool):
    from db.models import DeviationReason

    if reason_id is None:
        if required:
            raise ValidationError("Välj en frysningsorsak.", field="reason_id")
        return None
    reason = session.get(DeviationReason, reason_id)
    if reason is None or not reason.active or reason.kind != "frysning":
        raise ValidationError("Välj en av de frysningsorsaker som finns (Avvikelseorsaker av typen Frysning).",
                              field="reason_id")
    return reason


# --------------------------------------------------------------------------
# Frys
# --------------------------------------------------------------------------


class FreezeSubscriptionRoutine(SubscriptionRoutine[FreezeSubscription, FreezeResult]):
    name = "Frys"
    offline_queueable = True  # waits in the desk's outbox while the server is away

    def limits(self, subscription_id: int, start: date) -> FreezeLimits:
        """Earliest and latest end for a freeze starting ``start`` (the Period page's date limits)."""
        check_date(start, "start")
        with self.preview_session() as session:
            rules = freeze_rules(load_settings(session))
            load(session, subscription_id)
            return FreezeLimits(start, rules.earliest_end(start), rules.latest_end(start))

    def reasons(self) -> list[tuple[int, str]]:
        """The active freeze reasons (id, name) for the Frysningsorsak page."""
        from db.models import DeviationReason

        with self.preview_session() as session:
            rows = session.scalars(select(DeviationReason).where(DeviationReason.kind == "frysning",
                                                                 DeviationReason.active.is_(True))
                                   .order_by(DeviationReason.name))
            return [(r.id, r.name) for r in rows]

    def preview(self, command: FreezeSubscription) -> FreezePreview:
        with self.preview_session() as session:
            return self._plan(session, command, lock=False)[1]

    def _plan(self, session: Session, cmd: FreezeSubscription, *, lock: bool):
        from db.models import Person

        today = self.core.clock.today()
        settings = load_settings(session)
        loaded = load(session, cmd.subscription_id, lock=lock)
        require_status(loaded.main, FREEZABLE, "frysas")
        reason = _reason(session, cmd.reason_id, settings.use_deviation_reasons)
        plan: FreezePlan = plan_freeze(loaded.main_facts, cmd.start, cmd.end, today, freeze_rules(settings),
                                       loaded.addon_facts)
        user = session.get(Person, loaded.main.user_id)
        warnings = []
        email = (user.email or "").strip() or None
        if settings.freeze_confirmation and email is None:
            warnings.append("Kunden saknar e-postadress, så bekräftelsen kan bara skrivas ut.")
        preview = FreezePreview(
            kind=plan.kind, start=plan.start, end=plan.end, days=(plan.end - plan.start).days + 1,
            reason_name=reason.name if reason else None, agent_name=cmd.agent_name.strip(),
            customer_name=person_name(user), rows=_rows(loaded, plan.rows),
            frozen_paid_days=plan.main.frozen_paid_days,
            credit_days_after_binding=plan.main.credit_days_after_binding,
            confirmation=settings.freeze_confirmation, confirmation_email=email if settings.freeze_confirmation else None,
            warnings=tuple(warnings))
        return (loaded, plan, reason, user), preview

    def _write(self, session: Session, plan, cmd: FreezeSubscription, actor: Actor):
        from db.models import Freeze, OutboxMessage

        (loaded, freeze_plan, reason, user), preview = plan
        now = self.core.clock.now()
        ongoing = freeze_plan.kind == "pågående"
        by_key = {r.subscription_key: r for r in freeze_plan.rows}
        ids = []
        for sub in loaded.rows:
            row = by_key.get(str(sub.id))
            if row is None:
                continue
            apply_freeze_row(sub, row)
            if sub.status != "uppsagt":
                sub.status = "fryst" if ongoing else "framtida_frysning"
            new = row.new_freeze
            freeze = Freeze(subscription_id=sub.id, start_date=new.start, end_date=new.end,
                            reason_id=reason.id if reason else None,
                            kind="debitering_under_bindning" if new.charged_until else "normal",
                            charged_until=new.charged_until, status="pagaende" if ongoing else "framtida",
                            credited_days=row.frozen_paid_days + row.credit_days_after_binding,
                            agent_name=cmd.agent_name.strip() or None, created_at=now, created_by=actor.user_id)
            session.add(freeze)
            session.flush()
            ids.append(freeze.id)
        message_id = None
        if preview.confirmation and preview.confirmation_email:
            message = OutboxMessage(
                channel="epost", recipient=preview.confirmation_email,
                subject=f"Bekräftelse på frysning av {loaded.main.product.name}",
                body=confirmation_text(preview, loaded.main.product.name),
                attachment_name=CONFIRMATION_ATTACHMENT if cmd.confirmation_pdf else None,
                attachment=cmd.confirmation_pdf, person_id=user.id, dedupe_key=f"frysbekraftelse-{ids[0]}",
                status="vantar", attempts=0, created_at=now, next_attempt_at=now)
            session.add(message)
            session.flush()
            message_id = message.id
        result = FreezeResult(tuple(ids), loaded.main.status, message_id, preview.warnings)
        return result, "abonnemang", loaded.main.id


def confirmation_text(preview: FreezePreview, product_name: str) -> str:
    """The e-mail body of the freeze confirmation (the printed PDF carries the same facts)."""
    lines = [
        f"Hej {preview.customer_name}!",
        "",
        f"Ditt abonnemang {product_name} är fryst {iso(preview.start)} – {iso(preview.end)} "
        f"({preview.days} dagar).",
    ]
    if preview.reason_name:
        lines.append(f"Orsak: {preview.reason_name}.")
    if preview.agent_name:
        lines.append(f"Frysningen gjordes av ombud: {preview.agent_name}.")
    lines.append("")
    for row in preview.rows:
        if row.kind == "AG":
            after = f"nästa debitering gäller från {iso(row.next_debit)}" if row.next_debit else "ingen ändring"
        else:
            after = f"giltigt t.o.m. {iso(row.validity_end)}" if row.validity_end else "ingen ändring"
        extra = f", {row.frozen_paid_days} betalda dagar tillgodo" if row.frozen_paid_days else ""
        if row.credit_days_after_binding:
            extra += f", {row.credit_days_after_binding} dagar tillgodo efter bindningstiden"
        lines.append(f"• {row.product_name}: {after}{extra}.")
    lines += ["", "Välkommen tillbaka!"]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Tina upp, Förkorta, Förläng
# --------------------------------------------------------------------------


class _FreezeChangeRoutine(SubscriptionRoutine[Any, FreezeChangeResult]):
    action: str
    offline_queueable = True  # waits in the desk's outbox while the server is away

    def preview(self, command) -> FreezeChangePreview:
        with self.preview_session() as session:
            return self._plan(session, command, lock=False)[1]

    def limits(self, subscription_id: int) -> FreezeLimits:
        """Earliest (minimum reached, not before today) and latest (maximum) end of the current freeze."""
        with self.preview_session() as session:
            rules = freeze_rules(load_settings(session))
            loaded = load(session, subscription_id)
            current = loaded.main_facts.current_freeze(self.core.clock.today())
            if current is None:
                raise ValidationError("Abonnemanget är inte fryst.", field="subscription_id")
            return self._limits(current, rules)

    def _limits(self, current, rules) -> FreezeLimits:
        today = self.core.clock.today()
        return FreezeLimits(current.start, max(rules.earliest_end(current.start), today),
                            rules.latest_end(current.start))

    @abstractmethod
    def _domain_plan(self, loaded, cmd, today, rules) -> FreezeChangePlan:
        """The app.domain.freeze plan for this change (thaw, shorten or extend)."""

    def _plan(self, session: Session, cmd, *, lock: bool):
        today = self.core.clock.today()
        rules = freeze_rules(load_settings(session))
        loaded = load(session, cmd.subscription_id, lock=lock)
        current = loaded.main_facts.current_freeze(today)
        if current is None or loaded.main.status not in ("fryst", "framtida_frysning", "uppsagt"):
            raise ValidationError("Abonnemanget är inte fryst.", field="subscription_id")
        if self.action != "förläng" and loaded.kind == "AG":
            require_till(self.core)  # "betala ikapp" may be due
        plan = self._domain_plan(loaded, cmd, today, rules)
        drafts = debit_drafts(loaded, plan.catch_up, "Betala ikapp: ")
        removed = plan.new_end is None
        preview = FreezeChangePreview(
            action=plan.action, freeze_start=current.start, old_end=current.end, new_end=plan.new_end,
            effective=plan.effective, removed=removed,
            waits_for_minimum=self.action == "tina" and plan.effective > today,
            rows=_rows(loaded, plan.rows, plan.catch_up, drafts),
            lines=tuple(OrderLinePreview.of(d) for d in drafts), total_ore=total(drafts),
            limits=self._limits(current, rules))
        return (loaded, plan, drafts, today), preview

    def _write(self, session: Session, plan, cmd, actor: Actor):
        (loaded, change, drafts, today), preview = plan
        by_key = {r.subscription_key: r for r in change.rows}
        for sub in loaded.rows:
            row = by_key.get(str(sub.id))
            if row is None:
                continue
            freeze = freeze_row_for(sub, row.freeze_before)
            apply_freeze_row(sub, row)
            if row.new_freeze is None:
                freeze.status = "borttagen"
                frozen_now = False
            else:
                freeze.end_date = row.new_freeze.end
                if freeze.end_date < today:
                    freeze.status = "avslutad"
                frozen_now = freeze.status == "pagaende"
            freeze.credited_days = max(0, freeze.credited_days + row.frozen_paid_days - row.taken_back_days
                                       + row.credit_days_after_binding)
            if sub.status != "uppsagt":
                if freeze.status in ("borttagen", "avslutad"):
                    sub.status = "aktivt"
                elif freeze.status == "framtida":
                    sub.status = "framtida_frysning"
                elif frozen_now:
                    sub.status = "fryst"
        if change.catch_up is not None:
            apply_debit_plan(loaded, change.catch_up)
        order = self._order(session, actor, loaded.main.payer_id, drafts)
        session.flush()
        result = FreezeChangeResult(change.new_end, loaded.main.status, order.id if order else None,
                                    order.total_ore if order else 0)
        return result, "abonnemang", loaded.main.id


class ThawSubscriptionRoutine(_FreezeChangeRoutine):
    """Tina upp: a future freeze is removed at once; an ongoing one thaws today or when the minimum is reached."""

    name = "Tina upp"
    action = "tina"

    def _domain_plan(self, loaded, cmd: ThawSubscription, today, rules) -> FreezeChangePlan:
        return plan_thaw(loaded.main_facts, today, rules, loaded.addon_facts)


class ShortenFreezeRoutine(_FreezeChangeRoutine):
    """Förkorta frysning: ongoing freezes only, not shorter than the minimum."""

    name = "Förkorta frysning"
    action = "förkorta"

    def _domain_plan(self, loaded, cmd: ChangeFreezeEnd, today, rules) -> FreezeChangePlan:
        return plan_shorten(loaded.main_facts, cmd.new_end, today, rules, loaded.addon_facts)


class ExtendFreezeRoutine(_FreezeChangeRoutine):
    """Förläng frysning: ongoing freezes only; the whole freeze at most the maximum."""

    name = "Förläng frysning"
    action = "förläng"

    def _domain_plan(self, loaded, cmd: ChangeFreezeEnd, today, rules) -> FreezeChangePlan:
        return plan_extend(loaded.main_facts, cmd.new_end, today, rules, loaded.addon_facts)
