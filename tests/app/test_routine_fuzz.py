"""Fuzz every public routine command (app/routines/**) with random text, dates and amounts (issue 15).

For each routine, hypothesis builds commands from the command dataclass's own type hints: every
str is random Unicode (NUL, lone surrogates, zero-width spaces, 10 kB, Unicode digits) or a
plausible value, every date anywhere in 1..9999, every amount up to 2^100 öre, every id a real row
or anything else. Against a database with a customer, subscriptions, an order, an invoice, an
organisation and a pre-order, on SQLite and PostgreSQL:

* no exception other than the app's own UserError subclasses escapes (preview and execute);
* afterwards no row breaks a rule: key columns hold ASCII digits only (one spelling), no text
  column holds a control character, lone surrogate or invisible character, every String(n)
  value fits n, and every person's name has a letter.

The number of examples is bounded (EXAMPLES per routine and database) so the suite stays fast; a
routine added to app/routines without being fuzzed here fails test_every_routine_is_fuzzed.
"""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import types
import typing
import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, Text, select

import app.routines as routines_pkg
from app.domain.inputs import ascii_key, has_letter
from app.errors import UserError
from app.routines.base import Routine
from app.routines.subscriptions import ChangeFreezeEnd, RemoveOtherPayer, StopPayingForOther, ThawSubscription
from tests.app import builders

EXAMPLES = 30
TODAY = date(2026, 11, 22)

# Routines whose command type is not in their generic base (subclasses of a shared base).
COMMANDS = {
    "ThawSubscriptionRoutine": ThawSubscription,
    "ShortenFreezeRoutine": ChangeFreezeEnd,
    "ExtendFreezeRoutine": ChangeFreezeEnd,
    "RemoveOtherPayerRoutine": RemoveOtherPayer,
    "StopPayingForOtherRoutine": StopPayingForOther,
}

