"""The pip lock used by the build is exactly the export of uv.lock, and uv.lock matches pyproject."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _uv() -> str:
    found = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(found).exists():
        pytest.fail("uv is missing: it is in the test extra (pip install -e '.[test]')")
    return found


def test_uv_lock_is_up_to_date_with_pyproject():
    done = subprocess.run([_uv(), "lock", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_pip_lock_is_the_export_of_uv_lock(tmp_path):
    out = tmp_path / "lock.txt"
    subprocess.run([_uv(), "export", "--frozen", "--no-emit-project", "--extra", "build", "--no-header",
                    "--format", "requirements-txt", "-o", str(out), "-q"], cwd=ROOT, check=True)
    assert out.read_text() == (ROOT / "packaging" / "requirements.lock.txt").read_text(), \
        "run the export in docs/decisions/dependencies.md and commit packaging/requirements.lock.txt"
    text = out.read_text()
    assert "--hash=sha256:" in text and "pyside6-essentials==" in text and "tzdata==" in text
