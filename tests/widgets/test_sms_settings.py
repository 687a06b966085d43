"""Inställningar > Inställningar…, group SMS, end to end (issue 12 point 9): the provider setting next to
e-mail, the API password in the keyring, "Skicka test-SMS" against a real local HTTP server that takes,
refuses or is not there, bad values at the field, and the status bar while SMS wait without a provider
— then the window's own outbox run sending them once a provider is set."""
from __future__ import annotations

import urllib.parse

import pytest
from PySide6.QtCore import QThreadPool, Qt

from app.jobs.sms import sms_from_settings
from app.settings import load_settings
from tests.app.test_sms import elks, free_url, queue_sms, state  # noqa: F401 - fixture
from tests.widgets.test_admin_global_settings import keyring_store, make_dialog  # noqa: F401 - fixture
from tests.widgets.test_admin_settings import audit_rows, open_entry, settings_rows, user_id, window_for  # noqa: F401

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")

USER = "u1f2e3d4c5b6a7"


def fill_sms(dialog, url: str, *, sender: str = "Friskis", password: str = "API-LÖSEN-123") -> None:
    dialog.editors["sms_provider"].set("46elks")
    dialog.editors["sms_api_url"].set(url)
    dialog.editors["sms_username"].set(USER)
    dialog.editors["sms_sender"].set(sender)
    dialog.sms_password_edit.setText(password)


def send_test_sms(qtbot, dialog, number: str = "070-123 45 67") -> str:
    dialog.sms_test_recipient.setText(number)
    qtbot.mouseClick(dialog.sms_test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.sms_test_button.isEnabled() and dialog.sms_test_result.property("ok") is not None,
                    timeout=10000)
    return dialog.sms_test_result.text()


def test_the_sms_group_sits_next_to_e_mail_and_saving_keeps_the_password_in_the_keyring(
        qtbot, window_for, sqlite_core, elks, keyring_store):  # noqa: F811
    window = window_for("admin")
    dialog = open_entry(qtbot, window, "Inställningar…")
    groups = list(dialog.groups)
    assert groups[groups.index("E-post") + 1] == "SMS"
    assert dialog.editors["sms_provider"].get() == "ingen"
    assert dialog.editors["sms_api_url"].get() == "https://api.46elks.com/a1/sms"
    fill_sms(dialog, elks.url)
    assert "Inget API-lösenord är sparat på den här datorn" in dialog.sms_password_state.text()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    with sqlite_core.sessions() as s:
        settings = load_settings(s)
    assert (settings.sms_provider, settings.sms_api_url, settings.sms_username, settings.sms_sender) == (
        "46elks", elks.url, USER, "Friskis")
    netloc = urllib.parse.urlsplit(elks.url).netloc
    assert keyring_store == {("reception-sms", f"{USER}@{netloc}"): "API-LÖSEN-123"}
    assert all("LÖSEN" not in v for v in settings_rows(sqlite_core).values())
    ((who, when, details),) = audit_rows(sqlite_core, "Ändra inställningar")
    assert who == user_id(sqlite_core, "admin") and when == sqlite_core.clock.now()
    assert '"sms_provider": {"från": "ingen", "till": "46elks"}' in details and "LÖSEN" not in details
    transport = sms_from_settings(sqlite_core)
    assert (transport.username, transport.password, transport.sender, transport.url) == (
        USER, "API-LÖSEN-123", "Friskis", elks.url)
    again = open_entry(qtbot, window, "Inställningar…")
    assert "Ett API-lösenord är sparat i den här datorns nyckelring" in again.sms_password_state.text()
    again.reject()


@pytest.mark.parametrize("key, value, message", [
    ("sms_sender", "Friskis Göta", "Avsändaren ska vara 2–11 bokstäver"),
    ("sms_username", "", "Ange API-användarnamnet från SMS-leverantören."),
    ("sms_api_url", "http://sms.example.com/a1/sms", "Adressen måste börja med https://"),
])
def test_bad_sms_values_are_refused_at_the_field_and_nothing_is_written(
        qtbot, sqlite_core, make_actor, tmp_path, keyring_store, key, value, message):  # noqa: F811
    dialog = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    fill_sms(dialog, "https://api.46elks.com/a1/sms")
    dialog.editors[key].set(value)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.errors[key].isVisible()
    assert dialog.errors[key].text().startswith(message)
    assert settings_rows(sqlite_core) == {} and audit_rows(sqlite_core, "Ändra inställningar") == []
    assert keyring_store == {}


def test_skicka_test_sms_to_a_provider_that_takes_it(qtbot, sqlite_core, make_actor, tmp_path, elks,
                                                     keyring_store):  # noqa: F811
    dialog = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    dialog.editors["club_name"].set("Friskis Gamlestaden")
    fill_sms(dialog, elks.url)
    assert send_test_sms(qtbot, dialog) == "Test-SMS:et är skickat. Kontrollera att det har kommit fram."
    assert dialog.sms_test_result.property("ok") is True
    (posted,) = elks.received
    assert (posted["to"], posted["from"], posted["user"], posted["password"]) == (
        "+46701234567", "Friskis", USER, "API-LÖSEN-123")
    assert "Friskis Gamlestaden" in posted["message"]
    assert settings_rows(sqlite_core) == {} and keyring_store == {}  # a test sends, it does not save


