"""What every subscription routine shares: preview rows, order lines, the plan-then-write engine hook."""
from __future__ import annotations

from abc import abstractmethod

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy.orm import Session

from app.context import Actor
from app.domain.periods import ONE_DAY
from app.orders import OrderLineDraft, create_order
from app.routines.base import Routine

C = TypeVar("C")
R = TypeVar("R")
_PLAN_KEY = "reception.subscription_plan"


@dataclass(frozen=True)
class OrderLinePreview:
    """One line of the order that Slutför creates (amount incl. VAT, öre)."""

    description: str
    amount_ore: int
    vat_basis_points: int
    period_from: date | None = None
    period_to: date | None = None
    subscription_id: int | None = None
    product_id: int | None = None

    @classmethod
    def of(cls, draft: OrderLineDraft) -> "OrderLinePreview":
        return cls(draft.description, draft.amount_ore, draft.vat_basis_points, draft.period_from, draft.period_to,
                   draft.subscription_id, draft.product_id)


@dataclass(frozen=True)
class SubscriptionRowPreview:
    """One row of the Period/Bekräfta table: the main subscription or an add-on, before and after.

    ``next_debit`` (AG) is the first day the next autogiro debit covers; ``validity_end``
    (kontant) is the last valid day. ``frozen_paid_days`` are "frysta debiterade dagar
    tillgodo"; ``credit_days_after`` are the dagar tillgodo usable after the binding end.
    ``amount_ore`` is what this row adds to the order.
    """

    subscription_id: int
    product_name: str
    kind: str
    is_addon: bool
    charged_through_before: date | None
    charged_through_after: date | None
    end_date_after: date | None = None
    frozen_paid_days: int = 0
    taken_back_days: int = 0
    credit_days_before: int = 0
    credit_days_after: int = 0
    amount_ore: int = 0

    @property
    def next_debit(self) -> date | None:
        if self.kind != "AG" or self.charged_through_after is None:
            return None
        return self.charged_through_after + ONE_DAY

    @property
    def validity_end(self) -> date | None:
        return self.charged_through_after if self.kind == "kontant" else None

    @property
    def credit_days_after_binding(self) -> int:
        return self.credit_days_after - self.credit_days_before


def total(lines) -> int:
    return sum(line.amount_ore for line in lines)


def line_amounts(drafts: list[OrderLineDraft]) -> dict[int, int]:
    amounts: dict[int, int] = {}
    for d in drafts:
        if d.subscription_id is not None:
            amounts[d.subscription_id] = amounts.get(d.subscription_id, 0) + d.amount_ore
    return amounts


def person_name(person) -> str:
    return f"{person.first_name} {person.last_name}"


class SubscriptionRoutine(Routine[C, R], Generic[C, R]):
    """Plan once against the database as it is now (``_plan``), then write it (``_write``).

    ``preview`` runs ``_plan`` read-only; ``execute`` (the engine) runs it again in
    the write transaction with row locks, so the wizard's preview can never be
    carried out against data that changed in between.
    """

    name: ClassVar[str]

    @abstractmethod
    def _plan(self, session: Session, command: C, *, lock: bool) -> Any:
        """Load and plan the routine against the database; `lock` takes row locks (write transaction)."""

    @abstractmethod
    def _write(self, session: Session, plan: Any, command: C, actor: Actor) -> tuple[R, str, int | None]:
        """Write the plan; return (result, audited entity name, entity id)."""

    def offline_person_id(self, session: Session, command: C) -> int | None:
        """Queued work on a subscription shows on its user's card."""
        from db.models import Subscription

        subscription_id = getattr(command, "subscription_id", None)
        subscription = session.get(Subscription, subscription_id) if subscription_id is not None else None
        return subscription.user_id if subscription is not None else getattr(command, "person_id", None)

    def validate(self, session: Session, command: C) -> None:
        session.info[_PLAN_KEY] = (id(command), self._plan(session, command, lock=True))

    def perform(self, session: Session, command: C, actor: Actor):
        stored = session.info.pop(_PLAN_KEY, None)
        plan = stored[1] if stored and stored[0] == id(command) else self._plan(session, command, lock=True)
        return self._write(session, plan, command, actor)

    def _order(self, session: Session, actor: Actor, person_id: int, drafts: list[OrderLineDraft]):
        """The order for the till, or None when nothing is to be paid."""
        if not drafts or total(drafts) == 0:
            return None
        return create_order(session, self.core, actor, person_id, self.name, drafts)
