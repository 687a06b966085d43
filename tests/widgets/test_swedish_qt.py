"""Qt's own dialogs speak Swedish, and the cancel question defaults to the safe answer."""
import pytest
from PySide6.QtCore import QTimer, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QColorDialog, QFileDialog, QLabel, QMessageBox, QPushButton, QWidget

from widgets.app import application, install_swedish_translation
from wizards.base import cancel_question


def _texts_of_open_box(seen):
    box = QApplication.activeModalWidget()
    seen.extend(b.text().replace("&", "") for b in box.buttons())
    QTest.keyClick(box, Qt.Key.Key_Escape)


@pytest.fixture
def started(qapp):
    """The application as the start makes it."""
    return application()


def test_a_yes_no_question_says_ja_and_nej(qtbot, qapp, started):
    assert started is qapp and qapp.property("reception_sv_loaded")  # the start installs it
    assert install_swedish_translation(qapp)
    parent = QWidget()
    qtbot.addWidget(parent)
    seen = []
    QTimer.singleShot(100, lambda: _texts_of_open_box(seen))
    QMessageBox.question(parent, "Fråga", "Är du säker?")
    assert sorted(seen) == ["Ja", "Nej"]


def test_the_file_and_colour_dialogs_are_swedish(qtbot, qapp, started):
    files = QFileDialog(None, "Välj fil")
    files.setOption(QFileDialog.Option.DontUseNativeDialog, True)  # Qt's own dialog (the native one is the OS's)
    qtbot.addWidget(files)
    labels = {label.text().replace("&", "") for label in files.findChildren(QLabel)}
    buttons = {button.text().replace("&", "") for button in files.findChildren(QPushButton)}
    assert {"Titta i:", "Filnamn:"} <= labels and {"Öppna", "Avbryt"} <= buttons
    colours = QColorDialog()
    colours.setOption(QColorDialog.ColorDialogOption.DontUseNativeDialog, True)
    qtbot.addWidget(colours)
    assert "Avbryt" in {button.text() for button in colours.findChildren(QPushButton)}


def test_esc_then_enter_on_the_cancel_question_keeps_what_was_typed(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    box, leave = cancel_question(parent)
    assert box.defaultButton().text() == "Fortsätt fylla i" and box.escapeButton() is box.defaultButton()
    QTimer.singleShot(50, lambda: QTest.keyClick(box, Qt.Key.Key_Return))
    box.exec()
    assert box.clickedButton() is not leave
    box2, leave2 = cancel_question(parent)
    QTimer.singleShot(50, lambda: QTest.keyClick(box2, Qt.Key.Key_Escape))
    box2.exec()
    assert box2.clickedButton() is not leave2


def test_the_print_dialog_is_swedish(qtbot, qapp, started):
    """Receipts, invoices and freeze confirmations are printed through Qt's own QPrintDialog (widgets/printing.py)."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    dialog = QPrintDialog(printer)
    qtbot.addWidget(dialog)
    dialog.show()
    buttons = {button.text().replace("&", "") for button in dialog.findChildren(QPushButton)}
    labels = {label.text().replace("&", "") for label in dialog.findChildren(QLabel)}
    assert dialog.windowTitle() == "Skriv ut"
    assert {"Skriv ut", "Avbryt", "Egenskaper"} <= buttons and "Namn:" in labels
    dialog.reject()
