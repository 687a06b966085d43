"""Every window fits a laptop at 1280×800 and 150 % scaling (issue 14 §5): 853×533 logical pixels.

Each window and dialog is built through its real constructor and shown; its smallest size (the layout's
minimum or an explicit one) plus a window frame must fit :data:`SMALLEST_SCREEN`, and
:func:`fit_to_screen` against that available area makes it no larger than the area and puts it inside.
A wizard is measured with each of its pages (the wizard is as tall as its tallest page)."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QRect, QSettings, QSize, QThreadPool
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget, QWizard

from tests.app import builders
from tests.app import sub_builders as sb
from tests.app.orgdata import build_orgs
from widgets.screen_fit import (DEFAULT_FRAME, SMALLEST_SCREEN, fit_to_screen, frame_size, install_screen_fit,
                                smallest_size, uninstall_screen_fit)
from widgets.services import Bus, UiServices

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")

LAPTOP = QRect(0, 0, SMALLEST_SCREEN.width(), SMALLEST_SCREEN.height())


@pytest.fixture
def services(sqlite_core, make_actor, tmp_path, monkeypatch):
    from app.postal import PostalCodes
    from devices.hub import CardReaderHub
    from wizards.base import ReceptionWizard

    def refused(parent, err):  # a refusal would open a modal box: fail instead of hanging
        raise AssertionError(err.message)
    monkeypatch.setattr(ReceptionWizard, "error_box", staticmethod(refused))

    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path / "data"))
    s = UiServices(core=sqlite_core, actor=make_actor(sqlite_core, "admin"), bus=Bus(),
                   user_data_dir=tmp_path / "data", cards=CardReaderHub(), postal=PostalCodes.load())
    s.extra["camera_source"] = None
    return s


def least(window: QWidget) -> QSize:
    """The window's smallest size; a wizard's is what surrounds its page plus its largest page's minimum."""
    size = smallest_size(window)
    if isinstance(window, QWizard) and window.currentPage() is not None:
        chrome = window.size() - window.currentPage().size()
        pages = QSize(0, 0)
        for page_id in window.pageIds():
            pages = pages.expandedTo(window.page(page_id).minimumSizeHint())
        size = size.expandedTo(chrome + pages)
    return size


def check_fits(qtbot, window: QWidget) -> None:
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    need = least(window) + DEFAULT_FRAME
    assert need.width() <= SMALLEST_SCREEN.width() and need.height() <= SMALLEST_SCREEN.height(), \
        f"{type(window).__name__} needs {need.width()}×{need.height()}"
    fit_to_screen(window, QSize(4000, 3000), available=LAPTOP)
    frame = frame_size(window)
    assert window.width() + frame.width() <= LAPTOP.width() and window.height() + frame.height() <= LAPTOP.height()
    assert LAPTOP.contains(window.frameGeometry().topLeft())
    for pool in window.findChildren(QThreadPool):  # the window's loading work ends before the window goes
        pool.waitForDone()
    qtbot.wait(10)


def main_window(services):
    from widgets.main_window import MainWindow

    return MainWindow(services)


def main_window_with_person(services):
    from widgets.main_window import MainWindow

    cat = sb.catalog(services.core)
    anna = sb.person(services.core, 1)
    sb.subscription(services.core, anna, cat.gym, price_list_id=cat.ordinarie)
    window = MainWindow(services)
    window.person_card.internal_message_box = staticmethod(lambda *a, **k: None)
    window.open_person(anna)
    return window


def till(services):
    from widgets.till.window import TillWindow

    return TillWindow(services)


def day_overview(services):
    from widgets.day_overview import DayOverviewWindow

    return DayOverviewWindow(services)


def settings_routines(services):
    from widgets.admin_settings import SettingsDialog

    return SettingsDialog(services)


def settings_global(services):
    from app.settings import GLOBAL_PAGE
    from widgets.admin_settings import SettingsDialog

    return SettingsDialog(services, GLOBAL_PAGE)


def products(services):
    from widgets.admin_products import ProductsDialog

    return ProductsDialog(services)


def product_editor(services):
    from widgets.admin_products import ProductEditor

    builders.build_catalog(services.core)
    return ProductEditor(services, None)


def severities(services):
    from widgets.admin_severities import SeveritiesDialog

    return SeveritiesDialog(services)


def freeze_reasons(services):
    from widgets.admin_reasons import FreezeReasonsDialog

    return FreezeReasonsDialog(services)


def desk_settings(services):
    from widgets.desk_settings import DeskSettings, DeskSettingsDialog

    ini = services.user_data_dir / "desk.ini"
    return DeskSettingsDialog(DeskSettings(QSettings(str(ini), QSettings.Format.IniFormat)), list_ports=lambda: [])


def login(services):
    from widgets.login import LoginDialog

    return LoginDialog(services.core, hint="Demo: logga in som reception med lösenordet demo.")


def crash(services):
    from widgets.errors import CrashDialog

    return CrashDialog("Traceback ...\nValueError: något gick fel\n" * 40, services.user_data_dir / "reception.log")


def desks(services):
    from widgets.maintenance import DesksDialog

    return DesksDialog(services)


def _org_products(services):
    from app.queries.organisations import products_on_org_price_list

    orgs = build_orgs(services.core)
    with services.core.sessions() as s:
        return orgs, products_on_org_price_list(s, services.actor, orgs.volvo)


def preorder_admin(services):
    from widgets.preorders.admin import PreOrderAdminDialog

    orgs, _ = _org_products(services)
    return PreOrderAdminDialog(services, orgs.volvo)


def preorder_import(services):
    from widgets.preorders.importing import ImportDialog

    orgs, items = _org_products(services)
    return ImportDialog(services, orgs.volvo, items, choose_file=lambda parent: None)


