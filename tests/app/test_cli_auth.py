"""The command line acts as a user only after proving it (issue 15 §7): real `python -m app`
subprocesses, with the password typed on a pseudo-terminal, given on standard input, or read from the
keyring of the OS account (a file-backed keyring backend the test installs); audited like the UI."""
from __future__ import annotations

import json
import os
import pty
import select as io_select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app import auth
from db.models import AuditEntry
from tests.app.orgdata import PREORDER_FILES, build_orgs, preorder_count

ROOT = Path(__file__).resolve().parents[2]
CSV = str(PREORDER_FILES / "header_crlf.csv")

KEYRING_BACKEND = '''
import json, pathlib, os
from keyring.backend import KeyringBackend

class FileKeyring(KeyringBackend):
    priority = 1
    path = pathlib.Path(os.environ["TEST_KEYRING_FILE"])

    def _load(self):
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def get_password(self, service, username):
        return self._load().get(f"{service}|{username}")

    def set_password(self, service, username, password):
        data = self._load()
        data[f"{service}|{username}"] = password
        self.path.write_text(json.dumps(data))

    def delete_password(self, service, username):
        data = self._load()
        data.pop(f"{service}|{username}", None)
        self.path.write_text(json.dumps(data))
'''


@pytest.fixture
def env(tmp_path):
    (tmp_path / "kr").mkdir()
    (tmp_path / "kr" / "testkeyring.py").write_text(KEYRING_BACKEND)
    e = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON_KEYRING")}
    e.update(RECEPTION_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=f"{tmp_path / 'kr'}{os.pathsep}{ROOT}",
             PYTHON_KEYRING_BACKEND="testkeyring.FileKeyring", TEST_KEYRING_FILE=str(tmp_path / "keyring.json"))
    return e


def import_argv(url: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "reception", "--db", url, "preorders", "import", "--org", "556074-3089",
            "--product", "GYM", "--from", "2026-12-01", "--to", "2027-11-30", *extra, CSV]


def run(argv, env, stdin_text=None):
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          input=stdin_text, stdin=None if stdin_text is not None else subprocess.DEVNULL)


