"""The main window: search on the left, the person or organisation card on the right, the till (F4).

Keyboard first: F2 puts the cursor in the search field, F3 registers a new private
customer (Shift+F3 an organisation customer), F4 opens the till, Ctrl+Q quits; a
card swipe anywhere opens that card's person card.
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QRunnable, QSize, QThreadPool, QTimer, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QApplication, QFrame, QLabel, QMainWindow, QMenu, QMessageBox, QScrollArea,
                               QSplitter, QStackedWidget, QTabWidget, QVBoxLayout, QWidget)

from app.context import Actor, Core
from app.errors import UserError
from app.paths import user_data_dir
from app.rights import ADMIN_USERS, SYSTEM_SETTINGS, TILL, can, missing_right_message
from app.settings import load_settings
from widgets.screen_fit import fit_to_screen
from widgets.tones import set_muted, tone_style
from widgets.services import Bus, UiServices

log = logging.getLogger("reception.ui")
OUTBOX_INTERVAL_MS = 60_000


class WelcomePage(QWidget):
    """What the right-hand side shows before a person is opened: how to start, in one glance."""

    def __init__(self, services: UiServices) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        title = QLabel(f"Välkommen, {services.actor.full_name}")
        title.setStyleSheet("font-size: 20pt; font-weight: 600;")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        text = QLabel("Dra kundens kort i kortläsaren, eller skriv personnummer, namn, kundnummer, kortnummer, "
                      "telefon eller e-post i sökfältet (F2) och tryck Enter.\n\n"
                      "F3 registrerar en ny kund · F4 öppnar kassan")
        text.setObjectName("welcome_text")
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setWordWrap(True)  # a narrow window (1280×800 at 150 %) wraps it instead of widening
        text.setStyleSheet("font-size: 12pt;")
        set_muted(text)  # dimmed, and readable in a dark theme
        layout.addWidget(text)
        layout.addStretch(2)


def mnemonic(text: str) -> str | None:
    """The Alt letter of a text ("&Kund" -> "k"; "&&" is a plain ampersand)."""
    i = 0
    while i < len(text) - 1:
        if text[i] == "&":
            if text[i + 1] != "&":
                return text[i + 1].lower()
            i += 1
        i += 1
    return None


class MenuLetters(QObject):
    """Alt+letter of a menu in the main window's menu bar opens that menu, whatever the card shows: the card's
    tabs and fields use letters too (Alt+K opened the tab Marknad, not the Kund menu). It takes the key before
    Qt's shortcut map can choose a card widget, for widgets in this window only (wizards and the till have
    their own letters)."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        QApplication.instance().installEventFilter(self)

    def _menu_action(self, event) -> QAction | None:
        if event.modifiers() != Qt.KeyboardModifier.AltModifier or not 0x20 < event.key() < 0x100:
            return None
        letter = chr(event.key()).lower()
        for action in self.window.menuBar().actions():
            if action.isVisible() and action.isEnabled() and mnemonic(action.text()) == letter:
                return action
        return None

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) or not isinstance(watched, QWidget) \
                or watched.window() is not self.window or isinstance(watched, QMenu):
            return False
        action = self._menu_action(event)
        if action is None:
            return False
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()  # no shortcut (a card tab's letter) fires: the key press comes to us instead
            return True
        self.window.menuBar().setActiveAction(action)
        return True

    def stop(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class _OutboxSignals(QObject):
    status = Signal(str)  # the e-mail line for the status bar (empty: nothing needs attention)
    sms_notice = Signal(str)  # the SMS line (app.jobs.sms.sms_notice; "" = nothing to say)


class _OutboxJob(QRunnable):
    """Sends due e-mail and SMS from the outbox on a pool thread (never on the UI thread), then says in
    the status bar when messages wait because no server / provider is set here, or when sending fails."""

    def __init__(self, core: Core, signals: _OutboxSignals | None = None) -> None:
        super().__init__()
        self.core = core
        self.signals = signals

    def run(self) -> None:
        from app.jobs.outbox import send_due, smtp_from_settings
        from app.jobs.sms import sms_from_settings, sms_notice
        from app.queries.outbox import outbox_summary, status_text

        try:
            email, sms = smtp_from_settings(self.core), sms_from_settings(self.core)
            if email is not None or sms is not None:
                send_due(self.core, email=email, sms=sms)
            if self.signals is None:
                return
            with self.core.sessions() as session:
                summary = outbox_summary(session)
            mail_text = status_text(summary, email_configured=email is not None)
            notice = sms_notice(self.core, sms) or ""
        except Exception:  # the next tick tries again; nothing is lost, the messages stay queued
            log.exception("Outbox run failed")
            return
        try:
            self.signals.status.emit(mail_text)
            self.signals.sms_notice.emit(notice)
        except RuntimeError:  # the window closed while the job ran
            pass


def _register_actions(services: UiServices) -> None:
    """Routines register the menu entries they implement; the card shows only those (no dead entries).
    The wizards' entries come from the floor above through widgets.services.ACTION_PROVIDERS."""
    from widgets.personal_data import register_personal_data_actions
    from widgets.services import ACTION_PROVIDERS

    for provider in ACTION_PROVIDERS:
        provider(services)
    register_personal_data_actions(services)


class MainWindow(QMainWindow):
    #: another user logged in on the idle lock screen (widgets/idle_lock.py): the desk starts a window for them
    user_switched = Signal(object)
    # Replaceable in tests: how an unknown card swipe and the job report are shown.
    unknown_card_box = staticmethod(lambda parent, text: QMessageBox.information(parent, "Okänt kort", text))
    info_box = staticmethod(lambda parent, title, text: QMessageBox.information(parent, title, text))
    warning_box = staticmethod(lambda parent, title, text: QMessageBox.warning(parent, title, text))

    def __init__(self, services: UiServices, *, log_path: Path | None = None) -> None:
        super().__init__()
        self.services = services
        self.log_path = log_path
        self.bus: Bus = services.bus
        self.till_window = None
        self.day_overview = None
        self.nightly_runner = None  # Kör nattjobbet nu: its worker (widgets.preorders.common.TaskRunner)
        self.nightly_progress = None
        settings = self._settings()
        self._show_title(settings)
        fit_to_screen(self, QSize(1366, 860))  # never larger than the screen (widgets/screen_fit.py)
        services.extra.setdefault("menu_actions", {})
        _register_actions(services)

        from widgets.organisation_card import OrganisationCardWidget
        from widgets.organisation_search import OrganisationSearchPanel
        from widgets.person_card import PersonCardWidget
        from widgets.person_lookup import PersonLookupTab
        from widgets.search_panel import SearchPanel

        self.search_tabs = QTabWidget()
        self.search_panel = SearchPanel(services)
        self.search_tabs.addTab(self.search_panel, "&Personer")
        self.organisation_search = OrganisationSearchPanel(services)
        self.search_tabs.addTab(self.organisation_search, "Or&ganisationer")
        self.lookup_tab = None
        if settings.person_lookup_enabled:
            self.lookup_tab = PersonLookupTab(services)
            self.search_tabs.addTab(self.lookup_tab, "Person&uppslagning")
            self.search_panel.not_found_personnummer.connect(self.look_up_person)
        self.stack = QStackedWidget()
        self.welcome = WelcomePage(services)
        self.person_card = PersonCardWidget(services, menu_actions=services.extra["menu_actions"])
        self.organisation_card = OrganisationCardWidget(services)
        for page in (self.welcome, self.person_card, self.organisation_card):
            self.stack.addWidget(page)
        # Check-in (issue 13): the verdict of a swipe sits above the card (widgets/checkin_banner.py).
        from widgets.checkin_banner import CheckInBanner

        self.checkin_banner = CheckInBanner(services)
        self.checkin_banner.failed.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.checkin_banner.shown.connect(lambda result: self.person_card.visits_tab.visit_recorded(result.person_id))
        self.checkin_banner.shown.connect(self.person_card.overview_tab.visit_recorded)  # the overview's verdict
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.checkin_banner)
        # The card scrolls when the window is smaller than it (a laptop at 150 % scaling); otherwise no bars.
        self.card_scroll = QScrollArea()
        self.card_scroll.setObjectName("card_scroll")
        self.card_scroll.setWidgetResizable(True)
        self.card_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.card_scroll.setWidget(self.stack)
        right_layout.addWidget(self.card_scroll, 1)
        splitter = QSplitter()
        splitter.addWidget(self.search_tabs)
        self.card_area, card_layout = right, right_layout  # room above for the desk's queued work too
        splitter.addWidget(self.card_area)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setSizes([430, 930])
        self.setCentralWidget(splitter)

        self.reader_status = QLabel("")
        from widgets.desk_settings import IDLE_LOCK_DEFAULT_MINUTES
        from widgets.idle_lock import IdleLock

        desk = services.desk
        self.idle_lock = IdleLock(self, desk.idle_lock_minutes if desk is not None else IDLE_LOCK_DEFAULT_MINUTES)
        self.idle_lock.screen.switched.connect(self.user_switched)
        self.outbox_status = QLabel("")  # e-mail waiting for a server, failing, or given up
        self.outbox_status.setObjectName("outbox_status")
        self.outbox_status.setWordWrap(False)
        self.sms_status = QLabel("")  # SMS waiting because no provider is set, or why the last one failed
        self.sms_status.setStyleSheet(tone_style("error"))
        self.sms_status.hide()
        self.outbox_signals = _OutboxSignals(self)
        self.outbox_signals.status.connect(self._show_outbox_status)
        self.outbox_signals.sms_notice.connect(self.show_sms_notice)
        self._build_menus()
        self.menu_letters = MenuLetters(self)
        self.statusBar().addPermanentWidget(self.outbox_status)
        self.statusBar().addPermanentWidget(self.sms_status)
        self.statusBar().addPermanentWidget(self.reader_status)
        self.statusBar().addPermanentWidget(QLabel(self._database_label()))
        self.bus.open_person.connect(self.open_person)
        self.search_panel.search_started.connect(self.clear_card)
        self.bus.open_organisation.connect(self.open_organisation)
        self.bus.order_created.connect(self.open_order)
        self.bus.status.connect(lambda text: self.statusBar().showMessage(text, 8000))
        if services.cards is not None:
            services.cards.card_read.connect(self.on_card_swiped)
            services.cards.status_changed.connect(self.reader_status.setText)
        self.outbox_timer = QTimer(self)
        self.outbox_timer.setInterval(OUTBOX_INTERVAL_MS)
        self.outbox_timer.timeout.connect(self.send_outbox)
        self.outbox_timer.start()
        QTimer.singleShot(3000, self.send_outbox)  # say soon after start when mail waits for a server
        self._check_sms_provider(settings)
        from widgets.offline_banner import install_offline_banner

        self.offline_banner = install_offline_banner(self)
        self.queued_work = None
        if services.core.outbox is not None:  # an offline-capable desk: Köade åtgärder
            from widgets.queued_work import QueuedWork

            self.queued_work = QueuedWork(self)
            card_layout.insertWidget(0, self.queued_work.person_line)
            self.bus.person_changed.connect(lambda _pid: self.queued_work.refresh())
        self.search_panel.setFocus()

    # -- construction ------------------------------------------------------
    @classmethod
    def create(cls, core: Core, actor: Actor, *, desk=None, log_path: Path | None = None,
               offline=None) -> "MainWindow":
        """Composition: the bus, the card-reader hub from desk settings, the postal-code list."""
        from app.postal import PostalCodes
        from devices.hub import CardReaderHub

        data_dir = user_data_dir()
        services = UiServices(core=core, actor=actor, bus=Bus(), user_data_dir=data_dir, desk=desk,
                              postal=PostalCodes.load(user_data_dir=data_dir))
        services.cards = CardReaderHub()
        if offline is not None:  # app.sync.desk.OfflineDesk: banner, card refresh, photo cache
            services.extra["offline_desk"] = offline
        window = cls(services, log_path=log_path)
        if desk is not None:
            services.cards.configure(desk, QApplication.instance())
        return window

    def _settings(self):
        with self.services.core.sessions() as session:
            return load_settings(session)

    def _after_admin_change(self) -> None:
        """A saved admin dialog: this window follows at once (the club's name, the switches)."""
        settings = self._settings()
        self._show_title(settings)
        self._apply_switches(settings)
        self._check_sms_provider(settings)

    def _check_sms_provider(self, settings) -> None:
        """At once, without the network: SMS waiting while no provider is set. With a provider the
        outbox run (timer) says whether they leave."""
        if settings.sms_provider == "ingen":
            from app.jobs.sms import sms_notice

            try:
                text = sms_notice(self.services.core, None) or ""
            except Exception:  # e.g. the connection is lost: the next outbox run says it instead
                log.warning("The SMS notice could not be read", exc_info=True)
                return
            self.show_sms_notice(text)
        elif self.sms_status.text().startswith("SMS väntar – ingen"):
            self.show_sms_notice("")

    def show_sms_notice(self, text: str) -> None:
        self.sms_status.setText(text)
        self.sms_status.setToolTip(text)
        self.sms_status.setVisible(bool(text))

    def _show_title(self, settings=None) -> None:
        settings = settings or self._settings()
        self.setWindowTitle(f"{settings.club_name} – {self.services.actor.full_name} ({self.services.core.desk})")

    def _database_label(self) -> str:
        engine = self.services.core.engine
        if engine.dialect.name == "sqlite":
            return f"Lokal databas: {Path(engine.url.database).name}"
        return f"Delad databas: {engine.url.host}/{engine.url.database}"

    def _action(self, text: str, slot, shortcut: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&Arkiv")
        file_menu.addAction(self._action("&Inställningar för den här datorn…", self.edit_desk_settings))
        from widgets.maintenance import Maintenance

        self.maintenance = Maintenance(self, self.services)
        self.maintenance.add_file_entries(file_menu)
        if SYSTEM_SETTINGS in self.services.actor.rights:
            self.nightly_action = self._action("Kör &nattjobbet nu", self.run_nightly_job)
            file_menu.addAction(self.nightly_action)
        file_menu.addSeparator()
        self.lock_action = self._action("&Lås kassan", self.idle_lock.lock, "Ctrl+L")
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self._action("&Avsluta", self.close, "Ctrl+Q"))
        customer = bar.addMenu("&Kund")
        self.search_action = self._action("&Sök kund", self.focus_search, "F2")
        customer.addAction(self.search_action)
        extra = self.services.extra
        self.register_action = self._action("Registrera ny kund – &privatkund…",
                                            lambda: extra["start_registration"](None), "F3")
        customer.addAction(self.register_action)
        self.register_org_action = self._action("Registrera ny kund – &organisationskund…",
                                                lambda: extra["start_org_registration"](), "Shift+F3")
        customer.addAction(self.register_org_action)
        customer.addSeparator()
        self.till_action = self._action("&Kassa", self.show_till, "F4")
        self.till_action.setVisible(can(self.services.actor, TILL))  # the till's queries need the right Kassa
        customer.addAction(self.till_action)
        if self.services.core.outbox is not None:
            self.queued_action = self._action("Köade å&tgärder…", lambda: self.queued_work.show_dialog())
            customer.addAction(self.queued_action)
        # Check-in (issue 13): one block.
        customer.addSeparator()
        from widgets.checkin_banner import CHECKIN_KEY

        self.checkin_action = self._action("Checka &in kunden på det öppna kortet", self.check_in_open_person,
                                           CHECKIN_KEY)
        customer.addAction(self.checkin_action)
        self.day_overview_action = self._action("&Dagsöversikt – besök idag…", self.show_day_overview)
        customer.addAction(self.day_overview_action)
        self._build_settings_menu(bar)
        organisation = bar.addMenu("&Organisation")
        organisation.addAction(self._action("&Sök organisation", self.focus_organisation_search, "Ctrl+O"))
        help_menu = bar.addMenu("&Hjälp")
        help_menu.addAction(self._action("&Uppdatera postnummer…", self.update_postal_codes))
        help_menu.addAction(self._action("Var finns &loggfilen?", self.show_log_path))
        self.maintenance.add_help_entries(help_menu)

    def _build_settings_menu(self, bar) -> None:
        """Inställningar (issue 12): each entry only for a user with the right it needs (the routines
        behind them check the right again). E-post och SMS… is there for everyone (its actions need
        Systeminställningar)."""
        from app.settings import ROUTINES_PAGE
        from widgets.admin_products import ProductsDialog
        from widgets.admin_reasons import FreezeReasonsDialog
        from widgets.admin_register import RegisterImportDialog
        from widgets.admin_settings import GlobalSettingsDialog, SettingsDialog
        from widgets.admin_severities import SeveritiesDialog
        from widgets.autogiro import AutogiroDialog
        from widgets.admin_users import UsersDialog
        from widgets.outbox_view import OutboxDialog

        rights = self.services.actor.rights
        self.settings_menu = bar.addMenu("I&nställningar")
        entries = [
            (SYSTEM_SETTINGS, "&Kundrutiner…", lambda: SettingsDialog(self.services, ROUTINES_PAGE, self)),
            (SYSTEM_SETTINGS, "&Inställningar…", lambda: GlobalSettingsDialog(self.services, self)),
            (SYSTEM_SETTINGS, "&Personstatustyper…", lambda: SeveritiesDialog(self.services, self)),
            (SYSTEM_SETTINGS, "&Avvikelseorsaker…", lambda: FreezeReasonsDialog(self.services, self)),
            (SYSTEM_SETTINGS, "Pro&dukter och prislistor…", lambda: ProductsDialog(self.services, self)),
            (SYSTEM_SETTINGS, "&Lokalt register…", lambda: RegisterImportDialog(self.services, self)),
            (ADMIN_USERS, "Användare och &roller…", lambda: UsersDialog(self.services, self)),
            (None, "&E-post och SMS…", lambda: OutboxDialog(self.services, self)),
            (SYSTEM_SETTINGS, "Auto&giro (Bankgirot)…", lambda: AutogiroDialog(self.services, self)),
        ]
        self.admin_actions: dict[str, QAction] = {}
        for right, title, make in entries:
            if right is None or right in rights:
                action = self._action(title, lambda _=False, m=make: self.open_admin_dialog(m()))
                self.settings_menu.addAction(action)
                self.admin_actions[title.replace("&", "")] = action
        self.settings_menu.menuAction().setVisible(bool(self.settings_menu.actions()))
        self._apply_switches()

    def _apply_switches(self, settings=None) -> None:
        """As the seeds say: the menu entry Kundrutiner… is there once "Använd förenklade kundrutiner"
        is on (Inställningar > Inställningar…)."""
        settings = settings or self._settings()
        routines = self.admin_actions.get("Kundrutiner…")
        if routines is not None:
            routines.setVisible(settings.simplified_routines)

    def open_admin_dialog(self, dialog) -> None:
        """Open an admin dialog (window-modal); tests find it in services.extra["open_dialogs"]."""
        opened = self.services.extra.setdefault("open_dialogs", [])
        opened.append(dialog)
        dialog.finished.connect(lambda _result: opened.remove(dialog) if dialog in opened else None)
        dialog.accepted.connect(self._after_admin_change)
        dialog.open()

    # -- slots -------------------------------------------------------------
    def focus_search(self) -> None:
        self.search_tabs.setCurrentWidget(self.search_panel)
        self.search_panel.focus_search()

    def focus_organisation_search(self) -> None:
        self.search_tabs.setCurrentWidget(self.organisation_search)
        self.organisation_search.setFocus()

    def look_up_person(self, digits12: str) -> None:
        if self.lookup_tab is not None and self.lookup_tab.lookup(digits12):
            self.search_tabs.setCurrentWidget(self.lookup_tab)

    def clear_card(self) -> None:
        """A new search: the previous customer's card and check-in verdict leave the screen before anything
        else shows."""
        self.checkin_banner.clear()
        self._clear_person()

    def _clear_person(self) -> None:
        self.person_card.clear()
        self.stack.setCurrentWidget(self.welcome)
        if self.queued_work is not None:
            self.queued_work.show_for_person(None)

    def open_person(self, person_id: int, swiped_card: str | None = None) -> None:
        if self.checkin_banner.person_id != person_id:  # the verdict shown belongs to somebody else
            self.checkin_banner.clear()
        try:
            self.person_card.show_person(person_id, swiped_card)
        except UserError as err:
            QMessageBox.warning(self, err.title, err.message)
            return
        self.stack.setCurrentWidget(self.person_card)
        if self.queued_work is not None:
            self.queued_work.show_for_person(person_id)

    def open_organisation(self, organisation_id: int) -> None:
        self.organisation_card.show_organisation(organisation_id)
        self.stack.setCurrentWidget(self.organisation_card)
        if self.queued_work is not None:
            self.queued_work.show_for_person(None)

    def on_card_swiped(self, card_number: str) -> None:
        """A swipe checks the card in (the verdict first: it is what the desk waits for), clears the previous
        customer's card and verdict (not when the member on the card swipes again), then opens the card."""
        from app.queries.search import find_person_by_card

        self.checkin_banner.check_in_card(card_number)
        with self.services.core.sessions() as session:
            found = find_person_by_card(session, card_number)
        if found.person_id is None or found.person_id != self.person_card.person_id:
            self._clear_person()
        if self.checkin_banner.person_id not in (None, found.person_id):  # still the previous customer's verdict
            self.checkin_banner.clear()
        self._open_swiped_card(card_number, found.person_id)

    def check_in_open_person(self) -> None:
        """"Checka in" (F6): a member without their card, from the open person card."""
        if self.stack.currentWidget() is not self.person_card or self.person_card.person_id is None:
            self.statusBar().showMessage("Öppna kundens personkort först (sök med F2), och checka sedan in.", 8000)
            return
        self.checkin_banner.check_in_person(self.person_card.person_id)

    def show_day_overview(self) -> None:
        from widgets.day_overview import DayOverviewWindow

        if self.day_overview is None:
            self.day_overview = DayOverviewWindow(self.services)
        self.day_overview.refresh()
        self.day_overview.show()
        self.day_overview.raise_()

    def _open_swiped_card(self, card_number: str, person_id: int | None) -> None:
        if person_id is None:
            self.statusBar().showMessage(f"Okänt kort: {card_number}", 8000)
            self.unknown_card_box(self, f"Kortet {card_number} finns inte i registret.\n\n"
                                        "Sök fram kunden med personnummer eller namn i sökfältet (F2).")
            self.focus_search()
            return
        self.open_person(person_id, card_number)

    def show_till(self) -> None:
        from widgets.till.window import TillWindow

        if not can(self.services.actor, TILL):  # its queries would refuse: say why instead of an empty till
            self.statusBar().showMessage(missing_right_message(TILL), 8000)
            return
        if self.till_window is None:
            self.till_window = TillWindow(self.services)
        self.till_window.show()
        self.till_window.raise_()
        self.till_window.activateWindow()

    def open_order(self, order_id: int) -> None:
        if not can(self.services.actor, TILL):
            self.statusBar().showMessage(f"Ordern väntar i kassan tills någon med rättigheten ”{TILL}” tar betalt. "
                                         + missing_right_message(TILL), 8000)
            return
        self.show_till()
        self.till_window.show_order(order_id)

    def run_nightly_job(self) -> None:
        """Arkiv > Kör nattjobbet nu: on a worker thread (as the pre-order import), with a progress dialog
        over the window; the window keeps painting and its timers run. One run at a time."""
        from PySide6.QtWidgets import QProgressDialog

        from app.jobs.nightly import STEPS, run_nightly
        from widgets.preorders.common import TaskRunner

        if self.nightly_runner is None:
            self.nightly_runner = TaskRunner(self)
        if self.nightly_runner.busy:
            return
        progress = QProgressDialog("Nattjobbet körs…", "", 0, STEPS, self)
        progress.setObjectName("nightly_progress")
        progress.setWindowTitle("Kör nattjobbet")
        progress.setCancelButton(None)  # one transaction: it finishes or changes nothing
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.setValue(0)
        self.nightly_progress = progress
        self.nightly_action.setEnabled(False)

        def step(done: int, total: int) -> None:
            progress.setLabelText(f"Nattjobbet körs – steg {min(done + 1, total)} av {total}…")
            progress.setValue(done)

        def finished() -> None:
            progress.close()
            progress.deleteLater()
            self.nightly_progress = None
            self.nightly_action.setEnabled(True)

        def done(report) -> None:
            finished()
            if isinstance(report, Exception):  # not the receptionist's to fix: the crash dialog takes it
                raise report
            lines = report.lines() or ["Inget behövde göras."]
            self.info_box(self, "Nattjobbet är klart", "\n".join(lines))
            if self.stack.currentWidget() is self.person_card:
                self.person_card.reload()

        def failed(err: UserError) -> None:
            finished()
            self.warning_box(self, err.title, err.message)

        core, actor = self.services.core, self.services.actor

        def work(report):
            try:
                return run_nightly(core, actor, progress=report)
            except UserError:
                raise
            except Exception as err:  # handed to done(), which closes the progress first
                return err

        self.nightly_runner.run(work, done, failed, progress=step)

    def send_outbox(self) -> None:
        QThreadPool.globalInstance().start(_OutboxJob(self.services.core, self.outbox_signals))

    def _show_outbox_status(self, text: str) -> None:
        short = text if len(text) <= 110 else text[:107] + "…"
        self.outbox_status.setText(short)
        self.outbox_status.setToolTip(text)
        self.outbox_status.setVisible(bool(text))

    def edit_desk_settings(self) -> None:
        from widgets.desk_settings import DeskSettingsDialog

        desk = self.services.desk
        if desk is None:
            return
        if DeskSettingsDialog.ask(self, desk):
            if self.services.cards is not None:
                self.services.cards.configure(desk, QApplication.instance())
            self.services.core.till_enabled = desk.till_enabled
            self.idle_lock.set_minutes(desk.idle_lock_minutes)
            self.statusBar().showMessage("Inställningarna för den här datorn är sparade. "
                                         "Byte av databas gäller från nästa start.", 8000)

    def update_postal_codes(self) -> None:
        from widgets.address_editor import update_postal_codes_from_file

        update_postal_codes_from_file(self, self.services.postal, self.services.user_data_dir)

    def show_log_path(self) -> None:
        self.info_box(self, "Loggfil", f"Loggfilen finns här:\n{self.log_path or 'ingen loggfil'}")

    def close_for_new_user(self) -> None:
        """Another user logged in on the lock screen: the previous user's windows close unsaved, then this one."""
        self.idle_lock.screen.close_hidden_windows()
        self.close()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.menu_letters.stop()
        self.idle_lock.stop()
        if self.nightly_runner is not None:
            self.nightly_runner.wait()  # the job's one transaction finishes (or rolls back) before the window goes
        self.outbox_timer.stop()
        if self.offline_banner is not None:
            self.offline_banner.stop()
        if self.queued_work is not None:
            self.queued_work.stop()
        if self.services.cards is not None:
            self.services.cards.shutdown()
        if self.till_window is not None:
            self.till_window.close()
        if self.day_overview is not None:
            self.day_overview.close()
        super().closeEvent(event)
