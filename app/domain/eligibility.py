"""Who may do what with subscriptions: transfer (Överlåt), signing a new one, converting to organisation customer.

Each check returns the Swedish reasons it fails (empty = allowed), so the UI can
hide a menu entry, disable it with a tooltip, or show the reasons in a wizard.

* Överlåt (SPEC §6): kontant only, product with "Tillåt överlåtelse"; the
  receiver must have the transferor's customer type and no active subscription.
* Teckna abonnemang (SPEC §5 flow 2, setting "Antal månader i förväg som man
  får teckna ett nytt abonnemang om man redan har ett aktivt", default 1): allowed
  when there is no active main subscription or it ends within that many months.
* Utnyttja avtal/förbeställning (SPEC §5 flow 4, setting "Tillåt inte omvandling
  till organisationskund om kvarvarande månader på befintligt abonnemang är mer
  än", 0 = no limit).

``active_end`` is the last day of the customer's active main subscription
(kontant: debiterat t.o.m.; cancelled AG: its slutdatum), ``None`` when there is
none, and :data:`OPEN_ENDED` for an AG subscription that runs until cancelled.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.periods import ONE_DAY, add_months, iso

OPEN_ENDED = date.max


@dataclass(frozen=True)
class Verdict:
    """Allowed or not, with the Swedish reasons why not. Truthy when allowed."""

    reasons: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.reasons

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def reason(self) -> str | None:
        return " ".join(self.reasons) if self.reasons else None


def transfer_menu_visible(product_kind: str, transfer_allowed: bool) -> bool:
    """"Överlåt" is shown only for kontant subscriptions whose product allows transfer."""
    return product_kind == "kontant" and transfer_allowed


def transfer_eligibility(
    product_kind: str,
    transfer_allowed: bool,
    transferor_type: str,
    receiver_type: str | None,
    receiver_has_active: bool,
    *,
    same_person: bool = False,
) -> list[str]:
    """Reasons the transfer cannot be made (empty list = allowed).

    ``receiver_type`` is None for a new customer ("Registrera ny kund"): the
    Legitimering page then fixes the type to the transferor's.
    """
    reasons: list[str] = []
    if product_kind != "kontant":
        reasons.append("Endast kontantabonnemang kan överlåtas.")
    if not transfer_allowed:
        reasons.append("Produkten tillåter inte överlåtelse.")
    if same_person:
        reasons.append("Mottagaren är samma person som överlåtaren.")
    if receiver_type is not None and receiver_type != transferor_type:
        reasons.append(
            f"Mottagaren måste ha samma kundtyp som överlåtaren ({transferor_type}), inte {receiver_type}."
        )
    if receiver_has_active:
        reasons.append("Mottagaren har redan ett aktivt abonnemang.")
    return reasons


def remaining_months(today: date, active_end: date) -> int:
    """Months left of a subscription ending ``active_end``, a started month counting as one.

    14 Apr when today is 15 Mar -> 1; 15 Apr -> 2; ended (before today) -> 0.
    """
    if active_end < today:
        return 0
    if active_end == OPEN_ENDED:
        raise ValueError("an open-ended subscription has no remaining months")
    months = (active_end.year - today.year) * 12 + (active_end.month - today.month)
    months = max(months, 0)
    while add_months(today, months) - ONE_DAY >= active_end and months > 0:
        months -= 1
    while add_months(today, months) - ONE_DAY < active_end:
        months += 1
    return months


def earliest_signing_day(active_end: date, months_in_advance: int) -> date:
    """The first day a new subscription may be signed when the active one ends ``active_end``."""
    return add_months(active_end, -months_in_advance)


def may_sign_new_subscription(active_end: date | None, months_in_advance: int, today: date) -> Verdict:
    """"Teckna abonnemang": no active main subscription, or it ends within ``months_in_advance`` months."""
    if months_in_advance < 0:
        raise ValueError("months_in_advance cannot be negative")
    if active_end is None or active_end < today:
        return Verdict()
    if active_end == OPEN_ENDED:
        return Verdict((
            "Kunden har redan ett aktivt autogiroabonnemang utan slutdatum. Säg upp det först.",
        ))
    if active_end <= add_months(today, months_in_advance):
        return Verdict()
    return Verdict((
        f"Kunden har redan ett aktivt abonnemang t.o.m. {iso(active_end)}. Ett nytt kan tecknas "
        f"tidigast {iso(earliest_signing_day(active_end, months_in_advance))} "
        f"({months_in_advance} mån. i förväg).",
    ))


def new_subscription_start(active_end: date | None, today: date) -> date:
    """A new subscription signed in advance starts the day after the active one ends."""
    if active_end is None or active_end < today:
        return today
    if active_end == OPEN_ENDED:
        raise ValueError("an open-ended subscription has no end to follow")
    return active_end + ONE_DAY


def may_convert_to_organisation(active_end: date | None, limit_months: int, today: date) -> Verdict:
    """"Utnyttja avtal/förbeställning": blocked when more than ``limit_months`` months remain (0 = no limit)."""
    if limit_months < 0:
        raise ValueError("limit_months cannot be negative")
    if limit_months == 0 or active_end is None or active_end < today:
        return Verdict()
    if active_end == OPEN_ENDED:
        return Verdict((
            "Det befintliga autogiroabonnemanget saknar slutdatum. Säg upp det innan kunden "
            "blir organisationskund.",
        ))
    left = remaining_months(today, active_end)
    if left <= limit_months:
        return Verdict()
    return Verdict((
        f"Det befintliga abonnemanget har {left} månader kvar (t.o.m. {iso(active_end)}); "
        f"högst {limit_months} får återstå för att bli organisationskund.",
    ))


def may_start_registration(flow: str, active_end: date | None, upcoming_start: date | None, *,
                           months_in_advance: int, org_conversion_max_months: int, today: date) -> Verdict:
    """May an existing customer start a registration flow now? One rule for the person menu (the entry is
    disabled with the reason), the wizard's entry point and the routine (``RegisterRoutine``):

    * a coming main subscription blocks every flow;
    * "uthamtning" (Hämta ut onlineköp): only when no main subscription is active;
    * "avtal_forbestallning": :func:`may_convert_to_organisation`; the other flows :func:`may_sign_new_subscription`;
    * an autogiro subscription without an end date blocks both: the new one would have no start day.
    """
    if upcoming_start is not None:
        return Verdict((f"Kunden har redan ett kommande abonnemang som börjar {iso(upcoming_start)}.",))
    if flow == "uthamtning":
        if active_end is not None and active_end >= today:
            until = "vidare (autogiro utan slutdatum)" if active_end == OPEN_ENDED else f"t.o.m. {iso(active_end)}"
            return Verdict((f"Kunden har redan ett aktivt abonnemang {until}. Onlineköpet kan hämtas ut "
                            "när det har tagit slut.",))
        return Verdict()
    if flow == "avtal_forbestallning":
        verdict = may_convert_to_organisation(active_end, org_conversion_max_months, today)
    else:
        verdict = may_sign_new_subscription(active_end, months_in_advance, today)
    if not verdict:
        return verdict
    if active_end == OPEN_ENDED:
        return Verdict(("Kunden har redan ett aktivt autogiroabonnemang utan slutdatum. Säg upp det först.",))
    return Verdict()
