"""Inställningar > Inställningar… end to end (issue 12 point 2): the global switches, the club's name,
e-mail settings with the password in the keyring, and "Skicka testmeddelande" through the outbox's
sender against a real SMTP server (aiosmtpd) that accepts, refuses, or is not there."""
from __future__ import annotations

import socket
import sys
import types

import pytest
from aiosmtpd.controller import Controller
from PySide6.QtCore import Qt

from app.jobs.outbox import smtp_from_settings
from app.settings import load_settings
from tests.app.orgdata import build_orgs
from tests.widgets.test_admin_settings import (admin_services, audit_rows, open_entry, settings_rows, user_id,
                                               window_for)  # noqa: F401 - fixture
from widgets.admin_settings import GlobalSettingsDialog
from widgets.organisation_card import OrganisationCardWidget

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


@pytest.fixture
def keyring_store(monkeypatch) -> dict:
    store: dict = {}

    def delete(service, key):
        store.pop((service, key))

    module = types.SimpleNamespace(get_password=lambda service, key: store.get((service, key)),
                                   set_password=lambda service, key, value: store.__setitem__((service, key), value),
                                   delete_password=delete)
    monkeypatch.setitem(sys.modules, "keyring", module)
    return store


class Handler:
    def __init__(self, answer: str = "250 OK") -> None:
        self.answer = answer
        self.messages: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd API
        if self.answer.startswith("5"):
            return self.answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    started = []

    def start(answer: str = "250 OK") -> tuple[Handler, int]:
        handler, port = Handler(answer), free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        return handler, port
    yield start
    for controller in started:
        controller.stop()


def make_dialog(qtbot, sqlite_core, make_actor, tmp_path) -> GlobalSettingsDialog:
    dialog = GlobalSettingsDialog(admin_services(sqlite_core, make_actor, tmp_path))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def fill_mail(dialog, port: int, *, user: str = "", security: str = "ingen") -> None:
    dialog.editors["smtp_host"].set("127.0.0.1")
    dialog.editors["smtp_port"].set(port)
    dialog.editors["smtp_security"].set(security)
    dialog.editors["smtp_user"].set(user)
    dialog.editors["smtp_sender"].set("reception@friskis.se")


def send_test(qtbot, dialog, recipient: str = "ada@friskis.se") -> str:
    dialog.test_recipient.setText(recipient)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled() and dialog.test_result.property("ok") is not None,
                    timeout=10000)
    return dialog.test_result.text()


def test_pre_orders_switched_on_show_the_checkbox_on_the_organisation_card_and_the_title_follows(
        qtbot, window_for, sqlite_core, make_actor, tmp_path):  # noqa: F811
    orgs = build_orgs(sqlite_core)
    window = window_for("admin")
    assert window.windowTitle().startswith("Reception – Ada Admin")
    dialog = open_entry(qtbot, window, "Inställningar…")
    assert list(dialog.groups) == ["Allmänt", "Personuppslagning", "E-post", "SMS", "Autogiro (Bankgirot)"]
    dialog.editors["preorders_enabled"].set(True)
    dialog.editors["club_name"].set("Friskis Gamlestaden")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    with sqlite_core.sessions() as s:
        settings = load_settings(s)
    assert settings.preorders_enabled and settings.club_name == "Friskis Gamlestaden"
    assert window.windowTitle().startswith("Friskis Gamlestaden – Ada Admin")
    ((who, when, details),) = audit_rows(sqlite_core, "Ändra inställningar")
    assert who == user_id(sqlite_core, "admin") and when == sqlite_core.clock.now()
    assert '"preorders_enabled": {"från": false, "till": true}' in details

    card = OrganisationCardWidget(admin_services(sqlite_core, make_actor, tmp_path, "recep"))
    qtbot.addWidget(card)
    card.show()
    with qtbot.waitSignal(card.loaded, timeout=5000):
        card.show_organisation(orgs.volvo)
    assert not card.uses_preorders_check.isHidden()
    assert card.uses_preorders_check.text() == "Använd förbeställningar"


@pytest.mark.parametrize("key, value, message", [
    ("club_name", "  ", "Ange klubbens namn."),
    ("smtp_port", 0, "Värdet måste vara minst 1."),
    ("smtp_port", 70000, "Värdet får vara högst 65535."),
    ("smtp_sender", "reception(at)friskis", "Ange en giltig avsändaradress"),
])
def test_bad_values_are_refused_at_the_field_and_nothing_is_written(qtbot, sqlite_core, make_actor, tmp_path,
                                                                    key, value, message):
    before = settings_rows(sqlite_core)
    dialog = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    fill_mail(dialog, 2525)
    dialog.editors[key].set(value)
    dialog.save()
    assert dialog.isVisible() and dialog.errors[key].isVisible()
    assert dialog.errors[key].text().startswith(message)
    assert settings_rows(sqlite_core) == before and audit_rows(sqlite_core, "Ändra inställningar") == []


def test_an_http_lookup_needs_its_address(qtbot, sqlite_core, make_actor, tmp_path):
    dialog = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    dialog.editors["person_lookup_enabled"].set(True)
    dialog.editors["person_lookup_provider"].set("http")
    dialog.save()
    assert dialog.errors["person_lookup_url"].text() == "Ange adressen till tjänsten för personuppslagning."
    assert settings_rows(sqlite_core) == {}


