"""Rights named in SPEC §10, and the check every routine makes before it writes and every guarded query
makes before it reads (docs/decisions/rights-in-queries.md)."""
from __future__ import annotations

from app.errors import NotAllowed

SYSTEM_SETTINGS = "Systeminställningar"
ORGANISATIONS = "Organisationer"
CUSTOMER_JOURNAL = "Kundjournal"
TILL = "Kassa"
ADMIN_USERS = "Administrera användare"
CUSTOMER_ROUTINES = "Kundrutiner"


def missing_right_message(right: str) -> str:
    return f"Du saknar rättigheten ”{right}”. Be en administratör om behörighet eller logga in som en annan användare."


def can(actor, right: str) -> bool:
    """Whether the actor holds the right (for a query that leaves data out rather than refusing)."""
    return right in actor.rights


def require(actor, right: str) -> None:
    """Refuse (NotAllowed, Swedish message) unless the actor holds the right."""
    if not can(actor, right):
        raise NotAllowed(missing_right_message(right))
