"""The data model for the whole of SPEC.md, as SQLAlchemy 2 typed models.

One module holds every table so Alembic sees them all. Conventions:
* money is integer öre (`*_ore`), VAT in basis points (600 = 6 %);
* business dates are `Date`, timestamps are timezone-aware UTC (`UtcDateTime`);
* status values are short English/Swedish codes stored as strings, checked by
  CHECK constraints so both SQLite and PostgreSQL refuse anything else;
* uniqueness that matters for money and access lives in the database:
  one active card per card number, a pre-order used once, one running main
  subscription per person (partial unique indexes, on both databases).
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on both databases (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def search_key(length: int):
    """A folded search-key column. On PostgreSQL it uses the "C" collation, so a prefix range
    [p, p_next) is exactly "starts with p" and is answered by walking the btree index — whatever
    the database's own collation (sv_SE orders "aa" and "å" in ways a range cannot express).
    SQLite's default BINARY collation already orders by code point."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# --------------------------------------------------------------------------
# Users, roles, rights, audit
# --------------------------------------------------------------------------

RIGHTS = (
    ("Systeminställningar", "Ändra inställningar och kundrutiner"),
    ("Organisationer", "Administrera organisationer och förbeställningar"),
    ("Kundjournal", "Läsa och skriva i kundjournalen"),
    ("Kassa", "Ta betalt i kassan"),
    ("Administrera användare", "Skapa och ändra användare och roller"),
    ("Kundrutiner", "Registrera kunder och utföra abonnemangsrutiner"),
)


class Right(Base):
    __tablename__ = "rights"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    description: Mapped[str] = mapped_column(String(200))


class Role(Base):
    __tablename__ = "roles"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    rights: Mapped[list[Right]] = relationship(secondary="role_rights", lazy="selectin")


class RoleRight(Base):
    __tablename__ = "role_rights"
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)
    right_code: Mapped[str] = mapped_column(ForeignKey("rights.code"), primary_key=True)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(160))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    role: Mapped[Role] = relationship(lazy="joined")


LOGIN_THROTTLE_KINDS = ("anvandare", "dator")


class LoginThrottle(Base):
    """Wrong passwords per typed user name and per desk (issue 15 §6, app/auth.py): in the database, so
    a lock-out holds at every desk. One row per (kind, name); a successful log-in removes the user's row."""

    __tablename__ = "login_throttle"
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)   # anvandare / dator
    name: Mapped[str] = mapped_column(String(80), primary_key=True)   # the user name as typed (folded), or the desk
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    __table_args__ = (CheckConstraint(_in("kind", LOGIN_THROTTLE_KINDS), name="kind"),
                      CheckConstraint("failures >= 0", name="failures"))


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(80))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON, masked
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)


class ExecutedCommand(Base):
    """Routine commands by their stable id: a replayed (offline) command runs once."""

    __tablename__ = "executed_commands"
    command_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    routine: Mapped[str] = mapped_column(String(80))
    executed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    result: Mapped[str] = mapped_column(Text, default="{}")


class Counter(Base):
    """Named counters (customer numbers, order numbers) that work on both databases."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


# --------------------------------------------------------------------------
# Settings and configuration
# --------------------------------------------------------------------------


class Setting(Base):
    """Business settings (SPEC §4). Values are JSON; defaults live in app/settings.py."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


SEVERITIES = ("information", "varning", "fel")


class DeviationType(Base):
    """Personstatustyp: each deviation type and its configured severity (SPEC §1.6)."""

    __tablename__ = "deviation_types"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    scope: Mapped[str] = mapped_column(String(20))  # person, abonnemang, medgivande
    severity: Mapped[str] = mapped_column(String(20))
    __table_args__ = (
        CheckConstraint(_in("severity", SEVERITIES), name="severity"),
        CheckConstraint(_in("scope", ("person", "abonnemang", "medgivande")), name="scope"),
    )


class DeviationReason(Base):
    """Avvikelseorsaker, e.g. freeze reasons (type 'frysning')."""

    __tablename__ = "deviation_reasons"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="frysning")
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


# --------------------------------------------------------------------------
# Products and price lists
# --------------------------------------------------------------------------

PRODUCT_KINDS = ("huvud", "tillagg", "vara", "vardekort")
PAYMENT_KINDS = ("AG", "kontant")


