"""The till's receipt (kvitto): simple HTML in a QTextDocument, as a PDF (QPdfWriter) or on a printer.

The page is 80 mm wide like a receipt-printer roll and exactly as long as the
receipt, so it prints the same on a receipt printer and on A4 ("fit to page").
The core never imports Qt: the till renders here and hands the bytes to the
StoreReceipt routine; the printout is the same document (widgets/printing.py).
"""
from __future__ import annotations

from datetime import datetime
from html import escape

from app.clock import STOCKHOLM
from app.domain.money import format_sek
from app.orders import METHOD_NAMES, OrderSummary
from widgets.printing import PrintDocument, pdf_bytes

PAGE_WIDTH_MM = 80.0
MARGIN_MM = 4.0


def vat_rate_text(basis_points: int) -> str:
    """600 -> '6 %', 1250 -> '12,5 %'."""
    whole, rest = divmod(basis_points, 100)
    return f"{whole} %" if not rest else f"{whole},{rest:02d}".rstrip("0") + " %"


def local_time_text(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def _period(line) -> str:
    if line.period_from and line.period_to:
        return f"{line.period_from:%Y-%m-%d} – {line.period_to:%Y-%m-%d}"
    if line.period_from:
        return f"fr.o.m. {line.period_from:%Y-%m-%d}"
    return ""


def _row(label: str, amount: str, *, bold: bool = False) -> str:
    style = ' style="font-weight:600"' if bold else ""
    return f'<tr{style}><td>{escape(label)}</td><td align="right">{escape(amount)}</td></tr>'


def receipt_html(summary: OrderSummary, club_name: str, desk: str, paid_at: datetime, method: str, cashier: str, *,
                 received_ore: int | None = None, change_ore: int | None = None, rounding_ore: int = 0,
                 invoice_number: int | None = None, invoice_due_on=None) -> str:
    parts = [
        f'<p align="center" style="font-size:13pt; font-weight:600">{escape(club_name)}</p>',
        '<p align="center" style="font-size:11pt; font-weight:600">Kvitto</p>',
        '<table width="100%" cellspacing="0" cellpadding="1">',
        _row("Ordernr", str(summary.order_number)),
        _row("Datum", local_time_text(paid_at)),
        _row("Kassa", desk),
        _row("Kund", f"{summary.customer_name} ({summary.customer_number})"),
        "</table><hr/>",
        '<table width="100%" cellspacing="0" cellpadding="1">',
    ]
    for line in summary.lines:
        parts.append(_row(line.description, format_sek(line.amount_ore)))
        details = [text for text in (_period(line),) if text]
        if line.quantity != 1:
            details.append(f"{line.quantity} st à {format_sek(line.unit_price_ore)}")
        details.append(f"moms {vat_rate_text(line.vat_basis_points)}")
        parts.append(f'<tr><td colspan="2" style="color:#444; font-size:8pt">{escape(", ".join(details))}</td></tr>')
    parts.append("</table><hr/>")
    parts.append('<table width="100%" cellspacing="0" cellpadding="1">')
    parts.append(_row("Att betala", format_sek(summary.total_ore), bold=True))
    for vat in summary.vat:
        parts.append(_row(f"varav moms {vat_rate_text(vat.vat_basis_points)}", format_sek(vat.vat_ore)))
    parts.append("</table><hr/>")
    parts.append('<table width="100%" cellspacing="0" cellpadding="1">')
    parts.append(_row("Betalsätt", METHOD_NAMES.get(method, method)))
    if method == "kontant":
        if rounding_ore:
            parts.append(_row("Öresavrundning", format_sek(rounding_ore)))
            parts.append(_row("Betalt kontant", format_sek(summary.total_ore + rounding_ore)))
        if received_ore is not None:
            parts.append(_row("Kontant mottaget", format_sek(received_ore)))
            parts.append(_row("Växel", format_sek(change_ore or 0)))
    if method == "faktura" and invoice_number is not None:
        parts.append(_row("Fakturanr", str(invoice_number)))
        if invoice_due_on is not None:
            parts.append(_row("Förfallodag", f"{invoice_due_on:%Y-%m-%d}"))
    parts.append(_row("Kassör", cashier))
    parts.append("</table>")
    parts.append('<p align="center">Tack för besöket!</p>')
    return "".join(parts)


def receipt_document(summary: OrderSummary, club_name: str, desk: str, paid_at: datetime, method: str,
                     cashier: str, *, received_ore: int | None = None, change_ore: int | None = None,
                     rounding_ore: int = 0, invoice_number: int | None = None, invoice_due_on=None) -> PrintDocument:
    """The receipt to print or store: the same document for the PDF and the printer."""
    html = receipt_html(summary, club_name, desk, paid_at, method, cashier, received_ore=received_ore,
                        change_ore=change_ore, rounding_ore=rounding_ore, invoice_number=invoice_number,
                        invoice_due_on=invoice_due_on)
    return PrintDocument(f"Kvitto {summary.order_number}", html, club_name, font_pt=9, margin_mm=MARGIN_MM,
                         roll_width_mm=PAGE_WIDTH_MM)


def render_receipt_pdf(summary: OrderSummary, club_name: str, desk: str, paid_at: datetime, method: str,
                       cashier: str, **details) -> bytes:
    """The receipt as PDF bytes. Needs a QGuiApplication (fonts)."""
    return pdf_bytes(receipt_document(summary, club_name, desk, paid_at, method, cashier, **details))