def run_on_terminal(argv, env, password: str) -> tuple[int, str]:
    """Run argv with a pseudo-terminal as its controlling terminal; type the password at the prompt."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: its stdin/stdout/stderr and /dev/tty are the pty
        os.chdir(ROOT)
        os.execve(argv[0], argv, env)
    out, typed, deadline = b"", False, time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = io_select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
        if not typed and b"i Reception: " in out:
            os.write(fd, password.encode() + b"\n")
            typed = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


def audit(core) -> list[tuple[str, int | None, str]]:
    with core.sessions() as s:
        return [(e.action, e.user_id, e.details) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]


@pytest.fixture
def orgs(sqlite_core):
    return build_orgs(sqlite_core)


def test_the_password_typed_on_the_terminal_lets_the_import_act_as_the_user(sqlite_db, sqlite_core, orgs, env):
    code, out = run_on_terminal(import_argv(sqlite_db.url, "--user", "admin"), env, "hemligt")
    assert code == 0, out
    assert "Lösenord för admin i Reception:" in out and "Importerade 8 förbeställningar" in out
    assert "hemligt" not in out  # getpass does not echo
    assert preorder_count(sqlite_core) == 8
    login = next(a for a in audit(sqlite_core) if a[0] == "Inloggning")
    assert login[1] == 1 and '"via": "kommandorad"' in login[2]
    imported = next(a for a in audit(sqlite_core) if a[0] != "Inloggning")
    assert imported[1] == 1


def test_a_wrong_password_on_the_terminal_writes_nothing_and_is_audited(sqlite_db, sqlite_core, orgs, env):
    code, out = run_on_terminal(import_argv(sqlite_db.url, "--user", "admin"), env, "fel-lösen")
    assert code == 2 and "Fel användarnamn eller lösenord." in out
    assert preorder_count(sqlite_core) == 0
    assert [a[0] for a in audit(sqlite_core)] == ["Felaktigt lösenord"]


def test_without_a_terminal_and_without_a_password_nothing_is_done_as_anybody(sqlite_db, sqlite_core, orgs, env):
    done = run(import_argv(sqlite_db.url, "--user", "admin"), env)
    assert done.returncode == 2
    assert "kräver ditt lösenord" in done.stderr and "--password-stdin" in done.stderr
    assert preorder_count(sqlite_core) == 0 and audit(sqlite_core) == []
    jobs = run([sys.executable, "-m", "reception", "--db", sqlite_db.url, "jobs", "run", "--user", "admin"], env)
    assert jobs.returncode == 2 and "kräver ditt lösenord" in jobs.stderr
    assert audit(sqlite_core) == []


def test_the_password_on_standard_input(sqlite_db, sqlite_core, orgs, env):
    done = run(import_argv(sqlite_db.url, "--user", "admin", "--password-stdin"), env, "hemligt\n")
    assert done.returncode == 0, done.stderr
    assert preorder_count(sqlite_core) == 8
    refused = run(import_argv(sqlite_db.url, "--user", "admin", "--password-stdin"), env, "\n")
    assert refused.returncode == 2 and "Inget lösenord angavs" in refused.stderr


def test_a_scheduled_job_runs_as_its_service_account_with_the_password_from_the_keyring(sqlite_db, sqlite_core,
                                                                                        env, tmp_path):
    base = [sys.executable, "-m", "reception", "--db", sqlite_db.url]
    missing = run(base + ["jobs", "run", "--user", "admin", "--keyring"], env)
    assert missing.returncode == 2 and "inget lösenord för ”admin” i nyckelringen" in missing.stderr
    wrong = run(base + ["cli-password", "--user", "admin", "--stdin"], env, "fel-lösen\n")
    assert wrong.returncode == 1 and "Fel användarnamn eller lösenord" in wrong.stderr
    assert not (tmp_path / "keyring.json").exists()  # a wrong password is never stored
    stored = run(base + ["cli-password", "--user", "admin", "--stdin"], env, "hemligt\n")
    assert stored.returncode == 0, stored.stderr
    assert "hemligt" not in stored.stdout + stored.stderr
    keys = json.loads((tmp_path / "keyring.json").read_text())
    assert list(keys.values()) == ["hemligt"] and list(keys)[0].startswith("reception-cli|admin@")
    job = run(base + ["jobs", "run", "--user", "admin", "--keyring"], env)
    assert job.returncode == 0, job.stderr
    assert "Nattjobbet för" in job.stdout
    actions = [(a[0], a[1]) for a in audit(sqlite_core)]
    assert ("Nattjobb", 1) in actions and actions.count(("Inloggning", 1)) == 2


def test_the_lock_out_holds_for_the_command_line_too(sqlite_db, sqlite_core, orgs, env, monkeypatch, capsys):
    import io

    from app.main import main

    monkeypatch.setenv("RECEPTION_DATA_DIR", env["RECEPTION_DATA_DIR"])
    for _ in range(auth.USER_LIMIT):
        monkeypatch.setattr(sys, "stdin", io.StringIO("fel-lösen\n"))
        assert main(import_argv(sqlite_db.url, "--user", "admin", "--password-stdin")[3:]) == 2
    done = run(import_argv(sqlite_db.url, "--user", "admin", "--password-stdin"), env, "hemligt\n")
    assert done.returncode == 2 and "För många felaktiga försök – försök igen om" in done.stderr
    assert preorder_count(sqlite_core) == 0


def test_every_command_that_works_on_the_data_proves_its_user():
    """A command with run(args, core) works through the routines and queries; unless it only reads, it
    must log in with cli_actor (a new writing command without it fails here). Commands on the file or
    schema (run_without_core) act as no Reception user (docs/decisions/login-lockout.md)."""
    import importlib
    import inspect

    from app.main import CLI_MODULES

    read_only = {"app.cli_desks": "lists the desks", "app.cli_auth": "checks the password it stores"}
    for name in CLI_MODULES:
        module = importlib.import_module(name)
        if not hasattr(module, "run"):
            assert hasattr(module, "run_without_core"), name
            continue
        if name in read_only:
            continue
        assert "cli_actor(" in inspect.getsource(module), f"{name} writes without proving its user"
