"""Personuppslagning providers: the imported register and the HTTP service (a real local server)."""
import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.domain.register_csv import read_register_file
from app.lookup import HttpProvider, LookupResult, LookupUnavailable, RegisterProvider, provider_from_settings
from app.routines.lookup_register import ImportRegister, ImportRegisterCommand, RegisterImportRow
from app.settings import load_settings, save_setting
from tests.conftest import TODAY

REGISTER = ("personnummer;förnamn;efternamn;gatuadress;co;postnummer;ort;skyddad\n"
            "19850709-9805;Åsa;Öberg;Storgatan 1;;114 55;Stockholm;\n"
            "850769-9802;Sami;Virtanen;Kungsgatan 2;c/o Berg;41101;Göteborg;nej\n"
            "196703151230;Hemlig;Person;Gömd väg 3;;11122;Stockholm;ja\n")


def import_register(core, actor, path) -> int:
    """The import as Inställningar > Lokalt register… does it (tests/app/test_register_import.py has the rest)."""
    preview = read_register_file(path, today=TODAY)
    assert preview.invalid_rows == []
    rows = tuple(RegisterImportRow.from_preview(r) for r in preview.valid_rows)
    return ImportRegister(core).execute(ImportRegisterCommand(rows, path.name), actor)


def test_register_import_and_lookup(core, admin, tmp_path):
    path = tmp_path / "spar.csv"
    path.write_bytes(REGISTER.encode("cp1252"))
    assert import_register(core, admin, path) == 3
    provider = RegisterProvider(core.sessions)
    found = provider.lookup("198507099805")
    assert found == LookupResult("198507099805", "Åsa", "Öberg", "Storgatan 1", "", "11455", "Stockholm", False)
    assert provider.lookup("198507699802").co == "c/o Berg"  # samordningsnummer
    assert provider.lookup("199001011234") is None


def test_protected_identity_never_shows_an_address(core, admin, tmp_path):
    path = tmp_path / "spar.csv"
    path.write_text(REGISTER, encoding="utf-8")
    import_register(core, admin, path)
    hidden = RegisterProvider(core.sessions).lookup("196703151230")
    assert hidden.protected_identity and (hidden.street, hidden.postal_code, hidden.town) == ("", "", "")
    assert hidden.first_name == "Hemlig"


class Handler(BaseHTTPRequestHandler):
    people = {"198507099805": {"first_name": "Åsa", "last_name": "Öberg", "street": "Storgatan 1",
                               "postal_code": "11455", "town": "Stockholm", "protected": False}}
    seen_auth: list = []

    def do_GET(self):  # noqa: N802 - http.server API
        Handler.seen_auth.append(self.headers.get("Authorization"))
        key = self.path.rsplit("/", 1)[-1]
        if key == "199001011239":
            self.send_response(500)
            self.end_headers()
            return
        body = self.people.get(key)
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        if body:
            self.wfile.write(json.dumps(body).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def service():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/personer"
    server.shutdown()
    server.server_close()
    thread.join()


def test_http_provider_finds_and_misses(service):
    provider = HttpProvider(service, token="hemlig-nyckel")
    assert provider.lookup("198507099805").town == "Stockholm"
    assert provider.lookup("197001011234") is None
    assert Handler.seen_auth[-1] == "Bearer hemlig-nyckel"
    with pytest.raises(LookupUnavailable, match="fel 500"):
        provider.lookup("199001011239")


def test_http_provider_unreachable_says_fill_in_by_hand():
    with pytest.raises(LookupUnavailable, match="går inte att nå"):
        HttpProvider("http://127.0.0.1:1/x", timeout=1).lookup("198507099805")


def test_lookup_is_off_by_default_and_configurable(core, service):
    with core.sessions() as s:
        assert provider_from_settings(load_settings(s), core.sessions) is None
    with core.sessions() as s, s.begin():
        save_setting(s, "person_lookup_enabled", True)
    with core.sessions() as s:
        assert isinstance(provider_from_settings(load_settings(s), core.sessions), RegisterProvider)
    with core.sessions() as s, s.begin():
        save_setting(s, "person_lookup_provider", "http")
        save_setting(s, "person_lookup_url", service)
    with core.sessions() as s:
        provider = provider_from_settings(load_settings(s), core.sessions)
    assert isinstance(provider, HttpProvider) and provider.base_url == service
    assert replace(provider.lookup("198507099805"), personnummer="x").first_name == "Åsa"
