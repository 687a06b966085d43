"""Person data as the wizards collect it, its validation, and writing it.

Shared by every routine that creates or updates a person (registration flows,
transfer to a new receiver, the person card's Basuppgifter), so the rules are
in one place: personnummer or birth date + gender, names, e-mail and mobile
required, phones normalised for search, one customer per personnummer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.counters import next_number
from app.domain.personnummer import parse_personnummer
from app.domain.inputs import ascii_key, check_date, check_email, check_name, check_text, phone_key
from app.domain.text import fold, normalise_email
from app.postal import normalise_postal_code
from app.errors import Conflict, ValidationError


@dataclass(frozen=True)
class AddressData:
    street: str = ""
    co: str = ""
    postal_code: str = ""
    town: str = ""
    country: str = "SE"

    @property
    def is_empty(self) -> bool:
        return not (self.street or self.co or self.postal_code or self.town)


@dataclass(frozen=True)
class PersonData:
    first_name: str
    last_name: str
    email: str
    mobile: str
    personnummer: str = ""          # as typed; empty for people without one
    birth_date: date | None = None  # only when there is no personnummer
    gender: str | None = None       # 'M'/'K'; derived from personnummer when there is one
    phone_home: str = ""
    phone_work: str = ""
    address: AddressData = field(default_factory=AddressData)
    invoice_address: AddressData | None = None
    protected_identity: bool = False
    phone_country: str = "SE"       # the desk's default country for phones typed without +country code


def validate_person_data(data: PersonData, today: date) -> PersonData:
    """Check every field; return the data with personnummer canonical (12 digits) and birth date/gender set."""
    if data.personnummer.strip():
        pnr = parse_personnummer(data.personnummer, today)
        data = replace(data, personnummer=pnr.digits12, birth_date=pnr.birth_date, gender=pnr.gender)
    else:
        if data.birth_date is None:
            raise ValidationError("Ange personnummer, eller födelsedatum och kön för personer utan personnummer.",
                                  field="personnummer")
        if data.birth_date > today:
            raise ValidationError("Födelsedatumet kan inte vara i framtiden.", field="birth_date")
        check_date(data.birth_date, "birth_date")
        if data.gender not in ("M", "K"):
            raise ValidationError("Välj kön.", field="gender")
        data = replace(data, personnummer="")
    first = check_name(data.first_name, "first_name", "Ange förnamn.")
    last = check_name(data.last_name, "last_name", "Ange efternamn.")
    if not data.email.strip():
        raise ValidationError("Ange e-postadress.", field="email")
    email = check_email(data.email, "email")
    if not data.mobile.strip():
        raise ValidationError("Ange mobilnummer.", field="mobile")
    labels = {"mobile": "Mobilnumret", "phone_home": "Telefonnumret (hem)", "phone_work": "Telefonnumret (arbete)"}
    phones = {}
    for name in ("mobile", "phone_home", "phone_work"):
        value = check_text(getattr(data, name), name).strip()
        if value:
            digits = re.sub(r"[^0-9]", "", ascii_key(value))
            if not 6 <= len(digits) <= 15:
                raise ValidationError(f"{labels[name]} ska ha 6–15 siffror.", field=name)
            if phone_key(value, data.phone_country) is None:
                raise ValidationError(f"{labels[name]} är inget telefonnummer. Skriv t.ex. 070-123 45 67, "
                                      "eller med landsnummer: +47 912 34 567.", field=name)
        phones[name] = value
    return replace(data, first_name=first, last_name=last, email=email, mobile=phones["mobile"],
                   phone_home=phones["phone_home"], phone_work=phones["phone_work"],
                   address=validate_address(data.address),
                   invoice_address=validate_address(data.invoice_address, "invoice_"))


ADDRESS_FIELDS = ("street", "co", "postal_code", "town")


def validate_address(address: AddressData | None, prefix: str = "") -> AddressData | None:
    """Clean text within the column limits; the postal code as ASCII digits/letters (one spelling)."""
    if address is None:
        return None
    values = {name: " ".join(check_text(getattr(address, name), name).split()) for name in ADDRESS_FIELDS}
    country = ascii_key(address.country or "SE").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise ValidationError("Välj land.", field="country")
    values["postal_code"] = normalise_postal_code(values["postal_code"], country).upper()
    if values["postal_code"] and not re.fullmatch(r"[0-9A-Z -]+", values["postal_code"]):
        raise ValidationError("Postnumret får bara innehålla siffror och bokstäver.", field="postal_code")
    return AddressData(values["street"], values["co"], values["postal_code"], values["town"], country)


def find_by_personnummer(session: Session, digits12: str):
    from db.models import Person

    return session.scalar(select(Person).where(Person.personnummer == digits12))


def apply_person_data(person, data: PersonData, now) -> None:
    """Copy validated data onto a Person row (new or existing), keeping the search keys in step."""
    from db.models import Address

    person.personnummer = data.personnummer or None
    person.is_coordination = bool(data.personnummer) and int(data.personnummer[6:8]) > 60
    person.birth_date = data.birth_date
    person.gender = data.gender
    person.first_name, person.last_name = data.first_name, data.last_name
    person.first_name_norm, person.last_name_norm = fold(data.first_name), fold(data.last_name)
    person.email, person.email_norm = data.email, normalise_email(data.email)
    country = data.phone_country
    person.mobile, person.mobile_digits = data.mobile.strip(), phone_key(data.mobile, country)
    person.phone_home, person.phone_home_digits = data.phone_home.strip() or None, phone_key(data.phone_home, country)
    person.phone_work, person.phone_work_digits = data.phone_work.strip() or None, phone_key(data.phone_work, country)
    person.protected_identity = data.protected_identity
    person.updated_at = now
    for kind, addr in (("hem", data.address), ("faktura", data.invoice_address)):
        existing = next((a for a in person.addresses if a.kind == kind), None)
        if addr is None or addr.is_empty:
            if existing is not None:
                person.addresses.remove(existing)
            continue
        if existing is None:
            existing = Address(kind=kind)
            person.addresses.append(existing)
        existing.street, existing.co = addr.street or None, addr.co or None
        existing.postal_code, existing.town, existing.country = addr.postal_code or None, addr.town or None, addr.country


def insert_person(session: Session, data: PersonData, now):
    """Create a new customer from validated data; refuses a second customer with the same personnummer."""
    from db.models import Person

    if data.personnummer and find_by_personnummer(session, data.personnummer) is not None:
        raise Conflict("Det finns redan en kund med det personnumret. Sök fram kunden i stället.",
                       field="personnummer")
    person = Person(customer_number=next_number(session, "customer_number"), created_at=now)
    apply_person_data(person, data, now)
    session.add(person)
    session.flush()
    return person
