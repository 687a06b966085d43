"""The Qt half of `reception --self-test`: a QApplication offscreen, Qt's Swedish translation, a widget
drawn to a pixmap. Handed to app/selftest.py by reception/launcher.py."""
from __future__ import annotations

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QLabel


def check_qt() -> str:
    from widgets.app import application

    app = application()
    translator = QTranslator(app)
    translations = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    swedish = translator.load(QLocale(QLocale.Language.Swedish), "qtbase", "_", translations)
    label = QLabel("Välkommen – åäö")
    label.resize(200, 30)
    if label.grab().isNull():
        raise RuntimeError("Qt kunde inte rita ett fönster")
    return (f"PySide6 {pyside_version}, plattform {app.platformName()}, "
            f"svensk översättning {'finns' if swedish else 'SAKNAS'}")