class PriceList(Base):
    __tablename__ = "price_lists"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    items: Mapped[list["PriceListItem"]] = relationship(back_populates="price_list")


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(20))
    payment: Mapped[str | None] = mapped_column(String(10))  # AG / kontant; None for one-off items
    price_ore: Mapped[int] = mapped_column(Integer)  # base price per debit interval
    interval_months: Mapped[int] = mapped_column(Integer, default=1)
    validity_months: Mapped[int | None] = mapped_column(Integer)  # kontant: paid period length
    binding_months: Mapped[int] = mapped_column(Integer, default=0)
    notice_months: Mapped[int] = mapped_column(Integer, default=0)
    transfer_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    is_membership_card: Mapped[bool] = mapped_column(Boolean, default=False)
    is_subscription: Mapped[bool] = mapped_column(Boolean, default=True)
    vat_basis_points: Mapped[int] = mapped_column(Integer, default=600)
    clips: Mapped[int | None] = mapped_column(Integer)  # value cards
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (
        CheckConstraint(_in("kind", PRODUCT_KINDS), name="kind"),
        CheckConstraint("payment IS NULL OR " + _in("payment", PAYMENT_KINDS), name="payment"),
        CheckConstraint("price_ore >= 0", name="price"),
    )


class PriceListItem(Base):
    """A product on a price list, at that list's price."""

    __tablename__ = "price_list_items"
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    price_ore: Mapped[int] = mapped_column(Integer)
    price_list: Mapped[PriceList] = relationship(back_populates="items")
    product: Mapped[Product] = relationship(lazy="joined")


ADDON_ROUTINES = ("registrering", "teckna", "organisation", "uthamtning", "overlatelse", "medlemskort")
ADDON_AVAILABILITY = ("valbart", "obligatoriskt", "ej_valbart")


class AddonRule(Base):
    """Which add-on goes with which main product, per routine (valbart/obligatoriskt/ej valbart)."""

    __tablename__ = "addon_rules"
    main_product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    addon_product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    routine: Mapped[str] = mapped_column(String(20), primary_key=True)
    availability: Mapped[str] = mapped_column(String(20))
    addon: Mapped[Product] = relationship(foreign_keys=[addon_product_id], lazy="joined")
    __table_args__ = (
        CheckConstraint(_in("routine", ADDON_ROUTINES), name="routine"),
        CheckConstraint(_in("availability", ADDON_AVAILABILITY), name="availability"),
    )


# --------------------------------------------------------------------------
# Organisations
# --------------------------------------------------------------------------


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_norm: Mapped[str] = mapped_column(search_key(200), index=True)
    org_number: Mapped[str] = mapped_column(String(11), unique=True)  # NNNNNN-NNNN
    price_list_id: Mapped[int | None] = mapped_column(ForeignKey("price_lists.id"))
    uses_preorders: Mapped[bool] = mapped_column(Boolean, default=False)
    account_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    email: Mapped[str | None] = mapped_column(String(254))
    price_list: Mapped[PriceList | None] = relationship(lazy="joined")
    account_manager: Mapped[User | None] = relationship(lazy="joined")


# --------------------------------------------------------------------------
# Persons
# --------------------------------------------------------------------------

CUSTOMER_TYPES = ("ordinarie", "student", "pensionar")
PENSIONER_SUBTYPES = ("alderspensionar", "sjukpensionar_livet_ut", "tillfallig_pensionar", "fortidspensionar")