def test_skicka_test_sms_to_a_provider_that_refuses_shows_its_reason(qtbot, sqlite_core, make_actor, tmp_path,
                                                                     elks, keyring_store):  # noqa: F811
    elks.answer = (400, "Invalid from number")
    dialog = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    fill_sms(dialog, elks.url)
    assert send_test_sms(qtbot, dialog) == ("Test-SMS:et kunde inte skickas: SMS-leverantören vägrade ta emot "
                                            "meddelandet (400 Invalid from number).")
    assert dialog.sms_test_result.property("ok") is False


def test_skicka_test_sms_when_the_provider_is_down(qtbot, sqlite_core, make_actor, tmp_path,
                                                   keyring_store):  # noqa: F811
    url = free_url()
    dialog = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    fill_sms(dialog, url)
    assert send_test_sms(qtbot, dialog) == (
        f"Test-SMS:et kunde inte skickas: Kunde inte ansluta till SMS-leverantören "
        f"{urllib.parse.urlsplit(url).netloc}: ingen tjänst svarar där.")


def test_a_test_sms_needs_a_provider_a_password_and_a_number(qtbot, sqlite_core, make_actor, tmp_path, elks,
                                                             keyring_store):  # noqa: F811
    dialog = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    dialog.sms_test_recipient.setText("0701234567")
    qtbot.mouseClick(dialog.sms_test_button, Qt.MouseButton.LeftButton)
    assert dialog.errors["sms_provider"].text() == "Välj en SMS-leverantör först."
    fill_sms(dialog, elks.url, password="")
    qtbot.mouseClick(dialog.sms_test_button, Qt.MouseButton.LeftButton)
    assert dialog.errors["sms_password"].text() == "Ange API-lösenordet från SMS-leverantören."
    dialog.sms_password_edit.setText("x")
    dialog.sms_test_recipient.setText("070")
    qtbot.mouseClick(dialog.sms_test_button, Qt.MouseButton.LeftButton)
    assert dialog.sms_test_result.text() == "Ange ett giltigt mobilnummer att skicka test-SMS:et till."
    assert elks.received == []


def test_the_status_bar_says_sms_wait_without_a_provider_and_the_outbox_sends_once_one_is_set(
        qtbot, window_for, sqlite_core, elks, keyring_store):  # noqa: F811
    mid = queue_sms(sqlite_core)
    window = window_for("admin")
    assert not window.sms_status.isHidden()
    assert window.sms_status.text() == "SMS väntar – ingen SMS-leverantör är inställd (1 meddelande)."
    window.send_outbox()  # the timer's run: nothing can send, the notice stays
    QThreadPool.globalInstance().waitForDone()
    qtbot.wait(50)
    assert window.sms_status.text().startswith("SMS väntar – ingen SMS-leverantör är inställd")
    assert state(sqlite_core, mid) == ("vantar", 0, None)

    dialog = open_entry(qtbot, window, "Inställningar…")
    fill_sms(dialog, elks.url)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert window.sms_status.isHidden()  # a provider is set: no longer "ingen SMS-leverantör"
    window.send_outbox()
    QThreadPool.globalInstance().waitForDone()
    qtbot.waitUntil(lambda: state(sqlite_core, mid)[0] == "skickad", timeout=5000)
    assert elks.received[0]["to"] == "+46701234567"
    assert window.sms_status.isHidden()


def test_a_refusing_provider_is_shown_in_the_status_bar_with_its_reason(qtbot, window_for, sqlite_core, elks,
                                                                        keyring_store):  # noqa: F811
    from app.secrets import store_sms_password
    from app.settings import save_setting

    with sqlite_core.sessions() as s, s.begin():
        for key, value in (("sms_provider", "46elks"), ("sms_api_url", elks.url), ("sms_username", USER),
                           ("sms_sender", "Friskis")):
            save_setting(s, key, value)
    store_sms_password(USER, elks.url, "fel-lösen")
    mid = queue_sms(sqlite_core)
    elks.answer = (401, "Authorization required")
    window = window_for("admin")
    window.send_outbox()
    QThreadPool.globalInstance().waitForDone()
    qtbot.waitUntil(lambda: not window.sms_status.isHidden(), timeout=5000)
    assert window.sms_status.text() == (
        "SMS väntar (1 meddelande) – senaste försöket misslyckades: SMS-leverantören godtog inte "
        "API-användarnamnet eller lösenordet (401 Authorization required).")
    assert state(sqlite_core, mid)[:2] == ("vantar", 1)  # kept, tried again later


def test_an_api_password_needs_its_user_name_and_a_failing_keyring_is_said_at_the_field(
        qtbot, sqlite_core, make_actor, tmp_path, monkeypatch):
    import sys
    import types

    def broken(*_a):
        raise RuntimeError("no backend")

    monkeypatch.setitem(sys.modules, "keyring", types.SimpleNamespace(get_password=lambda *a: None,
                                                                      set_password=broken))
    dialog = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    dialog.sms_password_edit.setText("API-LÖSEN-123")  # no provider, no user name
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.errors["sms_password"].text() == "Ange API-användarnamnet som lösenordet hör till."
    assert settings_rows(sqlite_core) == {}
    fill_sms(dialog, "https://api.46elks.com/a1/sms")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.errors["sms_password"].text().startswith("API-lösenordet kunde inte sparas i datorns nyckelring")
    assert '"46elks"' in settings_rows(sqlite_core)["sms_provider"]  # the other settings are saved, as it says
