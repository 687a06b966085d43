"""The Personuppslagning tab: lookup off the UI thread, protected identity, prefilled registration."""
import threading

from PySide6.QtCore import Qt

from app.errors import UserError
from app.lookup import LookupResult
from widgets.person_lookup import PersonLookupTab
from widgets.services import Bus, UiServices


class FakeProvider:
    name = "Testregister"

    def __init__(self, result=None, error=None):
        self.result, self.error, self.threads = result, error, []

    def lookup(self, digits12):
        self.threads.append(threading.current_thread())
        if self.error:
            raise UserError(self.error)
        return self.result


def make(qtbot, sqlite_core, make_actor, provider, start_registration=None, tmp_path=None):
    services = UiServices(core=sqlite_core, actor=make_actor(sqlite_core, "recep"), bus=Bus(), user_data_dir=tmp_path)
    if start_registration:
        services.extra["start_registration"] = start_registration
    tab = PersonLookupTab(services, provider_factory=lambda: provider)
    qtbot.addWidget(tab)
    return tab


def test_found_person_is_shown_and_can_be_registered(qtbot, sqlite_core, make_actor, tmp_path):
    started = []
    provider = FakeProvider(LookupResult("198507099805", "Åsa", "Öberg", "Storgatan 1", "", "11455", "Stockholm"))
    tab = make(qtbot, sqlite_core, make_actor, provider, started.append, tmp_path)
    with qtbot.waitSignal(tab.finished):
        assert tab.lookup("850709-9805")
    assert provider.threads[0] is not threading.main_thread()  # never on the UI thread
    assert tab.fields["name"].text() == "Åsa Öberg"
    assert tab.fields["address"].text() == "Storgatan 1, 11455 Stockholm"
    qtbot.mouseClick(tab.register_button, Qt.MouseButton.LeftButton)
    assert started[0]["personnummer"] == "198507099805" and started[0]["town"] == "Stockholm"


def test_protected_identity_shows_no_address(qtbot, sqlite_core, make_actor, tmp_path):
    provider = FakeProvider(LookupResult("198507099805", "Hemlig", "Person", protected_identity=True))
    tab = make(qtbot, sqlite_core, make_actor, provider, lambda d: None, tmp_path)
    with qtbot.waitSignal(tab.finished):
        tab.lookup("198507099805")
    assert tab.fields["address"].text() == ""
    assert "Skyddad identitet" in tab.fields["protected"].text()


def test_not_found_and_unreachable_say_so(qtbot, sqlite_core, make_actor, tmp_path):
    tab = make(qtbot, sqlite_core, make_actor, FakeProvider(None), None, tmp_path)
    with qtbot.waitSignal(tab.finished):
        tab.lookup("198507099805")
    assert "finns inte i personuppslagningen" in tab.status.text()
    assert tab.register_button.isHidden()
    tab = make(qtbot, sqlite_core, make_actor, FakeProvider(error="Personuppslagningen går inte att nå just nu."),
               None, tmp_path)
    with qtbot.waitSignal(tab.finished):
        tab.lookup("198507099805")
    assert tab.status.text() == "Personuppslagningen går inte att nå just nu."


def test_register_button_absent_until_the_wizard_exists(qtbot, sqlite_core, make_actor, tmp_path):
    provider = FakeProvider(LookupResult("198507099805", "Åsa", "Öberg"))
    tab = make(qtbot, sqlite_core, make_actor, provider, None, tmp_path)
    with qtbot.waitSignal(tab.finished):
        tab.lookup("198507099805")
    assert tab.fields["name"].text() == "Åsa Öberg" and tab.register_button.isHidden()


def test_lookup_off_or_not_a_personnummer_does_nothing(qtbot, sqlite_core, make_actor, tmp_path):
    assert not make(qtbot, sqlite_core, make_actor, None, None, tmp_path).lookup("198507099805")
    assert not make(qtbot, sqlite_core, make_actor, FakeProvider(), None, tmp_path).lookup("Åsa")
