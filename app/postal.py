"""Postal-code lookup for Sweden, Norway and Finland (SPEC §3, "Adress, Fakturaadress").

Rules, as the seed describes them:
- Norwegian codes have 4 digits. A 4-digit code found in the Norwegian list
  makes the country Norway and gives the town.
- Swedish and Finnish codes have 5 digits and overlap, so the country decides
  which list is used. A 5-digit code while the country is Norway cannot be
  Norwegian; it is looked up in the desk's default country's list (Sweden when
  the default is Norway), then the other one, and the country follows the hit.
- Anything else gives no town and leaves the country alone. The town is only a
  suggestion; nothing here ever refuses an address.

The lists ship in resources/postal_codes.json.gz (built by
tools/extract_postal_codes.py; format in docs/decisions/postal-codes.md). A
newer list installed with "Uppdatera postnummer" lives in the user data
directory and wins over the shipped one. Qt-free.
"""
from __future__ import annotations

import gzip
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.domain.inputs import ascii_key
from app.errors import UserError, ValidationError

log = logging.getLogger(__name__)

FILE_NAME = "postal_codes.json.gz"
FORMAT_NAME = "reception-postal-codes"
COUNTRIES = ("SE", "NO", "FI")
CODE_LENGTH = {"SE": 5, "NO": 4, "FI": 5}
NOT_A_LIST = "Filen är ingen postnummerlista."

_REPO = Path(__file__).resolve().parent.parent


def shipped_path() -> Path:
    """The postal-code file that ships with the application (resources/ at the repo root)."""
    return _REPO / "resources" / FILE_NAME


def user_file(user_data_dir: Path | str) -> Path:
    """Where "Uppdatera postnummer" puts a newer list."""
    return Path(user_data_dir) / FILE_NAME


@dataclass(frozen=True)
class PostalResult:
    """What a lookup suggests: the town (None when unknown) and the country to show."""

    town: str | None
    country: str


def _compact(code: str) -> str:
    return re.sub(r"\s+", "", ascii_key(code))  # one key spelling: Unicode digits as ASCII


def normalise_postal_code(code: str, country: str) -> str:
    """The stored form: '114 55' -> '11455'. Text that is no postal code comes back stripped, unchanged."""
    compact = _compact(code)
    if compact.isascii() and compact.isdigit() and len(compact) == CODE_LENGTH.get(country, -1):
        return compact
    return ascii_key(code).strip()


def format_postal_code(code: str, country: str) -> str:
    """The shown form: Swedish codes as '114 55', Norwegian and Finnish as typed digits."""
    compact = normalise_postal_code(code, country)
    if country == "SE" and compact.isdigit() and len(compact) == 5:
        return f"{compact[:3]} {compact[3:]}"
    return compact


