"""Read side of organisations (SPEC §2.3, §7): search, the organisation card, its pre-orders.

Search is shared with the registration wizard (`app.queries.catalog.search_organisations`):
organisationsnummer exact in any formatting, else a name prefix on the folded name
(`name_norm` range query, index-backed). Rows are frozen dataclasses, never ORM
objects, so widgets can keep them and worker threads can hand them over.

Pre-order statuses (stored codes → Swedish UI words): oppen "Öppen",
utnyttjad "Utnyttjad", utgangen "Utgången", borttagen "Borttagen".

Rights (docs/decisions/rights-in-queries.md): the reads that exist to administer organisations and
pre-orders take the actor and require the right Organisationer (`list_preorders`,
`products_on_org_price_list`, `open_preorder_keys`, `price_lists`, `account_manager_choices`).
`load_organisation_card` is a desk read for everyone, but leaves the pre-order rows (names,
personnummer, e-mail of people who may not be customers) out for an actor without the right.
The routines in app/routines/organisations.py check Organisationer before they validate and use the
unchecked `_price_list_products` / `_open_preorder_keys` below; nothing else may.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.context import Actor
from app.domain.inputs import ascii_key, searchable
from app.domain.preorder_csv import person_keys
from app.domain.text import fold
from app.errors import NotFound
from app.queries.catalog import OrganisationRow, search_organisations
from app.rights import ORGANISATIONS, can, require

__all__ = [
    "OrganisationRow", "search_organisations", "OrganisationCard", "PreOrderListRow", "ProductChoice", "Choice",
    "STATUS_LABELS", "load_organisation_card", "list_preorders", "products_on_org_price_list", "price_lists",
    "account_manager_choices", "open_preorder_keys", "preorder_matches", "swedish_sort_key", "ORG_GONE",
]

STATUS_LABELS = {"oppen": "Öppen", "utnyttjad": "Utnyttjad", "utgangen": "Utgången", "borttagen": "Borttagen"}
ORG_GONE = "Organisationen finns inte längre. Sök fram den igen."
CARD_PREORDER_LIMIT = 500


@dataclass(frozen=True)
class PreOrderListRow:
    id: int
    product_id: int
    product_name: str
    valid_from: date
    valid_to: date
    name: str
    personnummer: str | None     # 12 digits
    birth_date: date | None
    email: str | None
    status: str
    created_at: datetime
    created_by: str | None
    used_at: datetime | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def identity(self) -> str:
        """Personnummer as YYYYMMDD-NNNN, else the birth date."""
        if self.personnummer:
            return f"{self.personnummer[:8]}-{self.personnummer[8:]}"
        return self.birth_date.isoformat() if self.birth_date else ""

    @property
    def removable(self) -> bool:
        return self.status in ("oppen", "utgangen")


@dataclass(frozen=True)
class OrganisationCard:
    id: int
    name: str
    org_number: str
    price_list_id: int | None
    price_list_name: str | None
    uses_preorders: bool
    account_manager_id: int | None
    account_manager_name: str | None
    open_preorders_count: int
    open_preorders: tuple[PreOrderListRow, ...] | None   # at most CARD_PREORDER_LIMIT, by name;
                                                          # None without the right Organisationer


@dataclass(frozen=True)
class ProductChoice:
    id: int
    name: str
    price_ore: int               # the organisation's price list price


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


def _preorder_query():
    from db.models import PreOrder, Product, User

    return (select(PreOrder.id, PreOrder.product_id, Product.name, PreOrder.valid_from, PreOrder.valid_to,
                   PreOrder.name, PreOrder.personnummer, PreOrder.birth_date, PreOrder.email, PreOrder.status,
                   PreOrder.created_at, User.full_name, PreOrder.used_at)
            .join(Product, Product.id == PreOrder.product_id)
            .outerjoin(User, User.id == PreOrder.created_by))


_SWEDISH_LAST = str.maketrans({"å": "z\x01", "ä": "z\x02", "ö": "z\x03", "æ": "z\x02", "ø": "z\x03"})


def swedish_sort_key(text: str) -> str:
    """Swedish alphabetical order (… x y z å ä ö), the same on SQLite and PostgreSQL whatever the collation."""
    return text.casefold().translate(_SWEDISH_LAST)


def _rows(session: Session, query) -> list[PreOrderListRow]:
    rows = [PreOrderListRow(*row) for row in session.execute(query)]
    return sorted(rows, key=lambda r: (swedish_sort_key(r.name), r.id))


def _organisation(session: Session, org_id: int):
    from db.models import Organisation

    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(ORG_GONE)
    return org


def load_organisation_card(session: Session, actor: Actor, org_id: int) -> OrganisationCard:
    """What the organisation card shows: number, price list, pre-order use, account manager, open pre-orders
    (the rows only for an actor with the right Organisationer; the count for everyone)."""
    from db.models import PreOrder

    org = _organisation(session, org_id)
    is_open = (PreOrder.organisation_id == org_id) & (PreOrder.status == "oppen")
    count = session.scalar(select(func.count()).select_from(PreOrder).where(is_open)) or 0
    rows = None
    if can(actor, ORGANISATIONS):
        rows = tuple(_rows(session, _preorder_query().where(is_open).order_by(PreOrder.name, PreOrder.id)
                           .limit(CARD_PREORDER_LIMIT)))
    manager = org.account_manager
    return OrganisationCard(org.id, org.name, org.org_number, org.price_list_id,
                            org.price_list.name if org.price_list else None, org.uses_preorders,
                            manager.id if manager else None, manager.full_name if manager else None,
                            count, rows)


def list_preorders(session: Session, actor: Actor, org_id: int, status: str | None = None,
                   text: str = "") -> list[PreOrderListRow]:
    """The organisation's pre-orders, optionally of one status, filtered by name, number, date or e-mail.

    The text matches case- and accent-insensitively inside the name or e-mail, or as
    digits inside the personnummer / birth date. Requires the right Organisationer.
    """
    from db.models import PreOrder

    require(actor, ORGANISATIONS)
    _organisation(session, org_id)
    query = _preorder_query().where(PreOrder.organisation_id == org_id)
    if status is not None:
        if status not in STATUS_LABELS:
            raise ValueError(f"unknown pre-order status {status!r}")
        query = query.where(PreOrder.status == status)
    rows = _rows(session, query.order_by(PreOrder.name, PreOrder.id))
    return [row for row in rows if preorder_matches(row, text)]


def preorder_matches(row: PreOrderListRow, text: str) -> bool:
    """The text filter of the pre-order table (shared by the query and the dialog's proxy model)."""
    text = searchable(ascii_key(text))
    key = fold(text)
    if not key:
        return True
    if key in fold(row.name) or (row.email and key in row.email.lower()):
        return True
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        return False
    birth = row.birth_date.strftime("%Y%m%d") if row.birth_date else ""
    return digits in (row.personnummer or "") or digits in birth


def products_on_org_price_list(session: Session, actor: Actor, org_id: int) -> list[ProductChoice]:
    """Products a pre-order may be for: active main subscriptions on the organisation's price list.

    Empty when the organisation has no price list. AddPreOrder and ImportPreOrders
    accept exactly these products. Requires the right Organisationer.
    """
    require(actor, ORGANISATIONS)
    return _price_list_products(session, org_id)


def _price_list_products(session: Session, org_id: int) -> list[ProductChoice]:
    """products_on_org_price_list without the right check: only for routines, which checked it already."""
    from db.models import PriceListItem, Product

    org = _organisation(session, org_id)
    if org.price_list_id is None:
        return []
    query = (select(Product.id, Product.name, PriceListItem.price_ore)
             .join(PriceListItem, PriceListItem.product_id == Product.id)
             .where(PriceListItem.price_list_id == org.price_list_id, Product.active.is_(True),
                    Product.kind == "huvud")
             .order_by(Product.name, Product.id))
    return [ProductChoice(*row) for row in session.execute(query)]


def price_lists(session: Session, actor: Actor) -> list[Choice]:
    """The price lists an organisation may get (Ekonomi). Requires the right Organisationer."""
    from db.models import PriceList

    require(actor, ORGANISATIONS)
    return [Choice(*row) for row in session.execute(select(PriceList.id, PriceList.name).order_by(PriceList.name))]


def account_manager_choices(session: Session, actor: Actor) -> list[Choice]:
    """Active users, by name: who can be an organisation's kundansvarig. Requires the right Organisationer."""
    from db.models import User

    require(actor, ORGANISATIONS)
    query = select(User.id, User.full_name).where(User.active.is_(True)).order_by(User.full_name, User.id)
    return [Choice(*row) for row in session.execute(query)]


def open_preorder_keys(session: Session, actor: Actor, org_id: int, product_id: int) -> set[str]:
    """Person keys (`person_keys`) of the open pre-orders for this product at this organisation.
    Requires the right Organisationer."""
    require(actor, ORGANISATIONS)
    return _open_preorder_keys(session, org_id, product_id)


def _open_preorder_keys(session: Session, org_id: int, product_id: int) -> set[str]:
    """open_preorder_keys without the right check: only for routines, which checked it already."""
    from db.models import PreOrder

    query = select(PreOrder.personnummer, PreOrder.birth_date, PreOrder.name).where(
        PreOrder.organisation_id == org_id, PreOrder.product_id == product_id, PreOrder.status == "oppen")
    keys: set[str] = set()
    for personnummer, birth_date, name in session.execute(query):
        keys |= person_keys(personnummer, birth_date, name)
    return keys
