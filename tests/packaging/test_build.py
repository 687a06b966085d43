"""The one-folder build is made from the lock and proven to start: `--version`, `--self-test` (fresh
embedded database, Qt offscreen, camera and serial modules, keyring, postal lists, Qt's Swedish
translation, tzdata with no system time-zone database) and the Windows installer script compiles.

A missing hidden import or data file fails here, not on a desk. About a minute on this machine (the
pip cache keeps the wheels); `pytest -m "not packaging"` leaves it out while working on other things."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.packaging


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build")
    subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--out", str(out)], check=True,
                   cwd=tmp_path_factory.mktemp("cwd"), timeout=900)
    folder = out / "dist" / "reception"
    assert (folder / "reception").exists() or (folder / "reception.exe").exists()
    return folder


def _exe(folder: Path, name: str) -> str:
    return str(folder / (f"{name}.exe" if os.name == "nt" else name))


def _env(tmp_path: Path) -> dict[str, str]:
    no_zoneinfo = tmp_path / "no-zoneinfo"
    no_zoneinfo.mkdir(exist_ok=True)
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONTZPATH": str(no_zoneinfo),
            "RECEPTION_DATA_DIR": str(tmp_path / "data")}


def test_the_build_says_its_version(built, tmp_path):
    from app.version import VERSION

    for name in ("reception", "reception-cli"):
        done = subprocess.run([_exe(built, name), "--version"], capture_output=True, text=True, timeout=120,
                              env=_env(tmp_path))
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"reception {VERSION}"


def test_the_build_passes_its_self_test_without_a_system_timezone_database(built, tmp_path):
    done = subprocess.run([_exe(built, "reception-cli"), "--self-test"], capture_output=True, text=True,
                          timeout=300, env=_env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    for check in ("Tidszon", "Databas", "Postnummer", "Nyckelring", "Enheter", "Qt"):
        assert re.search(rf"^OK\s+{check}:", done.stdout, re.M), done.stdout
    assert "svensk översättning finns" in done.stdout
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").rglob("*.db"))


def test_the_build_runs_a_command_line_job_with_its_exit_code(built, tmp_path):
    db = tmp_path / "desk.db"
    done = subprocess.run([_exe(built, "reception-cli"), "--db", f"sqlite+pysqlite:///{db}", "desks"],
                          capture_output=True, text=True, timeout=300, env=_env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert db.exists()
    # a command that writes acts as a Reception user only with the password (app/cli_auth.py)
    refused = subprocess.run([_exe(built, "reception-cli"), "--db", f"sqlite+pysqlite:///{db}", "jobs", "run"],
                             capture_output=True, text=True, timeout=300, env=_env(tmp_path), stdin=subprocess.DEVNULL)
    assert refused.returncode == 2 and "lösenord" in refused.stderr
    bad = subprocess.run([_exe(built, "reception-cli"), "--db", "mysql://nowhere/x", "jobs", "run"],
                         capture_output=True, text=True, timeout=120, env=_env(tmp_path))
    assert bad.returncode == 2 and "stöds inte" in bad.stderr


def test_the_windows_installer_script_compiles_around_the_build(built, tmp_path):
    from app.version import VERSION

    if shutil.which("makensis") is None:
        pytest.fail("makensis is missing: install the Debian package nsis (the CI script does).")
    out = tmp_path / "setup.exe"
    done = subprocess.run(["makensis", "-V2", f"-DVERSION={VERSION}", f"-DSOURCE={built}", f"-DOUTFILE={out}",
                           "-DNOCOMPRESS", "reception.nsi"], cwd=ROOT / "packaging" / "windows",
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert out.stat().st_size > 1_000_000 and out.read_bytes()[:2] == b"MZ"