class Person(Base):
    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_number: Mapped[int] = mapped_column(Integer, unique=True)
    personnummer: Mapped[str | None] = mapped_column(String(12), unique=True)  # 12 digits, canonical
    is_coordination: Mapped[bool] = mapped_column(Boolean, default=False)
    birth_date: Mapped[date] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(1))  # M / K
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    first_name_norm: Mapped[str] = mapped_column(search_key(100))  # lower-case, accents folded
    last_name_norm: Mapped[str] = mapped_column(search_key(100))
    email: Mapped[str | None] = mapped_column(String(254))
    email_norm: Mapped[str | None] = mapped_column(String(254), index=True)
    mobile: Mapped[str | None] = mapped_column(String(30))
    phone_home: Mapped[str | None] = mapped_column(String(30))
    phone_work: Mapped[str | None] = mapped_column(String(30))
    mobile_digits: Mapped[str | None] = mapped_column(String(20), index=True)  # national digits, for search
    phone_home_digits: Mapped[str | None] = mapped_column(String(20), index=True)
    phone_work_digits: Mapped[str | None] = mapped_column(String(20), index=True)
    customer_type: Mapped[str] = mapped_column(String(20), default="ordinarie")
    pensioner_subtype: Mapped[str | None] = mapped_column(String(30))
    price_guarantee_until: Mapped[date | None] = mapped_column(Date)  # prisgaranti t.o.m.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    protected_identity: Mapped[bool] = mapped_column(Boolean, default=False)
    internal_message: Mapped[str | None] = mapped_column(Text)
    customer_message: Mapped[str | None] = mapped_column(Text)  # kundmeddelande (web, kiosk)
    # Marknad (searchable marketing fields)
    marketing_email_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_sms_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_interests: Mapped[str | None] = mapped_column(String(400))
    marketing_source: Mapped[str | None] = mapped_column(String(120))
    # Personal (staff-only fields; the web password is also used by customers)
    staff_employee_number: Mapped[str | None] = mapped_column(String(40))
    staff_position: Mapped[str | None] = mapped_column(String(120))
    staff_notes: Mapped[str | None] = mapped_column(Text)
    web_password_hash: Mapped[str | None] = mapped_column(String(255))
    registered_with_routines: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    addresses: Mapped[list["Address"]] = relationship(back_populates="person", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint(_in("customer_type", CUSTOMER_TYPES), name="customer_type"),
        CheckConstraint(
            "pensioner_subtype IS NULL OR " + _in("pensioner_subtype", PENSIONER_SUBTYPES), name="pensioner_subtype"
        ),
        CheckConstraint("gender IS NULL OR gender IN ('M', 'K')", name="gender"),
        Index("ix_persons_last_first", "last_name_norm", "first_name_norm"),
        Index("ix_persons_first", "first_name_norm"),
        Index("ix_persons_guarantee", "price_guarantee_until"),
        Index("ix_persons_birth", "birth_date"),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Address(Base):
    __tablename__ = "addresses"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # hem / faktura
    street: Mapped[str | None] = mapped_column(String(200))
    co: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    town: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2), default="SE")
    person: Mapped[Person] = relationship(back_populates="addresses")
    __table_args__ = (
        UniqueConstraint("person_id", "kind"),
        CheckConstraint(_in("kind", ("hem", "faktura")), name="kind"),
    )


ID_DOCUMENTS = ("svensk", "utlandsk")
RESIDENCE_PROOFS = ("arbetsintyg", "hyreskontrakt", "ut_kort", "lma_kort")


class CustomerTypeProof(Base):
    """Each time a customer type was certified (Legitimering / Intyga kundtyp)."""

    __tablename__ = "customer_type_proofs"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    customer_type: Mapped[str] = mapped_column(String(20))
    pensioner_subtype: Mapped[str | None] = mapped_column(String(30))
    id_document: Mapped[str] = mapped_column(String(10))
    residence_proof: Mapped[str | None] = mapped_column(String(20))
    proof_kind: Mapped[str | None] = mapped_column(String(40))  # mecenatkort, studentkort, fk_intyg, ppm_intyg, alder, organisation
    valid_until: Mapped[date | None] = mapped_column(Date)
    certified_at: Mapped[datetime] = mapped_column(UtcDateTime)
    certified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    __table_args__ = (
        CheckConstraint(_in("id_document", ID_DOCUMENTS), name="id_document"),
        CheckConstraint("residence_proof IS NULL OR " + _in("residence_proof", RESIDENCE_PROOFS), name="residence"),
    )


class Note(Base):
    """Anteckningar (kind 'anteckning') and Kundjournal entries (kind 'journal')."""

    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    __table_args__ = (CheckConstraint(_in("kind", ("anteckning", "journal")), name="kind"),)


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    only_owner_visible: Mapped[bool] = mapped_column(Boolean, default=False)  # Endast synlig för ansvarig
    processed: Mapped[bool] = mapped_column(Boolean, default=False)
    show_on_web: Mapped[bool] = mapped_column(Boolean, default=False)  # Visas på Internet
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Photo(Base):
    __tablename__ = "photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed: the person card reads the current photo by person (the partial unique index below
    # cannot serve `is_current IS 1`/`IS true`; measured as a full scan, benchmarks/ and docs/performance.md).
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (
        Index("uq_photos_current", "person_id", unique=True,
              sqlite_where=text("is_current"), postgresql_where=text("is_current")),
    )