KEY_COLUMNS = {
    "persons": ("personnummer", "mobile_digits", "phone_home_digits", "phone_work_digits"),
    "preorders": ("personnummer",),
    "autogiro_mandates": ("holder_personnummer", "clearing", "account_number"),
    "cards": ("card_number",),
    "addresses": ("postal_code",),
    "organisations": ("org_number",),
}
_INVISIBLE = set("\u200b\u200c\u200d\u2060\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _routines() -> list[type[Routine]]:
    for module in pkgutil.walk_packages(routines_pkg.__path__, "app.routines."):
        importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return sorted({c for c in subclasses(Routine) if c.__module__.startswith("app.routines.")
                   and not c.__name__.startswith("_") and not inspect.isabstract(c)}, key=lambda c: c.__name__)


def command_type(cls: type[Routine]) -> type:
    if cls.__name__ in COMMANDS:
        return COMMANDS[cls.__name__]
    for klass in cls.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            args = typing.get_args(base)
            if args and dataclasses.is_dataclass(args[0]):
                return args[0]
    raise AssertionError(f"no command type for {cls.__name__}: add it to COMMANDS")


ROUTINES = _routines()
SUCCESSES: dict[str, int] = {}  # previews and executions that went through, per routine (for -s runs)


# --------------------------------------------------------------------------
# Strategies from the command's type hints
# --------------------------------------------------------------------------

NASTY = ["", " ", "\x00", "An\x00na", "\ud800", "Öb\udfffe", "\u200b", "\u200b\u200b", "\x1b[31m", "\r\n",
         "A" * 10_000, "Å" * 201, "١٩٨٥٠٧٠٩٩٨٠٥", "１９８５０７０９－９８０５", "'; DROP TABLE persons; --",
         "\U0001F600", "\u202eevil", "%s%n", "…", "\t"]
fuzz_char = st.one_of(st.characters(exclude_categories=()), st.sampled_from(["\x00", "\ud800", "\u200b", "\x07"]))
fuzz_text = st.one_of(st.text(fuzz_char, max_size=60), st.sampled_from(NASTY))

PLAUSIBLE = {
    "personnummer": ["850709-9805", "19850709-9805", "８５０７０９－９８０５", "٨٥٠٧٠٩-٩٨٠٥", "19900101-0017",
                     "200103052349", ""],
    "holder_personnummer": ["850709-9805", "19900101-0017"],
    "email": ["anna@example.se", "åsa@exämple.se", "a..b@example.com", "x@y"],
    "mobile": ["070-123 45 67", "+47 912 34 567", "０７０１２３４５６７", "0701"],
    "phone_home": ["", "08-123 456"], "phone_work": ["", "+358 40 1234567"],
    "first_name": ["Anna", "Åsa-Lena"], "last_name": ["Öberg", "Nordmann"], "name": ["Anna Öberg"],
    "holder_name": ["Anna Öberg"], "agent_name": ["", "Bo Ombud"],
    "card_number": ["0004520100", "０００４５２０１０１", "abc-123"],
    "clearing": ["5000", "８３２７-９"], "account": ["1234560", "٩٠٢٣٤٥٦٧٨٩"],
    "postal_code": ["11455", "114 55", "１１４５５"], "town": ["Stockholm"], "street": ["Storgatan 1"],
    "country": ["SE", "NO", "FI", "XX"], "flow": ["ny_privatkund", "befintlig_privatkund", "uthamtning"],
    "method": ["kontant", "kort", "swish", "faktura"], "customer_type": ["ordinarie", "student", "pensionar"],
    "id_document": ["svensk", "utlandsk"], "gender": ["K", "M"], "phone_country": ["SE", "NO", "FI"],
    "text": ["Ring före besök", "rad 1\nrad 2"], "reason": ["Fel order"], "filename": ["intyg.pdf"],
}
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64


def text_for(name: str):
    """Mostly plausible values (so commands get past the first field and reach the database), with
    random Unicode a quarter of the time."""
    if name == "command_id":
        plausible = st.uuids().map(str)
    else:
        plausible = st.sampled_from(PLAUSIBLE.get(name, ["Hej", "Ring före besök", ""]))
    return st.one_of(plausible, plausible, plausible, fuzz_text)


def int_for(name: str):
    huge = st.integers(-(2 ** 100), 2 ** 100)
    if name.endswith("_ore"):
        return st.one_of(st.integers(0, 1_000_000), huge)
    if name.endswith("_id") or name == "id":
        return st.one_of(st.integers(1, 8), st.integers(1, 8), st.integers(1, 8), huge)
    return st.one_of(st.integers(-3, 30), huge)


def strategy(tp, name: str):
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(strategy(a, name) for a in args))
    if origin is typing.Literal:
        return st.sampled_from(args)
    if tp is type(None):
        return st.none()
    if origin in (tuple,):
        inner = args[0] if args else str
        return st.lists(strategy(inner, name), max_size=3).map(tuple)
    if origin in (frozenset, set):
        inner = args[0] if args else str
        values = ["id", "proof", "residence", "organisation", "age"] if name == "checked" else None
        inner_st = st.one_of(st.sampled_from(values), strategy(inner, name)) if values else strategy(inner, name)
        return st.frozensets(inner_st, max_size=4)
    if tp is str:
        return text_for(name)
    if tp is bool:
        return st.booleans()
    if tp is int:
        return int_for(name)
    if tp is bytes:
        return st.one_of(st.just(JPEG), st.binary(max_size=64))
    if tp is date:
        near = st.integers(-400, 800).map(lambda d: TODAY + timedelta(days=d))
        return st.one_of(near, near, st.dates())
    if dataclasses.is_dataclass(tp):
        return command_strategy(tp)
    raise AssertionError(f"no strategy for {tp!r} ({name})")


def command_strategy(cls):
    hints = typing.get_type_hints(cls)
    fields = {f.name: strategy(hints[f.name], f.name) for f in dataclasses.fields(cls) if f.init}
    return st.builds(cls, **fields)


# --------------------------------------------------------------------------
# The world, and the rules every row must keep
# --------------------------------------------------------------------------

def build_world(core) -> dict:
    from tests.app.conftest_data import add_invoice, add_order
    from db.models import Person

    cat = builders.build_catalog(core)
    anna = builders.add_person(core)
    bo = builders.add_person(core, builders.person_data("19900101-0017", "Bo", "Berg", "bo@example.se"))
    gym = builders.add_subscription(core, anna, cat.gym_ag, start=date(2026, 1, 1),
                                    charged_through=date(2026, 11, 30), price_list_id=cat.ordinarie)
    bo_gym = builders.add_subscription(core, bo, cat.gym_ag, start=date(2026, 1, 1),
                                       charged_through=date(2026, 11, 30), price_list_id=cat.ordinarie)
    assert (gym, bo_gym) == (1, 2)
    builders.add_mandate(core, anna)
    builders.add_card(core, anna, "0004520100")
    org = builders.add_organisation(core, uses_preorders=True, price_list_id=cat.org_list)
    builders.add_preorder(core, org, cat.gym_ag, personnummer="198507099805")
    with core.sessions() as s, s.begin():
        person = s.get(Person, anna)
        order = add_order(s, person, [19900, 5000]).id
        invoice = add_invoice(s, person, 40000).id
    return {"cat": cat, "anna": anna, "bo": bo, "org": org, "order": order, "invoice": invoice,
            "gym": 1, "bo_gym": 2}


