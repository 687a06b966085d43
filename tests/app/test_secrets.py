"""Database passwords come from the keyring, never from the URL file or the log."""
import logging
import sys
import types

from app.secrets import database_password, keyring_key


def fake_keyring(monkeypatch, store):
    module = types.SimpleNamespace(get_password=lambda service, key: store.get((service, key)),
                                   set_password=lambda service, key, value: store.__setitem__((service, key), value))
    monkeypatch.setitem(sys.modules, "keyring", module)


def test_the_password_for_a_postgresql_url_comes_from_the_keyring(monkeypatch):
    store = {("reception", "kassa@db.example:5432/reception"): "hemligt"}
    fake_keyring(monkeypatch, store)
    url = "postgresql+psycopg://kassa@db.example:5432/reception"
    assert keyring_key(url) == "kassa@db.example:5432/reception"
    assert database_password(url) == "hemligt"
    assert database_password("sqlite:///x.db") is None


def test_the_desk_settings_dialog_stores_the_password_in_the_keyring_not_the_ini(qtbot, monkeypatch, tmp_path):
    from PySide6.QtCore import QSettings

    from widgets.desk_settings import DeskSettings, DeskSettingsDialog

    store = {}
    fake_keyring(monkeypatch, store)
    ini = tmp_path / "desk.ini"
    dialog = DeskSettingsDialog(DeskSettings(QSettings(str(ini), QSettings.Format.IniFormat)), list_ports=lambda: [])
    qtbot.addWidget(dialog)
    dialog.database_url_edit.setText("postgresql+psycopg://kassa@db.example:5432/reception")
    dialog.database_password_edit.setText("hemligt")
    dialog.accept()
    assert store == {("reception", "kassa@db.example:5432/reception"): "hemligt"}
    assert "hemligt" not in ini.read_text(encoding="utf-8")


def test_no_keyring_backend_means_no_password_and_a_warning_without_secrets(monkeypatch, caplog):
    def broken(service, key):
        raise RuntimeError("No recommended backend was available")

    monkeypatch.setitem(sys.modules, "keyring", types.SimpleNamespace(get_password=broken))
    with caplog.at_level(logging.WARNING, logger="reception.secrets"):
        assert database_password("postgresql+psycopg://kassa@db.example/reception") is None
    assert "No keyring available" in caplog.text


def test_the_start_up_error_never_shows_the_password(qapp, monkeypatch, tmp_path):
    from reception.launcher import main

    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path))
    fake_keyring(monkeypatch, {("reception", "kassa@127.0.0.1:1/reception"): "superhemligt"})
    shown = []
    assert main(["--db", "postgresql+psycopg://kassa@127.0.0.1:1/reception"],
                show_error=lambda title, text: shown.append(text)) == 2
    log = (tmp_path / "logs" / "reception.log").read_text(encoding="utf-8")
    assert "superhemligt" not in shown[0] and "superhemligt" not in log
    assert "kassa@127.0.0.1:1/reception" in shown[0]


def test_the_command_line_stores_the_password_for_this_account_and_never_prints_it(monkeypatch, capsys):
    import io

    from app.main import main

    store = {}
    fake_keyring(monkeypatch, store)
    monkeypatch.setattr(sys, "stdin", io.StringIO("hemligt-42\n"))
    url = "postgresql+psycopg://kassa@db.example:5432/reception"
    assert main(["--db", url, "db-password", "--stdin"]) == 0
    assert store == {("reception", "kassa@db.example:5432/reception"): "hemligt-42"}
    out = capsys.readouterr()
    assert "hemligt" not in out.out + out.err and "sparat i nyckelringen" in out.out
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    assert main(["--db", url, "db-password", "--stdin"]) == 1
    assert main(["--db", "sqlite:///x.db", "db-password", "--stdin"]) == 2