CARD_STATUSES = ("aktivt", "sparrat")


class Card(Base):
    __tablename__ = "cards"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    card_number: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="aktivt")
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    blocked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    __table_args__ = (
        CheckConstraint(_in("status", CARD_STATUSES), name="status"),
        # A card number is active for one person at most; blocked history is kept.
        Index("uq_cards_active_number", "card_number", unique=True,
              sqlite_where=text("status = 'aktivt'"), postgresql_where=text("status = 'aktivt'")),
        Index("ix_cards_number", "card_number"),
    )


# --------------------------------------------------------------------------
# Subscriptions and freezes
# --------------------------------------------------------------------------

SUBSCRIPTION_STATUSES = ("kommande", "aktivt", "fryst", "framtida_frysning", "uppsagt", "avslutat")
RUNNING = ("aktivt", "fryst", "framtida_frysning")


class Subscription(Base):
    __tablename__ = "subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)  # nyttjare
    payer_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)  # betalare
    price_list_id: Mapped[int | None] = mapped_column(ForeignKey("price_lists.id"))
    price_ore: Mapped[int] = mapped_column(Integer)  # agreed price per debit interval
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"), index=True)  # add-on of
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    start_date: Mapped[date] = mapped_column(Date)
    binding_end: Mapped[date | None] = mapped_column(Date)
    charged_through: Mapped[date | None] = mapped_column(Date, index=True)  # debiterat t.o.m.
    end_date: Mapped[date | None] = mapped_column(Date)  # set when cancelled (uppsagt med slutdatum)
    status: Mapped[str] = mapped_column(String(20), default="aktivt")
    credit_days: Mapped[int] = mapped_column(Integer, default=0)  # dagar tillgodo
    final_payment: Mapped[bool] = mapped_column(Boolean, default=False)  # slutbetald uppsägning
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    product: Mapped[Product] = relationship(lazy="joined")
    addons: Mapped[list["Subscription"]] = relationship(back_populates="parent")
    parent: Mapped["Subscription | None"] = relationship(back_populates="addons", remote_side=[id])
    freezes: Mapped[list["Freeze"]] = relationship(back_populates="subscription", order_by="Freeze.start_date")

    __table_args__ = (
        CheckConstraint(_in("status", SUBSCRIPTION_STATUSES), name="status"),
        CheckConstraint("credit_days >= 0", name="credit_days"),
        # One running main subscription per person, enforced by the database.
        Index("uq_subscriptions_running_main", "user_id", unique=True,
              sqlite_where=text("parent_id IS NULL AND status IN ('aktivt', 'fryst', 'framtida_frysning')"),
              postgresql_where=text("parent_id IS NULL AND status IN ('aktivt', 'fryst', 'framtida_frysning')")),
        Index("ix_subscriptions_status", "status"),
    )


FREEZE_STATUSES = ("framtida", "pagaende", "avslutad", "borttagen")


class Freeze(Base):
    __tablename__ = "freezes"
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason_id: Mapped[int | None] = mapped_column(ForeignKey("deviation_reasons.id"))
    kind: Mapped[str] = mapped_column(String(30), default="normal")  # normal / debitering_under_bindning
    # With "Debitera fryst abonnemang under bindningstiden": frozen days up to and including this day
    # (the binding end) are still charged and become credit days (app.domain.subscriptions.Freeze).
    charged_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    credited_days: Mapped[int] = mapped_column(Integer, default=0)
    agent_name: Mapped[str | None] = mapped_column(String(160))  # ombud
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    subscription: Mapped[Subscription] = relationship(back_populates="freezes")
    __table_args__ = (
        CheckConstraint(_in("status", FREEZE_STATUSES), name="status"),
        CheckConstraint("end_date >= start_date", name="period"),
        Index("ix_freezes_status_dates", "status", "start_date", "end_date"),
    )


