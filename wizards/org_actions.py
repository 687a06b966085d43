"""Hooks the organisation flows into the application (SPEC §3.1, §5 flows 3 and 4).

``register_organisation_actions(services)`` puts:

* ``services.extra["menu_actions"][app.menus.UTNYTTJA_AVTAL]`` — the person menu's "Utnyttja
  avtal/förbeställning"; called with the menu's :class:`app.menus.MenuTarget` (or a person id), it opens
  flow 4 for that customer, or shows why not and returns None;
* ``services.extra["start_org_registration"]`` — "Registrera ny kund > Organisationskund"; called without
  arguments, it opens flow 3; with the Personuppslagning dict, flow 3 prefilled from it.
"""
from __future__ import annotations

from typing import Callable

from app import menus
from app.menus import MenuTarget
from widgets.services import UiServices
from wizards.organisation import start_new_organisation_customer, start_use_agreement


def _person_id(target: MenuTarget | int) -> int:
    return target.person_id if isinstance(target, MenuTarget) else int(target)


def register_organisation_actions(services: UiServices) -> dict[str, Callable]:
    actions = services.extra.setdefault("menu_actions", {})
    actions[menus.UTNYTTJA_AVTAL] = lambda target: start_use_agreement(services, _person_id(target))
    services.extra["start_org_registration"] = lambda prefill=None: start_new_organisation_customer(services, prefill)
    return actions
