"""Inställningar > E-post och SMS… (issue 12 point 7) end to end: the outbox list with the server's
reason and the attempts, Skicka om / Ta bort as audited routines with the right checked, and the
status bar saying when mail waits for a server or sending fails — against a real SMTP server
(aiosmtpd) that accepts, one that refuses, and one that is down."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.errors import NotAllowed, ValidationError
from app.queries.outbox import outbox_summary, status_text
from app.routines.outbox_admin import ChangeOutboxMessage, OutboxCommand
from app.settings import save_setting
from db.models import AuditEntry, OutboxMessage
from tests.widgets.test_admin_global_settings import free_port, smtp_server  # noqa: F401 - fixture
from tests.widgets.test_admin_settings import open_entry, window_for  # noqa: F401 - fixture
from widgets.main_window import _OutboxJob

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


def use_server(core, port: int) -> None:
    with core.sessions() as s, s.begin():
        save_setting(s, "smtp_host", "127.0.0.1")
        save_setting(s, "smtp_port", port)
        save_setting(s, "smtp_security", "ingen")
        save_setting(s, "smtp_sender", "reception@klubben.se")


def queue(core, recipient="anna@example.se", status="vantar", attempts=0, error=None, channel="epost") -> int:
    with core.sessions() as s, s.begin():
        message = OutboxMessage(channel=channel, recipient=recipient, subject="Bekräftelse på frysning",
                                body="Hej!", status=status, attempts=attempts, last_error=error,
                                created_at=core.clock.now(), next_attempt_at=core.clock.now(),
                                sent_at=core.clock.now() if status == "skickad" else None)
        s.add(message)
    return message.id


def state(core, message_id):
    with core.sessions() as s:
        m = s.get(OutboxMessage, message_id)
        return None if m is None else (m.status, m.attempts, m.last_error)


def audits(core):
    with core.sessions() as s:
        return [(a.action, a.entity_id) for a in s.scalars(select(AuditEntry).where(
            AuditEntry.action == ChangeOutboxMessage.name).order_by(AuditEntry.id))]


def run_outbox(window) -> None:
    """One outbox run as the window's timer starts it, on this thread so the test can look after it."""
    _OutboxJob(window.services.core, window.outbox_signals).run()


def table_texts(dialog):
    t = dialog.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


# -- the routine --------------------------------------------------------------------------------------------


def test_resend_puts_a_failed_message_back_in_the_queue_audited(core, admin):
    mid = queue(core, status="misslyckad", attempts=8, error="SMTPRecipientsRefused: 550 okänd mottagare")
    ChangeOutboxMessage(core).execute(OutboxCommand("skicka_om", mid), admin)
    assert state(core, mid) == ("vantar", 0, "SMTPRecipientsRefused: 550 okänd mottagare")
    assert audits(core) == [(ChangeOutboxMessage.name, mid)]


def test_remove_deletes_an_unsent_message_and_a_sent_one_stays(core, admin):
    waiting, sent = queue(core), queue(core, status="skickad", attempts=1)
    ChangeOutboxMessage(core).execute(OutboxCommand("ta_bort", waiting), admin)
    assert state(core, waiting) is None
    with pytest.raises(ValidationError, match="redan skickat"):
        ChangeOutboxMessage(core).execute(OutboxCommand("ta_bort", sent), admin)
    with pytest.raises(ValidationError, match="redan skickat"):
        ChangeOutboxMessage(core).execute(OutboxCommand("skicka_om", sent), admin)
    assert state(core, sent) == ("skickad", 1, None)
    assert audits(core) == [(ChangeOutboxMessage.name, waiting)]


def test_without_the_right_the_routine_refuses_and_writes_nothing(core, receptionist):
    mid = queue(core, status="misslyckad", attempts=8, error="x")
    for action in ("skicka_om", "ta_bort"):
        with pytest.raises(NotAllowed, match="Systeminställningar"):
            ChangeOutboxMessage(core).execute(OutboxCommand(action, mid), receptionist)
    assert state(core, mid) == ("misslyckad", 8, "x") and audits(core) == []


def test_the_status_line_says_what_waits_and_why(core):
    with core.sessions() as s:
        assert status_text(outbox_summary(s), email_configured=False) == ""
    queue(core), queue(core, channel="sms", recipient="+46701234567")
    queue(core, status="misslyckad", attempts=8, error="550 nej")
    with core.sessions() as s:
        summary = outbox_summary(s)
    assert status_text(summary, email_configured=False) == (
        "1 e-post väntar – ingen e-postserver är inställd (Inställningar > Inställningar…) · "
        "1 meddelande kunde inte skickas (Inställningar > E-post och SMS…)")
    assert status_text(summary, email_configured=True) == (
        "1 meddelande kunde inte skickas (Inställningar > E-post och SMS…)")