# --------------------------------------------------------------------------
# Pre-orders, online purchases
# --------------------------------------------------------------------------

PREORDER_STATUSES = ("oppen", "utnyttjad", "utgangen", "borttagen")


class PreOrder(Base):
    __tablename__ = "preorders"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200))
    personnummer: Mapped[str | None] = mapped_column(String(12), index=True)
    birth_date: Mapped[date | None] = mapped_column(Date, index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(20), default="oppen")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    used_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    used_subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    product: Mapped[Product] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship()
    __table_args__ = (
        CheckConstraint(_in("status", PREORDER_STATUSES), name="status"),
        CheckConstraint("personnummer IS NOT NULL OR birth_date IS NOT NULL", name="identity"),
        CheckConstraint("valid_to >= valid_from", name="validity"),
        # A used pre-order names exactly one person and subscription.
        CheckConstraint("status <> 'utnyttjad' OR used_subscription_id IS NOT NULL", name="used_has_subscription"),
        Index("ix_preorders_org_status", "organisation_id", "status"),
    )


ONLINE_STATUSES = ("vantar", "uthamtad", "makulerad")


class OnlinePurchase(Base):
    """A purchase made on the web that awaits pickup at a desk (Hämta ut onlineköp)."""

    __tablename__ = "online_purchases"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id"))
    customer_type: Mapped[str] = mapped_column(String(20))  # the type claimed online
    price_paid_ore: Mapped[int] = mapped_column(Integer)
    addon_product_ids: Mapped[str] = mapped_column(String(200), default="")  # comma-separated
    registered_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="vantar")
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"))
    picked_up_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    product: Mapped[Product] = relationship(lazy="joined")
    __table_args__ = (CheckConstraint(_in("status", ONLINE_STATUSES), name="status"),)


# --------------------------------------------------------------------------
# Autogiro
# --------------------------------------------------------------------------

MANDATE_STATUSES = ("ny", "hos_bgc", "aktivt", "avvisat", "makulerat")


