"""Personuppslagning (SPEC §2.2): look up a personnummer that is not a customer yet.

A provider answers `lookup(digits12) -> LookupResult | None`. Two are built:

* `RegisterProvider` — a local register table (`person_register`) filled by
  importing an extract file (`import_register_file`), e.g. a SPAR extract
  converted to CSV: `personnummer;förnamn;efternamn;gatuadress;co;postnummer;ort;skyddad`.
* `HttpProvider` — a JSON-over-HTTPS service: GET `<base_url>/<personnummer>`
  with an optional bearer token from the keyring, answering 200 with
  `{"first_name", "last_name", "street", "co", "postal_code", "town", "protected"}`
  or 404. It is configured in the business settings and off by default.

People with protected identity (skyddad identitet) never get an address shown
or prefilled. Lookups are called from a worker thread by the UI: never on the
UI thread.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.personnummer import parse_personnummer
from app.errors import UserError, ValidationError
from app.masking import mask

log = logging.getLogger("reception.lookup")


@dataclass(frozen=True)
class LookupResult:
    personnummer: str  # 12 digits
    first_name: str
    last_name: str
    street: str = ""
    co: str = ""
    postal_code: str = ""
    town: str = ""
    protected_identity: bool = False

    def shown(self) -> "LookupResult":
        """What may be displayed and prefilled: no address for a protected identity."""
        if not self.protected_identity:
            return self
        return LookupResult(self.personnummer, self.first_name, self.last_name, protected_identity=True)


class LookupProvider(Protocol):
    name: str

    def lookup(self, digits12: str) -> LookupResult | None: ...


class LookupUnavailable(UserError):
    title = "Personuppslagningen svarar inte"


class RegisterProvider:
    name = "Lokalt register"

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def lookup(self, digits12: str) -> LookupResult | None:
        from db.models import PersonRegisterEntry

        with self.sessions() as session:
            row = session.get(PersonRegisterEntry, digits12)
            if row is None:
                return None
            return LookupResult(row.personnummer, row.first_name, row.last_name, row.street or "", row.co or "",
                                row.postal_code or "", row.town or "", row.protected_identity).shown()


class HttpProvider:
    name = "Extern tjänst (HTTP)"

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def lookup(self, digits12: str) -> LookupResult | None:
        request = urllib.request.Request(f"{self.base_url}/{digits12}", headers={"Accept": "application/json"})
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return None
            raise LookupUnavailable(f"Personuppslagningen svarade med fel {err.code}. Fyll i uppgifterna för hand.")
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as err:
            log.warning("Person lookup failed: %s", mask(str(err)))
            raise LookupUnavailable("Personuppslagningen går inte att nå just nu. Fyll i uppgifterna för hand.")
        return LookupResult(digits12, str(data.get("first_name", "")), str(data.get("last_name", "")),
                            str(data.get("street") or ""), str(data.get("co") or ""),
                            str(data.get("postal_code") or ""), str(data.get("town") or ""),
                            bool(data.get("protected", False))).shown()


def provider_from_settings(settings, sessions: sessionmaker[Session]) -> LookupProvider | None:
    """The configured provider, or None when person lookup is off."""
    if not settings.person_lookup_enabled:
        return None
    if settings.person_lookup_provider == "http":
        if not settings.person_lookup_url:
            return None
        token = None
        try:
            import keyring

            token = keyring.get_password("reception-lookup", settings.person_lookup_url)
        except Exception as err:
            log.warning("No keyring for the lookup token (%s)", type(err).__name__)
        return HttpProvider(settings.person_lookup_url, token)
    return RegisterProvider(sessions)


REGISTER_COLUMNS = ("personnummer", "förnamn", "efternamn", "gatuadress", "co", "postnummer", "ort", "skyddad")


def import_register_file(session: Session, path: Path | str, today) -> int:
    """Replace the local register with a CSV extract (UTF-8 or Windows-1252, ';' or ','). Returns the count.

    Every line is validated first; any bad line refuses the whole file (nothing is replaced)."""
    from db.models import PersonRegisterEntry

    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    first_line = 1
    if rows and rows[0] and rows[0][0].strip().lower() == "personnummer":
        rows, first_line = rows[1:], 2
    entries: dict[str, PersonRegisterEntry] = {}
    for line_no, row in enumerate(rows, start=first_line):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 3:
            raise ValidationError(f"Rad {line_no}: förväntade minst personnummer, förnamn och efternamn.")
        try:
            pnr = parse_personnummer(row[0], today)
        except ValidationError as err:
            raise ValidationError(f"Rad {line_no}: {err.message}") from None
        cells = [c.strip() for c in row] + [""] * (len(REGISTER_COLUMNS) - len(row))
        entries[pnr.digits12] = PersonRegisterEntry(
            personnummer=pnr.digits12, first_name=cells[1], last_name=cells[2], street=cells[3] or None,
            co=cells[4] or None, postal_code=cells[5].replace(" ", "") or None, town=cells[6] or None,
            protected_identity=cells[7].lower() in ("1", "ja", "j", "true", "x", "skyddad"))
    if not entries:
        raise ValidationError("Filen innehåller inga personer.")
    session.execute(delete(PersonRegisterEntry))
    session.add_all(entries.values())
    session.flush()
    return len(entries)


def register_size(session: Session) -> int:
    from sqlalchemy import func

    from db.models import PersonRegisterEntry

    return session.scalar(select(func.count()).select_from(PersonRegisterEntry)) or 0
