"""Registerutdrag and Anonymisera through the real person card menu (pytest-qt), then the database."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from db import models as m
from tests.app import builders as b
from tests.app.test_gdpr import EMAIL, FIRST, LAST, PNR, _full_person, _scan
from widgets.person_card import PersonCardWidget
from widgets.personal_data import Dialogs, register_personal_data_actions
from widgets.services import Bus, UiServices

# the test photo carries marker bytes, not a picture
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints", "JPEG datastream",
                                    "Corrupt JPEG data")


@pytest.fixture
def dialogs(monkeypatch, tmp_path):
    seen = {"info": [], "error": [], "confirm": [], "answer": True, "path": str(tmp_path / "ut" / "utdrag.pdf")}
    monkeypatch.setattr(Dialogs, "save_path", staticmethod(
        lambda parent, suggested: seen.setdefault("suggested", suggested) and seen["path"]))
    monkeypatch.setattr(Dialogs, "confirm", staticmethod(lambda p, t, text: seen["confirm"].append(text) or seen["answer"]))
    monkeypatch.setattr(Dialogs, "info", staticmethod(lambda p, t, text: seen["info"].append(text)))
    monkeypatch.setattr(Dialogs, "error", staticmethod(lambda p, t, text: seen["error"].append(text)))
    return seen


@pytest.fixture
def open_card(qtbot, sqlite_core, make_actor, tmp_path):
    def make(user: str, person_id: int) -> PersonCardWidget:
        services = UiServices(core=sqlite_core, actor=make_actor(sqlite_core, user), bus=Bus(), user_data_dir=tmp_path)
        register_personal_data_actions(services)
        card = PersonCardWidget(services, menu_actions=services.extra["menu_actions"])
        services.bus.person_changed.connect(lambda pid: card.reload())
        qtbot.addWidget(card)
        card.show()
        qtbot.waitExposed(card)
        card.show_person(person_id)
        qtbot.waitUntil(lambda: card.data is not None and card.data.person.id == person_id)
        return card
    return make


def _action(card: PersonCardWidget, code: str):
    menu = card.person_menu_button.menu()
    return next(a for a in menu.actions() if a.objectName() == code)


def test_registerutdrag_from_the_menu_writes_pdf_and_json(open_card, dialogs, sqlite_core, make_actor):
    pid = _full_person(sqlite_core, b.build_catalog(sqlite_core), make_actor)
    card = open_card("admin", pid)
    action = _action(card, "registerutdrag")
    assert action.text() == "Registerutdrag (PDF och JSON)…" and action.isEnabled()
    action.trigger()
    assert dialogs["error"] == []
    pdf = Path(dialogs["path"]).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    data = json.loads(Path(dialogs["path"]).with_suffix(".json").read_text(encoding="utf-8"))
    assert data["tabeller"]["persons"][0]["first_name"] == FIRST
    assert data["tabeller"]["persons"][0]["email"] == EMAIL
    assert "utdrag.json" in dialogs["info"][0]
    assert dialogs["suggested"].name.startswith("registerutdrag-")  # suggested outside the shared data folder
    assert dialogs["suggested"].parent != card.services.user_data_dir
    with sqlite_core.sessions() as s:
        assert s.scalar(select(m.AuditEntry.user_id).where(m.AuditEntry.action == "Registerutdrag")) is not None


def test_anonymisera_from_the_menu_after_confirmation_leaves_no_personal_data(open_card, dialogs, sqlite_core,
                                                                            make_actor, qtbot):
    pid = _full_person(sqlite_core, b.build_catalog(sqlite_core), make_actor)
    card = open_card("admin", pid)
    dialogs["answer"] = False  # "Nej": nothing happens
    _action(card, "anonymisera").trigger()
    assert f"{FIRST} {LAST}" in dialogs["confirm"][0] and "Det går inte att ångra" in dialogs["confirm"][0]
    with sqlite_core.sessions() as s:
        assert s.get(m.Person, pid).personnummer == PNR.replace("-", "")
    dialogs["answer"] = True
    _action(card, "anonymisera").trigger()
    assert dialogs["error"] == [] and "anonymiserad" in dialogs["info"][-1]
    qtbot.waitUntil(lambda: card.name_label.text() == "Anonymiserad Anonymiserad")
    assert _scan(sqlite_core.engine) == {}


def test_anonymisera_shows_the_refusal_and_a_receptionist_sees_it_disabled(open_card, dialogs, sqlite_core, make_actor):
    from app.routines.register import RegisterRoutine

    cat = b.build_catalog(sqlite_core)
    pid = RegisterRoutine(sqlite_core).execute(b.registration(cat), make_actor(sqlite_core, "recep")).person_id
    card = open_card("recep", pid)
    action = _action(card, "anonymisera")
    assert not action.isEnabled() and "Systeminställningar" in action.toolTip()
    card = open_card("admin", pid)
    _action(card, "anonymisera").trigger()
    assert len(dialogs["error"]) == 1 and "abonnemang som löper" in dialogs["error"][0]
    with sqlite_core.sessions() as s:
        assert s.get(m.Person, pid).first_name == "Anna"
