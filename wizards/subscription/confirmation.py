"""The freeze confirmation ("Bekräftelse på frysning", SPEC §6) as a PDF, drawn by Qt.

The same facts as the e-mail text (``app.routines.subscriptions.freeze.confirmation_text``):
a ``PrintDocument`` (widgets/printing.py), A4, printed and attached as PDF from the same HTML.
Needs a QGuiApplication (fonts). After Slutför, "Skriv ut bekräftelse" prints the document that
was saved with the freeze; ``write_confirmation`` keeps its PDF under the user data directory.
"""
from __future__ import annotations

import os
from datetime import date
from html import escape
from pathlib import Path

from app.routines.subscriptions import FreezePreview
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


def write_confirmation(user_data_dir: Path, subscription_id: int, start: date, pdf: bytes) -> Path:
    """Write atomically to <user data>/frysbekraftelser/frysbekraftelse-<id>-<start>.pdf."""
    path = Path(user_data_dir) / CONFIRMATION_DIR / f"frysbekraftelse-{subscription_id}-{start:%Y%m%d}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".pdf.tmp")
    tmp.write_bytes(pdf)
    os.replace(tmp, path)
    return path
