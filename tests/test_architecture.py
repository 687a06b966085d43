"""The house, one floor at a time (docs/decisions/layers.md; issue 14 §7).

The import-linter contracts in pyproject.toml ([tool.importlinter]) hold, and they would catch a violation:
a copy of the code with a seeder back on the storage floor, a lazy upward import, Qt in the core, a
device module reaching into app/ and two wizard modules importing each other breaks each contract. No
module imports another back, anywhere (function-local imports count). The program's entry sits above every layer; the command line never loads Qt.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("reception", "app", "db", "devices", "widgets", "wizards")
LEAVES = ("app.errors", "app.version")  # the modules of app/ that db/ may use


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if exe is None:
        pytest.fail("lint-imports is missing: it is in the test extra (pip install -e '.[test]')")
    env = {**os.environ, "COLUMNS": "300", "NO_COLOR": "1", "PYTHONPATH": str(cwd)}
    return subprocess.run([exe, "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold():
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    contracts = len(_config()["contracts"])
    assert f"Contracts: {contracts} kept, 0 broken." in done.stdout, done.stdout


VIOLATIONS = {
    # a seeder back on the storage floor, taking a query from the floor above
    "db/violation_seed.py": "from app.queries.search import search_persons  # noqa: F401\n",
    # the window started from the core through a lazy import
    "app/violation_window.py": "def start():\n    from widgets.app import run\n    return run\n",
    # Qt in the core
    "app/violation_qt.py": "from PySide6.QtCore import QObject  # noqa: F401\n",
    # a device module reading the business settings
    "devices/violation_settings.py": "from app.settings import load_settings  # noqa: F401\n",
    # two modules importing each other
    "wizards/violation_a.py": "def f():\n    from wizards import violation_b\n    return violation_b\n",
    "wizards/violation_b.py": "from wizards import violation_a  # noqa: F401\n",
}


def test_the_contracts_catch_each_kind_of_violation_in_a_copy_of_the_code(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    assert _lint_imports(tmp_path).returncode == 0  # the copy as it is keeps every contract

    for path, source in VIOLATIONS.items():
        (tmp_path / path).write_text(source, encoding="utf-8")
    done = _lint_imports(tmp_path)
    out = done.stdout
    assert done.returncode != 0, out
    assert f"Contracts: 0 kept, {len(_config()['contracts'])} broken." in out, out
    for module in ("db.violation_seed", "app.violation_window", "app.violation_qt", "devices.violation_settings",
                   "violation_a"):
        assert module in out, (module, out)


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)


def module_cycles(graph: grimp.ImportGraph, ignored: set[tuple[str, str]] = frozenset()) -> list[list[str]]:
    """Every group of modules that import one another round (a strongly connected component of two or
    more modules), any import counting: module level, function-local, TYPE_CHECKING."""
    edges = {m: {t for t in graph.find_modules_directly_imported_by(m) if (m, t) not in ignored}
             for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:  # Tarjan, iteratively (the graph is deep enough to matter)
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(edges[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return sorted(found)


def _named_exceptions() -> set[tuple[str, str]]:
    """The acyclic contract's ignore_imports: the one list of tolerated circles (each one named there)."""
    contract = next(c for c in _config()["contracts"] if c["id"] == "acyclic")
    return {tuple(part.strip() for part in line.split("->")) for line in contract.get("ignore_imports", [])}


def test_no_module_imports_another_back():
    assert module_cycles(_graph(), _named_exceptions()) == []


def test_the_cycle_check_finds_a_circle_however_long_and_however_lazy():
    graph = grimp.ImportGraph()
    for name in ("app", "app.a", "app.b", "app.c", "app.d"):
        graph.add_module(name)
    graph.add_import(importer="app.a", imported="app.b")
    graph.add_import(importer="app.b", imported="app.c")
    graph.add_import(importer="app.c", imported="app.a", line_number=40, line_contents="    from app import a")
    graph.add_import(importer="app.d", imported="app.a")
    assert module_cycles(graph) == [["app.a", "app.b", "app.c"]]
    assert module_cycles(graph, {("app.c", "app.a")}) == []


def test_the_leaf_modules_that_storage_may_use_import_nothing_of_ours():
    graph = _graph()
    for leaf in LEAVES:
        assert graph.find_modules_directly_imported_by(leaf) == set(), leaf
    layers = next(c for c in _config()["contracts"] if c["id"] == "layers")
    allowed = {line.split("->")[1].strip() for line in layers["ignore_imports"] if line.startswith("db.")}
    assert allowed == set(LEAVES)


