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


# The two dialogs under the menu Inställningar (SPEC §4): Kundrutiner… and Inställningar….
ROUTINES_PAGE = "kundrutiner"
GLOBAL_PAGE = "installningar"


@dataclass(frozen=True)
class Option:
    """One business setting. The admin dialogs are generated from these declarations: ``page`` picks
    the dialog, ``group`` the box it sits in (as the seeds group them), ``unit`` is shown after the
    field, ``help`` under it, ``minimum``/``maximum`` bound numbers (for text: the longest text);
    ``lines`` > 1 makes a text a multi-line field."""

    key: str
    title: str
    kind: str  # bool, int, text, price_list, length, product_list, followup, choice
    default: Any
    group: str = "Övrigt"
    unit: str = ""
    help: str = ""
    minimum: int = 0
    maximum: int | None = None
    page: str = ROUTINES_PAGE
    lines: int = 1
    choices: tuple[tuple[str, str], ...] = ()  # kind "choice": (value, Swedish label)


_TYPES = "Kundtyper"
_REGISTER = "Registrera ny kund"
_SIGN = "Teckna abonnemang"
_ORG = "Organisationskund"
_CANCEL = "Säga upp abonnemang"
_DEBIT = "Debitera abonnemang"
_FREEZE = "Frysa abonnemang"
_PICKUP = "Uthämtning av onlineköp"
_CARD = "Nytt medlemskort"
_GENERAL = "Allmänt"
_LOOKUP = "Personuppslagning"
_MAIL = "E-post"
_SMS = "SMS"
_CHECKIN = "Inpassering"
_AUTOGIRO = "Autogiro (Bankgirot)"
LENGTH_MAX = {"dagar": 3660, "månader": 120}
_G = {"page": GLOBAL_PAGE}

