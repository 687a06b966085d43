"""An invoice (faktura or kreditfaktura) as an A4 PDF, drawn by Qt like the till's receipt (widgets/receipt.py).

The Fakturor tab renders here for Visa, Skriv ut and Skicka and hands the bytes on:
to a file that the desktop opens, to the printer (widgets/printing.py), or to the
SendInvoice routine (the core never imports Qt). The OCR/referens the customer pays with is the invoice number.
Needs a QGuiApplication (fonts).
"""
from __future__ import annotations

from html import escape

from app.domain.money import format_sek
from app.routines.invoices import KIND_NAMES, InvoiceDetails
from widgets.printing import PrintDocument, pdf_bytes
from widgets.receipt import vat_rate_text

MARGIN_MM = 20.0
STATUS_TEXT = {"obetald": "Obetald", "betald": "Betald", "krediterad": "Krediterad"}


def _row(label: str, value: str, *, bold: bool = False) -> str:
    style = ' style="font-weight:600"' if bold else ""
    return f'<tr{style}><td>{escape(label)}</td><td align="right">{escape(value)}</td></tr>'


def invoice_title(details: InvoiceDetails) -> str:
    return "Kreditfaktura" if details.is_credit else "Faktura"


def invoice_html(details: InvoiceDetails) -> str:
    d = details
    title = invoice_title(d)
    facts = [_row("Fakturanummer", str(d.invoice_number)), _row("Fakturadatum", f"{d.issued_on:%Y-%m-%d}")]
    if not d.is_credit:
        facts.append(_row("Förfallodatum", f"{d.due_on:%Y-%m-%d}"))
    facts.append(_row("Kundnummer", str(d.customer_number)))
    if d.is_credit:
        facts.append(_row("Krediterar faktura", str(d.credited_invoice_number)))
    else:
        facts.append(_row("Typ", KIND_NAMES.get(d.kind, d.kind)))
        facts.append(_row("OCR/referens", d.reference, bold=True))
    customer = "<br/>".join(escape(line) for line in (d.customer_name, *d.address))
    parts = [
        '<table width="100%" cellspacing="0" cellpadding="0"><tr>',
        f'<td><p style="font-size:18pt; font-weight:600">{escape(d.club_name)}</p></td>',
        f'<td align="right"><p style="font-size:18pt; font-weight:600">{escape(title)}</p></td>',
        "</tr></table>",
        "<p></p>",
        '<table width="100%" cellspacing="0" cellpadding="0"><tr>',
        f'<td width="55%" valign="top"><p style="font-size:12pt">{customer}</p></td>',
        '<td width="45%" valign="top"><table width="100%" cellspacing="0" cellpadding="2">',
        *facts,
        "</table></td></tr></table>",
        "<p></p>",
        '<table width="100%" cellspacing="0" cellpadding="4" border="1" style="border-collapse:collapse">',
        '<tr style="background:#eeeeee"><th align="left">Beskrivning</th><th align="right">Moms</th>'
        '<th align="right">Belopp</th></tr>',
    ]
    for line in d.lines:
        vat = "" if line.vat_basis_points is None else vat_rate_text(line.vat_basis_points)
        parts.append(f'<tr><td>{escape(line.description)}</td><td align="right">{escape(vat)}</td>'
                     f'<td align="right">{escape(format_sek(line.amount_ore))}</td></tr>')
    parts.append("</table>")
    parts.append('<table width="45%" align="right" cellspacing="0" cellpadding="2">')
    parts.append(_row("Fakturabelopp" if not d.is_credit else "Krediterat belopp", format_sek(d.amount_ore)))
    for vat in d.vat:
        parts.append(_row(f"varav moms {vat_rate_text(vat.vat_basis_points)}", format_sek(vat.vat_ore)))
    if d.paid_ore and not d.is_credit:
        parts.append(_row("Betalt", format_sek(d.paid_ore)))
    if not d.is_credit and d.status == "obetald":
        parts.append(_row("Att betala", format_sek(d.remaining_ore), bold=True))
    parts.append("</table><p></p>")
    if d.is_credit:
        note = (f"Den här kreditfakturan krediterar faktura {d.credited_invoice_number}. "
                "Du behöver inte betala något.")
    elif d.status == "obetald":
        note = (f"Betala {format_sek(d.remaining_ore)} senast {d.due_on:%Y-%m-%d}. "
                f"Ange OCR/referens {d.reference} när du betalar.")
    else:
        note = f"Status: {STATUS_TEXT.get(d.status, d.status)}. Du behöver inte betala något."
    parts.append(f'<p style="font-size:11pt">{escape(note)}</p>')
    return "".join(parts)


def invoice_document(details: InvoiceDetails) -> PrintDocument:
    """The invoice to print or send: A4, continued on further pages when long."""
    return PrintDocument(f"{invoice_title(details)} {details.invoice_number}", invoice_html(details),
                         details.club_name, font_pt=10, margin_mm=MARGIN_MM)


def render_invoice_pdf(details: InvoiceDetails) -> bytes:
    """The invoice as A4 PDF bytes; a long invoice continues on further pages."""
    return pdf_bytes(invoice_document(details))


def html_to_pdf(html: str, title: str, creator: str) -> bytes:
    """HTML (Qt's rich-text subset) as A4 PDF bytes, continued on as many pages as it needs."""
    return pdf_bytes(PrintDocument(title, html, creator, font_pt=10, margin_mm=MARGIN_MM))