def broken_rows(core) -> list[str]:
    from db.models import Base

    problems = []
    with core.sessions() as s:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.c if isinstance(c.type, (String, Text))]
            if not columns:
                continue
            for row in s.execute(select(*columns)):
                for column, value in zip(columns, row):
                    if value is None:
                        continue
                    where = f"{table.name}.{column.name}={value[:40]!r}"
                    if column.name in KEY_COLUMNS.get(table.name, ()) and (not value.isascii()
                                                                           or ascii_key(value) != value):
                        problems.append(f"key not in ASCII: {where}")
                    bad = [ch for ch in value if (unicodedata.category(ch) == "Cc" and ch not in "\n\t\r")
                           or 0xD800 <= ord(ch) <= 0xDFFF or ch in _INVISIBLE]
                    if bad:
                        problems.append(f"control/invisible {bad[:3]!r}: {where}")
                    length = getattr(column.type, "length", None)
                    if length and len(value) > length:
                        problems.append(f"longer than {length}: {where}")
        persons = Base.metadata.tables["persons"]
        for first, last in s.execute(select(persons.c.first_name, persons.c.last_name)).all():
            if not (has_letter(first) and has_letter(last)):
                problems.append(f"name without a letter: {first!r} {last!r}")
    return problems


# --------------------------------------------------------------------------
# Valid commands, one field of which the fuzzer replaces: these reach the routines' writes
# --------------------------------------------------------------------------

def valid_commands(w: dict) -> dict:
    from app.routines import invoices as inv, organisations as org, pay_order as po, person_edit as pe
    from app.routines import users_admin as ua
    from app.routines.checkin import CheckInCommand
    from app.routines.create_person import CreatePerson
    from app.routines.person_data import AddressData
    from app.routines.registration_data import AccessData, NewMembershipCard, SetMandate
    from app.routines.subscriptions import CancelSubscription, DebitSubscription, FreezeSubscription

    cat = w["cat"]
    new_pnr = builders.pnr("19700101", "123")
    person = builders.person_data(new_pnr, "Cecilia", "Ek", "cecilia@example.se")
    home = AddressData("Storgatan 1", "", "11455", "Stockholm", "SE")
    return {
        "CreatePersonRoutine": CreatePerson(person),
        "RegisterRoutine": builders.registration(cat, person=person, access=AccessData(card_number="0004520177")),
        "UpdatePersonDataRoutine": pe.UpdatePersonData(w["anna"], builders.person_data()),
        "UpdateAddressesRoutine": pe.UpdateAddresses(w["anna"], home, None),
        "UpdateMessagesRoutine": pe.UpdateMessages(w["anna"], "Ring före besök", "Välkommen"),
        "AddNoteRoutine": pe.AddNote(w["anna"], "Anteckning"),
        "AddJournalEntryRoutine": pe.AddJournalEntry(w["anna"], "Journal"),
        "UpdateMarketingRoutine": pe.UpdateMarketing(w["anna"], True, False, "Yoga", "Webben"),
        "UpdateStaffFieldsRoutine": pe.UpdateStaffFields(w["anna"], "A12", "Instruktör", "", None),
        "AddDocumentRoutine": pe.AddDocument(w["anna"], "intyg.pdf", b"%PDF-1.4"),
        "SetMandateRoutine": SetMandate(w["bo"], builders.MANDATE),
        "NewMembershipCardRoutine": NewMembershipCard(w["anna"], cat.card_product, AccessData("0004520199")),
        "AddPreOrder": org.AddPreOrderCommand(w["org"], cat.gym_ag, TODAY, TODAY + timedelta(days=30),
                                              "Cecilia Ek", new_pnr, None, "cecilia@example.se"),
        "ImportPreOrders": org.ImportPreOrdersCommand(w["org"], cat.gym_ag, TODAY, TODAY + timedelta(days=30), (
            org.ImportRow(1, "Cecilia Ek", new_pnr.replace("-", ""), None, "cecilia@example.se"),
            org.ImportRow(2, "Dan Ek", None, date(1980, 5, 5), "dan@example.se"))),
        "PayOrderRoutine": po.PayOrder(w["order"], "kontant", 30000),
        "CancelOrderRoutine": po.CancelOrder(w["order"], "Fel order"),
        "CreditInvoiceRoutine": inv.CreditInvoice(w["invoice"], "Fel belopp"),
        "PayInvoiceAtDeskRoutine": inv.PayInvoiceAtDesk(w["invoice"]),
        "FreezeSubscriptionRoutine": FreezeSubscription(w["gym"], TODAY, TODAY + timedelta(days=60)),
        "CancelSubscriptionRoutine": CancelSubscription(w["gym"], False),
        "DebitSubscriptionRoutine": DebitSubscription(w["gym"], 1),
        "CheckIn": CheckInCommand(person_id=w["anna"]),
        # users and roles (seeded: roles 1 Receptionist, 2 Kundansvarig, 3 Administratör; users 1 admin, 2 recep)
        "SaveUser": ua.UserCommand(None, "stina", "Stina Ström", 1, email="stina@example.se", password="långt-lösen-1"),
        "SetPassword": ua.PasswordCommand(2, "nytt-lösen-99"),
        "SaveRole": ua.RoleCommand(None, "Kassör", ("Kassa",)),
        "UnlockLogin": ua.UnlockCommand("anvandare", "recep"),
    }


