"""Registration flows 3 and 4 (SPEC §5): the organisation customer, with the organisation's agreement and pre-orders.

3 Registrera ny organisationskund — ``start_new_organisation_customer(services)``, from the main window's
  "Registrera ny kund > Organisationskund".
4 Utnyttja avtal/förbeställning — ``start_use_agreement(services, person_id)``, from the person menu;
  prefilled from the customer; step 1 suggests the organisations holding a pre-order for the customer's
  personnummer; refused up front (a message, nothing written) when the customer's current subscription
  has more months left than "Tillåt inte omvandling till organisationskund om kvarvarande månader på
  befintligt abonnemang är mer än" allows.

Pages: Sök organisation → Legitimering → Personuppgifter → (Förbeställningar) → Produkter →
(Autogiromedgivande) → Inpasseringsuppgifter → Sammanfattning. Förbeställningar is shown only when
pre-orders are on (the global setting and the organisation's "Använd förbeställningar"); choosing a
pre-order there makes Produkter offer only the pre-ordered product. Otherwise Produkter offers the
organisation's price list, or the Ordinarie list when the organisation has none — only products on
that list. Slutför runs ``RegisterRoutine.execute``: one transaction that re-checks everything,
marks the pre-order used exactly once (another desk that used it first makes this one fail with
nothing written) and, for a pre-order added here, queues the e-mail to the account manager.
"""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.domain.legitimation import Legitimation
from app.errors import NotFound, UserError, ValidationError
from app.orders import require_till
from app.queries.catalog import OrganisationRow, existing_customer_prefill, preorders_active, signing_verdict
from app.routines.register import RegistrationPreview
from app.routines.registration_data import NewPreOrder
from app.settings import BusinessSettings, load_settings
from widgets.services import UiServices
from wizards.base import PageId, ReceptionWizard, keep_open
from wizards.pages.forbestallningar import ForbestallningarPage, PreOrderContext, format_identity
from wizards.pages.sok_organisation import SokOrganisationPage
from wizards.registration import RegistrationWizard, type_text

ORG_FLOWS = ("ny_organisationskund", "avtal_forbestallning")


