"""Organisation administration (SPEC §4 per organisation, §7): the Ekonomi tab and pre-orders.

Every routine here needs the right "Organisationer" (checked by the routine
engine before anything is read or written, whatever the UI shows) and is
audited. Rules:

* UpdateOrganisationEconomy: price list, "Använd förbeställningar", account
  manager. Turning pre-orders ON is refused while the global setting
  "Aktivera möjligheten att använda förbeställningar för organisationer" is off;
  `uses_preorders=None` leaves the flag as it is (the UI sends None when the
  checkbox is hidden), and turning it off is always allowed.
* AddPreOrder: product on the organisation's price list (active main
  subscription), Giltig från ≤ Giltig till and Giltig till not passed, a name,
  a personnummer OR a birth date, a valid e-mail, and no other open pre-order
  for the same person and product at the organisation (matched like the CSV
  import: personnummer, or birth date + name).
* RemovePreOrder: an open or expired pre-order becomes "borttagen" (kept, never
  deleted); a used one is refused.
* ImportPreOrders: the valid rows of a previewed CSV file. Everything is checked
  again inside the transaction against the open pre-orders as they are *now*;
  if any row no longer passes, the whole import is refused with the line
  numbers (the UI shows a fresh preview) — nothing is ever half-imported.
  All rows are written in one transaction with multi-row INSERTs.

Concurrent pre-order writes for one organisation are serialised by locking the
organisation row (PostgreSQL `SELECT … FOR UPDATE`; SQLite's write session
holds the database write lock from the first statement).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.domain.inputs import check_name, max_length
from app.context import Actor
from app.domain.personnummer import parse_personnummer
from app.domain.preorder_csv import (ImportPreview, PreviewRow, _mark_duplicates, _parse_email,
                                     apply_existing_open, clean_name)
from app.errors import Conflict, NotFound, ValidationError
# The unchecked reads: every routine here requires Organisationer (required_rights) before validate runs.
from app.queries.organisations import ORG_GONE, _open_preorder_keys, _price_list_products
from app.rights import ORGANISATIONS
from app.routines.base import Routine
from app.settings import load_settings

PREORDERS_OFF = ("Förbeställningar är inte aktiverade. En administratör kan slå på "
                 "”Aktivera möjligheten att använda förbeställningar för organisationer” under "
                 "Inställningar > Inställningar….")
USED_CANNOT_BE_REMOVED = "En utnyttjad förbeställning kan inte tas bort."
ALREADY_REMOVED = "Förbeställningen är redan borttagen."
DUPLICATE_OPEN = ("Personen har redan en öppen förbeställning på den här produkten hos organisationen. "
                  "Ta bort den först om den ska ersättas.")
NO_PRICE_LIST = ("Organisationen har ingen prislista. Välj en prislista under fliken Ekonomi "
                 "innan du lägger upp förbeställningar.")
NOT_ON_PRICE_LIST = "Produkten finns inte på organisationens prislista. Välj en annan produkt."
INSERT_CHUNK = 1000
MAX_NAME = max_length("name")  # PreOrder.name


# --------------------------------------------------------------------------
# Shared checks
# --------------------------------------------------------------------------


def _lock_organisation(session: Session, org_id: int):
    from db.models import Organisation

    org = session.scalar(select(Organisation).where(Organisation.id == org_id)
                       .with_for_update(of=Organisation))
    if org is None:
        raise NotFound(ORG_GONE)
    return org


def _check_product(session: Session, org, product_id: int) -> None:
    if org.price_list_id is None:
        raise ValidationError(NO_PRICE_LIST, field="product")
    if product_id not in {p.id for p in _price_list_products(session, org.id)}:
        raise ValidationError(NOT_ON_PRICE_LIST, field="product")


def check_validity(valid_from: date | None, valid_to: date | None, today: date) -> None:
    """Giltig från/till: both given, from ≤ to, and the period not already over."""
    if valid_from is None:
        raise ValidationError("Ange Giltig från.", field="valid_from")
    if valid_to is None:
        raise ValidationError("Ange Giltig till.", field="valid_to")
    if valid_from > valid_to:
        raise ValidationError("Giltig till måste vara samma dag som Giltig från eller senare.", field="valid_to")
    if valid_to < today:
        raise ValidationError("Giltig till har redan passerat. Välj ett datum från och med i dag.",
                              field="valid_to")


# --------------------------------------------------------------------------
# Ekonomi
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class EconomyCommand:
    organisation_id: int
    price_list_id: int | None
    account_manager_id: int | None
    uses_preorders: bool | None = None   # None = unchanged (the checkbox is hidden)
    command_id: str | None = None


class UpdateOrganisationEconomy(Routine[EconomyCommand, None]):
    """Ekonomi tab: price list, "Använd förbeställningar", account manager (kundansvarig)."""

    name = "uppdatera_organisation_ekonomi"
    required_rights = (ORGANISATIONS,)

    def validate(self, session: Session, command: EconomyCommand) -> None:
        from db.models import PriceList, User

        org = _lock_organisation(session, command.organisation_id)
        if command.price_list_id is not None and session.get(PriceList, command.price_list_id) is None:
            raise NotFound("Prislistan finns inte längre. Välj en annan.", field="price_list")
        if command.account_manager_id is not None:
            user = session.get(User, command.account_manager_id)
            if user is None or not user.active:
                raise ValidationError("Den valda kundansvariga användaren finns inte eller är inaktiverad.",
                                      field="account_manager")
        if command.uses_preorders and not org.uses_preorders and not load_settings(session).preorders_enabled:
            raise ValidationError(PREORDERS_OFF, field="uses_preorders")

    def perform(self, session: Session, command: EconomyCommand, actor: Actor):
        org = _lock_organisation(session, command.organisation_id)
        org.price_list_id = command.price_list_id
        org.account_manager_id = command.account_manager_id
        if command.uses_preorders is not None:
            org.uses_preorders = command.uses_preorders
        return None, "organisation", org.id


# --------------------------------------------------------------------------
# Lägg till
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AddPreOrderCommand:
    organisation_id: int
    product_id: int
    valid_from: date
    valid_to: date
    name: str
    personnummer: str = ""              # given: birth date comes from it
    birth_date: date | None = None      # for people without a Swedish personnummer
    email: str = ""
    command_id: str | None = None


@dataclass(frozen=True)
class CheckedPerson:
    name: str
    personnummer: str | None
    birth_date: date
    email: str


def check_person(name: str, personnummer: str, birth_date: date | None, email: str, today: date) -> CheckedPerson:
    """Namn, personnummer or födelsedatum, e-post — raises ValidationError naming the field."""
    cleaned = clean_name(check_name(name, "name", "Ange namn."))
    if any(ch.isdigit() or ch == "@" for ch in cleaned):
        raise ValidationError("Namnet får inte innehålla siffror eller @.", field="name")
    if len(cleaned) > MAX_NAME:
        raise ValidationError(f"Namnet är för långt (högst {MAX_NAME} tecken).", field="name")
    digits12 = None
    if (personnummer or "").strip():
        if birth_date is not None:
            raise ValidationError("Ange personnummer eller födelsedatum, inte båda.", field="birth_date")
        parsed = parse_personnummer(personnummer, today)
        digits12, birth_date = parsed.digits12, parsed.birth_date
    elif birth_date is None:
        raise ValidationError("Ange personnummer eller födelsedatum.", field="personnummer")
    elif birth_date > today:
        raise ValidationError("Födelsedatumet ligger i framtiden.", field="birth_date")
    elif birth_date.year < 1900:
        raise ValidationError("Födelsedatumet ligger före år 1900.", field="birth_date")
    if not (email or "").strip():
        raise ValidationError("Ange e-postadress.", field="email")
    checked_email, error = _parse_email(email)
    if error:
        raise ValidationError("E-postadressen är ogiltig. Skriv den som namn@exempel.se.", field="email")
    return CheckedPerson(cleaned, digits12, birth_date, checked_email)


def _preview_of(rows: list[PreviewRow]) -> ImportPreview:
    return ImportPreview(rows=rows, encoding="utf-8", delimiter=";", header_skipped=False)


class AddPreOrder(Routine[AddPreOrderCommand, int]):
    """Lägg till: one pre-order for one person. Returns the new pre-order's id."""

    name = "lagg_till_forbestallning"
    required_rights = (ORGANISATIONS,)

    def _checked(self, command: AddPreOrderCommand) -> CheckedPerson:
        return check_person(command.name, command.personnummer, command.birth_date, command.email,
                            self.core.clock.today())

    def validate(self, session: Session, command: AddPreOrderCommand) -> None:
        org = _lock_organisation(session, command.organisation_id)
        _check_product(session, org, command.product_id)
        check_validity(command.valid_from, command.valid_to, self.core.clock.today())
        person = self._checked(command)
        row = PreviewRow(0, [], person.name, person.personnummer, person.birth_date, person.email)
        marked = apply_existing_open(_preview_of([row]),
                                     _open_preorder_keys(session, org.id, command.product_id))
        if not marked.rows[0].ok:
            raise Conflict(DUPLICATE_OPEN, field="personnummer" if person.personnummer else "birth_date")

    def perform(self, session: Session, command: AddPreOrderCommand, actor: Actor):
        from db.models import PreOrder

        person = self._checked(command)
        preorder = PreOrder(organisation_id=command.organisation_id, product_id=command.product_id,
                            valid_from=command.valid_from, valid_to=command.valid_to, name=person.name,
                            personnummer=person.personnummer, birth_date=person.birth_date, email=person.email,
                            status="oppen", created_at=self.core.clock.now(), created_by=actor.user_id)
        session.add(preorder)
        session.flush()
        return preorder.id, "forbestallning", preorder.id