@st.composite
def mutated(draw, base):
    """The valid command with one field (possibly nested) replaced by a fuzzed value, and a new command id."""
    def mutate(value):
        fields = [f for f in dataclasses.fields(value) if f.init and f.name != "command_id"]
        f = draw(st.sampled_from(fields))
        current = getattr(value, f.name)
        if dataclasses.is_dataclass(current) and draw(st.booleans()):
            new = mutate(current)
        else:
            new = draw(strategy(typing.get_type_hints(type(value))[f.name], f.name))
        return dataclasses.replace(value, **{f.name: new})

    command = mutate(base)
    if any(f.name == "command_id" for f in dataclasses.fields(command)):
        command = dataclasses.replace(command, command_id=str(draw(st.uuids())))
    return command


def test_every_routine_is_fuzzed():
    """Every concrete public routine has a command type the fuzzer can build."""
    assert len(ROUTINES) >= 35
    for cls in ROUTINES:
        assert dataclasses.is_dataclass(command_type(cls)), cls


@pytest.mark.parametrize("routine_cls", ROUTINES, ids=lambda c: c.__name__)
def test_fuzz_routine(core, admin, routine_cls):
    world = build_world(core)
    base = valid_commands(world).get(routine_cls.__name__)
    routine = routine_cls(core)
    escaped: list[BaseException] = []
    successes = [0]
    built = command_strategy(command_type(routine_cls))

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(command=st.one_of(built, mutated(base)) if base is not None else built)
    def run(command):
        for call in ((lambda: routine.preview(command)) if hasattr(routine, "preview") else None,
                     lambda: routine.execute(command, admin)):
            if call is None:
                continue
            try:
                call()
                successes[0] += 1
            except UserError as err:
                assert isinstance(err.message, str) and err.message
            except Exception as err:  # noqa: BLE001 - the point of the test
                escaped.append(err)
                raise

    run()
    SUCCESSES[routine_cls.__name__] = successes[0]
    assert escaped == []
    assert broken_rows(core) == []


def teardown_module(module):
    if SUCCESSES:
        print("\nfuzz: calls that went through per routine:", dict(sorted(SUCCESSES.items())))


@pytest.mark.parametrize("name", [
    "CreatePersonRoutine", "RegisterRoutine", "UpdatePersonDataRoutine", "UpdateAddressesRoutine",
    "UpdateMessagesRoutine", "AddNoteRoutine", "AddJournalEntryRoutine", "UpdateMarketingRoutine",
    "UpdateStaffFieldsRoutine", "AddDocumentRoutine", "SetMandateRoutine", "NewMembershipCardRoutine", "AddPreOrder",
    "ImportPreOrders", "PayOrderRoutine", "CancelOrderRoutine", "CreditInvoiceRoutine", "PayInvoiceAtDeskRoutine",
    "FreezeSubscriptionRoutine", "CancelSubscriptionRoutine", "DebitSubscriptionRoutine", "CheckIn",
    "SaveUser", "SetPassword", "SaveRole", "UnlockLogin"])
def test_the_mutation_bases_are_valid_commands(core, admin, name):
    """Each base the fuzzer mutates goes through as it is, so a mutation tests one field at a time."""
    world = build_world(core)
    routine = next(c for c in ROUTINES if c.__name__ == name)(core)
    routine.execute(valid_commands(world)[name], admin)
