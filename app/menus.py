"""The person card's action menus (SPEC §3.1) as pure rules: which entries, enabled or not, and why.

Four menus: the person menu ("Kunduppgifter" ≡), the menu of each main
subscription, the menu of a subscription this person pays for somebody else,
and the autogiro mandate's menu. The rule of the seeds:

* an entry that cannot apply is **hidden** (no Uppgradera without a dearer
  product, no Tina upp without a freeze, ...);
* an entry that applies but is blocked by a setting, a right or this desk is
  shown **disabled**, with the reason as its tooltip (e.g. every routine that
  can lead to a charge needs a till on this desk — kassakoppling, SPEC §4).

The facts come from the person-card query (app/queries/person_card.py); these
functions never touch the database. The UI additionally leaves out entries
whose routine is not built yet (it has no action registered for the code).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.rights import CUSTOMER_JOURNAL, CUSTOMER_ROUTINES, SYSTEM_SETTINGS
from app.settings import BusinessSettings

TILL_MISSING = "Den här datorn saknar kassakoppling. Välj Arkiv > Inställningar för den här datorn."
RIGHT_MISSING = f"Du saknar rättigheten ”{CUSTOMER_ROUTINES}”."
MANDATE_AT_BGC = "Medgivandet är hos Bankgirot (BGC) och kan inte ändras förrän Bankgirot har svarat."

# Entry codes: the keys under which later routines register their actions.
TECKNA_ABONNEMANG = "teckna_abonnemang"
UTNYTTJA_AVTAL = "utnyttja_avtal"
HAMTA_UT_ONLINEKOP = "hamta_ut_onlinekop"
INTYGA_KUNDTYP = "intyga_kundtyp"
NYTT_MEDLEMSKORT = "nytt_medlemskort"
NYTT_AG_MEDGIVANDE = "nytt_ag_medgivande"
SAG_UPP = "sag_upp"
DEBITERA = "debitera"
UPPGRADERA = "uppgradera"
NEDGRADERA = "nedgradera"
FRYS = "frys"
TINA_UPP = "tina_upp"
FORKORTA_FRYSNING = "forkorta_frysning"
FORLANG_FRYSNING = "forlang_frysning"
OVERLAT = "overlat"
TA_BORT_ANNAN_BETALARE = "ta_bort_annan_betalare"
SLUTA_BETALA = "sluta_betala"
ANDRA_MEDGIVANDE = "andra_medgivande"
REGISTERUTDRAG = "registerutdrag"
ANONYMISERA = "anonymisera"

LABELS = {
    TECKNA_ABONNEMANG: "Teckna abonnemang",
    UTNYTTJA_AVTAL: "Utnyttja avtal/förbeställning",
    HAMTA_UT_ONLINEKOP: "Hämta ut onlineköp",
    INTYGA_KUNDTYP: "Intyga/Ändra kundtyp",
    NYTT_MEDLEMSKORT: "Nytt medlemskort",
    NYTT_AG_MEDGIVANDE: "Nytt autogiromedgivande",
    SAG_UPP: "Säg upp",
    DEBITERA: "Debitera",
    UPPGRADERA: "Uppgradera",
    NEDGRADERA: "Nedgradera",
    FRYS: "Frys",
    TINA_UPP: "Tina upp",
    FORKORTA_FRYSNING: "Förkorta frysning",
    FORLANG_FRYSNING: "Förläng frysning",
    OVERLAT: "Överlåt",
    TA_BORT_ANNAN_BETALARE: "Ta bort annan betalare",
    SLUTA_BETALA: "Sluta betala för abonnemang",
    ANDRA_MEDGIVANDE: "Ändra",
    REGISTERUTDRAG: "Registerutdrag (PDF och JSON)…",
    ANONYMISERA: "Anonymisera…",
}

# Routines that can lead to a charge (a POS order) and so need a till on this desk.
CHARGING = frozenset({TECKNA_ABONNEMANG, UTNYTTJA_AVTAL, HAMTA_UT_ONLINEKOP, NYTT_MEDLEMSKORT, SAG_UPP, DEBITERA,
                      UPPGRADERA, TINA_UPP, FORKORTA_FRYSNING, OVERLAT})

RUNNING = ("aktivt", "fryst", "framtida_frysning")


@dataclass(frozen=True)
class MenuEntry:
    code: str
    label: str
    enabled: bool = True
    reason: str | None = None  # tooltip of a disabled entry


@dataclass(frozen=True)
class MenuTarget:
    """What a registered menu action is called with."""

    person_id: int
    subscription_id: int | None = None
    mandate_id: int | None = None


@dataclass(frozen=True)
class PersonMenuFacts:
    online_purchase_waiting: bool = False   # an online purchase awaits pickup
    sign_blocked_reason: str | None = None     # Teckna abonnemang: months-in-advance rule
    convert_blocked_reason: str | None = None  # Utnyttja avtal: "Tillåt inte omvandling ..." setting, running AG
    pickup_blocked_reason: str | None = None   # Hämta ut onlineköp: a main subscription is still active
    mandate_status: str | None = None          # the current mandate's status, if any


@dataclass(frozen=True)
class SubscriptionMenuFacts:
    subscription_id: int
    payment: str                 # AG / kontant
    status: str                  # kommande, aktivt, fryst, framtida_frysning, uppsagt, avslutat
    freeze: str | None = None    # None, "pagaende" (ongoing) or "framtida" (future)
    dearer_exists: bool = False  # a dearer main product of the same kind on the same price list
    cheaper_exists: bool = False
    transfer_allowed: bool = False
    other_payer: bool = False    # the payer is not the user
    chargeable: bool = True      # there is a period left to charge (not cancelled and fully charged)


@dataclass(frozen=True)
class MandateMenuFacts:
    mandate_id: int
    status: str


def _entry(code: str, *, till_enabled: bool, rights: frozenset[str], blocked: str | None = None) -> MenuEntry:
    """An entry that applies; disabled when a right, the till or a setting blocks it."""
    reason = None
    if CUSTOMER_ROUTINES not in rights:
        reason = RIGHT_MISSING
    elif code in CHARGING and not till_enabled:
        reason = TILL_MISSING
    elif blocked:
        reason = blocked
    return MenuEntry(code, LABELS[code], reason is None, reason)


def person_menu(facts: PersonMenuFacts, settings: BusinessSettings, till_enabled: bool,
                rights: frozenset[str]) -> list[MenuEntry]:
    """"Kunduppgifter" ≡."""
    e = dict(till_enabled=till_enabled, rights=rights)
    entries = [_entry(TECKNA_ABONNEMANG, blocked=facts.sign_blocked_reason, **e),
               _entry(UTNYTTJA_AVTAL, blocked=facts.convert_blocked_reason, **e)]
    if facts.online_purchase_waiting:
        entries.append(_entry(HAMTA_UT_ONLINEKOP, blocked=facts.pickup_blocked_reason, **e))
    entries.append(_entry(INTYGA_KUNDTYP, **e))
    if settings.membership_card_products:
        entries.append(_entry(NYTT_MEDLEMSKORT, **e))
    at_bgc = MANDATE_AT_BGC if facts.mandate_status == "hos_bgc" else None
    entries.append(_entry(NYTT_AG_MEDGIVANDE, blocked=at_bgc, **e))
    return entries


def personal_data_menu(rights: frozenset[str]) -> list[MenuEntry]:
    """The GDPR entries at the end of "Kunduppgifter" ≡ (app/routines/gdpr.py checks the same rights)."""
    entries = []
    for code, needed in ((REGISTERUTDRAG, (CUSTOMER_ROUTINES, CUSTOMER_JOURNAL)), (ANONYMISERA, (SYSTEM_SETTINGS,))):
        missing = next((right for right in needed if right not in rights), None)
        reason = f"Du saknar rättigheten ”{missing}”." if missing else None
        entries.append(MenuEntry(code, LABELS[code], reason is None, reason))
    return entries


def subscription_menu(facts: SubscriptionMenuFacts, settings: BusinessSettings, till_enabled: bool,
                      rights: frozenset[str]) -> list[MenuEntry]:
    """≡ next to a main subscription the person uses."""
    e = dict(till_enabled=till_enabled, rights=rights)
    running = facts.status in RUNNING
    live = running or facts.status == "uppsagt"
    entries: list[MenuEntry] = []
    if facts.payment == "AG" and running:
        entries.append(_entry(SAG_UPP, **e))
    if live and facts.chargeable:
        entries.append(_entry(DEBITERA, **e))
    if running and facts.dearer_exists:
        entries.append(_entry(UPPGRADERA, **e))
    if running and facts.cheaper_exists:
        entries.append(_entry(NEDGRADERA, **e))
    if live and facts.freeze is None:
        entries.append(_entry(FRYS, **e))
    if live and facts.freeze in ("pagaende", "framtida"):
        entries.append(_entry(TINA_UPP, **e))
    if live and facts.freeze == "pagaende":
        entries.append(_entry(FORKORTA_FRYSNING, **e))
        entries.append(_entry(FORLANG_FRYSNING, **e))
    if running and facts.payment == "kontant" and facts.transfer_allowed:
        entries.append(_entry(OVERLAT, **e))
    if live and facts.other_payer:
        entries.append(_entry(TA_BORT_ANNAN_BETALARE, **e))
    return entries


def paid_for_others_menu(facts: SubscriptionMenuFacts, settings: BusinessSettings, till_enabled: bool,
                         rights: frozenset[str]) -> list[MenuEntry]:
    """≡ in the table "Abonnemang som kunden betalar för andra"."""
    if facts.status not in RUNNING + ("uppsagt", "kommande"):
        return []
    return [_entry(SLUTA_BETALA, till_enabled=till_enabled, rights=rights)]


def mandate_menu(facts: MandateMenuFacts | None, settings: BusinessSettings, till_enabled: bool,
                 rights: frozenset[str]) -> list[MenuEntry]:
    """≡ next to the autogiro mandate: Ändra (not while Bankgirot handles it)."""
    if facts is None or facts.status == "makulerat":
        return []
    blocked = MANDATE_AT_BGC if facts.status == "hos_bgc" else None
    return [_entry(ANDRA_MEDGIVANDE, till_enabled=till_enabled, rights=rights, blocked=blocked)]


def freeze_state(freezes: list[tuple[date, date]], today: date) -> str | None:
    """"pagaende" when a freeze covers today, "framtida" when one starts later, else None."""
    if any(start <= today <= end for start, end in freezes):
        return "pagaende"
    if any(start > today for start, _ in freezes):
        return "framtida"
    return None
