"""Small builders for person-card test data (written straight to the database, as fixtures do)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from app.domain.personnummer import parse_personnummer
from app.domain.inputs import phone_key as phone_digits
from app.domain.text import fold, normalise_email

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 22)

_counter = {"n": 1000}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def add_person(session, first="Anna", last="Andersson", *, personnummer=None, email=None, mobile="070-111 22 33",
               phone_home=None, customer_type="ordinarie", price_guarantee_until=None, internal_message=None,
               customer_number=None, birth_date=date(1990, 1, 1)):
    from db.models import Person

    pnr = parse_personnummer(personnummer, TODAY) if personnummer else None
    person = Person(
        customer_number=customer_number or _next(), personnummer=pnr.digits12 if pnr else None,
        is_coordination=bool(pnr and pnr.is_coordination), birth_date=pnr.birth_date if pnr else birth_date,
        gender=pnr.gender if pnr else "K", first_name=first, last_name=last, first_name_norm=fold(first),
        last_name_norm=fold(last), email=email or f"{fold(first)}.{fold(last)}@example.se".replace(" ", ""),
        mobile=mobile, mobile_digits=phone_digits(mobile), phone_home=phone_home,
        phone_home_digits=phone_digits(phone_home), customer_type=customer_type,
        price_guarantee_until=price_guarantee_until, internal_message=internal_message,
        created_at=NOW, updated_at=NOW)
    person.email_norm = normalise_email(person.email)
    session.add(person)
    session.flush()
    return person


def add_card(session, person, number, status="aktivt", issued_days_ago=10):
    from db.models import Card

    card = Card(person_id=person.id, card_number=number, status=status,
                issued_at=NOW - timedelta(days=issued_days_ago),
                blocked_at=NOW if status == "sparrat" else None)
    session.add(card)
    session.flush()
    return card


def add_photo(session, person, jpeg=b"\xff\xd8\xff\xe0fakejpeg"):
    from db.models import Photo

    session.add(Photo(person_id=person.id, jpeg=jpeg, taken_at=NOW, is_current=True))
    session.flush()


def add_price_list(session, name="Ordinarie"):
    from db.models import PriceList

    pl = PriceList(name=name)
    session.add(pl)
    session.flush()
    return pl


def add_product(session, code, *, price_ore=39900, payment="AG", kind="huvud", price_list=None,
                transfer_allowed=False, interval_months=1, validity_months=None, is_membership_card=False):
    from db.models import PriceListItem, Product

    product = Product(code=code, name=code.replace("_", " ").title(), kind=kind, payment=payment, price_ore=price_ore,
                      interval_months=interval_months, validity_months=validity_months,
                      transfer_allowed=transfer_allowed, is_membership_card=is_membership_card)
    session.add(product)
    session.flush()
    if price_list is not None:
        session.add(PriceListItem(price_list_id=price_list.id, product_id=product.id, price_ore=price_ore))
        session.flush()
    return product


def add_subscription(session, person, product, *, payer=None, status="aktivt", start=date(2026, 1, 1),
                     charged_through=date(2026, 11, 30), end_date=None, parent=None, price_list=None,
                     price_ore=None):
    from db.models import Subscription

    sub = Subscription(product_id=product.id, user_id=person.id, payer_id=(payer or person).id,
                       price_list_id=price_list.id if price_list else None,
                       price_ore=product.price_ore if price_ore is None else price_ore,
                       parent_id=parent.id if parent else None, start_date=start, charged_through=charged_through,
                       end_date=end_date, status=status, created_at=NOW)
    session.add(sub)
    session.flush()
    return sub


def add_freeze(session, sub, start, end, status="pagaende"):
    from db.models import Freeze

    session.add(Freeze(subscription_id=sub.id, start_date=start, end_date=end, status=status, created_at=NOW))
    session.flush()


def add_mandate(session, person, status="aktivt"):
    from db.models import AutogiroMandate

    m = AutogiroMandate(person_id=person.id, holder_name=f"{person.first_name} {person.last_name}",
                        holder_personnummer=person.personnummer or "199001011234", clearing="8327",
                        account_number="9390403", bank_name="Swedbank", status=status, created_at=NOW,
                        updated_at=NOW)
    session.add(m)
    session.flush()
    return m


def add_invoice(session, person, amount_ore, *, paid_ore=0, status="obetald", number=None):
    from db.models import Invoice

    inv = Invoice(invoice_number=number or _next(), person_id=person.id, kind="faktura", issued_on=TODAY,
                  due_on=TODAY + timedelta(days=30), amount_ore=amount_ore, paid_ore=paid_ore, status=status)
    session.add(inv)
    session.flush()
    return inv


def add_order(session, person, amounts, *, status="oppen"):
    from db.models import Order, OrderLine

    order = Order(order_number=_next(), person_id=person.id, desk="Kassa 1", routine="Försäljning", status=status,
                  created_at=NOW, paid_at=NOW if status == "betald" else None)
    order.lines = [OrderLine(description=f"Rad {i + 1}", unit_price_ore=a, amount_ore=a, vat_basis_points=600)
                   for i, a in enumerate(amounts)]
    session.add(order)
    session.flush()
    return order


def set_severity(session, code, severity):
    from db.models import DeviationType

    session.get(DeviationType, code).severity = severity
    session.flush()


def set_setting(session, key, value):
    from app.settings import save_setting

    save_setting(session, key, value)
    session.flush()
