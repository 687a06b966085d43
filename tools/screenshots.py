"""Take the README/docs screenshots from the running application (reception --demo).

Run under a virtual screen:  xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python tools/screenshots.py
It starts the real application start-up path (reception.launcher.main(["--demo"])) on a fresh demo database
in a temporary data directory, logs in as the demo receptionist, drives the main window the way a
receptionist would and saves PNGs into docs/screenshots/.

``--laptop NAME [--dark]`` instead takes the main window with a person card, the registration wizard and the
till as a laptop shows them (issue 14 §5: every window fits and reads), as huvudfonster-NAME.png,
registrering-NAME.png and kassa-NAME.png:

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python tools/screenshots.py --laptop 1280x800
    QT_SCALE_FACTOR=1.5 xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python tools/screenshots.py \
        --laptop 150-procent          # 1280×800 at 150 %: 853×533 logical pixels
    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python tools/screenshots.py --laptop morkt-tema --dark
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
os.environ.setdefault("RECEPTION_DATA_DIR", tempfile.mkdtemp(prefix="reception-shots-"))
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import widgets.login as login_module  # noqa: E402
from app.auth import login  # noqa: E402
from reception.launcher import main  # noqa: E402
from widgets.app import application  # noqa: E402

login_module.LoginDialog.ask = classmethod(lambda cls, core, **kw: login(core, "reception", "demo"))


def later(ms, fn):
    QTimer.singleShot(ms, fn)


def main_window():
    wins = [w for w in QApplication.instance().topLevelWidgets()
            if w.__class__.__name__ == "MainWindow" and w.isVisible()]
    return wins[0] if wins else None


def most_deviations(win) -> int:
    from sqlalchemy import select

    from app.queries.deviations import load_deviations
    from db.models import Person

    core = win.services.core
    with core.sessions() as session:
        ids = session.scalars(select(Person.id)).all()
        scored = []
        for pid in ids:
            dev = load_deviations(session, pid, core.clock.today())
            kinds = {d.code for d in dev.all()}
            scored.append((len(kinds), len(dev.subscriptions), pid))
    return max(scored)[2]


# `tools/screenshots.py NAME.png …` saves only the named screenshots (the run itself is the same).
ONLY = {a for a in sys.argv[1:] if a.endswith(".png")}
sys.argv = [a for a in sys.argv if not a.endswith(".png")]


def save(widget, name):
    if ONLY and name not in ONLY:
        return
    widget.grab().save(str(OUT / name))
    print("saved", name, file=sys.stderr)


def step_start():
    win = main_window()
    if win is None:
        later(300, step_start)
        return
    save(win, "huvudfonster-start.png")
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    win.focus_search()
    QTest.keyClicks(win.search_panel.search_edit, "an", Qt.KeyboardModifier.NoModifier, 90)
    QTest.keyClick(win.search_panel.search_edit, Qt.Key.Key_Return)
    later(900, lambda: step_results(win))


def step_results(win):
    save(win, "sokresultat.png")
    win.open_person(most_deviations(win))
    later(1200, lambda: step_card(win))


def step_card(win):
    save(win, "huvudfonster.png")
    tabs = win.person_card.findChild(type(win.search_tabs))
    for i in range(tabs.count()):
        if tabs.tabText(i).replace("&", "") == "Abonnemang":
            tabs.setCurrentIndex(i)
    later(500, lambda: step_subscriptions(win))


def step_subscriptions(win):
    save(win, "personkort-abonnemang.png")
    step_overview(win)


def _overview_person(win):
    """A member with a card, a running main subscription with an add-on, and a freeze if the demo has one."""
    from sqlalchemy import select

    from db.models import Card, Freeze, Person, Subscription

    with win.services.core.sessions() as session:
        with_addon = select(Subscription.parent_id).where(Subscription.parent_id.is_not(None),
                                                          Subscription.status != "avslutat")
        query = (select(Person.id, Card.card_number).join(Card, Card.person_id == Person.id)
                 .join(Subscription, Subscription.user_id == Person.id)
                 .where(Card.status == "aktivt", Subscription.parent_id.is_(None),
                        Subscription.status.in_(("aktivt", "fryst", "framtida_frysning")),
                        Subscription.id.in_(with_addon), Person.internal_message.is_(None) | (Person.internal_message == ""))
                 .order_by(Subscription.id.in_(select(Freeze.subscription_id).where(
                     Freeze.status.in_(("framtida", "pagaende")))).desc(), Person.id))
        return session.execute(query.limit(1)).first()


def step_overview(win):
    """Personkortet at a glance (issue 14 §1): a swipe at 1280×800 opens the card on Översikt."""
    win.resize(1280, 800)
    found = _overview_person(win)
    win.on_card_swiped(found.card_number)
    later(1500, lambda: (save(win, "personkort-oversikt.png"), step_internal_message(win)))


def step_internal_message(win):
    from sqlalchemy import select

    from db.models import Person

    with win.services.core.sessions() as session:
        person_id = session.scalar(select(Person.id).where(Person.internal_message.is_not(None),
                                                           Person.internal_message != "").order_by(Person.id))
    win.focus_search()
    win.open_person(person_id)
    later(1200, lambda: (save(win, "personkort-internt-meddelande.png"), win.resize(1366, 860), step_org_search(win)))


def step_org_search(win):
    win.focus_organisation_search()
    win.organisation_search.search_edit.setText("vo")
    later(1200, lambda: step_org(win))


def step_org(win):
    from sqlalchemy import select

    from db.models import Organisation

    with win.services.core.sessions() as session:
        org = session.scalar(select(Organisation.id).where(Organisation.uses_preorders).limit(1))
    win.open_organisation(org)
    later(1000, lambda: (save(win, "organisationskort-huvudfonster.png"), step_till(win)))


def step_till(win):
    win.show_till()
    later(1200, lambda: (save(win.till_window, "kassa-huvudfonster.png"), step_till_pay(win)))


def step_till_pay(win):
    """F6 Kort: the question with the amount, Enter, then the paid order's receipt state."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from widgets.till.confirm import PaymentConfirmDialog

    till = win.till_window

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PaymentConfirmDialog):
            later(100, answer)
            return
        save(dialog, "kassa-bekrafta-kort.png")
        QTest.keyClick(dialog.ok_button, Qt.Key.Key_Return)

    later(300, answer)
    later(0, lambda: till.pay("kort"))
    later(2500, lambda: (save(till, "kassa-efter-betalning.png"), till.close(), step_desk_settings(win)))


