"""Hooks the wizards into the application: person-menu actions and "Registrera ny kund".

``register_person_actions(services)`` puts a callable per entry code of
app/menus.py into ``services.extra["menu_actions"]`` (the person card shows an
entry only when its code is there) and ``services.extra["start_registration"]``
(the Personuppslagning tab and "Registrera ny kund" call it with an optional
prefill dict). An action takes the menu's :class:`app.menus.MenuTarget` (or a
person id) and returns the opened wizard, or None when it was refused with a
message.
"""
from __future__ import annotations

from typing import Callable

from app import menus
from app.menus import MenuTarget
from widgets.services import UiServices
from wizards.customer_type import start_certify_customer_type
from wizards.mandate import start_change_mandate, start_new_mandate
from wizards.membership_card import start_new_membership_card
from wizards.registration import (start_new_private_customer, start_online_pickup,
                                  start_subscription_for_existing)

ACTION_CODES = (menus.TECKNA_ABONNEMANG, menus.HAMTA_UT_ONLINEKOP, menus.INTYGA_KUNDTYP, menus.NYTT_MEDLEMSKORT,
                menus.NYTT_AG_MEDGIVANDE, menus.ANDRA_MEDGIVANDE)


def _person_id(target: MenuTarget | int) -> int:
    return target.person_id if isinstance(target, MenuTarget) else int(target)


def register_person_actions(services: UiServices) -> dict[str, Callable]:
    starters = {
        menus.TECKNA_ABONNEMANG: start_subscription_for_existing,
        menus.HAMTA_UT_ONLINEKOP: start_online_pickup,
        menus.INTYGA_KUNDTYP: start_certify_customer_type,
        menus.NYTT_MEDLEMSKORT: start_new_membership_card,
        menus.NYTT_AG_MEDGIVANDE: start_new_mandate,
        menus.ANDRA_MEDGIVANDE: start_change_mandate,
    }
    actions = services.extra.setdefault("menu_actions", {})
    for code, start in starters.items():
        actions[code] = lambda target, start=start: start(services, _person_id(target))
    services.extra["start_registration"] = lambda prefill=None: start_new_private_customer(services, prefill)
    return actions
