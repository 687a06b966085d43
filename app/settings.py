"""Business settings (SPEC §4), declared once with key, type, default and Swedish title.

They live in the database, shared by all desks (table `settings`, JSON values);
a key without a row has its default. Desk settings (camera, card reader, default
country, database URL) are not here: they are per PC, in QSettings.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import ValidationError


@dataclass(frozen=True)
class Option:
    key: str
    title: str
    kind: str  # bool, int, text, price_list, length, product_list, followup
    default: Any


OPTIONS: tuple[Option, ...] = (
    Option("simplified_routines", "Använd förenklade kundrutiner", "bool", True),
    Option("price_list_ordinarie", "Ordinarieprislista", "price_list", None),
    Option("price_list_student", "Studentprislista", "price_list", None),
    Option("price_list_pensionar", "Pensionärsprislista", "price_list", None),
    Option("min_age_ordinarie", "Minimiålder för ordinarie kund", "int", 0),
    Option("months_in_advance", "Antal månader i förväg som man får teckna ett nytt abonnemang om man redan har ett aktivt", "int", 1),
    Option("org_conversion_max_months", "Tillåt inte omvandling till organisationskund om kvarvarande månader på befintligt abonnemang är mer än", "int", 0),
    Option("preorders_enabled", "Aktivera möjligheten att använda förbeställningar för organisationer", "bool", False),
    Option("internal_message_for_routines", "Internt meddelande för person registrerad med kundrutiner", "text", ""),
    Option("card_instructions", "Instruktioner på hur man registrerar medlemskortnummer", "text", ""),
    Option("notice_include_today", "Inkludera dagens datum i uppsägningstid", "bool", True),
    Option("max_prepay_intervals", "Max antal debiteringsintervall att förskottsbetala abonnemang", "int", 12),
    Option("use_deviation_reasons", "Använd avvikelseorsaker", "bool", False),
    Option("freeze_confirmation", "Använd bekräftelse på frysning av abonnemang", "bool", False),
    Option("debit_frozen_during_binding", "Debitera fryst abonnemang under bindningstiden", "bool", False),
    Option("freeze_min", "Kortast tillåtna frysperiod för abonnemang", "length", {"number": 1, "unit": "månader"}),
    Option("freeze_max", "Längsta tillåtna frysperiod för abonnemang", "length", {"number": 12, "unit": "månader"}),
    Option("pickup_retroactive_repricing", "Använd retroaktiv prisomräkning av uthämtade abonnemang", "bool", True),
    Option("pickup_max_extension_days", "Max antal dagar att förlänga uthämtade abonnemang vid uthämtningstillfället", "int", 14),
    Option("membership_card_products", "Nytt medlemskort", "product_list", []),
    Option("type_followup", "Uppföljning av kundtyp: dagar innan, via e-post / SMS", "followup",
           {"days": 0, "email": False, "sms": False}),
    Option("type_expiry_warning_days", "Varna när kundtypen går ut inom (dagar)", "int", 30),
    Option("person_lookup_enabled", "Personuppslagning aktiverad", "bool", False),
    Option("person_lookup_provider", "Personuppslagning: källa (register/http)", "text", "register"),
    Option("person_lookup_url", "Personuppslagning: adress till tjänsten (http)", "text", ""),
    Option("club_name", "Klubbens namn (visas i fönstertiteln)", "text", "Reception"),
    Option("smtp_host", "E-postserver (SMTP)", "text", ""),
    Option("smtp_port", "E-postserverns port", "int", 587),
    Option("smtp_starttls", "Kryptera med STARTTLS", "bool", True),
    Option("smtp_user", "Användarnamn för e-postservern (lösenordet ligger i nyckelringen)", "text", ""),
    Option("smtp_sender", "Avsändaradress för e-post", "text", ""),
    # Check-in on a swipe (app/checkin.py): which reasons refuse entry, the debt limit, double swipes, sound.
    Option("checkin_refuse_no_subscription", "Inpassering: neka kund utan giltigt abonnemang", "bool", True),
    Option("checkin_refuse_frozen", "Inpassering: neka kund med fryst abonnemang", "bool", True),
    Option("checkin_refuse_debt", "Inpassering: neka kund med skuld över skuldgränsen", "bool", True),
    Option("checkin_debt_limit_ore", "Inpassering: skuldgräns i öre (skuld över gränsen nekas)", "int", 0),
    Option("checkin_refuse_blocked_card", "Inpassering: neka spärrat kort", "bool", True),
    Option("checkin_refuse_type_expired", "Inpassering: neka när intyget för kundtypen har gått ut", "bool", True),
    Option("checkin_refuse_not_started", "Inpassering: neka när abonnemanget inte har börjat", "bool", True),
    Option("checkin_double_swipe_minutes", "Inpassering: en ny dragning inom så många minuter räknas som samma besök",
           "int", 5),
    Option("checkin_sounds", "Inpassering: ljudsignal vid Välkommen och Nekad", "bool", True),
)
BY_KEY = {o.key: o for o in OPTIONS}


@dataclass(frozen=True)
class BusinessSettings:
    simplified_routines: bool
    price_list_ordinarie: int | None
    price_list_student: int | None
    price_list_pensionar: int | None
    min_age_ordinarie: int
    months_in_advance: int
    org_conversion_max_months: int
    preorders_enabled: bool
    internal_message_for_routines: str
    card_instructions: str
    notice_include_today: bool
    max_prepay_intervals: int
    use_deviation_reasons: bool
    freeze_confirmation: bool
    debit_frozen_during_binding: bool
    freeze_min: dict
    freeze_max: dict
    pickup_retroactive_repricing: bool
    pickup_max_extension_days: int
    membership_card_products: list
    type_followup: dict
    type_expiry_warning_days: int
    person_lookup_enabled: bool
    person_lookup_provider: str
    person_lookup_url: str
    club_name: str
    smtp_host: str
    smtp_port: int
    smtp_starttls: bool
    smtp_user: str
    smtp_sender: str
    checkin_refuse_no_subscription: bool
    checkin_refuse_frozen: bool
    checkin_refuse_debt: bool
    checkin_debt_limit_ore: int
    checkin_refuse_blocked_card: bool
    checkin_refuse_type_expired: bool
    checkin_refuse_not_started: bool
    checkin_double_swipe_minutes: int
    checkin_sounds: bool

    def price_list_for_type(self, customer_type: str) -> int | None:
        return {
            "ordinarie": self.price_list_ordinarie,
            "student": self.price_list_student,
            "pensionar": self.price_list_pensionar,
        }.get(customer_type)


assert {f.name for f in fields(BusinessSettings)} == set(BY_KEY), "settings dataclass and OPTIONS differ"


def load_settings(session: Session) -> BusinessSettings:
    from db.models import Setting

    stored = {row.key: json.loads(row.value) for row in session.scalars(select(Setting))}
    values = {o.key: stored.get(o.key, o.default) for o in OPTIONS}
    return BusinessSettings(**values)


def _check(option: Option, value: Any) -> Any:
    kind = option.kind
    ok = {
        "bool": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool) and value >= 0,
        "text": isinstance(value, str),
        "price_list": value is None or (isinstance(value, int) and not isinstance(value, bool)),
        "length": isinstance(value, dict) and isinstance(value.get("number"), int) and value["number"] > 0
        and value.get("unit") in ("dagar", "månader"),
        "product_list": isinstance(value, list) and all(isinstance(v, int) for v in value),
        "followup": isinstance(value, dict) and isinstance(value.get("days"), int) and value["days"] >= 0,
    }[kind]
    if not ok:
        raise ValidationError(f"Ogiltigt värde för ”{option.title}”.", field=option.key)
    return value


def save_setting(session: Session, key: str, value: Any) -> None:
    """Write one setting inside the caller's transaction (the caller audits and checks rights)."""
    from db.models import Setting

    option = BY_KEY[key]
    if key == "price_list_ordinarie" and value is None:
        raise ValidationError("Ordinarieprislistan är obligatorisk.", field=key)
    encoded = json.dumps(_check(option, value), ensure_ascii=False)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=encoded))
    else:
        row.value = encoded
