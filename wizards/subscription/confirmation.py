"""The freeze confirmation ("Bekräftelse på frysning", SPEC §6) as a PDF, drawn by Qt.

The same facts as the e-mail text (``app.routines.subscriptions.freeze.confirmation_text``):
a ``PrintDocument`` (widgets/printing.py), A4, printed and attached as PDF from the same HTML.
Needs a QGuiApplication (fonts). Nothing is printed before Slutför: afterwards
``ConfirmationPrintDialog`` offers "Skriv ut bekräftelse" (focused; Qt's print dialog) and
"Spara som PDF…" for the document that was saved with the freeze and attached to its e-mail.
"""
from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.routines.subscriptions import FreezePreview
from widgets import printing
from widgets.printing import PrintDocument, pdf_bytes
from wizards.subscription.pages.table import after_text

MARGIN_MM = 20
CONFIRMATION_DIR = "frysbekraftelser"


def confirmation_html(preview: FreezePreview, product_name: str, club_name: str, today: date) -> str:
    kind = "pågående från idag" if preview.kind == "pågående" else "framtida frysning"
    parts = [f"<h2>{escape(club_name)}</h2>",
             "<h3>Bekräftelse på frysning av abonnemang</h3>",
             f"<p>Datum: {today:%Y-%m-%d}</p>",
             f"<p>Kund: <b>{escape(preview.customer_name)}</b></p>",
             f"<p>Abonnemang: <b>{escape(product_name)}</b></p>",
             f"<p>Fryst {preview.start:%Y-%m-%d} – {preview.end:%Y-%m-%d} ({preview.days} dagar, {kind}).</p>"]
    if preview.reason_name:
        parts.append(f"<p>Orsak: {escape(preview.reason_name)}</p>")
    if preview.agent_name:
        parts.append(f"<p>Frysningen gjordes av ombud: {escape(preview.agent_name)}</p>")
    rows = "".join(
        f"<tr><td>{escape(r.product_name)}{' (tillägg)' if r.is_addon else ''}</td><td>{escape(after_text(r))}</td>"
        f"<td align='right'>{r.frozen_paid_days}</td></tr>" for r in preview.rows)
    parts.append("<table border='1' cellspacing='0' cellpadding='4' width='100%'>"
                 "<tr><th align='left'>Abonnemang</th><th align='left'>Efter frysningen</th>"
                 f"<th align='right'>Betalda dagar tillgodo</th></tr>{rows}</table>")
    if preview.credit_days_after_binding:
        parts.append(f"<p>Dagar tillgodo efter bindningstiden: {preview.credit_days_after_binding}</p>")
    parts.append("<p>Välkommen tillbaka!</p>")
    return "".join(parts)


def confirmation_document(preview: FreezePreview, product_name: str, club_name: str, today: date) -> PrintDocument:
    """The confirmation to print and attach: the same document on paper and in the PDF."""
    return PrintDocument(f"Bekräftelse på frysning – {preview.customer_name}",
                         confirmation_html(preview, product_name, club_name, today), club_name, font_pt=11,
                         margin_mm=MARGIN_MM)


def render_confirmation_pdf(preview: FreezePreview, product_name: str, club_name: str, today: date) -> bytes:
    return pdf_bytes(confirmation_document(preview, product_name, club_name, today))


def suggested_path(user_data_dir: Path, subscription_id: int, start: date) -> Path:
    """Where "Spara som PDF…" suggests it: <user data>/frysbekraftelser/frysbekraftelse-<id>-<start>.pdf."""
    return Path(user_data_dir) / CONFIRMATION_DIR / f"frysbekraftelse-{subscription_id}-{start:%Y%m%d}.pdf"


class ConfirmationPrintDialog(QDialog):
    """After Slutför: the freeze is saved; print its confirmation (the focused default) or save it as PDF.

    It prints the document that went with the saved freeze (and its e-mail), never a preview.
    """

    def __init__(self, document: PrintDocument, pdf: bytes, done_text: str, suggested: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document, self.pdf, self.suggested = document, pdf, suggested
        self.setWindowTitle("Bekräftelse på frysning")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        self.text = QLabel(done_text)
        self.text.setWordWrap(True)
        self.text.setStyleSheet("font-size: 11pt;")
        layout.addWidget(self.text)
        self.message = QLabel()
        self.message.setObjectName("confirmation_message")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.print_button = QPushButton("Skriv &ut bekräftelse")
        self.print_button.setObjectName("print_confirmation")
        self.print_button.setDefault(True)
        self.save_button = QPushButton("Spara som &PDF…")
        self.save_button.setAutoDefault(False)
        self.close_button = QPushButton("S&täng")
        self.close_button.setAutoDefault(False)
        for button in (self.print_button, self.save_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.print_button.clicked.connect(self.print_confirmation)
        self.save_button.clicked.connect(self.save_pdf)
        self.close_button.clicked.connect(self.accept)
        self.print_button.setFocus()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.print_button.setFocus()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020;" if error else "color: #166534;")
        self.message.show()

    def print_confirmation(self) -> None:
        try:
            printed = printing.print_with_dialog(self, self.document)
        except printing.PrintFailed as err:
            self._say(str(err), error=True)
            return
        if printed:
            self._say("Bekräftelsen är utskriven.")
            self.close_button.setFocus()

    def save_pdf(self) -> None:
        try:
            path = printing.save_pdf_as(self, self.pdf, self.suggested, "Spara bekräftelsen som PDF")
        except OSError as err:
            self._say(f"Bekräftelsen kunde inte sparas: {err.strerror or err}.", error=True)
            return
        if path is not None:
            self._say(f"Bekräftelsen är sparad som {path}.")
