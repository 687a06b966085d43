"""Data builders for the subscription-routine tests (tests/app/test_sub_*.py).

A small catalogue on an Ordinarie and a Student price list, persons without
personnummer (birth date + gender), subscriptions and freezes written straight
to the tables, and a snapshot of everything a routine could write, so each
refusal test can assert that nothing changed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.context import Core
from app.domain.legitimation import Legitimation
from app.routines.person_data import PersonData, insert_person, validate_person_data
from app.settings import save_setting

TODAY = date(2026, 11, 22)
ORDINARIE = Legitimation("ordinarie", "svensk", checked=frozenset({"id"}))


@dataclass(frozen=True)
class Catalog:
    ordinarie: int
    student: int
    gym: int          # AG 399 kr/month, notice 2 months
    gym_plus: int     # AG 499 kr/month
    gym_light: int    # AG 299 kr/month
    towel: int        # AG add-on 50 kr/month
    card12: int       # kontant 3 499 kr / 12 months, Tillåt överlåtelse
    card12_plus: int  # kontant 4 299 kr / 12 months
    towel12: int      # kontant add-on 600 kr / 12 months
    fee: int          # Överlåtelseavgift 200 kr (25 % moms), mandatory at Överlåt of card12
    locker: int       # Skåp 300 kr / 12 months, optional at Överlåt of card12


def catalog(core: Core) -> Catalog:
    from db.models import AddonRule, PriceList, PriceListItem, Product

    with core.sessions() as s, s.begin():
        ordinarie, student = PriceList(name="Ordinarie"), PriceList(name="Student")
        products = {
            "gym": Product(code="GYM", name="Gym AG", kind="huvud", payment="AG", price_ore=39900,
                           notice_months=2, binding_months=12),
            "gym_plus": Product(code="GYMPLUS", name="Gym Plus AG", kind="huvud", payment="AG", price_ore=49900,
                                notice_months=2),
            "gym_light": Product(code="GYMLIGHT", name="Gym Dag AG", kind="huvud", payment="AG", price_ore=29900,
                                 notice_months=2),
            "towel": Product(code="TOWEL", name="Handduk AG", kind="tillagg", payment="AG", price_ore=5000),
            "card12": Product(code="CARD12", name="Gym 12 mån", kind="huvud", payment="kontant", price_ore=349900,
                              interval_months=12, validity_months=12, transfer_allowed=True),
            "card12_plus": Product(code="CARD12P", name="Gym Plus 12 mån", kind="huvud", payment="kontant",
                                   price_ore=429900, interval_months=12, validity_months=12),
            "towel12": Product(code="TOWEL12", name="Handduk 12 mån", kind="tillagg", payment="kontant",
                               price_ore=60000, interval_months=12, validity_months=12),
            "fee": Product(code="FEE", name="Överlåtelseavgift", kind="vara", payment=None, price_ore=20000,
                           is_subscription=False, vat_basis_points=2500),
            "locker": Product(code="LOCKER", name="Skåp 12 mån", kind="tillagg", payment="kontant",
                              price_ore=30000, interval_months=12, validity_months=12),
        }
        s.add_all([ordinarie, student, *products.values()])
        s.flush()
        for key in ("gym", "gym_plus", "gym_light", "card12", "card12_plus"):
            p = products[key]
            s.add(PriceListItem(price_list_id=ordinarie.id, product_id=p.id, price_ore=p.price_ore))
            s.add(PriceListItem(price_list_id=student.id, product_id=p.id, price_ore=p.price_ore - 10000))
        s.add(AddonRule(main_product_id=products["card12"].id, addon_product_id=products["fee"].id,
                        routine="overlatelse", availability="obligatoriskt"))
        s.add(AddonRule(main_product_id=products["card12"].id, addon_product_id=products["locker"].id,
                        routine="overlatelse", availability="valbart"))
        save_setting(s, "price_list_ordinarie", ordinarie.id)
        save_setting(s, "price_list_student", student.id)
        return Catalog(ordinarie.id, student.id, *(products[k].id for k in (
            "gym", "gym_plus", "gym_light", "towel", "card12", "card12_plus", "towel12", "fee", "locker")))


def person_data(n: int, **fields) -> PersonData:
    values = dict(first_name=f"Kund{n}", last_name="Svensson", email=f"kund{n}@example.se", mobile="0701234567",
                  birth_date=date(1990, 1, n), gender="K")
    values.update(fields)
    return PersonData(**values)


def person(core: Core, n: int, **fields) -> int:
    with core.sessions() as s, s.begin():
        p = insert_person(s, validate_person_data(person_data(n), TODAY), core.clock.now())
        for key, value in fields.items():
            setattr(p, key, value)
        return p.id


def subscription(core: Core, user_id: int, product_id: int, *, price_list_id: int | None = None,
                 parent_id: int | None = None, **fields) -> int:
    from db.models import Product, Subscription

    with core.sessions() as s, s.begin():
        product = s.get(Product, product_id)
        values = dict(product_id=product_id, user_id=user_id, payer_id=user_id, price_list_id=price_list_id,
                      price_ore=product.price_ore, parent_id=parent_id, start_date=date(2026, 1, 1),
                      charged_through=date(2026, 11, 30), status="aktivt", created_at=core.clock.now())
        values.update(fields)
        sub = Subscription(**values)
        s.add(sub)
        s.flush()
        return sub.id


def freeze(core: Core, subscription_id: int, start: date, end: date, status: str = "pagaende", **fields) -> int:
    from db.models import Freeze

    with core.sessions() as s, s.begin():
        row = Freeze(subscription_id=subscription_id, start_date=start, end_date=end, status=status,
                     created_at=core.clock.now(), **fields)
        s.add(row)
        s.flush()
        return row.id


def setting(core: Core, key: str, value) -> None:
    with core.sessions() as s, s.begin():
        save_setting(s, key, value)


def mandate(core: Core, person_id: int, status: str = "aktivt") -> None:
    from db.models import AutogiroMandate

    with core.sessions() as s, s.begin():
        now = core.clock.now()
        s.add(AutogiroMandate(person_id=person_id, holder_name="Kund", holder_personnummer="199001019802",
                              clearing="8327", account_number="9349876543", bank_name="Swedbank", status=status,
                              created_at=now, updated_at=now))


def reason(core: Core, name: str = "Sjukdom", kind: str = "frysning", active: bool = True) -> int:
    from db.models import DeviationReason

    with core.sessions() as s, s.begin():
        row = DeviationReason(name=name, kind=kind, active=active)
        s.add(row)
        s.flush()
        return row.id


def sub(core: Core, subscription_id: int):
    """The subscription's state as a plain dict."""
    from db.models import Subscription

    with core.sessions() as s:
        r = s.get(Subscription, subscription_id)
        return dict(status=r.status, charged_through=r.charged_through, end_date=r.end_date,
                    credit_days=r.credit_days, final_payment=r.final_payment, product_id=r.product_id,
                    price_ore=r.price_ore, user_id=r.user_id, payer_id=r.payer_id)