class OrganisationWizard(RegistrationWizard):
    """Flows 3 and 4: the shared registration pages plus Sök organisation and Förbeställningar."""

    def __init__(self, services: UiServices, flow: str, *, person_id: int | None = None,
                 personnummer: str | None = None, current: Legitimation | None = None, current_note: str = "",
                 parent: QWidget | None = None) -> None:
        if flow not in ORG_FLOWS:
            raise ValueError(f"not an organisation flow: {flow}")
        with services.core.sessions() as session:
            settings = load_settings(session)
        super().__init__(services, flow, person_id=person_id, current=current, current_note=current_note,
                         parent=parent)
        self.settings: BusinessSettings = settings
        self.sok_organisation.personnummer = personnummer or None

    def build_pages(self, current: Legitimation | None, current_note: str) -> None:
        super().build_pages(current, current_note)
        self.sok_organisation = SokOrganisationPage(self.services)
        self.forbestallningar = ForbestallningarPage(self.services, self.preorder_context)
        self.setPage(PageId.SOK_ORGANISATION, self.sok_organisation)
        self.setPage(PageId.FORBESTALLNINGAR, self.forbestallningar)
        self.setStartId(PageId.SOK_ORGANISATION)

    # -- routing -------------------------------------------------------------------
    def organisation(self) -> OrganisationRow | None:
        return self.sok_organisation.organisation()

    def uses_preorders(self) -> bool:
        """Step 4a applies: pre-orders are on in the settings and for the chosen organisation."""
        org = self.organisation()
        return org is not None and preorders_active(self.settings, org)

    def nextId(self) -> int:  # noqa: N802 - Qt API
        if self.currentId() == PageId.PERSONUPPGIFTER:
            return PageId.FORBESTALLNINGAR if self.uses_preorders() else PageId.PRODUKTER
        return super().nextId()

    # -- what the command and the pages ask -----------------------------------------------
    def preorder_context(self) -> PreOrderContext:
        return PreOrderContext(self.organisation(), self.personuppgifter.validated())

    def organisation_id(self) -> int | None:
        org = self.organisation()
        return org.id if org is not None else None

    def preorder_id(self) -> int | None:
        return self.forbestallningar.preorder_id() if self.uses_preorders() else None

    def new_preorder(self) -> NewPreOrder | None:
        return self.forbestallningar.new_preorder() if self.uses_preorders() else None

    def has_preorder(self) -> bool:
        """The chosen pre-order names the customer's personnummer (it proves the organisation membership)."""
        entry = self.forbestallningar.selected_entry() if self.uses_preorders() else None
        if entry is None or not entry.personnummer:
            return False
        try:
            return entry.personnummer == self.personuppgifter.validated().personnummer
        except UserError:
            return False

    def fixed_product_id(self) -> int | None:
        return self.forbestallningar.chosen_product_id() if self.uses_preorders() else None

    def summary_rows(self, preview: RegistrationPreview) -> tuple[tuple[str, str], ...]:
        org = self.organisation()
        rows = [("Organisation", f"{org.name} ({org.org_number})")] if org is not None else []
        if self.uses_preorders():
            entry = self.forbestallningar.selected_entry()
            if entry is not None and entry.new is not None:
                rows.append(("Förbeställning", f"Ny: {entry.product_name}, giltig {entry.valid_from:%Y-%m-%d} – "
                                               f"{entry.valid_to:%Y-%m-%d} (kundansvarig får e-post)"))
            elif entry is not None:
                who = ", ".join(x for x in (entry.name, format_identity(entry.personnummer, entry.birth_date)) if x)
                rows.append(("Förbeställning", f"{who}: {entry.product_name}, giltig {entry.valid_from:%Y-%m-%d} – "
                                               f"{entry.valid_to:%Y-%m-%d}"))
        return tuple(rows) + super().summary_rows(preview)


# --------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------


def start_new_organisation_customer(services: UiServices, prefill: dict | None = None,
                                    parent: QWidget | None = None) -> OrganisationWizard | None:
    """Flow 3, from "Registrera ny kund > Organisationskund" and the Personuppslagning tab (``prefill``: its dict,
    as for flow 1)."""
    try:
        require_till(services.core)
    except UserError as err:
        ReceptionWizard.error_box(parent, err)
        return None
    wizard = OrganisationWizard(services, "ny_organisationskund", parent=parent)
    if prefill:
        wizard.personuppgifter.set_prefill(prefill)
    return keep_open(services, wizard)


def start_use_agreement(services: UiServices, person_id: int,
                        parent: QWidget | None = None) -> OrganisationWizard | None:
    """Flow 4, from the person menu's "Utnyttja avtal/förbeställning"."""
    from db.models import Person

    core = services.core
    try:
        require_till(core)
        with core.sessions() as session:
            person = session.get(Person, person_id)
            if person is None:
                raise NotFound("Kunden finns inte längre i registret. Sök fram kunden igen.")
            verdict = signing_verdict(session, load_settings(session), person_id, "avtal_forbestallning",
                                      core.clock.today())
            if not verdict:
                raise ValidationError(verdict.reason)
            data = existing_customer_prefill(session, person_id)
            note = ("Nuvarande kundtyp: " + type_text(person.customer_type or "ordinarie", person.pensioner_subtype,
                                                      person.price_guarantee_until)
                    + ". Som organisationskund får kunden organisationens avtal. Kontrollera handlingarna på nytt.")
    except UserError as err:
        ReceptionWizard.error_box(parent, err)
        return None
    wizard = OrganisationWizard(services, "avtal_forbestallning", person_id=person_id,
                                personnummer=data.personnummer or None, current_note=note, parent=parent)
    wizard.personuppgifter.set_person_data(data)
    return keep_open(services, wizard)
