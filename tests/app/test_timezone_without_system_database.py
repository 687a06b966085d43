"""Windows has no system time-zone database: the core must start on the tzdata package alone."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_core_starts_with_an_empty_timezone_path(tmp_path):
    empty = tmp_path / "no-zoneinfo"
    empty.mkdir()
    code = ("import zoneinfo, app.clock; assert zoneinfo.TZPATH == (%r,); "
            "print(app.clock.STOCKHOLM.utcoffset(__import__('datetime').datetime(2026, 7, 1)))") % str(empty)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONTZPATH": str(empty)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2:00:00"  # summer time in Stockholm, from tzdata