OPTIONS: tuple[Option, ...] = (
    Option("simplified_routines", "Använd förenklade kundrutiner", "bool", True, _GENERAL,
           help="Av: menyvalet Inställningar > Kundrutiner… visas inte.", **_G),
    Option("price_list_ordinarie", "Ordinarieprislista", "price_list", None, _TYPES,
           help="Obligatorisk. Prislistan som ordinarie kunder köper från."),
    Option("price_list_student", "Studentprislista", "price_list", None, _TYPES,
           help="Utan prislista kan kundtypen Student inte väljas vid legitimering."),
    Option("price_list_pensionar", "Pensionärsprislista", "price_list", None, _TYPES,
           help="Utan prislista kan kundtypen Pensionär inte väljas vid legitimering."),
    Option("min_age_ordinarie", "Minimiålder för ordinarie kund", "int", 0, _TYPES, "år",
           "0 = ingen åldersgräns.", maximum=120),
    Option("months_in_advance", "Antal månader i förväg som man får teckna ett nytt abonnemang om man redan har ett aktivt",
           "int", 1, _SIGN, "månader", "Hur långt innan det befintliga abonnemanget tar slut ett nytt får tecknas.",
           maximum=120),
    Option("org_conversion_max_months", "Tillåt inte omvandling till organisationskund om kvarvarande månader på befintligt abonnemang är mer än",
           "int", 0, _ORG, "månader", "0 = ingen gräns.", maximum=120),
    Option("preorders_enabled", "Aktivera möjligheten att använda förbeställningar för organisationer", "bool", False,
           _GENERAL, help="På: organisationskortets flik Ekonomi visar ”Använd förbeställningar”.", **_G),
    Option("internal_message_for_routines", "Internt meddelande för person registrerad med kundrutiner", "text", "",
           _REGISTER, help="Läggs automatiskt som internt meddelande på nya kunder. Tomt = inget meddelande.",
           maximum=4000, lines=3),
    Option("card_instructions", "Instruktioner på hur man registrerar medlemskortnummer", "text", "", _REGISTER,
           help="Visas på sidan Inpasseringsuppgifter i registreringen.", maximum=4000, lines=3),
    Option("notice_include_today", "Inkludera dagens datum i uppsägningstid", "bool", True, _CANCEL,
           help="På: uppsägningstiden räknas från och med i dag, annars från i morgon."),
    Option("max_prepay_intervals", "Max antal debiteringsintervall att förskottsbetala abonnemang", "int", 12, _DEBIT,
           "intervall", "Hur många debiteringsintervall framåt som kan betalas i Debitera.", minimum=1, maximum=120),
    Option("use_deviation_reasons", "Använd avvikelseorsaker", "bool", False, _FREEZE,
           help="På: Frys frågar efter en frysningsorsak (Inställningar > Avvikelseorsaker…)."),
    Option("freeze_confirmation", "Använd bekräftelse på frysning av abonnemang", "bool", False, _FREEZE,
           help="På: en bekräftelse skrivs ut och e-postas till kunden."),
    Option("debit_frozen_during_binding", "Debitera fryst abonnemang under bindningstiden", "bool", False, _FREEZE,
           help="På: frysta dagar inom bindningstiden debiteras och blir dagar tillgodo."),
    Option("freeze_min", "Kortast tillåtna frysperiod för abonnemang", "length", {"number": 1, "unit": "månader"},
           _FREEZE, help="En pågående frysning kan inte tinas upp eller förkortas före detta.", minimum=1),
    Option("freeze_max", "Längsta tillåtna frysperiod för abonnemang", "length", {"number": 12, "unit": "månader"},
           _FREEZE, help="Gäller hela frysningen, även när den förlängs.", minimum=1),
    Option("pickup_retroactive_repricing", "Använd retroaktiv prisomräkning av uthämtade abonnemang", "bool", True,
           _PICKUP, help="På: priset räknas om från köpdagen när onlineköpet hämtas ut."),
    Option("pickup_max_extension_days", "Max antal dagar att förlänga uthämtade abonnemang vid uthämtningstillfället",
           "int", 14, _PICKUP, "dagar", maximum=3660),
    Option("membership_card_products", "Nytt medlemskort", "product_list", [], _CARD,
           help="Produkter som säljs i ”Nytt medlemskort”. Ingen vald = menyvalet visas inte."),
    Option("type_followup", "Uppföljning av kundtyp: dagar innan, via e-post / SMS", "followup",
           {"days": 0, "email": False, "sms": False}, _TYPES, "dagar innan",
           "Påminner kunden att intyga kundtypen igen innan prisgarantin går ut. 0 dagar = av.", maximum=3660),
    Option("type_expiry_warning_days", "Varna när kundtypen går ut inom (dagar)", "int", 30, _TYPES, "dagar",
           "Avvikelsen ”Kundtyp går ut” visas så här många dagar innan.", maximum=3660),
    Option("person_lookup_enabled", "Personuppslagning aktiverad", "bool", False, _LOOKUP,
           help="På: ett personnummer som inte är kund slås upp och visas under fliken Personuppslagning. "
                "Gäller från nästa inloggning.", **_G),
    Option("person_lookup_provider", "Källa för personuppslagning", "choice", "register", _LOOKUP,
           help="Lokalt register fylls med ett utdrag under Inställningar > Lokalt register….",
           choices=(("register", "Lokalt register"), ("http", "Tjänst (http)")), **_G),
    Option("person_lookup_url", "Adress till tjänsten (http)", "text", "", _LOOKUP,
           help="Behövs bara för källan Tjänst (http).", maximum=500, **_G),
    Option("club_name", "Klubbens namn", "text", "Reception", _GENERAL,
           help="Visas i fönstertiteln, på kvitton och i e-post.", minimum=1, maximum=120, **_G),
    Option("smtp_host", "E-postserver (SMTP)", "text", "", _MAIL,
           help="Tomt = e-post väntar i utkorgen tills en server anges.", maximum=253, **_G),
    Option("smtp_port", "Port", "int", 587, _MAIL, help="Vanligen 587 (STARTTLS) eller 465 (TLS).",
           minimum=1, maximum=65535, **_G),
    Option("smtp_security", "Kryptering", "choice", "starttls", _MAIL,
           choices=(("starttls", "STARTTLS"), ("tls", "TLS (SMTPS)"), ("ingen", "Ingen")), **_G),
    Option("smtp_user", "Användarnamn", "text", "", _MAIL,
           help="Tomt = servern kräver ingen inloggning. Lösenordet sparas i datorns nyckelring.",
           maximum=253, **_G),
    Option("smtp_sender", "Avsändaradress", "text", "", _MAIL, help="Adressen som e-posten skickas från.",
           maximum=254, **_G),
    # SMS through an HTTP provider (app/jobs/sms.py, docs/decisions/sms.md); the API password is in the keyring.
    Option("sms_provider", "SMS-leverantör", "choice", "ingen", _SMS,
           help="Ingen = SMS väntar i utkorgen tills en leverantör anges.",
           choices=(("ingen", "Ingen (SMS väntar i utkorgen)"), ("46elks", "46elks")), **_G),
    Option("sms_api_url", "Adress till SMS-tjänsten", "text", "https://api.46elks.com/a1/sms", _SMS,
           help="Ändras bara om leverantören anger en annan adress. Måste börja med https://.", maximum=500, **_G),
    Option("sms_username", "API-användarnamn", "text", "", _SMS,
           help="Från leverantörens kontosida. API-lösenordet sparas i datorns nyckelring.", maximum=200, **_G),
    Option("sms_sender", "Avsändare", "text", "", _SMS,
           help="Visas som avsändare hos mottagaren: högst 11 bokstäver (a–z) och siffror, t.ex. Friskis, "
                "eller ett mobilnummer med landsnummer, t.ex. +46701234567.", maximum=16, **_G),
    # Check-in on a swipe (app/checkin.py): which reasons refuse entry, the debt limit, double swipes, sound.
    Option("checkin_refuse_no_subscription", "Neka kund utan giltigt abonnemang", "bool", True, _CHECKIN),
    Option("checkin_refuse_frozen", "Neka kund med fryst abonnemang", "bool", True, _CHECKIN),
    Option("checkin_refuse_debt", "Neka kund med skuld över skuldgränsen", "bool", True, _CHECKIN),
    Option("checkin_debt_limit_ore", "Skuldgräns (skuld över gränsen nekas)", "int", 0, _CHECKIN, "öre",
           "0 = all skuld nekas när regeln är på.", maximum=100_000_000),
    Option("checkin_refuse_blocked_card", "Neka spärrat kort", "bool", True, _CHECKIN),
    Option("checkin_refuse_type_expired", "Neka när intyget för kundtypen har gått ut", "bool", True, _CHECKIN),
    Option("checkin_refuse_not_started", "Neka när abonnemanget inte har börjat", "bool", True, _CHECKIN),
    Option("checkin_double_swipe_minutes", "En ny dragning inom så många minuter räknas som samma besök", "int", 5,
           _CHECKIN, "minuter", maximum=1440),
    Option("checkin_sounds", "Ljudsignal vid Välkommen och Nekad", "bool", True, _CHECKIN),
    # Autogiro with Bankgirot (issue 17, app/autogiro; docs/decisions/autogiro.md).
    Option("autogiro_bankgiro", "Klubbens bankgironummer", "text", "", _AUTOGIRO,
           help="Bankgironumret som autogirodragningarna sätts in på, t.ex. 5050-1055.", maximum=12, **_G),
    Option("autogiro_customer_number", "Kundnummer hos Bankgirot (autogiro)", "text", "", _AUTOGIRO,
           help="Sex siffror, från Bankgirots avtal om autogiro.", maximum=6, **_G),
    Option("autogiro_payer_number", "Betalarnummer i autogirofilerna", "choice", "kundnummer", _AUTOGIRO,
           help="Kundnumret rekommenderas: det ändras aldrig och finns för alla. Byts det, skickas nya "
                "betalarnummer till Bankgirot med nästa medgivandefil.",
           choices=(("kundnummer", "Betalarens kundnummer"), ("personnummer", "Betalarens personnummer")), **_G),
    Option("autogiro_debit_day", "Dragningsdag", "int", 27, _AUTOGIRO, "i månaden",
           "Dagen i månaden då autogirot dras. Dragningen betalar det som ska vara betalt till nästa dragningsdag.",
           minimum=1, maximum=28, **_G),
    Option("autogiro_failed_reminder", "Påminn kunden via e-post när en autogirodragning misslyckas", "bool", False,
           _AUTOGIRO, help="På: ett e-postmeddelande läggs i utkorgen när Bankgirot meddelar att dragningen "
                           "inte gick igenom.", **_G),
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
    smtp_security: str
    smtp_user: str
    smtp_sender: str
    sms_provider: str
    sms_api_url: str
    sms_username: str
    sms_sender: str
    checkin_refuse_no_subscription: bool
    checkin_refuse_frozen: bool
    checkin_refuse_debt: bool
    checkin_debt_limit_ore: int
    checkin_refuse_blocked_card: bool
    checkin_refuse_type_expired: bool
    checkin_refuse_not_started: bool
    checkin_double_swipe_minutes: int
    checkin_sounds: bool
    autogiro_bankgiro: str
    autogiro_customer_number: str
    autogiro_payer_number: str
    autogiro_debit_day: int
    autogiro_failed_reminder: bool

    def price_list_for_type(self, customer_type: str) -> int | None:
        return {
            "ordinarie": self.price_list_ordinarie,
            "student": self.price_list_student,
            "pensionar": self.price_list_pensionar,
        }.get(customer_type)


assert {f.name for f in fields(BusinessSettings)} == set(BY_KEY), "settings dataclass and OPTIONS differ"


def load_settings(session: Session) -> BusinessSettings:
    return BusinessSettings(**stored_values(session))


def _number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check(option: Option, value: Any) -> Any:
    """The value's type and limits; raises ValidationError at the field with the reason."""
    kind, title = option.kind, option.title
    wrong = ValidationError(f"Ogiltigt värde för ”{title}”.", field=option.key)
    if kind == "bool":
        if not isinstance(value, bool):
            raise wrong
    elif kind == "int":
        if not _number(value):
            raise wrong
        _check_range(option, value)
    elif kind in ("text", "choice"):
        if not isinstance(value, str):
            raise wrong
        if kind == "choice" and value not in {v for v, _ in option.choices}:
            raise ValidationError(f"Välj ett av alternativen för ”{title}”.", field=option.key)
        if kind == "text":
            from app.domain.inputs import CONTROL_MESSAGE, text_problem

            if text_problem(value, "", multiline=option.lines > 1) == CONTROL_MESSAGE:  # length: below
                raise ValidationError(CONTROL_MESSAGE, field=option.key)
            if option.maximum is not None and len(value) > option.maximum:
                raise ValidationError(f"Texten får vara högst {option.maximum} tecken.", field=option.key)
            if option.minimum and not value.strip():
                raise ValidationError(f"Ange {title[0].lower() + title[1:]}.", field=option.key)
    elif kind == "price_list":
        if not (value is None or _number(value)):
            raise wrong
    elif kind == "length":
        if not (isinstance(value, dict) and _number(value.get("number")) and value.get("unit") in LENGTH_MAX):
            raise wrong
        if value["number"] < max(option.minimum, 1):
            raise ValidationError("Längden måste vara minst 1.", field=option.key)
        if value["number"] > LENGTH_MAX[value["unit"]]:
            raise ValidationError(f"Längden får vara högst {LENGTH_MAX[value['unit']]} {value['unit']}.",
                                  field=option.key)
    elif kind == "product_list":
        if not (isinstance(value, list) and all(_number(v) for v in value)):
            raise wrong
    elif kind == "followup":
        if not (isinstance(value, dict) and _number(value.get("days")) and isinstance(value.get("email"), bool)
                and isinstance(value.get("sms"), bool)):
            raise wrong
        _check_range(option, value["days"])
    else:
        raise wrong
    return value


def _check_range(option: Option, number: int) -> None:
    unit = f" {option.unit}" if option.unit else ""
    if number < option.minimum:
        raise ValidationError(f"Värdet måste vara minst {option.minimum}{unit}.", field=option.key)
    if option.maximum is not None and number > option.maximum:
        raise ValidationError(f"Värdet får vara högst {option.maximum}{unit}.", field=option.key)


def length_can_exceed(longer: dict, shorter: dict) -> bool:
    """True when a period of length ``longer`` ends after one of length ``shorter`` for some start day
    (calendar months: 1 månad is 28–31 dagar, so 30 dagar can be longer than 1 månad in February)."""
    from datetime import date, timedelta

    from app.domain.periods import Length

    a, b = Length(longer["number"], longer["unit"]), Length(shorter["number"], shorter["unit"])
    start = date(2027, 1, 1)  # four years cover every month length and leap day
    for offset in range(0, 4 * 366, 1 if "dagar" in (a.unit, b.unit) and a.unit != b.unit else 4 * 366):
        day = start + timedelta(days=offset)
        if a.after(day) > b.after(day):
            return True
    return False


def check_values(session: Session, values: dict[str, Any]) -> None:
    """Every rule the settings given must pass, each refused at its field with the reason: types and
    limits, the Ordinarie price list, existing price lists and products, the shortest freeze not
    longer than the longest. ``values`` holds the settings of one dialog page (or all of them)."""
    from db.models import PriceList, Product

    for key, value in values.items():
        _check(BY_KEY[key], value)
    if "price_list_ordinarie" in values and values["price_list_ordinarie"] is None:
        raise ValidationError("Ordinarieprislistan är obligatorisk.", field="price_list_ordinarie")
    for key in ("price_list_ordinarie", "price_list_student", "price_list_pensionar"):
        if values.get(key) is not None and session.get(PriceList, values[key]) is None:
            raise ValidationError("Prislistan finns inte längre. Välj en annan.", field=key)
    for key, option in BY_KEY.items():
        if option.kind == "product_list" and values.get(key):
            found = set(session.scalars(select(Product.id).where(Product.id.in_(values[key]))))
            if found != set(values[key]):
                raise ValidationError("En vald produkt finns inte längre. Välj igen.", field=key)
    low, high = values.get("freeze_min"), values.get("freeze_max")
    if low is not None and high is not None and length_can_exceed(low, high):
        raise ValidationError("Kortast tillåtna frysperiod får inte vara längre än den längsta "
                              f"({high['number']} {high['unit']}).", field="freeze_min")
    if values.get("person_lookup_enabled") and values.get("person_lookup_provider") == "http" \
            and not (values.get("person_lookup_url") or "").strip():
        raise ValidationError("Ange adressen till tjänsten för personuppslagning.", field="person_lookup_url")
    if (values.get("autogiro_bankgiro") or "").strip():
        from app.autogiro.format import parse_bankgiro

        parse_bankgiro(values["autogiro_bankgiro"], "autogiro_bankgiro")
    if (values.get("autogiro_customer_number") or "").strip():
        from app.autogiro.format import parse_customer_number

        parse_customer_number(values["autogiro_customer_number"], "autogiro_customer_number")
    if (values.get("smtp_host") or "").strip():
        from app.domain.inputs import check_email

        try:
            check_email(values.get("smtp_sender") or "", "smtp_sender")
        except ValidationError as err:
            raise ValidationError("Ange en giltig avsändaradress, t.ex. info@klubben.se.",
                                  field="smtp_sender") from err
    if values.get("sms_provider", "ingen") != "ingen":
        from app.domain.sms_settings import check_sms_settings

        check_sms_settings(values)


def page_keys(page: str) -> tuple[str, ...]:
    return tuple(o.key for o in OPTIONS if o.page == page)


def stored_values(session: Session) -> dict[str, Any]:
    """Every setting as it is now (defaults for keys without a row)."""
    from db.models import Setting

    stored = {row.key: json.loads(row.value) for row in session.scalars(select(Setting))}
    return {o.key: stored.get(o.key, o.default) for o in OPTIONS}


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
