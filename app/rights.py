"""Rights named in SPEC §10, and the check every routine makes before it writes."""
from __future__ import annotations

from app.errors import NotAllowed

SYSTEM_SETTINGS = "Systeminställningar"
ORGANISATIONS = "Organisationer"
CUSTOMER_JOURNAL = "Kundjournal"
TILL = "Kassa"
ADMIN_USERS = "Administrera användare"
CUSTOMER_ROUTINES = "Kundrutiner"


def require(actor, right: str) -> None:
    if right not in actor.rights:
        raise NotAllowed(
            f"Du saknar rättigheten ”{right}”. Be en administratör om behörighet eller logga in som en annan användare."
        )