class AutogiroMandate(Base):
    __tablename__ = "autogiro_mandates"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)  # payer
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_personnummer: Mapped[str] = mapped_column(String(12))
    clearing: Mapped[str] = mapped_column(String(5))
    account_number: Mapped[str] = mapped_column(String(15))
    bank_name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default="ny")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Bankgirot (issue 17): the payer number the mandate was sent with, when it was sent, when Bankgirot
    # approved it, and when Bankgirot's register stopped holding it (we sent TK03, or Bankgirot cancelled
    # or refused it) — a mandate approved and not yet closed is still in Bankgirot's register.
    payer_number: Mapped[str | None] = mapped_column(String(16), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    bgc_closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    __table_args__ = (
        CheckConstraint(_in("status", MANDATE_STATUSES), name="status"),
        # At most one current (not rejected/cancelled) mandate per payer.
        Index("uq_mandates_current", "person_id", unique=True,
              sqlite_where=text("status IN ('ny', 'hos_bgc', 'aktivt')"),
              postgresql_where=text("status IN ('ny', 'hos_bgc', 'aktivt')")),
    )


AUTOGIRO_FILE_KINDS = ("medgivanden", "betalningar", "makuleringar", "medgivandeavisering",
                       "betalningsspecifikation", "avvisade")


class AutogiroFile(Base):
    """A file exchanged with Bankgirot: written (ut) or read (in). An incoming file is read once:
    its sha256 is unique per direction, so reading the same file again changes nothing."""

    __tablename__ = "autogiro_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(30))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    written_on: Mapped[date] = mapped_column(Date)   # the file's own date (TK01)
    records: Mapped[int] = mapped_column(Integer, default=0)
    total_ore: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    __table_args__ = (
        CheckConstraint(_in("direction", ("ut", "in")), name="direction"),
        CheckConstraint(_in("kind", AUTOGIRO_FILE_KINDS), name="kind"),
        UniqueConstraint("direction", "sha256", name="direction_sha256"),
    )


MANDATE_EVENTS = ("skickad", "godkand", "avvisad", "makulerad", "makulering_skickad", "nytt_betalarnummer")


class AutogiroMandateEvent(Base):
    """The mandate's history with Bankgirot, shown on the person card (skickad, godkänd, avvisad …)."""

    __tablename__ = "autogiro_mandate_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    mandate_id: Mapped[int] = mapped_column(ForeignKey("autogiro_mandates.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    event: Mapped[str] = mapped_column(String(20))
    code: Mapped[str | None] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(String(300), default="")
    file_id: Mapped[int | None] = mapped_column(ForeignKey("autogiro_files.id"))
    __table_args__ = (CheckConstraint(_in("event", MANDATE_EVENTS), name="event"),)


DEBIT_STATUSES = ("skickad", "betald", "misslyckad", "avvisad", "makulerad")


class AutogiroDebit(Base):
    """One autogiro debit requested from Bankgirot: the debit of a main subscription (and its add-ons)
    for one debit date. (subscription, debit date) is unique, so exporting twice requests nothing twice.
    The invoice (kind autogiro) is what the person owes until Bankgirot reports the debit paid."""

    __tablename__ = "autogiro_debits"
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    payer_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    mandate_id: Mapped[int | None] = mapped_column(ForeignKey("autogiro_mandates.id", ondelete="SET NULL"))
    payer_number: Mapped[str] = mapped_column(String(16))
    debit_date: Mapped[date] = mapped_column(Date)
    amount_ore: Mapped[int] = mapped_column(Integer)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)  # matched by reference
    status: Mapped[str] = mapped_column(String(20), default="skickad")
    result_code: Mapped[str | None] = mapped_column(String(2))
    result_text: Mapped[str | None] = mapped_column(String(300))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("autogiro_files.id"))
    result_file_id: Mapped[int | None] = mapped_column(ForeignKey("autogiro_files.id"))
    cancel_file_id: Mapped[int | None] = mapped_column(ForeignKey("autogiro_files.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (
        CheckConstraint(_in("status", DEBIT_STATUSES), name="status"),
        CheckConstraint("amount_ore > 0", name="amount"),
        UniqueConstraint("subscription_id", "debit_date", name="subscription_date"),
        Index("ix_autogiro_debits_status_date", "status", "debit_date"),
    )


# --------------------------------------------------------------------------
# Orders, payments, invoices, value cards, bookings
# --------------------------------------------------------------------------

ORDER_STATUSES = ("oppen", "betald", "makulerad")
PAYMENT_METHODS = ("kontant", "kort", "swish", "faktura")


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_number: Mapped[int] = mapped_column(Integer, unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    desk: Mapped[str] = mapped_column(String(80))  # the till (kassa) it opens in
    routine: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="oppen")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    receipt_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    lines: Mapped[list["OrderLine"]] = relationship(back_populates="order", cascade="all, delete-orphan",
                                                    order_by="OrderLine.id")
    payments: Mapped[list["Payment"]] = relationship(back_populates="order", cascade="all, delete-orphan")
    __table_args__ = (
        CheckConstraint(_in("status", ORDER_STATUSES), name="status"),
        Index("ix_orders_desk_status", "desk", "status"),
        Index("ix_orders_person_status", "person_id", "status"),
    )

    @property
    def total_ore(self) -> int:
        return sum(line.amount_ore for line in self.lines)


class OrderLine(Base):
    __tablename__ = "order_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"))
    description: Mapped[str] = mapped_column(String(250))
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price_ore: Mapped[int] = mapped_column(Integer)
    amount_ore: Mapped[int] = mapped_column(Integer)
    vat_basis_points: Mapped[int] = mapped_column(Integer)
    order: Mapped[Order] = relationship(back_populates="lines")


