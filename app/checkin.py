"""Check-in at the desk (issue 13): the verdict on a swipe, as a pure function of the data.

A swipe (or "Checka in" on the open card) asks :func:`decide` whether the member may come in.
The facts come from the same rows the person card's deviations are computed from
(app.queries.deviations.load_deviation_facts), so the verdict and the card always agree.

The reasons, in the order the verdict names them (the first refusing one is the large text):

* ``okant_kort`` – the swiped number is nobody's card. Always refuses (there is nobody to let in).
* ``sparrat_kort`` – the swiped card is blocked (the person has no active card with that number).
* ``inget_abonnemang`` – no main subscription of the person's own runs today (a kontant one whose
  validity has passed, a cancelled one past its slutdatum, or none at all).
* ``ej_startat`` – the person has a main subscription, but it starts later.
* ``fryst`` – the running main subscription is frozen today.
* ``skuld`` – the debt the card shows (unpaid invoices and open orders) is over the limit.
* ``kundtyp_utgangen`` – a Student/Pensionär whose proof (prisgaranti t.o.m.) has passed.

Which of them refuse is a business setting (app.settings, ``checkin_refuse_*``); a reason that is
found but set not to refuse is shown under "Välkommen" as a note.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.money import format_sek

REASONS = ("okant_kort", "sparrat_kort", "inget_abonnemang", "ej_startat", "fryst", "skuld", "kundtyp_utgangen")
REASON_TITLES = {
    "okant_kort": "Okänt kort",
    "sparrat_kort": "Spärrat kort",
    "inget_abonnemang": "Inget giltigt abonnemang",
    "ej_startat": "Abonnemanget har inte börjat",
    "fryst": "Abonnemanget är fryst",
    "skuld": "Skuld",
    "kundtyp_utgangen": "Intyget för kundtypen har gått ut",
}
# The setting that decides whether a reason refuses entry (okant_kort always does).
REFUSE_SETTING = {
    "sparrat_kort": "checkin_refuse_blocked_card",
    "inget_abonnemang": "checkin_refuse_no_subscription",
    "ej_startat": "checkin_refuse_not_started",
    "fryst": "checkin_refuse_frozen",
    "skuld": "checkin_refuse_debt",
    "kundtyp_utgangen": "checkin_refuse_type_expired",
}
TYPE_NAMES = {"student": "Student", "pensionar": "Pensionär"}


@dataclass(frozen=True)
class MainSubscription:
    """One main subscription of the person's own, as far as the verdict needs it."""

    status: str                  # kommande / aktivt / fryst / framtida_frysning / uppsagt
    start: date
    last_day: date | None        # None = open-ended (autogiro without slutdatum)
    frozen_until: date | None    # end of a freeze that covers today
    frozen_status: bool = False  # status "fryst" although no freeze row covers today (nightly job not run)


@dataclass(frozen=True)
class CheckInFacts:
    card: str | None                 # "aktivt", "sparrat", "okant", or None when checked in without a card
    debt_ore: int = 0
    customer_type: str = "ordinarie"
    price_guarantee_until: date | None = None
    subscriptions: tuple[MainSubscription, ...] = ()


@dataclass(frozen=True)
class CheckInRules:
    refusing: frozenset[str]         # reason codes that refuse entry
    debt_limit_ore: int

    @classmethod
    def from_settings(cls, settings) -> "CheckInRules":
        refusing = {code for code, key in REFUSE_SETTING.items() if getattr(settings, key)}
        return cls(frozenset(refusing), settings.checkin_debt_limit_ore)


@dataclass(frozen=True)
class Reason:
    code: str
    text: str

    @property
    def title(self) -> str:
        return REASON_TITLES[self.code]


@dataclass(frozen=True)
class Verdict:
    admitted: bool
    refusals: tuple[Reason, ...] = ()   # reasons that refuse, most important first
    notes: tuple[Reason, ...] = ()      # reasons found but set not to refuse

    @property
    def reason(self) -> Reason | None:
        return self.refusals[0] if self.refusals else None

    @property
    def code(self) -> str | None:
        return self.reason.code if self.reason else None


def _iso(day: date) -> str:
    return day.strftime("%Y-%m-%d")


def _runs(sub: MainSubscription, today: date) -> bool:
    return sub.status != "kommande" and sub.start <= today and (sub.last_day is None or sub.last_day >= today)


def find_reasons(facts: CheckInFacts, rules: CheckInRules, today: date) -> list[Reason]:
    """Every reason that applies to this person today, in the order of REASONS."""
    if facts.card == "okant":
        return [Reason("okant_kort", "Kortet finns inte i registret")]
    found: list[Reason] = []
    if facts.card == "sparrat":
        found.append(Reason("sparrat_kort", "Kortet som drogs är spärrat"))
    running = [s for s in facts.subscriptions if _runs(s, today)]
    later = sorted((s for s in facts.subscriptions if s.start > today and s.status in ("kommande", "aktivt")),
                   key=lambda s: s.start)
    if not running:
        if later:
            found.append(Reason("ej_startat", f"Abonnemanget börjar {_iso(later[0].start)}"))
        else:
            ended = max((s.last_day for s in facts.subscriptions if s.last_day is not None and s.last_day < today),
                        default=None)
            found.append(Reason("inget_abonnemang", f"Abonnemanget gällde t.o.m. {_iso(ended)}" if ended
                                else "Kunden har inget abonnemang"))
    elif all(s.frozen_until is not None or s.frozen_status for s in running):
        until = max((s.frozen_until for s in running if s.frozen_until is not None), default=None)
        found.append(Reason("fryst", f"Fryst t.o.m. {_iso(until)}" if until else "Abonnemanget är fryst"))
    if facts.debt_ore > rules.debt_limit_ore:
        found.append(Reason("skuld", f"Skuld {format_sek(facts.debt_ore)}"))
    guarantee = facts.price_guarantee_until
    if facts.customer_type in TYPE_NAMES and guarantee is not None and guarantee < today:
        found.append(Reason("kundtyp_utgangen",
                            f"Kundtypen {TYPE_NAMES[facts.customer_type]} gällde t.o.m. {_iso(guarantee)}"))
    return found


def decide(facts: CheckInFacts, rules: CheckInRules, today: date) -> Verdict:
    """Välkommen or Nekad, with the reasons taken from the data (pure)."""
    found = find_reasons(facts, rules, today)
    refusing = rules.refusing | {"okant_kort"}
    refusals = tuple(r for r in found if r.code in refusing)
    notes = tuple(r for r in found if r.code not in refusing)
    return Verdict(not refusals, refusals, notes)