def test_the_password_goes_to_the_keyring_never_the_database_and_the_desk_then_sends(
        qtbot, sqlite_core, make_actor, tmp_path, keyring_store, smtp_server):
    handler, port = smtp_server()
    dialog = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    fill_mail(dialog, port, user="reception")
    assert "Inget lösenord är sparat på den här datorn" in dialog.password_state.text()
    dialog.password_edit.setText("hemligt-123")
    dialog.save()
    assert not dialog.isVisible()
    assert keyring_store == {("reception-smtp", "reception@127.0.0.1"): "hemligt-123"}
    rows = settings_rows(sqlite_core)
    assert rows["smtp_user"] == '"reception"' and all("hemligt" not in v for v in rows.values())
    assert all("hemligt" not in d for _w, _t, d in audit_rows(sqlite_core, "Ändra inställningar"))
    transport = smtp_from_settings(sqlite_core)
    assert (transport.host, transport.port, transport.user, transport.password, transport.starttls) == (
        "127.0.0.1", port, "reception", "hemligt-123", False)
    again = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    assert "Ett lösenord är sparat i den här datorns nyckelring" in again.password_state.text()
    # A desk without the password in its keyring does not send: the mail waits for one that has it.
    keyring_store.clear()
    assert smtp_from_settings(sqlite_core) is None


def test_send_a_test_message_to_a_server_that_accepts_it(qtbot, sqlite_core, make_actor, tmp_path, smtp_server):
    handler, port = smtp_server()
    dialog = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    fill_mail(dialog, port)
    dialog.editors["club_name"].set("Friskis Gamlestaden")
    text = send_test(qtbot, dialog)
    assert text == "Testmeddelandet är skickat. Kontrollera att det har kommit fram."
    assert dialog.test_result.property("ok") is True
    ((sender, rcpt, content),) = handler.messages
    assert sender == "reception@friskis.se" and rcpt == ["ada@friskis.se"]
    assert "Friskis Gamlestaden" in content
    assert settings_rows(sqlite_core) == {}  # a test sends, it does not save


def test_send_a_test_message_to_a_server_that_refuses_it(qtbot, sqlite_core, make_actor, tmp_path, smtp_server):
    handler, port = smtp_server("550 5.1.1 Mailbox unavailable")
    dialog = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    fill_mail(dialog, port)
    text = send_test(qtbot, dialog, "okand@friskis.se")
    assert dialog.test_result.property("ok") is False
    assert text == ("Testmeddelandet kunde inte skickas: E-postservern vägrade ta emot meddelandet till "
                    "mottagaren (okand@friskis.se: 550 5.1.1 Mailbox unavailable).")
    assert handler.messages == []


def test_send_a_test_message_when_the_server_is_down(qtbot, sqlite_core, make_actor, tmp_path):
    port = free_port()  # nothing listens there
    dialog = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    fill_mail(dialog, port)
    text = send_test(qtbot, dialog)
    assert text == (f"Testmeddelandet kunde inte skickas: Kunde inte ansluta till e-postservern 127.0.0.1:{port}: "
                    "ingen server svarar på den porten.")


def test_starttls_to_a_server_without_it_says_what_to_check(qtbot, sqlite_core, make_actor, tmp_path, smtp_server):
    handler, port = smtp_server()
    dialog = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    fill_mail(dialog, port, security="starttls")
    text = send_test(qtbot, dialog)
    assert "stöder inte det som krävdes (STARTTLS eller inloggning)" in text


def test_a_test_message_needs_a_recipient_and_a_server(qtbot, sqlite_core, make_actor, tmp_path):
    dialog = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    dialog.test_recipient.setText("ada@friskis.se")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.errors["smtp_host"].text() == "Ange e-postservern först."
    fill_mail(dialog, 2525)
    dialog.test_recipient.setText("inte en adress")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.test_result.text() == "Ange en giltig e-postadress att skicka testmeddelandet till."


def test_simplified_routines_off_hides_the_kundrutiner_entry_as_the_seeds_say(qtbot, window_for):  # noqa: F811
    window = window_for("admin")
    assert window.admin_actions["Kundrutiner…"].isVisible()
    dialog = open_entry(qtbot, window, "Inställningar…")
    dialog.editors["simplified_routines"].set(False)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert not window.admin_actions["Kundrutiner…"].isVisible()
    dialog = open_entry(qtbot, window, "Inställningar…")
    dialog.editors["simplified_routines"].set(True)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert window.admin_actions["Kundrutiner…"].isVisible()


def test_a_keyring_that_fails_is_said_at_the_password_field(qtbot, sqlite_core, make_actor, tmp_path, monkeypatch):
    def broken(*_a):
        raise RuntimeError("no backend")

    monkeypatch.setitem(sys.modules, "keyring", types.SimpleNamespace(get_password=lambda *a: None,
                                                                      set_password=broken))
    dialog = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    fill_mail(dialog, 2525, user="reception")
    dialog.password_edit.setText("hemligt")
    dialog.save()
    assert dialog.isVisible()
    assert dialog.password_error.text().startswith("Lösenordet kunde inte sparas i datorns nyckelring")
