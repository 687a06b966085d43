"""Legitimering: which documents prove which customer type (SPEC §1.1, §5).

The page shows one checkbox per document that must be ticked as proof of
having checked it; `required_checks` says which ones, `check_legitimation`
re-validates everything (ages, dates, ticks) and returns the price-guarantee
date ("prisgaranti t.o.m.") the customer gets.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.personnummer import age_on
from app.errors import ValidationError

CUSTOMER_TYPE_LABELS = {"ordinarie": "Ordinarie", "student": "Student", "pensionar": "Pensionär"}
PENSIONER_LABELS = {
    "alderspensionar": "Ålderspensionär",
    "sjukpensionar_livet_ut": "Sjukpensionär livet ut",
    "tillfallig_pensionar": "Tillfällig pensionär",
    "fortidspensionar": "Förtidspensionär",
}
ID_DOCUMENT_LABELS = {"svensk": "Svensk identitetshandling", "utlandsk": "Utländsk identitetshandling"}
RESIDENCE_LABELS = {"arbetsintyg": "Arbetsintyg", "hyreskontrakt": "Hyreskontrakt", "ut_kort": "UT-kort",
                    "lma_kort": "LMA-kort"}
PROOF_LABELS = {
    "mecenatkort": "Mecenatkort",
    "studentkort": "Studentkort",
    "fk_intyg": "Sjukintyg från Försäkringskassan",
    "ppm_intyg": "Intyg från Premiepensionsfonden",
    "alder": "Ålder (65 år eller äldre)",
    "organisation": "Organisationstillhörighet (passerkort, kläder e.d.) eller förbeställning",
}
ALDERSPENSION_AGE = 65


@dataclass(frozen=True)
class Legitimation:
    customer_type: str                     # ordinarie / student / pensionar
    id_document: str                       # svensk / utlandsk
    pensioner_subtype: str | None = None
    residence_proof: str | None = None     # for a foreign ID
    proof_kind: str | None = None          # mecenatkort, studentkort, fk_intyg, ppm_intyg, alder, organisation
    proof_valid_until: date | None = None
    organisation_customer: bool = False    # linked to an organisation (flows 3 and 4)
    checked: frozenset[str] = frozenset()  # the ticked checkboxes, by code from required_checks()


def proof_kinds_for(customer_type: str, pensioner_subtype: str | None) -> tuple[str, ...]:
    """The proofs that can show a type; the page offers these (one must be shown)."""
    if customer_type == "student":
        return ("mecenatkort", "studentkort")
    if customer_type == "pensionar":
        return {
            "alderspensionar": ("alder",),
            "sjukpensionar_livet_ut": ("fk_intyg",),
            "tillfallig_pensionar": ("fk_intyg",),
            "fortidspensionar": ("ppm_intyg",),
        }.get(pensioner_subtype or "", ())
    return ()


def proof_needs_date(customer_type: str, pensioner_subtype: str | None) -> str:
    """'required', 'optional' or 'none' — whether the proof has a validity date."""
    if customer_type == "student" or pensioner_subtype == "tillfallig_pensionar":
        return "required"
    if pensioner_subtype == "fortidspensionar":
        return "optional"  # Decision (SPEC §1.1): no expiry unless a date is entered
    return "none"


def required_checks(leg: Legitimation) -> list[tuple[str, str]]:
    """(code, label) of every checkbox that must be ticked before Nästa is enabled."""
    checks = [("id", ID_DOCUMENT_LABELS.get(leg.id_document, "Identitetshandling") + " är kontrollerad")]
    if leg.id_document == "utlandsk":
        label = RESIDENCE_LABELS.get(leg.residence_proof or "", "Intyg om bosättning i Sverige")
        checks.append(("residence", f"{label} (bosatt i Sverige) är kontrollerat"))
    if leg.proof_kind and leg.proof_kind != "organisation":
        checks.append(("proof", f"{PROOF_LABELS[leg.proof_kind]} är kontrollerat"))
    if leg.organisation_customer:
        checks.append(("organisation", PROOF_LABELS["organisation"] + " är kontrollerad"))
    return checks


def check_legitimation(leg: Legitimation, birth_date: date | None, today: date, *, min_age_ordinarie: int = 0,
                       selectable_types: frozenset[str] = frozenset({"ordinarie", "student", "pensionar"}),
                       has_preorder: bool = False) -> date | None:
    """Validate a Legitimering; return the price-guarantee date (None = no expiry)."""
    if leg.customer_type not in CUSTOMER_TYPE_LABELS:
        raise ValidationError("Välj kundtyp.", field="customer_type")
    if leg.customer_type not in selectable_types:
        raise ValidationError(
            f"Kundtypen {CUSTOMER_TYPE_LABELS[leg.customer_type]} har ingen prislista och kan inte väljas.",
            field="customer_type")
    if leg.id_document not in ID_DOCUMENT_LABELS:
        raise ValidationError("Välj vilken identitetshandling kunden visar.", field="id_document")
    if leg.id_document == "utlandsk" and leg.residence_proof not in RESIDENCE_LABELS:
        raise ValidationError(
            "Med utländsk identitetshandling krävs intyg om bosättning i Sverige: arbetsintyg, hyreskontrakt, "
            "UT-kort eller LMA-kort.", field="residence_proof")
    if leg.customer_type == "pensionar" and leg.pensioner_subtype not in PENSIONER_LABELS:
        raise ValidationError("Välj typ av pensionär.", field="pensioner_subtype")
    kinds = proof_kinds_for(leg.customer_type, leg.pensioner_subtype)
    if kinds and leg.proof_kind not in kinds:
        raise ValidationError("Välj vilket intyg kunden visar: " + " eller ".join(PROOF_LABELS[k] for k in kinds) + ".",
                              field="proof_kind")
    if not kinds and leg.proof_kind not in (None, "organisation"):
        raise ValidationError("Kundtypen Ordinarie kräver inget intyg.", field="proof_kind")
    need_date = proof_needs_date(leg.customer_type, leg.pensioner_subtype)
    valid_until = leg.proof_valid_until if need_date != "none" else None
    if need_date == "required" and valid_until is None:
        raise ValidationError("Ange intygets giltighetsdatum.", field="proof_valid_until")
    if valid_until is not None and valid_until < today:
        raise ValidationError(f"Intyget gick ut {valid_until:%Y-%m-%d}. Ett giltigt intyg krävs.",
                              field="proof_valid_until")
    if birth_date is not None:
        age = age_on(birth_date, today)
        if leg.pensioner_subtype == "alderspensionar" and age < ALDERSPENSION_AGE:
            raise ValidationError(f"Ålderspensionär måste vara minst {ALDERSPENSION_AGE} år. Kunden är {age} år.",
                                  field="pensioner_subtype")
        if leg.customer_type == "ordinarie" and min_age_ordinarie and age < min_age_ordinarie:
            raise ValidationError(f"Ordinarie kund måste vara minst {min_age_ordinarie} år. Kunden är {age} år.",
                                  field="customer_type")
    missing = [label for code, label in required_checks(leg)
               if code not in leg.checked and not (code == "organisation" and has_preorder)]
    if missing:
        raise ValidationError("Bocka i att du har kontrollerat: " + "; ".join(missing) + ".", field="checked")
    return valid_until