# --------------------------------------------------------------------------
# Ta bort
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RemovePreOrderCommand:
    preorder_id: int
    command_id: str | None = None


class RemovePreOrder(Routine[RemovePreOrderCommand, None]):
    """Ta bort: the pre-order gets status "borttagen". A used pre-order cannot be removed."""

    name = "ta_bort_forbestallning"
    required_rights = (ORGANISATIONS,)

    def _preorder(self, session: Session, command: RemovePreOrderCommand):
        from db.models import PreOrder

        preorder = session.get(PreOrder, command.preorder_id)
        if preorder is None:
            raise NotFound("Förbeställningen finns inte längre.")
        return preorder

    def validate(self, session: Session, command: RemovePreOrderCommand) -> None:
        self._refuse(self._preorder(session, command).status)

    @staticmethod
    def _refuse(status: str) -> None:
        if status == "utnyttjad":
            raise Conflict(USED_CANNOT_BE_REMOVED)
        if status == "borttagen":
            raise Conflict(ALREADY_REMOVED)

    def perform(self, session: Session, command: RemovePreOrderCommand, actor: Actor):
        from db.models import PreOrder

        # Conditional: a desk that uses the pre-order at this very moment wins, and we refuse.
        done = session.execute(update(PreOrder)
                               .where(PreOrder.id == command.preorder_id,
                                      PreOrder.status.in_(("oppen", "utgangen")))
                               .values(status="borttagen")
                               .execution_options(synchronize_session=False))
        if done.rowcount != 1:
            session.expire_all()
            self._refuse(self._preorder(session, command).status)
            raise Conflict("Förbeställningen ändrades samtidigt av någon annan. Försök igen.")
        return None, "forbestallning", command.preorder_id


