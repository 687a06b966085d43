"""Texts read in a dark Windows theme as in a light one (issue 14 §5): muted help and hints, and the red,
green and amber messages. Each label is built through its real window under the theme's palette and
rendered; the contrast between its text pixels and its background is measured (WCAG ratio)."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel

from tests.app import builders
from tests.app.orgdata import build_orgs
from widgets.services import Bus, UiServices
from widgets.tones import TONES, is_dark, muted_color, tone_color

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")

MINIMUM = 4.5  # WCAG AA for body text


def dark_palette() -> QPalette:
    """A dark theme as Windows gives Qt: dark window and fields, white text, the placeholder derived."""
    palette = QPalette(QColor("#3c3c3c"), QColor("#202020"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#191919"))
    return palette


@pytest.fixture(params=["ljust", "mörkt"])
def theme(request, qapp):
    before = QPalette(qapp.palette())
    if request.param == "mörkt":
        qapp.setPalette(dark_palette())
    yield request.param
    qapp.setPalette(before)


def luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def ratio(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def measured_contrast(label: QLabel) -> float:
    """Render the label; its background is the most common pixel, its text the pixel that differs most."""
    assert label.text(), "an empty label says nothing"
    label.adjustSize() if label.width() < 10 else None
    image = label.grab().toImage()
    counts: dict[int, int] = {}
    for y in range(image.height()):
        for x in range(image.width()):
            rgb = image.pixel(x, y)
            counts[rgb] = counts.get(rgb, 0) + 1
    background = QColor.fromRgb(max(counts, key=counts.get))
    return max(ratio(QColor.fromRgb(rgb), background) for rgb in counts)


def services_for(core, make_actor, tmp_path) -> UiServices:
    from app.postal import PostalCodes

    return UiServices(core=core, actor=make_actor(core, "admin"), bus=Bus(), user_data_dir=tmp_path / "data",
                      postal=PostalCodes.load())


def test_the_tones_follow_the_theme(theme):
    palette = QApplication.palette()
    assert is_dark(palette) == (theme == "mörkt")
    window = palette.color(QPalette.ColorRole.Window)
    for name in TONES:
        assert ratio(tone_color(name), window) >= MINIMUM, name
        assert ratio(tone_color(name), palette.color(QPalette.ColorRole.Base)) >= MINIMUM, name
    assert ratio(muted_color(), window) >= MINIMUM


def test_main_window_welcome_text_reads(qtbot, theme, sqlite_core, make_actor, tmp_path, monkeypatch):
    from widgets.main_window import MainWindow

    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path / "data"))
    window = MainWindow(services_for(sqlite_core, make_actor, tmp_path))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert measured_contrast(window.welcome.findChild(QLabel, "welcome_text")) >= MINIMUM


def test_the_wizards_reason_and_errors_read(qtbot, theme, sqlite_core, make_actor, tmp_path, monkeypatch):
    from wizards.base import ReceptionWizard
    from wizards.registration import start_new_private_customer

    monkeypatch.setattr(ReceptionWizard, "confirm_cancel", staticmethod(lambda parent: True))
    builders.build_catalog(sqlite_core)
    wizard = start_new_private_customer(services_for(sqlite_core, make_actor, tmp_path))
    qtbot.addWidget(wizard)
    qtbot.waitExposed(wizard)
    page = wizard.currentPage()
    qtbot.waitUntil(page.next_reason.isVisible, timeout=5000)
    assert page.next_reason.text() == "Välj kundtyp."
    assert measured_contrast(page.next_reason) >= MINIMUM  # amber
    page.show_field_error("customer_type", "Välj kundtyp.")
    assert measured_contrast(page.type_error) >= MINIMUM  # red


def test_login_hint_and_error_read(qtbot, theme, sqlite_core):
    from widgets.login import LoginDialog

    dialog = LoginDialog(sqlite_core, hint="Demo: logga in som reception med lösenordet demo.", username="recep")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    hint = next(label for label in dialog.findChildren(QLabel) if label.text().startswith("Demo:"))
    assert measured_contrast(hint) >= MINIMUM
    dialog.password.setText("fel")
    dialog.try_login()
    assert dialog.error.isVisible() and measured_contrast(dialog.error) >= MINIMUM


def test_admin_help_and_import_messages_read(qtbot, theme, sqlite_core, make_actor, tmp_path):
    from app.queries.organisations import products_on_org_price_list
    from widgets.admin_products import ProductsDialog
    from widgets.preorders.importing import ImportDialog

    services = services_for(sqlite_core, make_actor, tmp_path)
    products = ProductsDialog(services)
    qtbot.addWidget(products)
    products.show()
    qtbot.waitExposed(products)
    help_label = next(label for label in products.findChildren(QLabel) if label.text().startswith("Varje kundtyp"))
    assert measured_contrast(help_label) >= MINIMUM

    orgs = build_orgs(sqlite_core)
    with sqlite_core.sessions() as s:
        items = products_on_org_price_list(s, services.actor, orgs.volvo)
    dialog = ImportDialog(services, orgs.volvo, items, choose_file=lambda parent: None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for ok in (False, True):
        dialog._show_message("Filen kunde inte läsas." if not ok else "3 förbeställningar har importerats.", ok=ok)
        assert measured_contrast(dialog.message) >= MINIMUM


def test_table_texts_in_tones_read_on_the_table(theme):
    base = QApplication.palette().color(QPalette.ColorRole.Base)
    assert ratio(tone_color("error"), base) >= MINIMUM  # a refused import row (ImportPreviewModel)
    assert ratio(muted_color(), base) >= MINIMUM  # a removed pre-order, an inactive reason: dimmed, legible


@pytest.mark.parametrize("status", ["aktivt", "fryst", "uppsagt"])
def test_the_cards_overview_reads(qtbot, theme, sqlite_core, make_actor, tmp_path, monkeypatch, status):
    from datetime import date

    from tests.app import sub_builders as sb
    from widgets.main_window import MainWindow

    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path / "data"))
    cat = sb.catalog(sqlite_core)
    anna = sb.person(sqlite_core, 1)
    gym = sb.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie, status=status,
                          end_date=date(2027, 1, 31) if status == "uppsagt" else None)
    if status == "fryst":
        sb.freeze(sqlite_core, gym, date(2026, 11, 1), date(2026, 12, 20))
    window = MainWindow(services_for(sqlite_core, make_actor, tmp_path))
    window.person_card.internal_message_box = staticmethod(lambda *a, **k: None)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.open_person(anna)
    overview = window.person_card.overview_tab
    qtbot.waitUntil(lambda: bool(overview.subscription_rows) and overview.debt.text() != "", timeout=5000)
    qtbot.wait(50)
    assert measured_contrast(overview.subscription_rows[0].state) >= MINIMUM  # Löper / Fryst / Uppsagt
    assert measured_contrast(overview.debt) >= MINIMUM  # "Ingen skuld."


# Files that may name a fixed colour: each paints its own background behind the text (banners, the lock
# screen, the photo placeholder, the chart), is paper (receipt, freeze confirmation), or is the tones
# themselves. Every other text takes its colour from widgets.tones or the palette.
OWN_BACKGROUND = {"widgets/tones.py", "widgets/field_messages.py", "widgets/checkin_banner.py",
                  "widgets/day_overview.py", "widgets/idle_lock.py", "widgets/offline_banner.py",
                  "widgets/person_card.py", "widgets/person_overview.py", "widgets/queued_work.py",
                  "widgets/receipt.py", "widgets/till/window.py", "wizards/subscription/confirmation.py"}


def test_no_other_widget_names_a_fixed_text_colour():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    fixed = re.compile(r"color:\s*#|QColor\(\s*[\"']#")
    found = {str(path.relative_to(root)) for folder in ("widgets", "wizards") for path in (root / folder).rglob("*.py")
             if fixed.search(path.read_text(encoding="utf-8"))}
    assert found - OWN_BACKGROUND == set()