def test_the_seeders_live_above_the_storage_floor():
    assert not (ROOT / "db" / "demo.py").exists() and not (ROOT / "db" / "seed.py").exists()
    graph = _graph()
    db_modules = {m for m in graph.modules if m == "db" or m.startswith("db.")}
    for module in db_modules:
        above = {t for t in graph.find_modules_directly_imported_by(module) if not t.startswith("db")}
        assert above <= set(LEAVES), (module, above)


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "RECEPTION_DATA_DIR": str(tmp_path / "data"), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, *args], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_command_line_loads_no_qt(tmp_path):
    code = ("import sys; import reception.launcher, app.main, app.startup; app.main.build_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'widgets', 'wizards')))")
    done = _run(["-c", code], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_program_is_reception_above_every_layer(tmp_path):
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"reception": "reception.launcher:main"}
    done = _run(["-m", "reception", "--help"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Reception – kassaklient" in done.stdout and "--demo" in done.stdout and "jobs" in done.stdout


def test_the_self_test_gets_the_device_and_qt_checks_from_their_own_layers(tmp_path):
    done = _run(["-m", "reception", "--self-test"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    for check in ("Tidszon", "Databas", "Postnummer", "Nyckelring", "Diskkryptering", "Enheter", "Qt"):
        assert f"OK   {check}:" in done.stdout, done.stdout


def test_app_main_alone_starts_no_window_and_says_so(tmp_path, monkeypatch, capsys):
    from app.main import main
    from app.startup import EXIT_STARTUP_FAILED

    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path))
    shown = []
    db = tmp_path / "r.db"
    code = main(["--db", f"sqlite+pysqlite:///{db}"], show_error=lambda title, text: shown.append((title, text)))
    assert code == EXIT_STARTUP_FAILED
    assert shown and shown[0][0] == "Inget fönster" and "reception --help" in shown[0][1]
    assert "Inget fönster" in capsys.readouterr().err
    assert not db.exists()  # nothing was opened


def test_reception_demo_starts_the_window_on_the_seeded_demo_database(qapp, tmp_path, monkeypatch):
    from sqlalchemy import create_engine, select

    from app.paths import embedded_db_path
    from app.seeding.demo import MARKER_KEY
    from db.models import Person, Setting
    from reception.launcher import main
    from widgets.login import LoginDialog

    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path))
    asked = {}

    def ask(cls, core, **kw):  # the log-in dialog, reached through reception -> widgets.app -> app.startup
        asked.update(kw)
        return None
    monkeypatch.setattr(LoginDialog, "ask", classmethod(ask))
    assert main(["--demo"]) == 0
    assert asked["username"] == "reception" and "demo" in asked["hint"]
    engine = create_engine(f"sqlite+pysqlite:///{embedded_db_path(demo=True)}")
    try:
        with engine.connect() as conn:
            assert conn.execute(select(Setting.key).where(Setting.key == MARKER_KEY)).scalar_one() == MARKER_KEY
            assert len(conn.execute(select(Person.id)).all()) > 100
    finally:
        engine.dispose()


_LOOK_AT_THE_WINDOW = '''
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import widgets.login as login_module
from app.auth import login
from reception.launcher import main
from widgets.app import application

login_module.LoginDialog.ask = classmethod(lambda cls, core, **kw: login(core, "admin", "demo"))


def look():
    windows = [w for w in QApplication.topLevelWidgets() if type(w).__name__ == "MainWindow" and w.isVisible()]
    if not windows:
        QTimer.singleShot(100, look)
        return
    extra = windows[0].services.extra
    print("ACTIONS", " ".join(sorted(extra.get("menu_actions", {}))), "REGISTRATION", "start_registration" in extra)
    windows[0].close()
    QApplication.instance().quit()


application()
QTimer.singleShot(100, look)
sys.exit(main(["--demo"]))
'''


def test_the_program_has_the_wizards_menu_entries_without_the_window_importing_them(tmp_path):
    """The main window never imports the wizards (the contract above); the program's entry brings them
    in, so the real window has every routine's entry — in a fresh interpreter, without tests/conftest."""
    from app import menus

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RECEPTION_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", _LOOK_AT_THE_WINDOW], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=180)
    line = next((x for x in done.stdout.splitlines() if x.startswith("ACTIONS")), "")
    assert line, done.stdout + done.stderr
    codes = set(line.split()[1:-2])
    assert {menus.TECKNA_ABONNEMANG, menus.NYTT_MEDLEMSKORT, menus.FRYS} <= codes  # person and subscription wizards
    assert line.endswith("REGISTRATION True")
