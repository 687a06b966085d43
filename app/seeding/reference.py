"""Reference data every database needs: rights, standard roles and deviation types."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import RIGHTS, DeviationType, Right, Role

# (code, name, scope, default severity) — SPEC §1.6
DEVIATION_TYPES = (
    ("skuld", "Skuld", "person", "fel"),
    ("saknar_foto", "Saknar foto", "person", "information"),
    ("saknar_kortnummer", "Saknar kortnummer", "person", "varning"),
    ("sparrat_kort", "Spärrat kort", "person", "fel"),
    ("kundtyp_gar_ut", "Kundtypen går ut snart", "person", "varning"),
    ("kundtyp_har_gatt_ut", "Kundtypen har gått ut", "person", "varning"),
    ("internt_meddelande", "Internt meddelande finns", "person", "information"),
    ("slapande", "Abonnemanget är släpande", "abonnemang", "varning"),
    ("fryst", "Abonnemanget är fryst", "abonnemang", "information"),
    ("framtida_frysning", "Framtida frysning", "abonnemang", "information"),
    ("uppsagt", "Abonnemanget är uppsagt", "abonnemang", "information"),
    ("annan_betalare", "Annan betalare", "abonnemang", "information"),
    ("ag_medgivande_saknas", "AG-medgivande saknas", "medgivande", "fel"),
    ("ag_medgivande_avvisat", "AG-medgivande avvisat", "medgivande", "fel"),
    ("medgivande_hos_bgc", "Medgivandet är hos BGC", "medgivande", "information"),
    ("ag_dragning_misslyckad", "Autogirodragning misslyckades", "person", "fel"),
)

STANDARD_ROLES = {
    "Receptionist": ("Kundrutiner", "Kassa"),
    "Kundansvarig": ("Kundrutiner", "Kassa", "Organisationer", "Kundjournal"),
    "Administratör": tuple(code for code, _ in RIGHTS),
}


def ensure_reference_data(session: Session) -> None:
    """Idempotent: adds what is missing, never changes what an admin configured."""
    from app.counters import START
    from db.models import Counter

    have_counters = set(session.scalars(select(Counter.name)))
    for name, first in START.items():
        if name not in have_counters:
            # The row exists before any desk takes a number, so two desks taking the very first
            # number both UPDATE the same row (serialised by its lock) instead of both INSERTing.
            session.add(Counter(name=name, value=first - 1))
    have_rights = set(session.scalars(select(Right.code)))
    for code, description in RIGHTS:
        if code not in have_rights:
            session.add(Right(code=code, description=description))
    have_types = set(session.scalars(select(DeviationType.code)))
    for code, name, scope, severity in DEVIATION_TYPES:
        if code not in have_types:
            session.add(DeviationType(code=code, name=name, scope=scope, severity=severity))
    session.flush()
    have_roles = set(session.scalars(select(Role.name)))
    for name, rights in STANDARD_ROLES.items():
        if name not in have_roles:
            role = Role(name=name)
            role.rights = [session.get(Right, code) for code in rights]
            session.add(role)
    session.flush()
