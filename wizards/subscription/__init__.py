"""The subscription routines of SPEC §6 as wizards, started from the person card's ≡ menus.

``actions.register_subscription_actions(services)`` registers one callable per menu entry code
(app/menus.py); each opens its wizard for the subscription of the menu, or shows why it cannot.
"""
