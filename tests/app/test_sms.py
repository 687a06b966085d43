"""SMS through the outbox (issue 12 point 9): 46elks' API shape against a real local HTTP server the test
starts — one that takes the message, one that refuses it (4xx, its reason kept), one with a server
fault, one that is not there — nothing lost; the provider setting, the API password from the keyring
and the notice while no provider is set. On SQLite and PostgreSQL."""
from __future__ import annotations

import base64
import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from app.errors import ValidationError
from app.jobs.outbox import send_due, send_queued
from app.jobs.sms import (NO_PROVIDER, ElksTransport, SmsProviderDown, SmsRefused, send_test_sms, sms_from_settings,
                          sms_notice)
from app.settings import GLOBAL_PAGE, check_values, load_settings, page_keys, save_setting, stored_values
from db.models import OutboxMessage
from tests.widgets.test_admin_global_settings import keyring_store  # noqa: F401 - fixture


class Elks(BaseHTTPRequestHandler):
    """46elks' POST /a1/sms as documented: basic auth, form fields from/to/message, JSON back."""

    answer: tuple[int, str] = (200, "")
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server API
        length = int(self.headers.get("Content-Length", 0))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("utf-8")))
        auth = self.headers.get("Authorization", "")
        decoded = base64.b64decode(auth.removeprefix("Basic ")).decode() if auth else ":"
        user, _, password = decoded.partition(":")
        type(self).received.append({"path": self.path, "user": user, "password": password,
                                    "content_type": self.headers.get("Content-Type"), **form})
        code, text = type(self).answer
        if code == 200:
            text = json.dumps({"status": "created", "id": "s70df59406a1b4643b96f3f91e0bfb7b0",
                               "from": form.get("from"), "to": form.get("to"), "message": form.get("message"),
                               "parts": 1, "cost": 3500, "direction": "outgoing"})
        body = text.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json" if code == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def elks():
    """A local 46elks: set `elks.answer = (code, text)`; `elks.received` holds what was posted."""
    handler = type("ElksHandler", (Elks,), {"answer": (200, ""), "received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/a1/sms"
    yield handler
    server.shutdown()
    server.server_close()
    thread.join()


def free_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/a1/sms"


def queue_sms(core, recipient="070-123 45 67", body="Hej Anna! Din kundtyp behöver intygas igen."):
    with core.sessions() as s, s.begin():
        message = OutboxMessage(channel="sms", recipient=recipient, subject="", body=body, status="vantar",
                                attempts=0, created_at=core.clock.now(), next_attempt_at=core.clock.now())
        s.add(message)
    return message.id


def state(core, message_id):
    with core.sessions() as s:
        m = s.get(OutboxMessage, message_id)
        return m.status, m.attempts, m.last_error


def transport(url: str) -> ElksTransport:
    return ElksTransport("u1f2e3d4c5b6a7", "API-LÖSEN-123", "Friskis", url, timeout=5)


def configure(core, url: str, provider: str = "46elks") -> None:
    with core.sessions() as s, s.begin():
        save_setting(s, "sms_provider", provider)
        save_setting(s, "sms_api_url", url)
        save_setting(s, "sms_username", "u1f2e3d4c5b6a7")
        save_setting(s, "sms_sender", "Friskis")


def test_the_message_is_posted_in_46elks_shape_and_marked_sent_once(core, elks):
    mid = queue_sms(core)
    report = send_due(core, email=None, sms=transport(elks.url))
    assert (report.sent, report.retried) == (1, 0)
    assert state(core, mid) == ("skickad", 1, None)
    (posted,) = elks.received
    assert posted == {"path": "/a1/sms", "user": "u1f2e3d4c5b6a7", "password": "API-LÖSEN-123",
                      "content_type": "application/x-www-form-urlencoded", "from": "Friskis",
                      "to": "+46701234567", "message": "Hej Anna! Din kundtyp behöver intygas igen."}
    assert send_due(core, email=None, sms=transport(elks.url)).sent == 0  # nothing is sent twice
    assert len(elks.received) == 1


def test_a_provider_that_refuses_keeps_its_reason_and_the_message_is_sent_later(core, elks):
    mid = queue_sms(core)
    elks.answer = (400, "Invalid to number")
    assert send_due(core, email=None, sms=transport(elks.url)).retried == 1
    status, attempts, error = state(core, mid)
    assert (status, attempts) == ("vantar", 1)
    assert error == "SmsRefused: SMS-leverantören vägrade ta emot meddelandet (400 Invalid to number)."
    assert sms_notice(core, transport(elks.url)) == (
        "SMS väntar (1 meddelande) – senaste försöket misslyckades: SMS-leverantören vägrade ta emot "
        "meddelandet (400 Invalid to number).")
    elks.answer = (200, "")
    assert send_due(core, email=None, sms=transport(elks.url)).sent == 0  # back-off: not due yet
    core.clock.advance(minutes=2)
    assert send_due(core, email=None, sms=transport(elks.url)).sent == 1
    assert state(core, mid) == ("skickad", 2, None)
    assert sms_notice(core, transport(elks.url)) is None


def test_a_wrong_api_password_and_a_server_fault_are_told_apart(elks):
    elks.answer = (401, "Authorization required")
    with pytest.raises(SmsRefused, match=r"godtog inte API-användarnamnet eller lösenordet \(401 Authorization "
                                         r"required\)"):
        transport(elks.url).send("0701234567", "", "Hej", None)
    elks.answer = (402, "Insufficient credits")
    with pytest.raises(SmsRefused, match=r"vägrade ta emot meddelandet \(402 Insufficient credits\)"):
        transport(elks.url).send("0701234567", "", "Hej", None)
    elks.answer = (503, "")
    with pytest.raises(SmsProviderDown, match=r"svarade med ett serverfel \(503 Service Unavailable\)"):
        transport(elks.url).send("0701234567", "", "Hej", None)
    with pytest.raises(SmsRefused, match="är inget giltigt telefonnummer"):
        transport(elks.url).send("070", "", "Hej", None)


def test_a_provider_that_is_down_loses_nothing(core, elks):
    mid = queue_sms(core)
    down = free_url()
    assert send_due(core, email=None, sms=transport(down)).retried == 1
    status, attempts, error = state(core, mid)
    host = urllib.parse.urlsplit(down).netloc
    assert (status, attempts) == ("vantar", 1)
    assert error == f"SmsProviderDown: Kunde inte ansluta till SMS-leverantören {host}: ingen tjänst svarar där."
    core.clock.advance(minutes=2)
    assert send_due(core, email=None, sms=transport(elks.url)).sent == 1
    assert state(core, mid)[0] == "skickad" and len(elks.received) == 1


def test_with_no_provider_sms_wait_and_the_notice_says_so(core, elks, keyring_store):  # noqa: F811
    mid = queue_sms(core)
    assert sms_from_settings(core) is None
    report, notice = send_queued(core)
    assert notice == f"{NO_PROVIDER} (1 meddelande)."
    assert notice == "SMS väntar – ingen SMS-leverantör är inställd (1 meddelande)."
    assert state(core, mid) == ("vantar", 0, None) and elks.received == []

    configure(core, elks.url)
    assert sms_from_settings(core) is None  # this PC has no API password yet: it does not send
    assert send_queued(core)[1].startswith("SMS väntar – API-lösenordet för SMS-leverantören är inte sparat")
    from app.secrets import store_sms_password

    store_sms_password("u1f2e3d4c5b6a7", elks.url, "API-LÖSEN-123")
    assert keyring_store == {("reception-sms", f"u1f2e3d4c5b6a7@{urllib.parse.urlsplit(elks.url).netloc}"):
                             "API-LÖSEN-123"}
    report, notice = send_queued(core)
    assert report.sent == 1 and notice is None
    assert state(core, mid)[0] == "skickad" and elks.received[0]["password"] == "API-LÖSEN-123"
    with core.sessions() as s:
        assert all("LÖSEN" not in str(v) for v in stored_values(s).values())


def test_no_notice_without_waiting_sms(core):
    assert sms_notice(core, None) is None
    with core.sessions() as s, s.begin():
        s.add(OutboxMessage(channel="epost", recipient="a@b.se", subject="x", body="y", status="vantar", attempts=0,
                            created_at=core.clock.now(), next_attempt_at=core.clock.now()))
    assert sms_notice(core, None) is None


@pytest.mark.parametrize("key, value, message", [
    ("sms_api_url", "http://api.46elks.com/a1/sms", "Adressen måste börja med https://"),
    ("sms_api_url", "api.46elks.com", "Ange adressen till SMS-tjänsten"),
    ("sms_username", " ", "Ange API-användarnamnet"),
    ("sms_sender", "FriskisGamla", "Avsändaren ska vara 2–11 bokstäver"),
    ("sms_sender", "Göta", "Avsändaren ska vara 2–11 bokstäver"),
    ("sms_sender", "0701234567", "Avsändaren ska vara 2–11 bokstäver"),
])
def test_the_sms_settings_are_checked_when_a_provider_is_chosen(core, key, value, message):
    with core.sessions() as s:
        shown = stored_values(s)
        values = {**{k: shown[k] for k in page_keys(GLOBAL_PAGE)}, "sms_provider": "46elks", "sms_username": "u1",
                  "sms_sender": "Friskis"}
        check_values(s, values)  # the defaults with a user and sender pass
        assert check_values(s, {**values, "sms_sender": "+46701234567"}) is None
        with pytest.raises(ValidationError) as info:
            check_values(s, {**values, key: value})
    assert info.value.field == key and info.value.message.startswith(message)
    with core.sessions() as s:  # no provider: nothing to check
        check_values(s, {**values, "sms_provider": "ingen", key: value})
        assert load_settings(s).sms_provider == "ingen"


def test_the_test_sms_says_why_it_did_not_arrive(elks):
    assert send_test_sms(transport(elks.url), "+46701234567", "Friskis Gamlestaden") is None
    assert elks.received[0]["message"] == ("Testmeddelande från Friskis Gamlestaden: kommer det fram är "
                                           "SMS-inställningarna rätt.")
    elks.answer = (403, "Invalid from number")
    assert send_test_sms(transport(elks.url), "+46701234567", "X") == (
        "SMS-leverantören godtog inte API-användarnamnet eller lösenordet (403 Invalid from number).")


def test_outbox_rows_are_untouched_by_the_notice(core):
    mid = queue_sms(core)
    sms_notice(core, None)
    with core.sessions() as s:
        assert s.scalars(select(OutboxMessage.id)).all() == [mid]
