"""An invoice (faktura or kreditfaktura) as an A4 PDF, drawn by Qt like the till's receipt (widgets/receipt.py).

The Fakturor tab renders here for Visa and Skicka and hands the bytes on: to a
file that the desktop opens, or to the SendInvoice routine (the core never
imports Qt). The OCR/referens the customer pays with is the invoice number.
Needs a QGuiApplication (fonts).
"""
from __future__ import annotations

from html import escape

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument

from app.domain.money import format_sek
from app.routines.invoices import KIND_NAMES, InvoiceDetails
from widgets.receipt import vat_rate_text

MARGIN_MM = 20.0
RESOLUTION = 300
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


def render_invoice_pdf(details: InvoiceDetails) -> bytes:
    """The invoice as A4 PDF bytes; a long invoice continues on further pages."""
    return html_to_pdf(invoice_html(details), f"{invoice_title(details)} {details.invoice_number}", details.club_name)


def html_to_pdf(html: str, title: str, creator: str) -> bytes:
    """HTML (Qt's rich-text subset) as A4 PDF bytes, continued on as many pages as it needs."""
    document = QTextDocument()
    font = QFont()
    font.setPointSizeF(10)
    document.setDefaultFont(font)
    document.setDocumentMargin(0)
    document.setHtml(html)

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(RESOLUTION)
    writer.setTitle(title)
    writer.setCreator(creator)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM), QPageLayout.Unit.Millimeter)
    document.documentLayout().setPaintDevice(writer)
    page = writer.pageLayout().paintRectPixels(RESOLUTION)
    document.setPageSize(QSizeF(page.width(), page.height()))
    painter = QPainter(writer)
    for index in range(document.pageCount()):
        if index:
            writer.newPage()
        top = index * page.height()
        painter.save()
        painter.translate(0, -top)
        document.drawContents(painter, QRectF(0, top, page.width(), page.height()))
        painter.restore()
    painter.end()
    buffer.close()
    return bytes(data.data())