class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(20))
    amount_ore: Mapped[int] = mapped_column(Integer)
    paid_at: Mapped[datetime] = mapped_column(UtcDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    order: Mapped[Order] = relationship(back_populates="payments")
    __table_args__ = (CheckConstraint(_in("method", PAYMENT_METHODS), name="method"),)


INVOICE_STATUSES = ("obetald", "betald", "krediterad")


class Invoice(Base):
    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_number: Mapped[int] = mapped_column(Integer, unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # autogiro / faktura
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    amount_ore: Mapped[int] = mapped_column(Integer)
    paid_ore: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="obetald")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    credited_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    __table_args__ = (
        CheckConstraint(_in("status", INVOICE_STATUSES), name="status"),
        Index("ix_invoices_person_status", "person_id", "status"),
    )


class ValueCard(Base):
    __tablename__ = "value_cards"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    name: Mapped[str] = mapped_column(String(160))
    clips_total: Mapped[int] = mapped_column(Integer)
    clips_left: Mapped[int] = mapped_column(Integer)
    valid_to: Mapped[date | None] = mapped_column(Date)
    bought_on: Mapped[date] = mapped_column(Date)


class Booking(Base):
    __tablename__ = "bookings"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    activity: Mapped[str] = mapped_column(String(160))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    price_ore: Mapped[int] = mapped_column(Integer, default=0)
    debited: Mapped[bool] = mapped_column(Boolean, default=False)


# --------------------------------------------------------------------------
# Outbox and person register (personuppslagning)
# --------------------------------------------------------------------------

OUTBOX_STATUSES = ("vantar", "skickad", "misslyckad")


class OutboxMessage(Base):
    """E-mail and SMS go through here; a worker sends them and retries failures."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # epost / sms
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(250), default="")
    body: Mapped[str] = mapped_column(Text)
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)  # makes jobs idempotent
    status: Mapped[str] = mapped_column(String(20), default="vantar")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    __table_args__ = (
        CheckConstraint(_in("channel", ("epost", "sms")), name="channel"),
        CheckConstraint(_in("status", OUTBOX_STATUSES), name="status"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )


class PersonRegisterEntry(Base):
    """An imported population-register extract used by the local lookup provider."""

    __tablename__ = "person_register"
    personnummer: Mapped[str] = mapped_column(String(12), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    street: Mapped[str | None] = mapped_column(String(200))
    co: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    town: Mapped[str | None] = mapped_column(String(100))
    protected_identity: Mapped[bool] = mapped_column(Boolean, default=False)


class DatabaseInfo(Base):
    """One row: facts about the database itself that every client checks at start."""

    __tablename__ = "database_info"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    min_client_version: Mapped[str] = mapped_column(String(20))
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class Desk(Base):
    """A PC running the client against this database: which version, and when it was last heard from."""

    __tablename__ = "desks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    machine: Mapped[str] = mapped_column(String(100))
    desk_name: Mapped[str] = mapped_column(String(60))
    client_version: Mapped[str] = mapped_column(String(20))
    os: Mapped[str] = mapped_column(String(100))
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_user: Mapped[str | None] = mapped_column(String(60))
    __table_args__ = (UniqueConstraint("machine", "desk_name", name="machine_desk"),)


# --------------------------------------------------------------------------
# Check-in (issue 13): one row per visit, refused ones too
# --------------------------------------------------------------------------

VISIT_VERDICTS = ("valkommen", "nekad", "inslappt")
VISIT_METHODS = ("kort", "manuell")


class Visit(Base):
    """A besök: a swipe or a "Checka in" from the card. A second swipe within the configured minutes
    updates the same row (`swipes`); `local_date`/`local_hour` are the Swedish calendar day and hour
    of `at`, so the day overview groups without time-zone arithmetic in SQL (both databases)."""

    __tablename__ = "visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    card_number: Mapped[str | None] = mapped_column(String(40))  # as swiped; None for "Checka in"
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    local_date: Mapped[date] = mapped_column(Date)
    local_hour: Mapped[int] = mapped_column(Integer)
    desk: Mapped[str] = mapped_column(String(60))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # who was logged in at the desk
    method: Mapped[str] = mapped_column(String(10))
    verdict: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(30))         # the first refusing reason's code
    reason_text: Mapped[str | None] = mapped_column(String(400))   # every refusing reason, as shown
    swipes: Mapped[int] = mapped_column(Integer, default=1)
    let_in_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    let_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    let_in_reason: Mapped[str | None] = mapped_column(String(500))  # FIELD_LIMITS["reason"]
    __table_args__ = (
        CheckConstraint(_in("verdict", VISIT_VERDICTS), name="verdict"),
        CheckConstraint(_in("method", VISIT_METHODS), name="method"),
        CheckConstraint("local_hour >= 0 AND local_hour <= 23", name="local_hour"),
        CheckConstraint("swipes >= 1", name="swipes"),
        Index("ix_visits_person_at", "person_id", "at"),
        Index("ix_visits_card_at", "card_number", "at"),
        Index("ix_visits_day", "local_date", "local_hour", "verdict"),
    )
