"""The wizards (step dialogs) of every routine. Importing this package adds their menu entries to the
desk's main window (widgets.services.ACTION_PROVIDERS): the window sits a floor below and never imports
the wizards itself (docs/decisions/layers.md)."""
from __future__ import annotations

from widgets.services import add_action_provider


def register_actions(services) -> None:
    from wizards.actions import register_person_actions
    from wizards.org_actions import register_organisation_actions
    from wizards.subscription.actions import register_subscription_actions

    register_person_actions(services)
    register_organisation_actions(services)
    register_subscription_actions(services)


add_action_provider(register_actions)
