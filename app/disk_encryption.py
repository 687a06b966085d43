"""Is the disk that holds this desk's data encrypted by the operating system?

The embedded database, the offline replica, the daily backups, the logs, saved receipts and
Registerutdrag files all live in the data folder. Reception does not encrypt them itself; it requires
the operating system's full-disk encryption (BitLocker or Windows device encryption, FileVault, LUKS)
and checks it at start (docs/decisions/security.md, "Data på datorn"):

* Windows: the shell property `System.Volume.BitLockerProtection` of the data folder's drive, which
  a normal (non-administrator) account may read, through PowerShell. NOT tested on Windows here: the
  values below are Microsoft's property values as documented for the shell, checked only with a fake
  runner in the tests.
* Linux: the device under the data folder's mount (`findmnt`) and its parents (`lsblk -s`): a
  `crypt` device (dm-crypt/LUKS) means encrypted; overlay or network file systems are "okänd".
* macOS: `fdesetup status`.

The answer is "på", "av" or "okänd" (the check could not tell). A desk whose setting requires
encryption (the default on Windows) stops at "av" with a Swedish message; "okänd" is logged and
shown by the self-test but does not stop the desk.
"""
from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.errors import UserError

log = logging.getLogger("reception.disk")
ON, OFF, UNKNOWN = "på", "av", "okänd"
Runner = Callable[[Sequence[str]], str]

# System.Volume.BitLockerProtection: 1 on, 2 off, 3 encryption in progress, 4 decryption in progress,
# 5 suspended (the key lies unprotected on the disk), 6 on and locked.
BITLOCKER_STATES = {"1": (ON, "BitLocker på"), "2": (OFF, "BitLocker av"),
                    "3": (ON, "BitLocker krypterar (pågår)"), "4": (OFF, "BitLocker dekrypterar"),
                    "5": (OFF, "BitLocker är pausat"), "6": (ON, "BitLocker på (låst)")}


class DiskNotEncrypted(UserError):
    title = "Disken är inte krypterad"


@dataclass(frozen=True)
class DiskEncryption:
    state: str    # på / av / okänd
    volume: str   # C:, /dev/nvme0n1p2, ...
    detail: str   # how it was found out, in Swedish

    def describe(self) -> str:
        return f"{self.state} ({self.detail}, {self.volume})"


def _run(args: Sequence[str]) -> str:
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # no console window flashing up on a Windows desk
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=15, check=True, creationflags=flags)
    return done.stdout


def _windows(path: Path, run: Runner) -> DiskEncryption:
    drive = (path.drive or "C:").rstrip("\\")
    script = (f"(New-Object -ComObject Shell.Application).NameSpace('{drive}\\').Self"
              ".ExtendedProperty('System.Volume.BitLockerProtection')")
    value = run(["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", script]).strip()
    state, detail = BITLOCKER_STATES.get(value, (UNKNOWN, f"BitLocker-status okänd ({value or 'inget svar'})"))
    return DiskEncryption(state, drive, detail)


def _linux(path: Path, run: Runner) -> DiskEncryption:
    source = run(["findmnt", "-n", "-o", "SOURCE", "--target", str(path)]).strip().splitlines()[0].strip()
    if not source.startswith("/dev/"):
        return DiskEncryption(UNKNOWN, source or "?", "inte en lokal disk (t.ex. overlay eller nätverk)")
    source = source.split("[", 1)[0]  # btrfs subvolume: /dev/sda2[/@home]
    types = run(["lsblk", "-s", "-n", "-o", "TYPE", source]).split()
    if "crypt" in types:
        return DiskEncryption(ON, source, "dm-crypt/LUKS")
    return DiskEncryption(OFF, source, "ingen dm-crypt-enhet under filsystemet")


def _macos(path: Path, run: Runner) -> DiskEncryption:
    text = run(["fdesetup", "status"])
    if "FileVault is On" in text:
        return DiskEncryption(ON, "/", "FileVault")
    if "FileVault is Off" in text:
        return DiskEncryption(OFF, "/", "FileVault av")
    return DiskEncryption(UNKNOWN, "/", "FileVault-status okänd")


def disk_encryption(path: Path, *, run: Runner = _run, platform: str | None = None) -> DiskEncryption:
    """The encryption of the disk under `path` (the nearest existing folder is asked)."""
    platform = platform or sys.platform
    probe = Path(path)
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    check = _windows if platform == "win32" else _macos if platform == "darwin" else _linux
    try:
        return check(probe, run)
    except (OSError, subprocess.SubprocessError, IndexError, ValueError) as err:
        return DiskEncryption(UNKNOWN, str(probe), f"kunde inte kontrolleras: {type(err).__name__}")


def data_location(url: str, data_dir: Path) -> Path:
    """Where this desk keeps personal data: the embedded file's folder, else the data folder (replica)."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # an unparseable URL is reported by the database check that follows
        return data_dir
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).parent
    return data_dir


def default_required(platform: str | None = None) -> bool:
    """A Windows desk requires BitLocker unless its desk.ini says otherwise."""
    return (platform or sys.platform) == "win32"


def require_encrypted_disk(path: Path, *, required: bool, status: DiskEncryption | None = None,
                           run: Runner = _run, platform: str | None = None) -> DiskEncryption:
    """Stop the start (DiskNotEncrypted) when encryption is required and the disk is known to be plain."""
    status = status or disk_encryption(path, run=run, platform=platform)
    if status.state == ON:
        log.info("Data folder %s is on an encrypted disk: %s", path, status.describe())
    elif status.state == UNKNOWN:
        log.warning("Could not tell whether the data folder %s is on an encrypted disk: %s", path, status.describe())
    elif required:
        raise DiskNotEncrypted(
            f"Datorns disk ({status.volume}) är inte krypterad ({status.detail}), men den här datorn sparar "
            f"kunduppgifter i {path}. Slå på BitLocker (eller enhetskryptering) för disken, eller be den som sköter "
            "datorn att göra det. Om klubben har bestämt något annat: sätt require_disk_encryption=false under "
            "[desk] i desk.ini (se README, ”Installera på receptionsdatorer”)."
        )
    else:
        log.warning("Data folder %s is on an unencrypted disk (%s); not required on this desk", path, status.describe())
    return status