# --------------------------------------------------------------------------
# Importera
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRow:
    """One valid row of the previewed file (see app.domain.preorder_csv.PreviewRow)."""

    line_no: int
    name: str
    personnummer: str | None
    birth_date: date | None
    email: str | None

    @classmethod
    def from_preview(cls, row: PreviewRow) -> "ImportRow":
        return cls(row.line_no, row.name, row.personnummer, row.birth_date, row.email)


@dataclass(frozen=True)
class ImportPreOrdersCommand:
    organisation_id: int
    product_id: int
    valid_from: date
    valid_to: date
    rows: tuple[ImportRow, ...]
    command_id: str | None = None


@dataclass(frozen=True)
class RowProblem:
    line_no: int
    reasons: tuple[str, ...]


class ImportRefused(Conflict):
    """Rows that passed the preview no longer pass (e.g. a pre-order was added meanwhile)."""

    def __init__(self, problems: list[RowProblem]) -> None:
        lines = ", ".join(str(p.line_no) for p in problems[:20]) + (" …" if len(problems) > 20 else "")
        super().__init__(f"Ingenting importerades: rad {lines} går inte längre att importera "
                         f"({problems[0].reasons[0].rstrip('.').lower()}). Läs in filen igen.")
        self.problems = problems


def recheck_rows(rows: tuple[ImportRow, ...], today: date, existing_keys: set[str]) -> list[RowProblem]:
    """Every row again: name, personnummer/birth date, e-mail, duplicates in the batch and against
    the open pre-orders."""
    preview_rows = []
    for row in rows:
        errors = []
        try:
            checked = check_person(row.name, row.personnummer or "", None if row.personnummer else row.birth_date,
                                   row.email or "", today)
        except ValidationError as err:
            errors.append(err.message)
            checked = None
        if checked is not None and checked.personnummer != row.personnummer:
            errors.append("Personnumret stämmer inte med förhandsgranskningen")
        preview_rows.append(PreviewRow(row.line_no, [], row.name, row.personnummer, row.birth_date, row.email,
                                       errors))
    marked = apply_existing_open(_preview_of(_mark_duplicates(preview_rows)), existing_keys)
    return [RowProblem(r.line_no, tuple(r.errors)) for r in marked.rows if not r.ok]


