"""Small data builders for the registration tests: price lists, products, add-on rules, organisations,
pre-orders, persons, subscriptions, online purchases, settings — written straight to the database."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timezone

from sqlalchemy import func, select

from app.domain.legitimation import Legitimation
from app.domain.text import fold
from app.routines.person_data import AddressData, PersonData, insert_person, validate_person_data
from app.routines.registration_data import AccessData, MandateData, ProductChoice, Registration
from app.settings import save_setting

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 22)
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"


def pnr(birth: str, serial: str = "123") -> str:
    """A valid personnummer YYYYMMDD-NNNC for the birth date and serial (Luhn check digit computed)."""
    digits = birth[2:] + serial
    total = 0
    for i, ch in enumerate(digits):
        v = int(ch) * (2 if i % 2 == 0 else 1)
        total += v - 9 if v > 9 else v
    return f"{birth}-{serial}{(10 - total % 10) % 10}"


@dataclass
class Catalog:
    ordinarie: int
    student: int
    org_list: int
    gym_ag: int          # AG, monthly, 400 kr ordinarie / 300 kr student / 250 kr organisation, binding 12
    gym_kontant: int     # kontant, 12 months, 4 800 kr ordinarie / 3 600 kr student
    student_only: int    # only on the student list
    admin_fee: int       # one-off, mandatory with gym_ag in registration routines, 200 kr, 25 % VAT
    towel: int           # AG add-on subscription, optional, 50 kr/month
    insurance: int       # ej valbart in the registration routines
    card_product: int    # membership-card product, 100 kr


def count(core, model) -> int:
    with core.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def counts(core) -> dict[str, int]:
    """Row counts of every table a registration writes to — for 'nothing was written' assertions."""
    from db.models import (AuditEntry, AutogiroMandate, Card, CustomerTypeProof, ExecutedCommand, Order,
                           OutboxMessage, Person, Photo, PreOrder, Subscription)

    return {m.__tablename__: count(core, m) for m in (
        Person, Subscription, Order, Card, Photo, AutogiroMandate, CustomerTypeProof, OutboxMessage, AuditEntry,
        ExecutedCommand, PreOrder)}


def init_counters(core) -> None:
    """Create the number counters up front (the very first number of a fresh database is not under test)."""
    from app.counters import START
    from db.models import Counter

    from sqlalchemy import select

    with core.sessions() as s, s.begin():  # the reference seed creates them too: add only what is missing
        have = set(s.scalars(select(Counter.name)))
        for name, start in START.items():
            if name not in have:
                s.add(Counter(name=name, value=start - 1))


def settings(core, **values) -> None:
    with core.sessions() as s, s.begin():
        for key, value in values.items():
            save_setting(s, key, value)


def build_catalog(core, *, student_list: bool = True) -> Catalog:
    from db.models import AddonRule, PriceList, PriceListItem, Product

    with core.sessions() as s, s.begin():
        lists = [PriceList(name=n) for n in ("Ordinarie", "Student", "Företag AB-avtal")]
        s.add_all(lists)

        def product(code, name, kind, payment, price, **kw):
            p = Product(code=code, name=name, kind=kind, payment=payment, price_ore=price, **kw)
            s.add(p)
            return p

        gym_ag = product("AG", "Gym AG", "huvud", "AG", 40000, interval_months=1, binding_months=12, notice_months=1)
        gym_k = product("K12", "Gym 12 månader", "huvud", "kontant", 480000, validity_months=12)
        student_only = product("STU", "Studentgym AG", "huvud", "AG", 20000)
        fee = product("ADM", "Administrationsavgift", "vara", None, 20000, is_subscription=False,
                      vat_basis_points=2500)
        towel = product("HAND", "Handduksabonnemang", "tillagg", "AG", 5000)
        insurance = product("OLY", "Olycksfallsförsäkring", "tillagg", "AG", 3000)
        card = product("KORT", "Medlemskort", "vara", None, 10000, is_subscription=False, is_membership_card=True,
                       vat_basis_points=2500)
        s.flush()
        ordinarie, student, org = lists
        for pl, prod, price in ((ordinarie, gym_ag, 40000), (ordinarie, gym_k, 480000), (ordinarie, towel, 5000),
                                (student, gym_ag, 30000), (student, gym_k, 360000), (student, student_only, 20000),
                                (org, gym_ag, 25000), (org, gym_k, 300000)):
            s.add(PriceListItem(price_list_id=pl.id, product_id=prod.id, price_ore=price))
        for routine in ("registrering", "teckna", "organisation", "uthamtning"):
            s.add(AddonRule(main_product_id=gym_ag.id, addon_product_id=fee.id, routine=routine,
                            availability="obligatoriskt"))
            s.add(AddonRule(main_product_id=gym_ag.id, addon_product_id=towel.id, routine=routine,
                            availability="valbart"))
            s.add(AddonRule(main_product_id=gym_ag.id, addon_product_id=insurance.id, routine=routine,
                            availability="ej_valbart"))
        s.flush()
        save_setting(s, "price_list_ordinarie", ordinarie.id)
        if student_list:
            save_setting(s, "price_list_student", student.id)
        save_setting(s, "membership_card_products", [card.id])
        return Catalog(ordinarie.id, student.id, org.id, gym_ag.id, gym_k.id, student_only.id, fee.id, towel.id,
                       insurance.id, card.id)


def add_manager(core, email: str | None = "kam@klubben.se") -> int:
    from db.models import Role, User

    with core.sessions() as s, s.begin():
        role = s.scalar(select(Role).where(Role.name == "Kundansvarig"))
        user = User(username="kam", full_name="Karin Kundansvarig", email=email, password_hash="x", role_id=role.id)
        s.add(user)
        s.flush()
        return user.id


def add_organisation(core, name: str = "Företag AB", org_number: str = "556016-0680", *,
                     price_list_id: int | None = None, uses_preorders: bool = False,
                     account_manager_id: int | None = None) -> int:
    from db.models import Organisation

    with core.sessions() as s, s.begin():
        org = Organisation(name=name, name_norm=fold(name), org_number=org_number, price_list_id=price_list_id,
                           uses_preorders=uses_preorders, account_manager_id=account_manager_id)
        s.add(org)
        s.flush()
        return org.id


def add_preorder(core, organisation_id: int, product_id: int, *, personnummer: str | None = None,
                 birth_date: date | None = None, name: str = "Anna Öberg", valid_from: date = date(2026, 11, 1),
                 valid_to: date = date(2026, 12, 31), status: str = "oppen") -> int:
    from db.models import PreOrder

    with core.sessions() as s, s.begin():
        row = PreOrder(organisation_id=organisation_id, product_id=product_id, valid_from=valid_from,
                       valid_to=valid_to, name=name, personnummer=personnummer, birth_date=birth_date,
                       email="anna@foretag.se", status=status, created_at=NOW)
        s.add(row)
        s.flush()
        return row.id


def person_data(personnummer: str = "850709-9805", first: str = "Anna", last: str = "Öberg",
                email: str = "anna@example.se") -> PersonData:
    return PersonData(first_name=first, last_name=last, email=email, mobile="070-123 45 67",
                      personnummer=personnummer, address=AddressData("Storgatan 1", "", "11455", "Stockholm", "SE"))


def add_person(core, data: PersonData | None = None, **fields) -> int:
    from db.models import Person

    data = validate_person_data(data or person_data(), TODAY)
    with core.sessions() as s, s.begin():
        person = insert_person(s, data, NOW)
        for key, value in fields.items():
            setattr(person, key, value)
        s.flush()
        return person.id


def add_subscription(core, person_id: int, product_id: int, *, start: date, charged_through: date | None,
                     status: str = "aktivt", end_date: date | None = None, price_ore: int = 40000,
                     price_list_id: int | None = None, organisation_id: int | None = None) -> int:
    from db.models import Subscription

    with core.sessions() as s, s.begin():
        sub = Subscription(product_id=product_id, user_id=person_id, payer_id=person_id, price_ore=price_ore,
                           price_list_id=price_list_id, organisation_id=organisation_id, start_date=start,
                           charged_through=charged_through, status=status, end_date=end_date, created_at=NOW)
        s.add(sub)
        s.flush()
        return sub.id


def add_mandate(core, person_id: int, status: str = "aktivt") -> int:
    from db.models import AutogiroMandate

    with core.sessions() as s, s.begin():
        m = AutogiroMandate(person_id=person_id, holder_name="Anna Öberg", holder_personnummer="198507099805",
                            clearing="5000", account_number="1234560", bank_name="SEB", status=status,
                            created_at=NOW, updated_at=NOW)
        s.add(m)
        s.flush()
        return m.id


def add_card(core, person_id: int, number: str, status: str = "aktivt") -> int:
    from db.models import Card

    with core.sessions() as s, s.begin():
        c = Card(person_id=person_id, card_number=number, status=status, issued_at=NOW)
        s.add(c)
        s.flush()
        return c.id


def add_online_purchase(core, person_id: int, product_id: int, price_list_id: int, *, customer_type: str,
                        price_paid_ore: int, registered_on: date, addon_ids: tuple[int, ...] = (),
                        status: str = "vantar") -> int:
    from db.models import OnlinePurchase

    with core.sessions() as s, s.begin():
        p = OnlinePurchase(person_id=person_id, product_id=product_id, price_list_id=price_list_id,
                           customer_type=customer_type, price_paid_ore=price_paid_ore,
                           addon_product_ids=",".join(str(i) for i in addon_ids), registered_on=registered_on,
                           status=status)
        s.add(p)
        s.flush()
        return p.id


ORDINARIE = Legitimation(customer_type="ordinarie", id_document="svensk", checked=frozenset({"id"}))
STUDENT = Legitimation(customer_type="student", id_document="svensk", proof_kind="mecenatkort",
                       proof_valid_until=date(2027, 6, 30), checked=frozenset({"id", "proof"}))
ORG_MEMBER = Legitimation(customer_type="ordinarie", id_document="svensk", checked=frozenset({"id", "organisation"}))
MANDATE = MandateData(holder_name="Anna Öberg", holder_personnummer="850709-9805", clearing="5000",
                      account="1234560")


def registration(cat: Catalog, flow: str = "ny_privatkund", *, product: int | None = None,
                 addons: tuple[int, ...] | None = None, **fields) -> Registration:
    """A complete, valid command: by default a new private customer on Gym AG with the mandatory fee."""
    product = cat.gym_ag if product is None else product
    if addons is None:
        addons = (cat.admin_fee,) if product == cat.gym_ag else ()
    base = Registration(flow=flow, person=person_data(), legitimation=ORDINARIE,
                        products=ProductChoice(product, addons),
                        mandate=MANDATE if product in (cat.gym_ag, cat.student_only) else None,
                        access=AccessData(card_number="0004520100", photo_jpeg=JPEG))
    return replace(base, **fields)
