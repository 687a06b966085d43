"""The outbox worker against a real SMTP server (aiosmtpd), with retries, on both databases."""
import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.jobs.outbox import MAX_ATTEMPTS, SmtpTransport, send_due
from db.models import OutboxMessage


class Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp():
    handler = Collector()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, SmtpTransport("127.0.0.1", port, "reception@klubben.se", starttls=False)
    controller.stop()


def queue(core, channel="epost", recipient="anna@example.se", **extra):
    with core.sessions() as s, s.begin():
        message = OutboxMessage(channel=channel, recipient=recipient, subject="Bekräftelse på frysning",
                                body="Hej Anna! Ditt abonnemang är fryst.", status="vantar", attempts=0,
                                created_at=core.clock.now(), next_attempt_at=core.clock.now(), **extra)
        s.add(message)
    return message.id


def status(core, message_id):
    with core.sessions() as s:
        m = s.get(OutboxMessage, message_id)
        return m.status, m.attempts, m.last_error


def test_email_is_delivered_with_its_attachment(core, smtp):
    handler, transport = smtp
    mid = queue(core, attachment_name="frysning.pdf", attachment=b"%PDF-1.4 test")
    report = send_due(core, email=transport, sms=None)
    assert (report.sent, report.retried) == (1, 0)
    assert status(core, mid) == ("skickad", 1, None)
    (rcpt, content), = handler.messages
    assert rcpt == ["anna@example.se"]
    assert "Bekr=C3=A4ftelse" in content or "Bekräftelse" in content
    assert 'filename="frysning.pdf"' in content
    assert send_due(core, email=transport, sms=None).sent == 0  # nothing is sent twice


class Down:
    def send(self, *args):
        raise ConnectionRefusedError("servern svarar inte")


def test_a_failure_is_retried_later_and_nothing_is_lost(core, smtp):
    handler, transport = smtp
    mid = queue(core)
    assert send_due(core, email=Down(), sms=None).retried == 1
    state, attempts, error = status(core, mid)
    assert (state, attempts) == ("vantar", 1) and "svarar inte" in error
    assert send_due(core, email=transport, sms=None).sent == 0  # not due yet (back-off)
    core.clock.advance(minutes=2)
    assert send_due(core, email=transport, sms=None).sent == 1
    assert status(core, mid)[0] == "skickad" and len(handler.messages) == 1


def test_gives_up_after_the_maximum_attempts_and_keeps_the_reason(core):
    mid = queue(core)
    for _ in range(MAX_ATTEMPTS):
        send_due(core, email=Down(), sms=None)
        core.clock.advance(hours=2)
    assert status(core, mid)[:2] == ("misslyckad", MAX_ATTEMPTS)


def test_sms_waits_while_no_provider_is_configured(core, smtp):
    _, transport = smtp
    mid = queue(core, channel="sms", recipient="0701234567")
    report = send_due(core, email=transport, sms=None)
    assert (report.sent, report.waiting) == (0, 1)
    assert status(core, mid) == ("vantar", 0, None)