class ImportPreOrders(Routine[ImportPreOrdersCommand, int]):
    """Importera: writes all rows in one transaction and returns how many were written.

    `progress(done, total)` is called from the executing thread as rows are written.
    """

    name = "importera_forbestallningar"
    required_rights = (ORGANISATIONS,)
    input_rules_checked_by_routine = ("rows",)  # row by row in _recheck, with line numbers

    def __init__(self, core, progress: Callable[[int, int], None] | None = None) -> None:
        super().__init__(core)
        self.progress = progress

    def audit_details(self, command: ImportPreOrdersCommand) -> dict:
        # One row per imported person would make a megabyte-sized audit entry; the pre-orders
        # themselves carry created_by/created_at.
        return {"organisation_id": command.organisation_id, "product_id": command.product_id,
                "valid_from": command.valid_from, "valid_to": command.valid_to, "rows": len(command.rows),
                "lines": [row.line_no for row in command.rows][:50]}

    def validate(self, session: Session, command: ImportPreOrdersCommand) -> None:
        org = _lock_organisation(session, command.organisation_id)
        _check_product(session, org, command.product_id)
        today = self.core.clock.today()
        check_validity(command.valid_from, command.valid_to, today)
        if not command.rows:
            raise ValidationError("Det finns inga giltiga rader att importera.", field="fil")
        problems = recheck_rows(command.rows, today, _open_preorder_keys(session, org.id, command.product_id))
        if problems:
            raise ImportRefused(problems)

    def perform(self, session: Session, command: ImportPreOrdersCommand, actor: Actor):
        from db.models import PreOrder

        now = self.core.clock.now()
        values = [dict(organisation_id=command.organisation_id, product_id=command.product_id,
                       valid_from=command.valid_from, valid_to=command.valid_to, name=row.name,
                       personnummer=row.personnummer, birth_date=row.birth_date, email=row.email,
                       status="oppen", created_at=now, created_by=actor.user_id)
                  for row in command.rows]
        total = len(values)
        for start in range(0, total, INSERT_CHUNK):
            session.execute(insert(PreOrder), values[start:start + INSERT_CHUNK])
            if self.progress is not None:
                self.progress(min(start + INSERT_CHUNK, total), total)
        return total, "organisation", command.organisation_id
