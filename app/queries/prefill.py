"""What is known about a personnummer that is not a customer yet, to prefill Personuppgifter (SPEC §5, seed 002:
"Har man personuppslagningen påslagen kommer personuppgifterna automatiskt att vara ifyllda").

Two sources, both already in the system: the configured Personuppslagning (app/lookup.py — the local register
or the HTTP service; called from a worker thread, never the UI thread) for name and address, and an open, valid
pre-order with the same personnummer for the e-mail address (and the name when the lookup has none). A protected
identity never gives an address. The page fills only fields that are still empty: what was typed stays.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.lookup import LookupProvider, provider_from_settings
from app.settings import load_settings

REGISTER_SOURCE = "personuppslagningen"
PREORDER_SOURCE = "förbeställningen"


@dataclass(frozen=True)
class Prefill:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    street: str = ""
    co: str = ""
    postal_code: str = ""
    town: str = ""
    protected_identity: bool = False
    sources: tuple[str, ...] = ()


def _split_name(name: str) -> tuple[str, str]:
    parts = name.split()
    if not parts:
        return "", ""
    return parts[0], " ".join(parts[1:])


def prefill_for_personnummer(session: Session, digits12: str, today: date,
                             provider: LookupProvider | None) -> Prefill | None:
    """Name, address and e-mail for a personnummer from the lookup and open pre-orders; None when neither knows it.
    Raises app.lookup.LookupUnavailable when the HTTP service does not answer."""
    from db.models import PreOrder

    found = provider.lookup(digits12) if provider is not None else None
    preorder = session.scalars(select(PreOrder).where(PreOrder.personnummer == digits12, PreOrder.status == "oppen",
                                                      PreOrder.valid_from <= today, PreOrder.valid_to >= today)
                               .order_by(PreOrder.valid_to, PreOrder.id).limit(1)).first()
    if found is None and preorder is None:
        return None
    sources = []
    values: dict = {}
    if found is not None:
        shown = found.shown()
        values.update(first_name=shown.first_name, last_name=shown.last_name, street=shown.street, co=shown.co,
                      postal_code=shown.postal_code, town=shown.town, protected_identity=shown.protected_identity)
        sources.append(REGISTER_SOURCE)
    if preorder is not None:
        if found is None:
            values["first_name"], values["last_name"] = _split_name(preorder.name)
        values["email"] = preorder.email or ""
        sources.append(PREORDER_SOURCE)
    return Prefill(**values, sources=tuple(sources))


def prefill_with_settings(session: Session, sessions: sessionmaker[Session], digits12: str,
                          today: date) -> Prefill | None:
    """:func:`prefill_for_personnummer` with the provider the business settings configure (None: lookup off)."""
    return prefill_for_personnummer(session, digits12, today, provider_from_settings(load_settings(session), sessions))
