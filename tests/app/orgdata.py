"""Shared test data for the organisation and pre-order tests (core, CLI and widgets)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from app.routines.person_data import PersonData, insert_person, validate_person_data
from db.models import Organisation, Person, PreOrder, PriceList, PriceListItem, Product, Subscription

PREORDER_FILES = Path(__file__).parent / "data" / "preorders"
TODAY = date(2026, 11, 22)
D = timedelta(days=1)


@dataclass(frozen=True)
class OrgData:
    volvo: int           # price list "Volvo avtal", no account manager
    ericsson: int        # no price list
    ahlens: int          # "Åhléns AB": accent folding in search
    volvo_list: int
    other_list: int
    gym: int             # AG main subscription on the Volvo list
    kontant: int         # kontant main subscription on the Volvo list
    towel: int           # add-on on the Volvo list (not a pre-order product)
    inactive: int        # inactive main product on the Volvo list
    swim: int            # main product only on the other list


def build_orgs(core) -> OrgData:
    with core.sessions() as s, s.begin():
        volvo_list, other_list = PriceList(name="Volvo avtal"), PriceList(name="Ordinarie")
        gym = Product(code="GYM", name="Gym AG", kind="huvud", payment="AG", price_ore=39900)
        kontant = Product(code="GYM12", name="Gym 12 månader", kind="huvud", payment="kontant", price_ore=399000,
                          validity_months=12)
        towel = Product(code="HAND", name="Handduk", kind="tillagg", payment="AG", price_ore=5000)
        inactive = Product(code="OLD", name="Gammalt kort", kind="huvud", payment="AG", price_ore=100, active=False)
        swim = Product(code="BAD", name="Bad AG", kind="huvud", payment="AG", price_ore=19900)
        s.add_all([volvo_list, other_list, gym, kontant, towel, inactive, swim])
        s.flush()
        for product, price in ((gym, 29900), (kontant, 299000), (towel, 4000), (inactive, 100)):
            s.add(PriceListItem(price_list_id=volvo_list.id, product_id=product.id, price_ore=price))
        s.add(PriceListItem(price_list_id=other_list.id, product_id=swim.id, price_ore=19900))
        volvo = Organisation(name="Volvo Personvagnar AB", name_norm="volvo personvagnar ab",
                             org_number="556074-3089", price_list_id=volvo_list.id)
        ericsson = Organisation(name="Ericsson AB", name_norm="ericsson ab", org_number="556016-0680")
        ahlens = Organisation(name="Åhléns AB", name_norm="ahlens ab", org_number="556005-1467",
                              price_list_id=other_list.id)
        s.add_all([volvo, ericsson, ahlens])
        s.flush()
        return OrgData(volvo.id, ericsson.id, ahlens.id, volvo_list.id, other_list.id, gym.id, kontant.id, towel.id,
                       inactive.id, swim.id)


def add_preorder(core, org_id: int, product_id: int, name: str, *, personnummer: str | None = None,
                 birth_date: date | None = None, status: str = "oppen", valid_to: date = TODAY + 90 * D,
                 email: str = "p@example.se") -> int:
    """A stored pre-order; status 'utnyttjad' also creates the person and subscription it was used for."""
    with core.sessions() as s, s.begin():
        used = {}
        if status == "utnyttjad":
            data = PersonData(first_name=name.split()[0], last_name=name.split()[-1], email=email,
                              mobile="0701234567", birth_date=birth_date or date(1980, 1, 1), gender="K")
            person = insert_person(s, validate_person_data(data, TODAY), core.clock.now())
            org = s.get(Organisation, org_id)
            sub = Subscription(product_id=product_id, user_id=person.id, payer_id=person.id,
                               price_list_id=org.price_list_id, price_ore=29900, start_date=TODAY,
                               charged_through=TODAY + 30 * D, status="aktivt", created_at=core.clock.now(),
                               organisation_id=org_id)
            s.add(sub)
            s.flush()
            used = dict(used_by_person_id=person.id, used_subscription_id=sub.id, used_at=core.clock.now())
        p = PreOrder(organisation_id=org_id, product_id=product_id, valid_from=TODAY - 10 * D, valid_to=valid_to,
                     name=name, personnummer=personnummer,
                     birth_date=birth_date or (date(int(personnummer[:4]), int(personnummer[4:6]),
                                                    int(personnummer[6:8])) if personnummer else None),
                     email=email, status=status, created_at=core.clock.now(), **used)
        s.add(p)
        s.flush()
        return p.id


def preorder_count(core, org_id: int | None = None) -> int:
    with core.sessions() as s:
        query = select(func.count()).select_from(PreOrder)
        if org_id is not None:
            query = query.where(PreOrder.organisation_id == org_id)
        return s.scalar(query)


def preorders(core, org_id: int) -> list[PreOrder]:
    with core.sessions() as s:
        rows = list(s.scalars(select(PreOrder).where(PreOrder.organisation_id == org_id).order_by(PreOrder.id)))
        s.expunge_all()
        return rows


def person_count(core) -> int:
    with core.sessions() as s:
        return s.scalar(select(func.count()).select_from(Person))