def preorder_add(services):
    from widgets.preorders.add import AddPreOrderDialog

    orgs, items = _org_products(services)
    return AddPreOrderDialog(services, orgs.volvo, items)


def cash(services):
    from widgets.till.cash import CashDialog

    return CashDialog(29930)


def cancel_order(services):
    from widgets.till.cancel import CancelDialog

    return CancelDialog(100001)


def credit_reason(services):
    from widgets.person_tabs.invoices import CreditReasonDialog

    return CreditReasonDialog(700001)


def registration(services):
    from wizards.registration import start_new_private_customer

    builders.build_catalog(services.core)
    return start_new_private_customer(services)


def org_registration(services):
    from wizards.organisation import start_new_organisation_customer

    builders.build_catalog(services.core)
    return start_new_organisation_customer(services)


def _subscription_wizard(code):
    def make(services):
        from app.menus import MenuTarget
        from wizards.subscription.actions import register_subscription_actions

        cat = sb.catalog(services.core)
        anna = sb.person(services.core, 1)
        sb.person(services.core, 2)
        if code == "overlat":  # a card that may be handed over
            gym = sb.subscription(services.core, anna, cat.card12, price_list_id=cat.ordinarie,
                                  start_date=date(2026, 6, 1), charged_through=date(2027, 5, 31))
        else:
            gym = sb.subscription(services.core, anna, cat.gym, price_list_id=cat.ordinarie)
        if code in ("tina_upp", "forkorta_frysning", "forlang_frysning"):
            sb.freeze(services.core, gym, date(2026, 11, 1), date(2026, 12, 20))
            with services.core.sessions() as s, s.begin():
                from db.models import Subscription
                s.get(Subscription, gym).status = "fryst"
        return register_subscription_actions(services)[code](MenuTarget(anna, gym))
    make.__name__ = code
    return make


def membership_card(services):
    from app import menus
    from app.menus import MenuTarget
    from wizards.actions import register_person_actions

    builders.build_catalog(services.core)
    person = builders.add_person(services.core)
    return register_person_actions(services)[menus.NYTT_MEDLEMSKORT](MenuTarget(person))


def new_preorder(services):
    from app.queries.catalog import main_products
    from wizards.pages.forbestallningar import NewPreOrderDialog

    cat = builders.build_catalog(services.core)
    with services.core.sessions() as s:
        items = main_products(s, cat.org_list)
    return NewPreOrderDialog(None, organisation_name="Företag AB", products=items, person=builders.person_data(),
                             today=builders.TODAY)


def let_in(services):
    from widgets.checkin_banner import LetInDialog

    parent = QWidget()
    services.extra["_parent"] = parent  # kept alive with the test
    return LetInDialog(parent, services, 1, "Abonnemanget är fryst t.o.m. 2026-12-31 (Sjukdom).")


WINDOWS = [main_window, main_window_with_person, till, day_overview, settings_routines, settings_global, products,
           product_editor, severities, freeze_reasons, desk_settings, login, crash, desks, preorder_admin,
           preorder_import, preorder_add, cash, cancel_order, credit_reason, registration, org_registration,
           membership_card, new_preorder, let_in] + [_subscription_wizard(code) for code in (
               "sag_upp", "debitera", "frys", "tina_upp", "forlang_frysning", "overlat")]


@pytest.mark.parametrize("make", WINDOWS, ids=lambda make: make.__name__)
def test_every_window_fits_a_laptop_at_150_percent(qtbot, services, make):
    window = make(services)
    assert window is not None
    check_fits(qtbot, window)


def test_a_window_larger_than_the_screen_is_brought_inside_it(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    window.resize(1366, 860)
    fit_to_screen(window, available=QRect(0, 0, 1280, 760))
    assert (window.width(), window.height()) == (1280 - DEFAULT_FRAME.width(), 760 - DEFAULT_FRAME.height())
    small = QWidget()
    qtbot.addWidget(small)
    fit_to_screen(small, QSize(400, 300), available=QRect(0, 0, 1280, 760))
    assert (small.width(), small.height()) == (400, 300)  # never larger, and not smaller than asked


@pytest.fixture
def fitting(qapp):
    """The start's screen fit, for this test only (the other tests keep their windows' sizes)."""
    yield install_screen_fit(qapp)
    uninstall_screen_fit(qapp)


def test_the_application_fits_each_window_when_it_is_first_shown(qtbot, qapp, monkeypatch, fitting):
    import widgets.screen_fit as screen_fit

    monkeypatch.setattr(screen_fit, "available_geometry", lambda widget: LAPTOP)
    box = QMessageBox(QMessageBox.Icon.Information, "Titel", "Text " * 400)
    qtbot.addWidget(box)
    window = QWidget()
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    assert window.width() <= LAPTOP.width() and window.height() <= LAPTOP.height()
    assert QApplication.instance().findChildren(screen_fit.ScreenFit) == [fitting] == [install_screen_fit(qapp)]


def test_the_start_fits_windows_while_the_desk_runs(qapp, tmp_path, monkeypatch):
    import logging
    import sys

    from reception.launcher import main
    from widgets.login import LoginDialog
    from widgets.screen_fit import ScreenFit

    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)  # the start installs its own; restored after
    seen = {}

    def ask(cls, core, **kw):  # the log-in dialog opens: the screen fit is on
        seen["fits"] = len(qapp.findChildren(ScreenFit))
        return None
    monkeypatch.setattr(LoginDialog, "ask", classmethod(ask))
    assert main(["--db", f"sqlite+pysqlite:///{tmp_path / 'r.db'}"]) == 0
    assert seen["fits"] == 1
    assert qapp.findChildren(ScreenFit) == []  # and off again when the desk has closed
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_reception", False)]:
        root.removeHandler(handler)
        handler.close()
