"""The person menu's GDPR entries: "Registerutdrag (PDF och JSON)…" and "Anonymisera…".

Registerutdrag runs app/routines/gdpr.RegisterExtractRoutine (audited), asks where to save, and writes
the PDF (drawn here, the core never imports Qt) and the JSON copy next to it. Anonymisera asks for
confirmation, runs AnonymisePersonRoutine and shows its refusal (a running subscription, an open debt)
as it is. The dialogs are class attributes so tests can answer them.
"""
from __future__ import annotations

import logging
from html import escape
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app import menus
from app.errors import UserError
from app.menus import MenuTarget
from app.queries.register_extract import RegisterExtract
from app.routines.gdpr import AnonymisePerson, AnonymisePersonRoutine, MakeRegisterExtract, RegisterExtractRoutine
from widgets.invoice_pdf import html_to_pdf
from widgets.services import UiServices

log = logging.getLogger("reception.widgets.personal_data")


class Dialogs:
    """Replaceable in tests."""

    save_path = staticmethod(lambda parent, suggested: QFileDialog.getSaveFileName(
        parent, "Spara registerutdrag", str(suggested), "PDF (*.pdf)")[0])
    confirm = staticmethod(lambda parent, title, text: QMessageBox.question(
        parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No) == QMessageBox.StandardButton.Yes)
    info = staticmethod(lambda parent, title, text: QMessageBox.information(parent, title, text))
    error = staticmethod(lambda parent, title, text: QMessageBox.warning(parent, title, text))


def extract_html(extract: RegisterExtract) -> str:
    parts = [f'<p style="font-size:16pt; font-weight:600">Registerutdrag – {escape(extract.name)}</p>',
             f"<p>{escape(extract.club_name)}. Kundnummer {extract.customer_number}. Utdraget skapades "
             f"{extract.made_at:%Y-%m-%d %H:%M} av {escape(extract.made_by)} och innehåller alla uppgifter "
             "som finns om personen i klubbens register. Bilder och filer finns i JSON-filen med samma namn.</p>"]
    for section in extract.sections:
        parts.append(f'<p style="font-size:12pt; font-weight:600">{escape(section.title)} ({len(section.rows)})</p>')
        for row in section.rows:
            cells = "".join(f"<tr><td width='35%'>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in row if v != "")
            parts.append(f'<table width="100%" cellspacing="0" cellpadding="2" border="1" '
                         f'style="border-collapse:collapse">{cells}</table><p></p>')
    parts.append(f'<p style="font-size:12pt; font-weight:600">Händelselogg ({len(extract.audit)})</p>')
    rows = "".join(f"<tr><td>{escape(at)}</td><td>{escape(who)}</td><td>{escape(action)}</td><td>{escape(details)}</td></tr>"
                   for at, who, action, details in extract.audit)
    parts.append('<table width="100%" cellspacing="0" cellpadding="2" border="1" style="border-collapse:collapse">'
                 "<tr><th>När</th><th>Vem</th><th>Vad</th><th>Uppgifter</th></tr>" + rows + "</table>")
    return "".join(parts)


def make_register_extract(services: UiServices, person_id: int, parent: QWidget | None = None) -> Path | None:
    try:
        extract = RegisterExtractRoutine(services.core).execute(MakeRegisterExtract(person_id), services.actor)
    except UserError as err:
        Dialogs.error(parent, err.title, err.message)
        return None
    # The user's own Documents, not the data folder that every account on the desk shares.
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(documents) if documents else services.user_data_dir
    suggested = folder / f"registerutdrag-{extract.customer_number}-{extract.made_at:%Y%m%d}.pdf"
    chosen = Dialogs.save_path(parent, suggested)
    if not chosen:
        return None
    pdf_path = Path(chosen).with_suffix(".pdf")
    json_path = pdf_path.with_suffix(".json")
    try:
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        pdf_path.write_bytes(html_to_pdf(extract_html(extract), f"Registerutdrag {extract.customer_number}",
                                         extract.club_name))
        json_path.write_text(extract.json_text, encoding="utf-8")
    except OSError as err:
        Dialogs.error(parent, "Registerutdraget kunde inte sparas",
                      f"Filen {pdf_path} kunde inte skrivas ({err.strerror}). Välj en annan mapp.")
        return None
    Dialogs.info(parent, "Registerutdrag", f"Registerutdraget är sparat:\n{pdf_path}\n{json_path}")
    return pdf_path


CONFIRM_TEXT = ("Anonymisera {name}?\n\nNamn, personnummer, adresser, telefon, e-post, foto, kort, "
                "autogiromedgivande, anteckningar, kundjournal och dokument tas bort för alltid, också ur "
                "händelseloggens detaljer och ur e-post och sms som väntar. Ordrar, betalningar och fakturor "
                "sparas utan personuppgifter för bokföringen.\n\nDet går inte att ångra.")


def anonymise_person(services: UiServices, person_id: int, name: str = "personen",
                     parent: QWidget | None = None) -> bool:
    if not Dialogs.confirm(parent, "Anonymisera", CONFIRM_TEXT.format(name=name)):
        return False
    try:
        result = AnonymisePersonRoutine(services.core).execute(AnonymisePerson(person_id), services.actor)
    except UserError as err:
        Dialogs.error(parent, err.title, err.message)
        return False
    services.bus.person_changed.emit(person_id)
    services.bus.status.emit(f"Kund {result.customer_number} är anonymiserad.")
    Dialogs.info(parent, "Anonymisera", f"Kund {result.customer_number} är anonymiserad.")
    return True


def register_personal_data_actions(services: UiServices) -> None:
    actions = services.extra.setdefault("menu_actions", {})

    def extract(target: MenuTarget) -> Path | None:
        return make_register_extract(services, target.person_id)

    def anonymise(target: MenuTarget) -> bool:
        from db.models import Person

        with services.core.sessions() as session:
            person = session.get(Person, target.person_id)
            name = f"{person.first_name} {person.last_name} ({person.customer_number})" if person else "personen"
        return anonymise_person(services, target.person_id, name)

    actions[menus.REGISTERUTDRAG] = extract
    actions[menus.ANONYMISERA] = anonymise
