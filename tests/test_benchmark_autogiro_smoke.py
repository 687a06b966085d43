"""Smoke run of benchmarks/autogiro.py at 2,000 persons on SQLite, so the benchmark never rots: it must
export a betalningsunderlag, write Bankgirot's answer and read it back. No timing assertions."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"


def _script(name: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", RECEPTION_DATA_DIR=str(tmp_path / "appdata"))
    result = subprocess.run([sys.executable, str(BENCH / name), *args], capture_output=True, text=True,
                            cwd=str(ROOT), env=env, timeout=240)
    assert result.returncode == 0, f"{name} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    return result


def test_the_autogiro_benchmark_runs_end_to_end(tmp_path):
    url = f"sqlite+pysqlite:///{tmp_path / 'bench.db'}"
    _script("generate.py", "--persons", "2000", "--preorders", "200", "--visits", "1000", "--db", url,
            tmp_path=tmp_path)
    out = _script("autogiro.py", "--db", url, "--folder", str(tmp_path), tmp_path=tmp_path).stdout
    lines = [line for line in out.splitlines() if line.startswith("| Betalnings")]
    assert len(lines) == 2, out
    exported = int(lines[0].split("|")[2].strip().replace(",", ""))
    imported = int(lines[1].split("|")[2].strip().replace(",", ""))
    assert exported > 1000 and imported == exported
    assert "ändrade" in out and (tmp_path / "betalningsspecifikation.txt").exists()