# -- the dialog and the status bar, through the real main window --------------------------------------------


def test_no_server_set_the_status_bar_and_the_view_say_mail_waits(qtbot, window_for):
    window = window_for("recep")
    core = window.services.core
    mid = queue(core)
    run_outbox(window)
    qtbot.waitUntil(lambda: "ingen e-postserver är inställd" in window.outbox_status.text())
    assert window.outbox_status.text().startswith("1 e-post väntar")
    dialog = open_entry(qtbot, window, "E-post och SMS…")
    assert "Ingen e-postserver är inställd" in dialog.findChild(type(dialog.state), "transport_state").text()
    assert [row[1] for row in table_texts(dialog)] == ["anna@example.se"]
    # a receptionist sees the list but has no Skicka om / Ta bort
    assert not dialog.resend_button.isVisible() and not dialog.remove_button.isVisible()
    assert state(core, mid) == ("vantar", 0, None)


def test_a_refusing_server_then_a_down_one_then_resend_through_the_dialog_delivers(qtbot, window_for,
                                                                                  smtp_server):
    window = window_for("admin")
    core = window.services.core
    _, refusing = smtp_server("550 5.1.1 Mottagaren finns inte")
    use_server(core, refusing)
    mid = queue(core)
    run_outbox(window)
    status, attempts, error = state(core, mid)
    assert (status, attempts) == ("vantar", 1) and "550" in error  # kept, to be tried again
    qtbot.waitUntil(lambda: "Utskicket misslyckas" in window.outbox_status.text())
    assert "550" in window.outbox_status.toolTip()

    use_server(core, free_port())  # nothing listens there: the server is down
    core.clock.advance(minutes=5)
    run_outbox(window)
    status, attempts, error = state(core, mid)
    assert (status, attempts) == ("vantar", 2) and "ConnectionRefused" in error

    dialog = open_entry(qtbot, window, "E-post och SMS…")
    rows = table_texts(dialog)
    assert len(rows) == 1 and rows[0][3:5] == ["Väntar", "2"] and "ConnectionRefused" in rows[0][7]
    assert "efter 2 försök" in dialog.detail.text()
    assert dialog.resend_button.isEnabled()

    handler, working = smtp_server()
    use_server(core, working)
    qtbot.mouseClick(dialog.resend_button, Qt.MouseButton.LeftButton)  # send now, not at the back-off time
    assert state(core, mid)[:2] == ("vantar", 0)
    assert audits(core) == [(ChangeOutboxMessage.name, mid)]
    run_outbox(window)
    assert state(core, mid) == ("skickad", 1, None) and [m[1] for m in handler.messages] == [["anna@example.se"]]
    qtbot.waitUntil(lambda: window.outbox_status.text() == "")
    dialog.filter.setCurrentIndex(dialog.filter.findData("skickad"))
    assert [r[3] for r in table_texts(dialog)] == ["Skickad"]
    assert not dialog.resend_button.isEnabled() and not dialog.remove_button.isEnabled()


def test_remove_through_the_dialog_and_a_message_gone_meanwhile_is_said(qtbot, window_for):
    window = window_for("admin")
    core = window.services.core
    first = queue(core, recipient="a@example.se", status="misslyckad", attempts=8, error="550 nej")
    second = queue(core, recipient="b@example.se")
    dialog = open_entry(qtbot, window, "E-post och SMS…")
    dialog.filter.setCurrentIndex(dialog.filter.findData(None))
    assert {r[1] for r in table_texts(dialog)} == {"a@example.se", "b@example.se"}
    assert dialog.filter.currentText() == "Alla (2)"
    row = [r[1] for r in table_texts(dialog)].index("a@example.se")
    dialog.table.selectRow(row)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert state(core, first) is None and [r[1] for r in table_texts(dialog)] == ["b@example.se"]
    # another desk removes the second one while this list shows it
    with core.sessions() as s, s.begin():
        s.delete(s.get(OutboxMessage, second))
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.resend_button, Qt.MouseButton.LeftButton)
    assert "finns inte längre" in dialog.error.text() and dialog.error.isVisible()
    assert table_texts(dialog) == [] and audits(core) == [(ChangeOutboxMessage.name, first)]
