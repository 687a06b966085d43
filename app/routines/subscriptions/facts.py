"""Loading a main subscription and its add-ons as domain facts, and writing plans back.

The routines of SPEC §6 never compute dates or money themselves: they load the
rows here into :class:`app.domain.subscriptions.SubscriptionFacts` (one query for
the main subscription and its add-ons, one for their freezes), ask the pure
functions in ``app.domain`` for a plan, and write the plan back with the helpers
below. A facts ``key`` is the subscription id as text.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.domain.debit import DebitLine, DebitPlan
from app.domain.freeze import FreezeRow, FreezeRules
from app.domain.periods import Length, iso
from app.domain.subscriptions import Freeze as DomainFreeze
from app.domain.subscriptions import SubscriptionFacts
from app.errors import NotFound, ValidationError
from app.orders import OrderLineDraft
from app.settings import BusinessSettings

RUNNING = ("aktivt", "fryst", "framtida_frysning")
CURRENT_FREEZE = ("framtida", "pagaende")
KNOWN_FREEZE = ("framtida", "pagaende", "avslutad")
NOT_FOUND = "Abonnemanget finns inte längre. Sök fram kunden igen."
STATUS_LABELS = {
    "kommande": "kommande",
    "aktivt": "aktivt",
    "fryst": "fryst",
    "framtida_frysning": "har en framtida frysning",
    "uppsagt": "uppsagt",
    "avslutat": "avslutat",
}


def period_months(product) -> int:
    """Months one price covers: the debit interval (AG) or the validity (kontant)."""
    if product.payment == "kontant" and product.validity_months:
        return product.validity_months
    return product.interval_months


def facts_for(sub) -> SubscriptionFacts:
    """The domain view of one Subscription row (its freezes must be loaded)."""
    freezes = tuple(sorted(
        (DomainFreeze(f.start_date, f.end_date, f.charged_until) for f in sub.freezes if f.status in KNOWN_FREEZE),
        key=lambda f: f.start,
    ))
    return SubscriptionFacts(
        key=str(sub.id),
        kind=sub.product.payment,
        price_ore=sub.price_ore,
        interval_months=period_months(sub.product),
        start=sub.start_date,
        charged_through=sub.charged_through,
        binding_end=sub.binding_end,
        end=sub.end_date,
        notice_months=sub.product.notice_months,
        credit_days=sub.credit_days,
        freezes=freezes,
    )


@dataclass
class Loaded:
    """A main subscription and its live add-on subscriptions, as rows and as facts."""

    main: object                      # db.models.Subscription
    addons: list                      # db.models.Subscription rows (not ended)
    main_facts: SubscriptionFacts
    addon_facts: list[SubscriptionFacts]

    @property
    def rows(self) -> list:
        return [self.main, *self.addons]

    def row(self, key: str):
        return next(r for r in self.rows if str(r.id) == key)

    @property
    def kind(self) -> str:
        return self.main.product.payment


def load(session: Session, subscription_id: int, *, lock: bool = False) -> Loaded:
    """Load main subscription ``subscription_id`` and its add-ons (not ended) with their freezes.

    ``lock`` takes row locks on PostgreSQL (SELECT … FOR UPDATE) so two desks
    working on the same subscription wait for each other; SQLite's write
    transaction already holds the database lock.
    """
    from db.models import Subscription

    query = (select(Subscription)
             .where(or_(Subscription.id == subscription_id, Subscription.parent_id == subscription_id))
             .options(selectinload(Subscription.freezes))
             .order_by(Subscription.id)
             .execution_options(populate_existing=True))
    if lock:
        query = query.with_for_update(of=Subscription)
    rows = session.scalars(query).all()
    main = next((r for r in rows if r.id == subscription_id), None)
    if main is None:
        raise NotFound(NOT_FOUND)
    if main.parent_id is not None:
        raise ValidationError("Välj huvudabonnemanget; tilläggen följer med det.", field="subscription_id")
    if main.product.payment not in ("AG", "kontant"):
        raise ValidationError("Produkten är inget abonnemang.", field="subscription_id")
    addons = [r for r in rows if r.id != subscription_id and r.status not in ("avslutat",)
              and r.product.payment in ("AG", "kontant")]
    return Loaded(main, addons, facts_for(main), [facts_for(a) for a in addons])


def require_status(sub, allowed: tuple[str, ...], action: str) -> None:
    if sub.status not in allowed:
        raise ValidationError(f"Abonnemanget är {STATUS_LABELS.get(sub.status, sub.status)} och kan inte {action}.",
                              field="subscription_id")


def freeze_rules(settings: BusinessSettings) -> FreezeRules:
    return FreezeRules(min=Length(settings.freeze_min["number"], settings.freeze_min["unit"]),
                       max=Length(settings.freeze_max["number"], settings.freeze_max["unit"]),
                       debit_during_binding=settings.debit_frozen_during_binding)


# --------------------------------------------------------------------------
# Writing plans back
# --------------------------------------------------------------------------


def apply_debit_line(sub, line: DebitLine) -> None:
    """A charged line: debiterat t.o.m. moves to the line's end, the credit days it used are gone."""
    sub.charged_through = line.period_to
    sub.credit_days = sub.credit_days - line.credit_days_used


def apply_debit_plan(loaded: Loaded, plan: DebitPlan) -> None:
    for line in plan.lines:
        apply_debit_line(loaded.row(line.subscription_key), line)


def apply_freeze_row(sub, row: FreezeRow) -> None:
    sub.charged_through = row.new_charged_through
    sub.credit_days = row.new_credit_days


def freeze_row_for(sub, freeze: DomainFreeze):
    """The Freeze table row behind a domain freeze of ``sub`` (the current one: future or ongoing)."""
    for f in sub.freezes:
        if (f.status in CURRENT_FREEZE and f.start_date == freeze.start and f.end_date == freeze.end
                and f.charged_until == freeze.charged_until):
            return f
    raise ValidationError("Frysningen har ändrats vid en annan kassa. Sök fram kunden igen.",
                          field="subscription_id")


def debit_drafts(loaded: Loaded, plan: DebitPlan | None, label: str = "") -> list[OrderLineDraft]:
    """Order lines for a debit plan: one per subscription with its period and amount."""
    if plan is None:
        return []
    drafts = []
    for line in plan.lines:
        sub = loaded.row(line.subscription_key)
        text = f"{label}{sub.product.name} {iso(line.period_from)} – {iso(line.period_to)}"
        if line.credit_days_used:
            text += f" ({line.credit_days_used} dagar tillgodo)"
        drafts.append(OrderLineDraft(text[:250], line.amount_ore, sub.product.vat_basis_points,
                                     product_id=sub.product_id, subscription_id=sub.id,
                                     period_from=line.period_from, period_to=line.period_to))
    return drafts

