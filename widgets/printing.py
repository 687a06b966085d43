"""Skriv ut: the desk's documents (receipts, invoices, freeze confirmations) on paper or as PDF.

A document is HTML in Qt's rich-text subset with its page setup (`PrintDocument`).
The same document becomes the PDF that is stored or e-mailed (`pdf_bytes`, a
QPdfWriter) and the printout (`print_document`, a QPrinter), so what is printed
is what was saved. Printing goes through Qt's print dialog (`print_with_dialog`,
Swedish with qt_sv), where the receptionist chooses the printer, the copies or
"Skriv till fil"; receipts can go straight to the desk's receipt printer
(`print_direct`, the desk setting "Skriv ut kvitton direkt"). "Spara som PDF…"
(`save_pdf_as`) writes the stored PDF where the receptionist chooses.

`new_printer` and `ask_save_path` are module functions so that tests can give the
real dialog a printer that writes a PDF file (QPrinter.PdfFormat) and a path.
Needs a QGuiApplication (fonts).
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPagedPaintDevice, QPainter, QPdfWriter, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

log = logging.getLogger("reception.printing")

PDF_RESOLUTION = 300
NO_PRINTER = ("Skrivaren ”{name}” finns inte på den här datorn. Välj en annan under Arkiv > Inställningar för den "
              "här datorn, eller skriv ut med dialogen.")
PRINT_FAILED = "Utskriften till ”{name}” misslyckades. Kontrollera skrivaren och försök igen."


@dataclass(frozen=True)
class PrintDocument:
    """What is printed. `roll_width_mm` (receipts): an 80 mm roll, and the PDF page exactly as long as the text."""

    title: str
    html: str
    creator: str = ""
    font_pt: float = 10.0
    margin_mm: float = 20.0
    roll_width_mm: float | None = None


def _text_document(doc: PrintDocument, device: QPagedPaintDevice) -> QTextDocument:
    document = QTextDocument()
    font = QFont()
    font.setPointSizeF(doc.font_pt)
    document.setDefaultFont(font)
    document.setDocumentMargin(0)
    document.setHtml(doc.html)
    document.documentLayout().setPaintDevice(device)
    return document


def _paint_pages(document: QTextDocument, device: QPagedPaintDevice, width: float, height: float) -> int:
    """Draw `document` page by page (pages of width × height device pixels); returns the number of pages."""
    document.setPageSize(QSizeF(width, height))
    painter = QPainter(device)
    if not painter.isActive():
        return 0
    pages = document.pageCount()
    for index in range(pages):
        if index:
            device.newPage()
        top = index * height
        painter.save()
        painter.translate(0, -top)
        document.drawContents(painter, QRectF(0, top, width, height))
        painter.restore()
    painter.end()
    return pages


def pdf_bytes(doc: PrintDocument) -> bytes:
    """The document as PDF bytes: A4 continued on as many pages as it needs, or one roll page as long as the text."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(PDF_RESOLUTION)
    writer.setTitle(doc.title)
    writer.setCreator(doc.creator)
    margins = QMarginsF(doc.margin_mm, doc.margin_mm, doc.margin_mm, doc.margin_mm)
    document = _text_document(doc, writer)
    if doc.roll_width_mm is not None:
        # Lay the text out at the writer's resolution, then make the page exactly as long as the text.
        content_width_mm = doc.roll_width_mm - 2 * doc.margin_mm
        document.setTextWidth(content_width_mm / 25.4 * PDF_RESOLUTION)
        height_mm = document.size().height() / PDF_RESOLUTION * 25.4 + 2 * doc.margin_mm + 1
        writer.setPageSize(QPageSize(QSizeF(doc.roll_width_mm, height_mm), QPageSize.Unit.Millimeter, doc.title,
                                     QPageSize.SizeMatchPolicy.ExactMatch))
        writer.setPageMargins(margins, QPageLayout.Unit.Millimeter)
        painter = QPainter(writer)
        document.drawContents(painter)
        painter.end()
    else:
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        writer.setPageMargins(margins, QPageLayout.Unit.Millimeter)
        page = writer.pageLayout().paintRectPixels(PDF_RESOLUTION)
        _paint_pages(document, writer, page.width(), page.height())
    buffer.close()
    return bytes(data.data())


def print_document(doc: PrintDocument, printer: QPrinter) -> int:
    """Print on `printer` as it is set up (paper, margins chosen in the dialog); returns the pages printed.

    A receipt keeps its roll width on a wider paper, so an A4 printer gives the same receipt as the roll printer.
    """
    printer.setDocName(doc.title)
    printer.setCreator(doc.creator)
    resolution = printer.resolution()
    page = printer.pageLayout().paintRectPixels(resolution)
    width = float(page.width())
    if doc.roll_width_mm is not None:
        width = min(width, (doc.roll_width_mm - 2 * doc.margin_mm) / 25.4 * resolution)
    document = _text_document(doc, printer)
    return _paint_pages(document, printer, width, float(page.height()))


# --------------------------------------------------------------------------
# Printers, the dialog, direct printing, Spara som PDF
# --------------------------------------------------------------------------


def available_printers() -> list[str]:
    """The printers installed on this PC (Windows printers / CUPS queues)."""
    return list(QPrinterInfo.availablePrinterNames())


def new_printer(printer_name: str = "") -> QPrinter:
    """A printer for one printout; `printer_name` '' = the PC's default printer. Tests replace this."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if printer_name:
        printer.setPrinterName(printer_name)
    return printer


class PrintFailed(OSError):
    """The printer could not be started; `str()` is the Swedish message."""


def print_with_dialog(parent: QWidget | None, doc: PrintDocument, printer_name: str = "") -> bool:
    """Show the print dialog for `doc`; True when it was printed, False when the receptionist cancelled.

    Raises PrintFailed when the chosen printer could not be started."""
    printer = new_printer(printer_name)
    printer.setDocName(doc.title)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(f"Skriv ut – {doc.title}")
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
    finally:
        dialog.deleteLater()
    if print_document(doc, printer) == 0:
        log.warning("printing %r on %r failed", doc.title, printer.printerName())
        raise PrintFailed(PRINT_FAILED.format(name=printer.printerName() or printer.outputFileName()))
    return True


def print_direct(doc: PrintDocument, printer_name: str) -> str | None:
    """Print on the named printer without a dialog; None when printed, else the Swedish reason it was not."""
    if printer_name not in available_printers():
        return NO_PRINTER.format(name=printer_name)
    printer = new_printer(printer_name)
    if not printer.isValid():
        return NO_PRINTER.format(name=printer_name)
    if print_document(doc, printer) == 0:
        log.warning("printing %r on %r failed", doc.title, printer_name)
        return PRINT_FAILED.format(name=printer_name)
    return None


def ask_save_path(parent: QWidget | None, title: str, suggested: Path) -> str:
    """Where to save a PDF ('' when cancelled). Tests replace this."""
    path, _filter = QFileDialog.getSaveFileName(parent, title, str(suggested), "PDF (*.pdf)")
    return path


def save_pdf_as(parent: QWidget | None, pdf: bytes, suggested: Path, title: str = "Spara som PDF") -> Path | None:
    """Ask where, then write `pdf` there atomically; None when cancelled. Raises OSError when it cannot be written."""
    chosen = ask_save_path(parent, title, suggested)
    if not chosen:
        return None
    path = Path(chosen)
    if path.suffix.lower() != ".pdf":
        path = path.with_name(path.name + ".pdf")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(pdf)
    os.replace(tmp, path)
    return path
