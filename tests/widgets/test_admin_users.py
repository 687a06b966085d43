"""Inställningar > Användare och roller… end to end through its real widgets (issue 12 §6, issue 15 §6):
create a user, reset a password, deactivate, assign roles, roles with their rights, unlock a lock-out;
every bad value is refused at its field and writes nothing; the database is looked at afterwards."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from app import auth
from app.auth import login, verify_password
from app.errors import UserError
from app.routines.users_admin import LAST_ADMIN, OWN_RIGHT, RoleCommand, SaveRole, SaveUser, UserCommand
from db.models import AuditEntry, Role, User
from tests.widgets.test_admin_settings import admin_services, menu_titles, open_entry, window_for  # noqa: F401
from widgets.admin_users import PASSWORDS_DIFFER, UsersDialog

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


def users(core) -> dict[str, User]:
    with core.sessions() as s:
        return {u.username: u for u in s.scalars(select(User))}


def audit_actions(core) -> list[str]:
    with core.sessions() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def type_into(qtbot, edit, text: str) -> None:
    """Typed key by key; a letter QTest has no key for (å, ö) arrives as an input-method commit."""
    edit.clear()
    edit.setFocus()
    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(edit, ch)
        else:
            edit.insert(ch)


def click(qtbot, button) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


@pytest.fixture
def dialog(qtbot, window_for):  # noqa: F811
    window = window_for("admin")
    d = open_entry(qtbot, window, "Användare och roller…")
    assert isinstance(d, UsersDialog)
    return d


def fill_new_user(qtbot, tab, username="stina", name="Stina Ström", password="långt-lösen-1", again=None,
                  role="Kundansvarig"):
    click(qtbot, tab.new_button)
    type_into(qtbot, tab.username, username)
    type_into(qtbot, tab.full_name, name)
    type_into(qtbot, tab.email, "stina@example.se")
    tab.role.setCurrentIndex(tab.role.findText(role))
    type_into(qtbot, tab.password, password)
    type_into(qtbot, tab.password_again, password if again is None else again)


def shown(label) -> str:
    return label.text() if label.isVisible() else ""


def test_the_menu_entry_needs_the_right_administrera_anvandare(qtbot, window_for, sqlite_core, make_actor):  # noqa: F811
    assert "Användare och roller…" in menu_titles(window_for("admin"))["Inställningar"]
    admin = make_actor(sqlite_core, "admin")
    rid = SaveRole(sqlite_core).execute(RoleCommand(None, "Inställare", ("Systeminställningar",)), admin)
    SaveUser(sqlite_core).execute(UserCommand(None, "sam", "Sam Set", rid, password="långt-lösen-1"), admin)
    titles = menu_titles(window_for("sam"))["Inställningar"]
    assert "Kundrutiner…" in titles or "Inställningar…" in titles
    assert "Användare och roller…" not in titles


def test_a_new_user_is_created_in_the_dialog_and_can_log_in(qtbot, dialog, sqlite_core):
    tab = dialog.users
    fill_new_user(qtbot, tab)
    click(qtbot, tab.save_button)
    stina = users(sqlite_core)["stina"]
    assert stina.full_name == "Stina Ström" and stina.email == "stina@example.se" and stina.active
    assert stina.password_hash.startswith("$argon2id$")
    assert login(sqlite_core, "stina", "långt-lösen-1").rights == frozenset(
        {"Kundrutiner", "Kassa", "Organisationer", "Kundjournal"})
    assert "Ändra användare" in audit_actions(sqlite_core)
    assert [tab.table.item(i, 0).text() for i in range(tab.table.rowCount())] == ["admin", "recep", "stina"]
    assert tab.selected().username == "stina" and "stina är sparad" in dialog.message.text()


@pytest.mark.parametrize("values,field,message", [
    (dict(username=""), "username", "Skriv ett användarnamn."),
    (dict(username="recep"), "username", "Det finns redan en användare som heter ”recep”."),
    (dict(username="Stina Ström"), "username", "utan mellanslag"),
    (dict(name=""), "full_name", "Skriv användarens namn."),
    (dict(password="kort"), "password", "Lösenordet måste vara minst 8 tecken."),
    (dict(password="långt-lösen-1", again="långt-lösen-2"), "password", PASSWORDS_DIFFER),
])
def test_bad_input_is_shown_at_the_field_and_nothing_is_written(qtbot, dialog, sqlite_core, values, field, message):
    tab = dialog.users
    before = users(sqlite_core).keys()
    fill_new_user(qtbot, tab, **values)
    click(qtbot, tab.save_button)
    assert message in shown(tab.errors[field])
    assert all(not shown(label) for f, label in tab.errors.items() if f != field)
    assert users(sqlite_core).keys() == before
    assert audit_actions(sqlite_core) == []  # nothing written, not even an audit row


def test_reset_a_password_and_assign_a_role(qtbot, dialog, sqlite_core):
    tab = dialog.users
    tab.select("recep")
    assert tab.full_name.text() == "Rut Reception" and tab.password_button.isEnabled()
    type_into(qtbot, tab.password, "kort")
    type_into(qtbot, tab.password_again, "kort")
    click(qtbot, tab.password_button)
    assert "minst 8 tecken" in shown(tab.errors["password"])
    assert verify_password(users(sqlite_core)["recep"].password_hash, "hemligt")
    type_into(qtbot, tab.password, "nytt-lösen-99")
    type_into(qtbot, tab.password_again, "nytt-lösen-99")
    click(qtbot, tab.password_button)
    assert verify_password(users(sqlite_core)["recep"].password_hash, "nytt-lösen-99")
    assert tab.password.text() == "" and "Lösenordet för recep är bytt" in dialog.message.text()
    tab.role.setCurrentIndex(tab.role.findText("Kundansvarig"))
    click(qtbot, tab.save_button)
    assert login(sqlite_core, "recep", "nytt-lösen-99").rights >= {"Organisationer", "Kundjournal"}
    assert audit_actions(sqlite_core)[:2] == ["Sätt lösenord", "Ändra användare"]


def test_deactivate_a_user_but_never_the_last_administrator(qtbot, dialog, sqlite_core):
    tab = dialog.users
    tab.select("recep")
    tab.active.setChecked(False)
    click(qtbot, tab.save_button)
    assert not users(sqlite_core)["recep"].active
    assert "Inaktiv" in tab.table.item(1, 3).text()
    with pytest.raises(UserError):
        login(sqlite_core, "recep", "hemligt")
    tab.select("admin")
    tab.active.setChecked(False)
    click(qtbot, tab.save_button)
    assert shown(tab.errors["active"]) == LAST_ADMIN
    tab.active.setChecked(True)
    tab.role.setCurrentIndex(tab.role.findText("Receptionist"))
    click(qtbot, tab.save_button)
    assert shown(tab.errors["role_id"]) == LAST_ADMIN
    admin = users(sqlite_core)["admin"]
    assert admin.active
    with sqlite_core.sessions() as s:
        assert s.get(Role, admin.role_id).name == "Administratör"


def test_with_a_second_administrator_one_still_cannot_remove_their_own_right(qtbot, dialog, sqlite_core):
    tab = dialog.users
    fill_new_user(qtbot, tab, username="bosse", name="Bo Boss", role="Administratör")
    click(qtbot, tab.save_button)
    tab.select("admin")
    tab.role.setCurrentIndex(tab.role.findText("Receptionist"))
    click(qtbot, tab.save_button)
    assert shown(tab.errors["role_id"]) == OWN_RIGHT
    roles = dialog.roles
    dialog.tabs.setCurrentWidget(roles)
    roles.select("Administratör")
    roles.right_boxes["Administrera användare"].setChecked(False)
    click(qtbot, roles.save_button)
    assert shown(roles.rights_error) == LAST_ADMIN  # both administrators have this role
    with sqlite_core.sessions() as s:
        admin_role = s.scalar(select(Role).where(Role.name == "Administratör"))
        assert "Administrera användare" in {r.code for r in admin_role.rights}


def test_a_role_is_created_with_its_rights_and_offered_for_users(qtbot, dialog, sqlite_core):
    roles = dialog.roles
    dialog.tabs.setCurrentWidget(roles)
    click(qtbot, roles.new_button)
    click(qtbot, roles.save_button)
    assert shown(roles.name_error) == "Skriv rollens namn."
    type_into(qtbot, roles.name, "receptionist")
    click(qtbot, roles.save_button)
    assert "finns redan" in shown(roles.name_error)
    type_into(qtbot, roles.name, "Kassör")
    roles.right_boxes["Kassa"].setChecked(True)
    click(qtbot, roles.save_button)
    with sqlite_core.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Role)) == 4
        kassor = s.scalar(select(Role).where(Role.name == "Kassör"))
        assert [r.code for r in kassor.rights] == ["Kassa"]
    assert dialog.users.role.findText("Kassör") >= 0
    assert roles.selected().name == "Kassör" and roles.table.item(roles.table.currentRow(), 1).text() == "Kassa"


def test_a_locked_user_name_is_shown_and_unlocked(qtbot, window_for, sqlite_core):  # noqa: F811
    for _ in range(auth.USER_LIMIT):
        with pytest.raises(UserError):
            login(sqlite_core, "recep", "fel-lösen")
    d = open_entry(qtbot, window_for("admin"), "Användare och roller…")
    tab = d.users
    assert "Spärrad till" in tab.table.item(1, 3).text()
    assert tab.locks_table.isVisible() and tab.locks_table.rowCount() == 1
    assert tab.locks_table.item(0, 0).text() == "Användarnamn" and tab.locks_table.item(0, 1).text() == "recep"
    assert not tab.unlock_button.isEnabled()
    tab.locks_table.selectRow(0)
    click(qtbot, tab.unlock_button)
    assert login(sqlite_core, "recep", "hemligt").username == "recep"
    assert not tab.locks_table.isVisible() and "Spärrad" not in tab.table.item(1, 3).text()
    assert "Lås upp inloggning" in audit_actions(sqlite_core)


def test_the_dialog_refuses_to_open_its_data_for_a_user_without_the_right(qtbot, sqlite_core, make_actor, tmp_path):
    from app.errors import NotAllowed

    with pytest.raises(NotAllowed):
        UsersDialog(admin_services(sqlite_core, make_actor, tmp_path, "recep"))
