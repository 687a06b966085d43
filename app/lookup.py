"""Personuppslagning (SPEC §2.2): look up a personnummer that is not a customer yet.

A provider answers `lookup(digits12) -> LookupResult | None`. Two are built:

* `RegisterProvider` — a local register table (`person_register`) filled by
  importing an extract file, e.g. a SPAR extract converted to CSV:
  `personnummer;förnamn;efternamn;gatuadress;co;postnummer;ort;skyddad`
  (Inställningar > Lokalt register… or `reception register import`; the file is
  read by app.domain.register_csv, written by app.routines.lookup_register).
* `HttpProvider` — a JSON-over-HTTPS service: GET `<base_url>/<personnummer>`
  with an optional bearer token from the keyring, answering 200 with
  `{"first_name", "last_name", "street", "co", "postal_code", "town", "protected"}`
  or 404. It is configured in the business settings and off by default.

People with protected identity (skyddad identitet) never get an address shown
or prefilled. Lookups are called from a worker thread by the UI: never on the
UI thread.
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from app.errors import UserError
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