def step_desk_settings(win):
    """Inställningar för den här datorn, with the receipt printer and "Skriv ut kvitton direkt"."""
    from widgets.desk_settings import DeskSettingsDialog

    dialog = DeskSettingsDialog(win.services.desk, win, list_ports=lambda: [],
                                list_printers=lambda: ["Kontorsskrivare", "Kvittoskrivare TM-T20"])
    dialog.receipt_printer_combo.setCurrentText("Kvittoskrivare TM-T20")
    dialog.print_direct_check.setChecked(True)
    dialog.show()
    later(600, lambda: (save(dialog, "installningar-den-har-datorn.png"), dialog.reject(), step_lookup(win)))


def step_lookup(win):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from sqlalchemy import select

    from db.models import PersonRegisterEntry

    with win.services.core.sessions() as session:
        pnr = session.scalar(select(PersonRegisterEntry.personnummer)
                             .where(PersonRegisterEntry.protected_identity.is_(False)).limit(1))
    win.activateWindow()
    win.focus_search()
    win.search_panel.search_edit.clear()
    QTest.keyClicks(win.search_panel.search_edit, pnr, Qt.KeyboardModifier.NoModifier, 90)  # human speed
    QTest.keyClick(win.search_panel.search_edit, Qt.Key.Key_Return)
    later(1500, lambda: (save(win, "personuppslagning.png"), step_register(win)))


def step_register(win):
    win.lookup_tab.register_button.click()
    later(1000, lambda: step_register_shot(win))


def step_register_shot(win):
    wizards = [w for w in QApplication.instance().topLevelWidgets()
               if w.isVisible() and w.__class__.__name__.endswith("Wizard")]
    if wizards:
        save(wizards[0], "registrering-fran-personuppslagning.png")
        wizards[0].reject() if hasattr(wizards[0], "confirm_cancel") is False else wizards[0].done(0)
    finish(win)


def finish(win):
    win.close()
    QApplication.instance().quit()


def dark_palette():
    """A dark theme as Windows gives it to Qt (dark window and fields, light text)."""
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette(QColor("#3c3c3c"), QColor("#202020"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#191919"))
    return palette


def laptop_start(name):
    win = main_window()
    if win is None:
        later(300, lambda: laptop_start(name))
        return
    win.person_card.internal_message_box = staticmethod(lambda *a, **k: None)
    win.open_person(most_deviations(win))
    later(1500, lambda: laptop_card(win, name))


def laptop_card(win, name):
    screen = win.screen().availableGeometry()
    print(f"screen {screen.width()}×{screen.height()}, window {win.width()}×{win.height()}", file=sys.stderr)
    save(win, f"huvudfonster-{name}.png")
    win.services.extra["start_registration"](None)
    later(1200, lambda: laptop_wizard(win, name))


def laptop_wizard(win, name):
    wizards = [w for w in QApplication.instance().topLevelWidgets()
               if w.isVisible() and w.__class__.__name__.endswith("Wizard")]
    if wizards:
        print(f"wizard {wizards[0].width()}×{wizards[0].height()}", file=sys.stderr)
        save(wizards[0], f"registrering-{name}.png")
        wizards[0].done(0)
    win.show_till()
    later(1500, lambda: laptop_till(win, name))


def laptop_till(win, name):
    till = win.till_window
    print(f"till {till.width()}×{till.height()}", file=sys.stderr)
    save(till, f"kassa-{name}.png")
    till.close()
    finish(win)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    app = application()
    args = sys.argv[1:]
    if "--laptop" in args:
        shot_name = args[args.index("--laptop") + 1]
        if "--dark" in args:
            app.setPalette(dark_palette())
        later(500, lambda: laptop_start(shot_name))
    else:
        later(500, step_start)
    sys.exit(main(["--demo"]))
