"""Check-in through the real main window (issue 13): a swipe of each kind of card shows the verdict and
its reason above the person card and writes one visit; the double swipe counts once; "Släpp in ändå"
needs a reason, is audited and shows; "Checka in" (F6) from the open card; opening a card by search
records nothing; the sound (QApplication.beep) once for Välkommen, twice for Nekad, off by setting."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialogButtonBox, QLabel
from sqlalchemy import func, select

from db.models import AuditEntry, Freeze, Invoice, Person, Visit
from devices.hub import CardReaderHub
from tests.app import builders as b
from widgets.desk_settings import DeskSettings
from widgets.main_window import MainWindow
from widgets.services import Bus, UiServices

CARDS = {"ok": "1001", "blocked": "1002", "none": "1003", "frozen": "1004", "debt": "1005", "expired": "1006",
         "later": "1007"}


@pytest.fixture
def people(sqlite_core):
    core = sqlite_core
    cat = b.build_catalog(core)
    ids = {}
    for n, (kind, card) in enumerate(CARDS.items()):
        pid = b.add_person(core, b.person_data(b.pnr("19800101", f"{100 + n}"), kind.capitalize(), "Test",
                                               f"{kind}@example.se"))
        ids[kind] = pid
        b.add_card(core, pid, card, status="sparrat" if kind == "blocked" else "aktivt")
        if kind == "later":
            b.add_subscription(core, pid, cat.gym_ag, start=date(2026, 12, 1), charged_through=None, status="kommande")
        elif kind != "none":
            sub = b.add_subscription(core, pid, cat.gym_ag, start=date(2026, 1, 1), charged_through=date(2026, 11, 30))
            if kind == "frozen":
                with core.sessions() as s, s.begin():
                    s.add(Freeze(subscription_id=sub, start_date=date(2026, 11, 1), end_date=date(2026, 12, 31),
                                 status="pagaende", created_at=b.NOW))
    with core.sessions() as s, s.begin():
        s.add(Invoice(invoice_number=1, person_id=ids["debt"], kind="faktura", issued_on=date(2026, 10, 1),
                      due_on=date(2026, 10, 31), amount_ore=25000, status="obetald"))
        person = s.get(Person, ids["expired"])
        person.customer_type, person.price_guarantee_until = "student", date(2026, 11, 1)
    return ids


@pytest.fixture
def window(qtbot, qapp, sqlite_core, make_actor, tmp_path, monkeypatch, people):
    desk = DeskSettings(QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat))
    services = UiServices(core=sqlite_core, actor=make_actor(sqlite_core, "recep"), bus=Bus(),
                          user_data_dir=tmp_path, desk=desk)
    services.cards = CardReaderHub()
    w = MainWindow(services)
    w.unknown = []
    w.beeps = []
    monkeypatch.setattr(w, "unknown_card_box", lambda parent, text: w.unknown.append(text))
    w.checkin_banner.beep = lambda: w.beeps.append(1)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    services.cards.shutdown()


def visits(core) -> list[Visit]:
    with core.sessions() as s:
        return list(s.scalars(select(Visit).order_by(Visit.id)))


def banner_text(window) -> tuple[str, str]:
    banner = window.checkin_banner
    return (banner.findChild(QLabel, "checkin_headline").text(), banner.findChild(QLabel, "checkin_reason").text())


def swipe(window, card: str) -> None:
    window.services.cards.card_read.emit(card)


@pytest.mark.parametrize("kind, headline, reason", [
    ("ok", "Välkommen", ""),
    ("blocked", "Nekad", "Kortet som drogs är spärrat"),
    ("none", "Nekad", "Kunden har inget abonnemang"),
    ("frozen", "Nekad", "Fryst t.o.m. 2026-12-31"),
    ("debt", "Nekad", "Skuld 250,00 kr"),
    ("expired", "Nekad", "Kundtypen Student gällde t.o.m. 2026-11-01"),
    ("later", "Nekad", "Abonnemanget börjar 2026-12-01"),
])
def test_a_swipe_shows_the_verdict_above_the_card_and_writes_one_visit(window, sqlite_core, people, kind,
                                                                       headline, reason):
    swipe(window, CARDS[kind])
    banner = window.checkin_banner
    assert banner.isVisible() and banner_text(window) == (headline, reason)
    assert banner.let_in_button.isVisible() == (headline == "Nekad")
    assert window.stack.currentWidget() is window.person_card and window.person_card.person_id == people[kind]
    assert banner.geometry().bottom() < window.person_card.mapTo(banner.parentWidget(),
                                                                 window.person_card.rect().topLeft()).y()
    [visit] = visits(sqlite_core)
    assert (visit.person_id, visit.card_number, visit.verdict) == (
        people[kind], CARDS[kind], "valkommen" if headline == "Välkommen" else "nekad")


def test_an_unknown_card_is_refused_and_recorded(window, sqlite_core):
    swipe(window, "424242")
    assert banner_text(window) == ("Nekad", "Kortet finns inte i registret")
    assert not window.checkin_banner.let_in_button.isVisible()
    assert window.unknown and "424242" in window.unknown[0]
    [visit] = visits(sqlite_core)
    assert (visit.person_id, visit.card_number, visit.reason) == (None, "424242", "okant_kort")


def test_the_double_swipe_counts_once(window, sqlite_core, clock):
    swipe(window, CARDS["ok"])
    clock.advance(minutes=2)
    swipe(window, CARDS["ok"])
    [visit] = visits(sqlite_core)
    assert visit.swipes == 2
    detail = window.checkin_banner.findChild(QLabel, "checkin_detail")
    assert detail.isVisible() and "Samma besök som kl. 09:00" in detail.text()
    clock.advance(minutes=10)
    swipe(window, CARDS["ok"])
    assert len(visits(sqlite_core)) == 2


def test_let_in_anyway_needs_a_reason_and_is_audited(window, sqlite_core, qtbot):
    swipe(window, CARDS["debt"])
    attempts = []

    def drive(dialog):
        dialog.show()
        qtbot.addWidget(dialog)
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.click()                                   # no reason: refused at the field, nothing written
        attempts.append((dialog.error.isVisible(), dialog.error.text(), dialog.result(), visits(sqlite_core)[0].verdict))
        dialog.reason.setText("Betalade skulden i kassan")
        ok.click()
        return dialog.result() == dialog.DialogCode.Accepted

    window.checkin_banner.ask_let_in = drive
    window.checkin_banner.let_in_button.click()
    assert attempts == [(True, "Skriv varför kunden släpps in.", 0, "nekad")]
    assert banner_text(window)[0] == "Insläppt"
    assert not window.checkin_banner.let_in_button.isVisible()
    [visit] = visits(sqlite_core)
    assert (visit.verdict, visit.let_in_reason) == ("inslappt", "Betalade skulden i kassan")
    with sqlite_core.sessions() as s:
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "slapp_in_anda"))
    assert audit is not None and "Betalade skulden i kassan" in audit.details


def test_opening_a_card_by_search_records_nothing_and_checka_in_does(window, sqlite_core, people):
    window.bus.open_person.emit(people["ok"])
    assert window.stack.currentWidget() is window.person_card
    assert visits(sqlite_core) == [] and not window.checkin_banner.isVisible()
    assert window.checkin_action.shortcut().toString() == "F6"
    window.checkin_action.trigger()
    assert banner_text(window)[0] == "Välkommen"
    [visit] = visits(sqlite_core)
    assert (visit.person_id, visit.method, visit.card_number) == (people["ok"], "manuell", None)


def test_checka_in_without_an_open_card_says_what_to_do(window, sqlite_core):
    window.checkin_action.trigger()
    assert "Öppna kundens personkort först" in window.statusBar().currentMessage()
    assert visits(sqlite_core) == []


def test_opening_somebody_else_clears_the_verdict(window, people):
    swipe(window, CARDS["debt"])
    assert window.checkin_banner.isVisible()
    window.bus.open_person.emit(people["ok"])
    assert not window.checkin_banner.isVisible()


def test_one_beep_for_welcome_two_for_refused_none_when_off(window, sqlite_core, qtbot):
    swipe(window, CARDS["ok"])
    assert window.beeps == [1]
    swipe(window, CARDS["none"])
    qtbot.waitUntil(lambda: len(window.beeps) == 3, timeout=2000)
    b.settings(sqlite_core, checkin_sounds=False)
    swipe(window, CARDS["frozen"])
    qtbot.wait(400)
    assert len(window.beeps) == 3
    with sqlite_core.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Visit)) == 3


def test_the_besok_tab_lists_the_visits_with_who_let_in(window, sqlite_core, people, clock, qtbot):
    from PySide6.QtWidgets import QTableWidget

    card = window.person_card
    swipe(window, CARDS["debt"])
    window.checkin_banner.ask_let_in = lambda dialog: (dialog.reason.setText("Betalar i kassan"), dialog.save(),
                                                       dialog.result() == dialog.DialogCode.Accepted)[-1]
    window.checkin_banner.let_in_button.click()
    clock.advance(hours=2)
    card.tabs.setCurrentWidget(card.visits_tab)           # shown: read now
    table = card.visits_tab.findChild(QTableWidget, "visits")
    assert table.rowCount() == 1
    assert [table.item(0, c).text() for c in range(table.columnCount())] == [
        "2026-11-22", "09:00", "Kassa 1", "Kort", "Insläppt ändå", "Skuld 250,00 kr", "Rut Reception",
        "Betalar i kassan", "1"]
    swipe(window, CARDS["debt"])                          # a new visit while the tab is shown: read again
    assert table.rowCount() == 2 and table.item(0, 1).text() == "11:00" and table.item(0, 4).text() == "Nekad"


def test_the_besok_tab_is_not_read_until_it_is_shown(window, sqlite_core, people, monkeypatch):
    import widgets.person_tabs.visits as tab_module

    calls = []
    real = tab_module.person_visits
    monkeypatch.setattr(tab_module, "person_visits", lambda s, pid: calls.append(pid) or real(s, pid))
    swipe(window, CARDS["ok"])
    assert calls == []
    card = window.person_card
    card.tabs.setCurrentWidget(card.visits_tab)
    assert calls == [people["ok"]]


def test_the_day_overview_figures_match_the_visits_in_the_database(window, sqlite_core, people, clock, qtbot):
    from datetime import datetime, timedelta

    from PySide6.QtWidgets import QTableWidget

    from app.clock import STOCKHOLM

    for card in ("ok", "ok", "none", "frozen"):            # 09:00: ok twice (one visit), two refused
        swipe(window, CARDS[card])
    clock.advance(hours=8)                                   # 17:00: ok again, debt let in
    swipe(window, CARDS["ok"])
    swipe(window, CARDS["debt"])
    window.checkin_banner.ask_let_in = lambda dialog: (dialog.reason.setText("Betalat"), dialog.save(),
                                                       dialog.result() == dialog.DialogCode.Accepted)[-1]
    window.checkin_banner.let_in_button.click()
    with sqlite_core.sessions() as s, s.begin():             # the same Sunday in earlier weeks, 17:00
        for week in (1, 2, 3, 4):
            day = date(2026, 11, 22) - timedelta(days=7 * week)
            s.add(Visit(person_id=people["ok"], card_number=CARDS["ok"],
                        at=datetime(day.year, day.month, day.day, 17, tzinfo=STOCKHOLM), local_date=day,
                        local_hour=17, desk="Kassa 2", method="kort", verdict="valkommen", swipes=1))
    window.day_overview_action.trigger()
    overview = window.day_overview
    qtbot.addWidget(overview)
    qtbot.waitUntil(lambda: overview.data is not None)
    with sqlite_core.sessions() as s:
        def count(*where):
            return s.scalar(select(func.count()).select_from(Visit).where(*where))
        today = Visit.local_date == date(2026, 11, 22)
        got_in = count(today, Visit.verdict.in_(("valkommen", "inslappt")))
        refused = count(today, Visit.verdict == "nekad")
        at_17 = count(today, Visit.local_hour == 17, Visit.verdict != "nekad")
        before_17 = count(Visit.local_date < date(2026, 11, 22), Visit.local_hour == 17)
    assert (got_in, refused, at_17, before_17) == (3, 2, 2, 4)
    assert overview.findChild(QLabel, "checked_in_today").text() == f"Incheckade idag: {got_in}"
    assert overview.findChild(QLabel, "refused_today").text() == f"Nekade: {refused}"
    assert overview.findChild(QLabel, "day_title").text() == "Dagsöversikt – söndag 22 november 2026"
    assert overview.chart.today[9] == 1 and overview.chart.today[17] == at_17
    assert overview.chart.average[17] == before_17 / 8
    table = overview.findChild(QTableWidget, "refused_visits")
    shown = [[table.item(r, c).text() for c in (0, 1, 3, 4)] for r in range(table.rowCount())]
    assert shown == [["17:00", "Debt Test", "Skuld 250,00 kr", "Ja – Betalat"],
                     ["09:00", "Frozen Test", "Fryst t.o.m. 2026-12-31", "Nej"],
                     ["09:00", "None Test", "Kunden har inget abonnemang", "Nej"]]
    overview.show()
    with qtbot.waitSignal(overview.chart.painted, timeout=2000):
        overview.chart.repaint()
    swipe(window, CARDS["expired"])                          # F5 / Uppdatera reads again
    overview.refresh_button.click()
    qtbot.waitUntil(lambda: overview.data.refused == 3)
