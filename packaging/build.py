"""Build the one-folder desk program from the lock file: `python packaging/build.py [--out DIR]`.

1. A fresh virtual environment in OUT/venv.
2. Every dependency from packaging/requirements.lock.txt, exact versions, each checked against its
   sha256 (`pip --require-hashes`): two builds a month apart get the same libraries.
3. PyInstaller with packaging/reception.spec -> OUT/dist/reception/ (reception + reception-cli).

Runs the same on Windows (`py packaging\\build.py`) and Linux; PyInstaller does not cross-compile, so
a Windows folder is built on Windows. The lock is made from pyproject.toml with `uv lock` and
exported with `uv export` (see docs/decisions/dependencies.md, "Upgrading a dependency").
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "packaging" / "requirements.lock.txt"
SPEC = ROOT / "packaging" / "reception.spec"


def venv_python(folder: Path) -> Path:
    return folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def build(out: Path) -> Path:
    out = out.resolve()
    env_dir = out / "venv"
    if not venv_python(env_dir).exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = str(venv_python(env_dir))
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "--require-hashes", "--no-deps", "--only-binary=:all:", "-r", str(LOCK)], check=True)
    subprocess.run([python, "-m", "PyInstaller", "--noconfirm", "--log-level=WARN",
                    "--distpath", str(out / "dist"), "--workpath", str(out / "work"), str(SPEC)],
                   check=True, cwd=ROOT)
    return out / "dist" / "reception"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Bygg Reception som en mapp med PyInstaller, från låsfilen.")
    parser.add_argument("--out", type=Path, default=ROOT / "build", help="byggmapp (standard: build/)")
    args = parser.parse_args(argv)
    folder = build(args.out)
    print(f"Byggt: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