def freezes(core: Core, subscription_id: int) -> list[dict]:
    from db.models import Freeze

    with core.sessions() as s:
        rows = s.scalars(select(Freeze).where(Freeze.subscription_id == subscription_id).order_by(Freeze.id))
        return [dict(start=f.start_date, end=f.end_date, status=f.status, charged_until=f.charged_until,
                     kind=f.kind, reason_id=f.reason_id, credited_days=f.credited_days, agent_name=f.agent_name)
                for f in rows]


def order_lines(core: Core, order_id: int) -> list[tuple]:
    """(description, period_from, period_to, amount_ore, vat, subscription_id) per line, and the order's person."""
    from db.models import Order

    with core.sessions() as s:
        order = s.get(Order, order_id)
        return [(li.description, li.period_from, li.period_to, li.amount_ore, li.vat_basis_points,
                 li.subscription_id) for li in order.lines]


def order_person(core: Core, order_id: int) -> int:
    from db.models import Order

    with core.sessions() as s:
        return s.get(Order, order_id).person_id


def outbox(core: Core) -> list[dict]:
    from db.models import OutboxMessage

    with core.sessions() as s:
        return [dict(recipient=m.recipient, subject=m.subject, body=m.body, attachment_name=m.attachment_name,
                     attachment=m.attachment, person_id=m.person_id)
                for m in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def audit_actions(core: Core) -> list[str]:
    from db.models import AuditEntry

    with core.sessions() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def snapshot(core: Core) -> dict:
    """Everything a subscription routine may write, for "nothing was written" assertions."""
    from db.models import (AuditEntry, Card, CustomerTypeProof, ExecutedCommand, Freeze, Order, OrderLine,
                           OutboxMessage, Person, Photo, Subscription)

    with core.sessions() as s:
        subs = [tuple(sub(core, i).values()) for i in s.scalars(select(Subscription.id).order_by(Subscription.id))]
        frz = [(f.id, f.subscription_id, f.start_date, f.end_date, f.status, f.credited_days)
               for f in s.scalars(select(Freeze).order_by(Freeze.id))]
        counts = {m.__tablename__: s.scalar(select(func.count()).select_from(m))
                  for m in (AuditEntry, Card, CustomerTypeProof, ExecutedCommand, Order, OrderLine, OutboxMessage,
                            Person, Photo)}
        return {"subscriptions": subs, "freezes": frz, "counts": counts}
