from pathlib import PureWindowsPath

from app import paths


def test_a_windows_desk_keeps_its_data_for_the_machine_not_the_windows_account():
    folder = paths.machine_data_dir("win32", {"PROGRAMDATA": r"D:\ProgramData", "LOCALAPPDATA": r"C:\Users\anna"})
    assert PureWindowsPath(str(folder).replace("/", "\\")) == PureWindowsPath(r"D:\ProgramData\Reception")
    assert "anna" not in str(folder)


def test_without_programdata_windows_uses_the_standard_place():
    assert str(paths.machine_data_dir("win32", {})).replace("/", "\\").endswith(r"C:\ProgramData\Reception")


def test_the_override_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path))
    assert paths.user_data_dir() == tmp_path and paths.embedded_db_path() == tmp_path / "reception.db"
    assert paths.user_log_dir() == tmp_path / "logs" and paths.backup_dir().parent == tmp_path
