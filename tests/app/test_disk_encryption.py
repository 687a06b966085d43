"""Data at rest (issue 15 point 11): the OS's disk encryption is required and checked, not built in.

The Windows (BitLocker), Linux (dm-crypt) and macOS (FileVault) checks run here against a fake command
runner: BitLocker's real answer cannot be checked on this machine."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from app import disk_encryption as de
from app.startup import EXIT_STARTUP_FAILED
from reception.launcher import main


def runner(answers: dict[str, str], calls: list | None = None):
    def run(args):
        if calls is not None:
            calls.append(list(args))
        for key, out in answers.items():
            if key in " ".join(args):
                if isinstance(out, Exception):
                    raise out
                return out
        raise FileNotFoundError(args[0])
    return run


@pytest.mark.parametrize("value, state", [("1", de.ON), ("3", de.ON), ("6", de.ON), ("2", de.OFF), ("5", de.OFF),
                                          ("4", de.OFF), ("", de.UNKNOWN), ("0", de.UNKNOWN)])
def test_windows_reads_the_bitlocker_property_of_the_data_folders_drive(value, state, tmp_path):
    calls = []
    status = de.disk_encryption(tmp_path, run=runner({"BitLockerProtection": value + "\r\n"}, calls), platform="win32")
    assert status.state == state
    assert calls[0][0] == "powershell.exe" and "-NonInteractive" in calls[0]
    assert "NameSpace('C:\\')" in calls[0][-1]


def test_linux_follows_the_mount_down_to_a_crypt_device(tmp_path):
    encrypted = runner({"findmnt": "/dev/mapper/luks-root\n", "lsblk": "crypt\npart\ndisk\n"})
    assert de.disk_encryption(tmp_path, run=encrypted, platform="linux").state == de.ON
    plain = runner({"findmnt": "/dev/sda2[/@home]\n", "lsblk": "part\ndisk\n"}, calls := [])
    status = de.disk_encryption(tmp_path, run=plain, platform="linux")
    assert status.state == de.OFF and status.volume == "/dev/sda2"
    assert calls[1] == ["lsblk", "-s", "-n", "-o", "TYPE", "/dev/sda2"]
    assert de.disk_encryption(tmp_path, run=runner({"findmnt": "overlay\n"}), platform="linux").state == de.UNKNOWN
    assert de.disk_encryption(tmp_path, run=runner({}), platform="linux").state == de.UNKNOWN  # no findmnt
    failing = runner({"findmnt": subprocess.CalledProcessError(1, "findmnt")})
    assert de.disk_encryption(tmp_path, run=failing, platform="linux").state == de.UNKNOWN


def test_macos_asks_fdesetup(tmp_path):
    assert de.disk_encryption(tmp_path, run=runner({"fdesetup": "FileVault is On.\n"}), platform="darwin").state == de.ON
    assert de.disk_encryption(tmp_path, run=runner({"fdesetup": "FileVault is Off.\n"}), platform="darwin").state == de.OFF


def test_a_folder_not_made_yet_is_checked_on_its_nearest_parent(tmp_path):
    calls = []
    de.disk_encryption(tmp_path / "inte" / "än", run=runner({"findmnt": "overlay"}, calls), platform="linux")
    assert calls[0][-1] == str(tmp_path)


def test_required_and_plain_stops_unknown_or_not_required_only_logs(tmp_path, caplog):
    plain = de.DiskEncryption(de.OFF, "C:", "BitLocker av")
    with pytest.raises(de.DiskNotEncrypted) as raised:
        de.require_encrypted_disk(tmp_path, required=True, status=plain)
    assert "inte krypterad" in raised.value.message and "Slå på BitLocker" in raised.value.message
    assert "require_disk_encryption=false" in raised.value.message
    assert de.require_encrypted_disk(tmp_path, required=False, status=plain) is plain
    unknown = de.DiskEncryption(de.UNKNOWN, "overlay", "inte en lokal disk")
    assert de.require_encrypted_disk(tmp_path, required=True, status=unknown) is unknown
    assert "Could not tell" in caplog.text
    assert de.default_required("win32") and not de.default_required("linux")


def test_data_location_is_the_embedded_files_folder_or_the_data_folder(tmp_path):
    assert de.data_location(f"sqlite+pysqlite:///{tmp_path / 'x' / 'r.db'}", Path("/data")) == tmp_path / "x"
    assert de.data_location("postgresql+psycopg://kassa@server/reception", tmp_path) == tmp_path


def test_a_desk_that_requires_encryption_does_not_start_on_a_plain_disk(qapp, tmp_path, monkeypatch, capsys):
    data = tmp_path / "userdata"
    data.mkdir()
    monkeypatch.setenv("RECEPTION_DATA_DIR", str(data))
    (data / "desk.ini").write_text("[desk]\nrequire_disk_encryption=true\n", encoding="utf-8")
    monkeypatch.setattr(de, "disk_encryption", lambda path, **kw: de.DiskEncryption(de.OFF, "C:", "BitLocker av"))
    db = tmp_path / "kunder.db"
    shown = []
    code = main(["--db", f"sqlite+pysqlite:///{db}"], show_error=lambda title, message: shown.append((title, message)))
    assert code == EXIT_STARTUP_FAILED
    assert shown[0][0] == "Disken är inte krypterad" and "BitLocker" in shown[0][1]
    assert "inte krypterad" in capsys.readouterr().err
    assert not db.exists()  # nothing was written before the check


def test_self_test_reports_the_disk_encryption(monkeypatch):
    from app import selftest

    monkeypatch.setattr(de, "disk_encryption", lambda path, **kw: de.DiskEncryption(de.OFF, "C:", "BitLocker av"))
    assert "VARNING" in selftest._disk_encryption() and "BitLocker av" in selftest._disk_encryption()