def _parse(raw: bytes) -> dict[str, dict[str, str]]:
    """Bytes of a postal-code file (gzipped or plain JSON) -> the three lists. ValidationError if not one."""
    try:
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        document = json.loads(raw.decode("utf-8"))
    except (OSError, EOFError, ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(NOT_A_LIST) from exc
    if not isinstance(document, dict):
        raise ValidationError(NOT_A_LIST)
    if "format" in document and document["format"] != FORMAT_NAME:
        raise ValidationError(NOT_A_LIST)
    lists: dict[str, dict[str, str]] = {}
    for country in COUNTRIES:
        towns = document.get(country, {})
        if not isinstance(towns, dict):
            raise ValidationError(NOT_A_LIST)
        length = CODE_LENGTH[country]
        for code, town in towns.items():
            if not (len(code) == length and code.isdigit() and isinstance(town, str) and town.strip()):
                raise ValidationError(NOT_A_LIST)
        lists[country] = towns
    if not lists["SE"]:
        raise ValidationError(NOT_A_LIST)
    return lists


def _read(path: Path) -> dict[str, dict[str, str]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"Filen {path.name} kunde inte läsas.") from exc
    return _parse(raw)


class PostalCodes:
    """The SE/NO/FI lists, read from disk on the first lookup and kept.

    Build it with `PostalCodes.load(...)`; the file is not read until needed, so
    creating one at start-up costs nothing.
    """

    def __init__(self, path: Path | None = None, user_data_dir: Path | None = None) -> None:
        self._path = Path(path) if path is not None else None
        self._user_data_dir = Path(user_data_dir) if user_data_dir is not None else None
        self._lists: dict[str, dict[str, str]] | None = None

    @classmethod
    def load(cls, path: Path | str | None = None, *, user_data_dir: Path | str | None = None) -> PostalCodes:
        """`path` given: use that file. Otherwise the updated file in `user_data_dir` if there is one, else the shipped one."""
        return cls(
            Path(path) if path is not None else None,
            Path(user_data_dir) if user_data_dir is not None else None,
        )

    @property
    def user_data_dir(self) -> Path | None:
        return self._user_data_dir

    def source(self) -> Path:
        """The file the lists come (or will come) from."""
        if self._path is not None:
            return self._path
        if self._user_data_dir is not None and user_file(self._user_data_dir).is_file():
            return user_file(self._user_data_dir)
        return shipped_path()

    def reload(self, user_data_dir: Path | str | None = None) -> None:
        """Forget the lists; the next lookup reads the file again.

        With `user_data_dir`, look there for an updated file from now on (an
        explicit path given to `load` is dropped).
        """
        if user_data_dir is not None:
            self._user_data_dir = Path(user_data_dir)
            self._path = None
        self._lists = None

    def _ensure(self) -> dict[str, dict[str, str]]:
        if self._lists is None:
            source = self.source()
            try:
                self._lists = _read(source)
            except ValidationError:
                if source == shipped_path():
                    raise
                # A damaged update must not stop the desk: fall back to the shipped list.
                log.warning("Postal-code file %s is unusable; using the shipped list", source)
                self._lists = _read(shipped_path())
        return self._lists

    def counts(self) -> dict[str, int]:
        """Number of codes per country, e.g. {'SE': 16392, 'NO': 5122, 'FI': 3785}."""
        return {country: len(towns) for country, towns in self._ensure().items()}

    def town(self, code: str, country: str) -> str | None:
        """The town for an exact code in one country's list, or None."""
        return self._ensure().get(country, {}).get(_compact(code))

    def lookup(self, code: str, country: str, *, default_country: str = "SE") -> PostalResult:
        """Apply the lookup rules to what was typed; `country` is the Land field, `default_country` the desk setting."""
        compact = _compact(code)
        if not compact.isdigit():
            return PostalResult(None, country)
        lists = self._ensure()
        if len(compact) == 4:
            town = lists["NO"].get(compact)
            return PostalResult(town, "NO") if town else PostalResult(None, country)
        if len(compact) == 5:
            if country in ("SE", "FI"):
                return PostalResult(lists[country].get(compact), country)
            first = default_country if default_country in ("SE", "FI") else "SE"
            for candidate in (first, "FI" if first == "SE" else "SE"):
                town = lists[candidate].get(compact)
                if town:
                    return PostalResult(town, candidate)
        return PostalResult(None, country)


def install_update(src_path: Path | str, user_data_dir: Path | str) -> dict[str, int]:
    """Check a new postal-code file and make it the desk's list ("Uppdatera postnummer").

    Accepts the shipped format, gzipped or plain JSON. The file is written to
    the user data directory in one atomic step, so a failure leaves the old
    list in place. Returns the number of codes per country.
    """
    lists = _read(Path(src_path))
    target_dir = Path(user_data_dir)
    document = {"format": FORMAT_NAME, "version": 1, **lists}
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".postal-", suffix=".tmp", dir=target_dir)
    except OSError as exc:
        raise UserError(f"Postnummerlistan kunde inte sparas i {target_dir}.") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(gzip.compress(raw, compresslevel=9, mtime=0))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, user_file(target_dir))
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise UserError(f"Postnummerlistan kunde inte sparas i {target_dir}.") from exc
    return {country: len(towns) for country, towns in lists.items()}
