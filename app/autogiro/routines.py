"""The audited Autogiro routines: export the files the club sends, import the files Bankgirot returns.

Each routine is one transaction with an audit row (app.routines.base.Routine) and marks exactly what it
sent or read, so running it again does nothing new:

* **Skicka medgivanden** (medgivandeunderlag): TK03 for mandates Bankgirot still holds that are cancelled
  here (replaced by a new mandate, or the payer no longer pays any autogiro subscription), TK05 when the
  payer-number scheme gave an approved mandate a new number, TK04 for every new mandate (ny → hos_bgc).
  The mandate's ``payer_number``, ``sent_at`` and ``bgc_closed_at`` say what was sent.
* **Skicka betalningsunderlag**: for the debit date, every running autogiro main subscription whose payer
  has an approved mandate is charged (with its add-ons) what must be covered by the next debit date —
  the same arithmetic as "Debitera ikapp" (app.domain.debit.catch_up_plan: price, freezes, credit days,
  part intervals, slutdatum). Each debit is a row in ``autogiro_debits`` — unique per subscription and
  debit date, so the database refuses a second one — with an invoice (kind autogiro) for what the payer
  owes until Bankgirot reports the debit paid; debiterat t.o.m. moves as with Debitera.
* **Skicka makuleringar**: TK25 for each debit not yet due whose invoice was credited (Kreditera on the
  Fakturor tab, e.g. after a freeze); the debit becomes makulerad.
* **Läs in fil från Bankgirot**: medgivandeavisering, betalningsspecifikation or avvisade
  betalningsuppdrag. The file is checked whole first (app.autogiro.incoming); a bad file changes nothing.
  A file is read once: its sha256 is unique in ``autogiro_files``.

The file is written next to its final name (``.part``) inside the transaction and renamed only after the
commit; if the transaction fails the part file is removed, so the folder never holds a file whose
contents the database does not know.
"""
from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from app.autogiro import codes
from app.autogiro.format import AutogiroFileError, format_bankgiro, parse_bankgiro, parse_customer_number
from app.autogiro.incoming import (
    AVVISADE,
    BETALNINGSSPECIFIKATION,
    KIND_NAMES,
    MEDGIVANDEAVISERING,
    check_file,
    records,
)
from app.autogiro.outgoing import AMENDMENTS, MANDATES, PAYMENTS, RequestWriter
from app.context import Actor
from app.domain.debit import catch_up_plan
from app.domain.money import format_sek
from app.domain.periods import add_months, iso
from app.errors import ValidationError
from app.rights import SYSTEM_SETTINGS
from app.routines.base import Routine
from app.settings import BusinessSettings, load_settings

LIVE = ("kommande", "aktivt", "fryst", "framtida_frysning", "uppsagt")
FAILED = ("misslyckad", "avvisad")
MAX_LISTED = 200  # rows named one by one in a result; the rest are counted
FILE_KIND_NAMES = {MANDATES: "Medgivandeunderlag", PAYMENTS: "Betalningsunderlag", AMENDMENTS: "Makulering/ändring",
                   **KIND_NAMES}


# --------------------------------------------------------------------------
# Settings and payer numbers
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Club:
    bankgiro: str
    customer_number: str
    scheme: str
    debit_day: int


def club_from(settings: BusinessSettings) -> Club:
    where = " Ange det under Inställningar > Inställningar…, Autogiro (Bankgirot)."
    try:
        bankgiro = parse_bankgiro(settings.autogiro_bankgiro, "autogiro_bankgiro")
        customer = parse_customer_number(settings.autogiro_customer_number, "autogiro_customer_number")
    except ValidationError as err:
        raise ValidationError(err.message + where, field=err.field) from None
    return Club(bankgiro, customer, settings.autogiro_payer_number, settings.autogiro_debit_day)


def payer_number_for(scheme: str, customer_number: int, personnummer: str | None) -> str | None:
    """The payer number Bankgirot knows the payer by; None when the scheme has nothing for this person."""
    if scheme == "personnummer":
        return personnummer or None
    return str(customer_number)


def adopt_existing_mandates(session: Session, scheme: str, now) -> int:
    """Mandates that reached Bankgirot before Reception sent files itself (status aktivt or hos_bgc, no
    payer number) are taken to be registered under the payer number of the current scheme; an aktivt
    one counts as approved. One UPDATE; returns how many were adopted (docs/decisions/autogiro.md)."""
    from sqlalchemy import String, cast, update

    from db.models import AutogiroMandate, Person

    source = Person.personnummer if scheme == "personnummer" else cast(Person.customer_number, String)
    number = select(source).where(Person.id == AutogiroMandate.person_id).scalar_subquery()
    adopted = 0
    for status, approved in (("aktivt", AutogiroMandate.updated_at), ("hos_bgc", None)):
        values = {"payer_number": number, "sent_at": AutogiroMandate.updated_at}
        if approved is not None:
            values["approved_at"] = approved
        adopted += session.execute(update(AutogiroMandate)
                                   .where(AutogiroMandate.status == status, AutogiroMandate.payer_number.is_(None),
                                          exists().where(Person.id == AutogiroMandate.person_id,
                                                         source.is_not(None)))
                                   .values(**values).execution_options(synchronize_session=False)).rowcount or 0
    return adopted


def next_debit_date(today: date, debit_day: int) -> date:
    """The first debit day after today (a file must reach Bankgirot before the debit day)."""
    this_month = today.replace(day=debit_day)
    return this_month if this_month > today else add_months(this_month, 1)


# --------------------------------------------------------------------------
# Writing a file inside the transaction, renaming it after the commit
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportCommand:
    folder: str
    debit_date: date | None = None       # betalningsunderlag: None = the next debit day


@dataclass(frozen=True)
class ExportResult:
    kind: str
    file_name: str | None                # None: nothing to send, no file written
    records: int
    total_ore: int
    summary: str
    skipped: tuple[str, ...] = ()
    skipped_count: int = 0


class _Export(Routine[ExportCommand, ExportResult]):
    required_rights = (SYSTEM_SETTINGS,)
    kind: str

    def execute(self, command: ExportCommand, actor: Actor) -> ExportResult:
        self._part: Path | None = None
        try:
            result = super().execute(command, actor)
        except BaseException:
            if self._part is not None and self._part.exists():
                self._part.unlink()
            raise
        if self._part is not None and result.file_name:
            os.replace(self._part, self._part.with_name(result.file_name))
        return result

    def validate(self, session: Session, command: ExportCommand) -> None:
        folder = Path(command.folder)
        if not folder.is_dir():
            raise ValidationError(f"Mappen ”{command.folder}” finns inte. Välj en befintlig mapp.", field="folder")
        if not os.access(folder, os.W_OK):
            raise ValidationError(f"Reception får inte skriva i mappen ”{command.folder}”.", field="folder")
        club_from(load_settings(session))

    def _open(self, session: Session, command: ExportCommand, club: Club, actor: Actor):
        """The file row (its id names the file) and a writer on the .part file."""
        from db.models import AutogiroFile

        today = self.core.clock.today()
        row = AutogiroFile(direction="ut", kind=self.kind, file_name="", sha256=f"pending-{uuid.uuid4()}",
                           written_on=today, records=0, total_ore=0, summary="", created_at=self.core.clock.now(),
                           user_id=actor.user_id)
        session.add(row)
        session.flush()
        row.file_name = f"autogiro_{self.kind}_{today:%Y%m%d}_{row.id}.txt"
        self._part = Path(command.folder) / (row.file_name + ".part")
        out = open(self._part, "wb")
        return row, out, RequestWriter(out, self.kind, customer_number=club.customer_number, bankgiro=club.bankgiro,
                                       written_on=today)

    def _close(self, row, out, writer: RequestWriter, summary: str) -> None:
        out.close()
        digest = hashlib.sha256()
        with open(self._part, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        row.sha256 = digest.hexdigest()
        row.records = writer.totals.records
        row.total_ore = writer.totals.debit_ore
        row.summary = summary

    def _nothing(self, session: Session, row, out) -> None:
        out.close()
        self._part.unlink()
        self._part = None
        session.delete(row)
        session.flush()


def _listed(reasons: list[str]) -> tuple[tuple[str, ...], int]:
    return tuple(reasons[:MAX_LISTED]), len(reasons)


# --------------------------------------------------------------------------
# Medgivandeunderlag
# --------------------------------------------------------------------------


def _event(session: Session, mandate_id: int, at, event: str, text: str, code: str | None = None,
           file_id: int | None = None) -> None:
    from db.models import AutogiroMandateEvent

    session.add(AutogiroMandateEvent(mandate_id=mandate_id, at=at, event=event, code=code, text=text[:300],
                                     file_id=file_id))


class ExportMandates(_Export):
    name = "Skicka medgivanden till Bankgirot"
    kind = MANDATES

    def perform(self, session: Session, command: ExportCommand, actor: Actor):
        from db.models import AutogiroMandate, Person, Product, Subscription

        club = club_from(load_settings(session))
        now, today = self.core.clock.now(), self.core.clock.today()
        adopt_existing_mandates(session, club.scheme, now)
        row, out, writer = self._open(session, command, club, actor)
        counts = {"03": 0, "05": 0, "04": 0}
        skipped: list[str] = []

        pays_ag = exists().where(Subscription.payer_id == AutogiroMandate.person_id,
                                 Subscription.status.in_(LIVE),
                                 Product.id == Subscription.product_id, Product.payment == "AG",
                                 (Subscription.end_date.is_(None)) | (Subscription.end_date >= today))
        # 1. Cancellations: replaced or cancelled here while Bankgirot still holds them, and approved
        #    mandates of payers who no longer pay any autogiro subscription.
        closing = session.scalars(select(AutogiroMandate).where(
            AutogiroMandate.approved_at.is_not(None), AutogiroMandate.bgc_closed_at.is_(None),
            AutogiroMandate.payer_number.is_not(None),
            (AutogiroMandate.status == "makulerat") | ((AutogiroMandate.status == "aktivt") & ~pays_ag))
            .order_by(AutogiroMandate.id)).all()
        for m in closing:
            writer.cancel_mandate(m.payer_number)
            if m.status == "aktivt":
                m.status, m.updated_at = "makulerat", now
                text = "Makulering skickad: betalaren har inget autogiroabonnemang kvar"
            else:
                text = "Makulering skickad till Bankgirot"
            m.bgc_closed_at = now
            _event(session, m.id, now, "makulering_skickad", text, file_id=row.id)
            counts["03"] += 1

        # 2. New payer numbers for approved mandates (the scheme was switched).
        active = session.execute(select(AutogiroMandate, Person.customer_number, Person.personnummer)
                                 .join(Person, Person.id == AutogiroMandate.person_id)
                                 .where(AutogiroMandate.status == "aktivt", AutogiroMandate.payer_number.is_not(None),
                                        AutogiroMandate.bgc_closed_at.is_(None))
                                 .order_by(AutogiroMandate.id)).all()
        for m, customer_number, pnr in active:
            wanted = payer_number_for(club.scheme, customer_number, pnr)
            if wanted is not None and wanted != m.payer_number:
                writer.change_payer_number(m.payer_number, wanted)
                _event(session, m.id, now, "nytt_betalarnummer",
                       f"Nytt betalarnummer {wanted} (tidigare {m.payer_number}) skickat", file_id=row.id)
                m.payer_number, m.updated_at = wanted, now
                counts["05"] += 1

        # 3. New mandates.
        new = session.execute(select(AutogiroMandate, Person.customer_number, Person.personnummer,
                                     Person.first_name, Person.last_name)
                              .join(Person, Person.id == AutogiroMandate.person_id)
                              .where(AutogiroMandate.status == "ny").order_by(AutogiroMandate.id)).all()
        for m, customer_number, pnr, first, last in new:
            number = payer_number_for(club.scheme, customer_number, pnr)
            if number is None:
                skipped.append(f"{first} {last} (kundnummer {customer_number}): saknar personnummer, som är "
                               "betalarnummer enligt inställningarna. Medgivandet skickades inte.")
                continue
            writer.new_mandate(number, m.clearing, m.account_number, m.holder_personnummer)
            m.payer_number, m.status, m.sent_at, m.updated_at = number, "hos_bgc", now, now
            _event(session, m.id, now, "skickad", "Skickat till Bankgirot", file_id=row.id)
            counts["04"] += 1

        listed, n_skipped = _listed(skipped)
        if writer.totals.records == 0:
            self._nothing(session, row, out)
            summary = "Inga medgivanden att skicka."
            if n_skipped:
                summary += f" {n_skipped} kunde inte skickas."
            return ExportResult(self.kind, None, 0, 0, summary, listed, n_skipped), "autogiro_file", None
        summary = (f"{counts['04']} nya medgivanden, {counts['03']} makuleringar, "
                   f"{counts['05']} byten av betalarnummer.")
        if n_skipped:
            summary += f" {n_skipped} kunde inte skickas."
        self._close(row, out, writer, summary)
        return (ExportResult(self.kind, row.file_name, writer.totals.records, 0, summary, listed, n_skipped),
                "autogiro_file", row.id)


# --------------------------------------------------------------------------
# Betalningsunderlag
# --------------------------------------------------------------------------


class ExportDebits(_Export):
    name = "Skicka betalningsunderlag till Bankgirot"
    kind = PAYMENTS

    def debit_date(self, session: Session, command: ExportCommand) -> date:
        today = self.core.clock.today()
        if command.debit_date is None:
            return next_debit_date(today, load_settings(session).autogiro_debit_day)
        if command.debit_date <= today:
            raise ValidationError("Dragningsdagen måste ligga efter i dag: Bankgirot ska ha filen före "
                                  "dragningsdagen.", field="debit_date")
        return command.debit_date

    def validate(self, session: Session, command: ExportCommand) -> None:
        super().validate(session, command)
        self.debit_date(session, command)

    def perform(self, session: Session, command: ExportCommand, actor: Actor):
        with _bulk_cache(session):
            return self._perform(session, command, actor)

    def _perform(self, session: Session, command: ExportCommand, actor: Actor):
        club = club_from(load_settings(session))
        now, today = self.core.clock.now(), self.core.clock.today()
        on = self.debit_date(session, command)
        adopt_existing_mandates(session, club.scheme, now)
        horizon = add_months(on, 1)  # each debit pays what must be covered by the next debit day
        row, out, writer = self._open(session, command, club, actor)
        skipped: list[str] = []
        waiting = 0
        after = 0
        while True:  # in chunks by subscription id: a million subscriptions are never in memory at once
            chunk = _debit_chunk(session, after, on)
            if chunk.high is None:
                break
            after = chunk.high
            debits: list[tuple] = []   # (main row, plan)
            coverage: list[dict] = []
            for main in chunk.mains:
                plan = draw_plan(chunk.facts(main), chunk.addon_facts(main.id), horizon)
                if plan is None:
                    continue
                if main.mandate_id is None and main.pending:  # the mandate is on its way: drawn once approved
                    waiting += 1
                    continue
                if main.mandate_id is None:
                    skipped.append(f"{main.first_name} {main.last_name} (kundnummer {main.customer_number}): inget "
                                   f"godkänt autogiromedgivande – {format_sek(plan.total_ore)} drogs inte.")
                    continue
                coverage += [{"id": int(line.subscription_key), "charged_through": line.period_to,
                              "credit_days": chunk.credit_days[int(line.subscription_key)] - line.credit_days_used}
                             for line in plan.lines]
                if plan.total_ore > 0:  # an entirely free (frozen) span moves coverage and draws nothing
                    debits.append((main, plan))
            self._write_chunk(session, writer, row.id, on, today, now, coverage, debits)

        listed, n_skipped = _listed(skipped)
        extra = f" {waiting} väntar på att Bankgirot godkänner medgivandet." if waiting else ""
        extra += f" {n_skipped} abonnemang saknar godkänt medgivande och drogs inte." if n_skipped else ""
        if writer.totals.records == 0:
            self._nothing(session, row, out)
            return (ExportResult(self.kind, None, 0, 0, f"Inga dragningar att skicka för {iso(on)}.{extra}", listed,
                                 n_skipped), "autogiro_file", None)
        totals = writer.totals
        summary = f"{totals.debit_count} dragningar den {iso(on)}, totalt {format_sek(totals.debit_ore)}.{extra}"
        self._close(row, out, writer, summary)
        return (ExportResult(self.kind, row.file_name, totals.records, totals.debit_ore, summary, listed, n_skipped),
                "autogiro_file", row.id)

    @staticmethod
    def _write_chunk(session: Session, writer: RequestWriter, file_id: int, on: date, today: date, now,
                     coverage: list[dict], debits: list[tuple]) -> None:
        """One chunk's writes as a few executemany statements on the raw driver (values converted with the
        columns' own bind processors; the constant ones once): coverage, invoices, debits; then the file."""
        from app.counters import next_numbers
        from db.models import AutogiroDebit, Invoice, Subscription

        conn = session.connection()
        day, stamp = _binder(conn, Subscription.__table__.c.charged_through), _binder(conn, AutogiroDebit.__table__.c.created_at)
        if coverage:
            _executemany(conn, "UPDATE subscriptions SET charged_through = {p}, credit_days = {p} WHERE id = {p}",
                         [(day(c["charged_through"]), c["credit_days"], c["id"]) for c in coverage])
        if not debits:
            return
        first = next_numbers(session, "invoice_number", len(debits))
        issued, due = day(today), day(on)
        _executemany(conn, "INSERT INTO invoices (invoice_number, person_id, kind, issued_on, due_on, amount_ore, "
                           "paid_ore, status) VALUES ({p}, {p}, 'autogiro', {p}, {p}, {p}, 0, 'obetald')",
                     [(first + i, main.payer_id, issued, due, plan.total_ore) for i, (main, plan) in enumerate(debits)])
        ids = dict(conn.execute(select(Invoice.invoice_number, Invoice.id)
                                .where(Invoice.invoice_number.between(first, first + len(debits) - 1))).all())
        at = stamp(now)
        _executemany(conn, "INSERT INTO autogiro_debits (subscription_id, payer_id, mandate_id, payer_number, "
                           "debit_date, amount_ore, period_from, period_to, invoice_id, status, file_id, created_at, "
                           "updated_at) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, 'skickad', {p}, {p}, {p})",
                     [(main.id, main.payer_id, main.mandate_id, main.payer_number, due, plan.total_ore,
                       day(plan.lines[0].period_from), day(plan.new_charged_through), ids[first + i], file_id, at, at)
                      for i, (main, plan) in enumerate(debits)])
        for i, (main, plan) in enumerate(debits):
            writer.debit(main.payer_number, plan.total_ore, on, str(first + i))


BULK_CACHE_KIB = 131_072  # SQLite page cache for a bulk routine's connection (default is 2 MB)


@contextlib.contextmanager
def _bulk_cache(session: Session):
    """On SQLite, a larger page cache while a bulk routine runs (the indexes it writes stay in memory),
    then the connection's own size again. PostgreSQL has its shared buffers: nothing to do."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _binder(conn, column):
    """The column type's bind processor on this dialect (identity when the driver takes the value as is)."""
    process = column.type.bind_processor(conn.dialect)
    return process if process is not None else (lambda value: value)


def _executemany(conn, sql: str, rows: list[tuple]) -> None:
    """executemany on the raw driver; ``{p}`` is the driver's placeholder."""
    placeholder = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(sql.format(p=placeholder), rows)


DEBIT_CHUNK = 20_000


def _plain(facts) -> bool:
    return (facts.kind == "AG" and not facts.freezes and not facts.credit_days and facts.end is None
            and facts.price_ore > 0)


def _plain_value(price_ore: int, months: int, anchor: date, first: date, last: date) -> int:
    """``round_half_up(grid_value(price_ore, months, anchor, first, last))`` without free days, in integers:
    every whole grid interval costs exactly the price, the (at most two) part intervals at the ends cost
    their share of it; the exact sum is rounded half up once, as the domain does."""
    from app.domain.periods import ONE_DAY, days_inclusive, grid_boundary, grid_index

    k1, k2 = grid_index(anchor, months, first), grid_index(anchor, months, last)
    lo1, hi1 = grid_boundary(anchor, months, k1), grid_boundary(anchor, months, k1 + 1) - ONE_DAY
    length1 = days_inclusive(lo1, hi1)
    if k1 == k2:
        numerator, denominator = price_ore * days_inclusive(first, last), length1
    else:
        lo2, hi2 = grid_boundary(anchor, months, k2), grid_boundary(anchor, months, k2 + 1) - ONE_DAY
        length2 = days_inclusive(lo2, hi2)
        numerator = (price_ore * (k2 - k1 - 1) * length1 * length2
                     + price_ore * days_inclusive(first, hi1) * length2
                     + price_ore * days_inclusive(lo2, last) * length1)
        denominator = length1 * length2
    return (2 * numerator + denominator) // (2 * denominator)


def draw_plan(main, addons: list, horizon: date):
    """``catch_up_plan(main, addons, horizon)`` — with a shortcut for the plain case that is most of a
    club (autogiro subscriptions without freezes, credit days or slutdatum, and add-ons likewise): then
    the plan is the main's and each add-on's days up to the end of the grid interval the horizon lies in,
    valued by :func:`_plain_value` without the day-by-day machinery. Anything else goes to the domain
    function. The two are compared on thousands of generated subscriptions in
    tests/app/test_autogiro_routines.py."""
    from app.domain.debit import DebitLine, DebitPlan
    from app.domain.periods import ONE_DAY, days_inclusive, grid_boundary, grid_index

    if not _plain(main) or not all(_plain(a) for a in addons):
        return catch_up_plan(main, addons, horizon)
    start, months = main.start, main.interval_months
    first = main.covered_until + ONE_DAY
    if first < start or any(a.covered_until + ONE_DAY < a.start for a in addons):
        return catch_up_plan(main, addons, horizon)  # covered to before the start: the domain decides
    if horizon < start:
        return None
    target = grid_boundary(start, months, grid_index(start, months, horizon) + 1) - ONE_DAY
    if target < first:
        return None  # covered to (or beyond) the end of the interval the horizon lies in
    lines = [DebitLine(main.key, first, target, _plain_value(main.price_ore, months, start, first, target),
                       days_inclusive(first, target), 0)]
    for addon in addons:
        addon_first = addon.covered_until + ONE_DAY
        if target < addon_first:
            continue  # the add-on is covered that far already
        lines.append(DebitLine(addon.key, addon_first, target,
                               _plain_value(addon.price_ore, addon.interval_months, addon.start, addon_first, target),
                               days_inclusive(addon_first, target), 0))
    return DebitPlan(tuple(lines), target, None)


class _Main:
    """One main subscription row of a chunk, with what the report needs about its payer."""

    __slots__ = ("id", "payer_id", "price_ore", "start_date", "charged_through", "binding_end", "end_date",
                 "credit_days", "payment", "interval_months", "validity_months", "notice_months", "mandate_id",
                 "payer_number", "pending", "first_name", "last_name", "customer_number")

    def __init__(self, row, pending: bool, first_name: str, last_name: str, customer_number: int) -> None:
        (self.id, self.payer_id, self.price_ore, self.start_date, self.charged_through, self.binding_end,
         self.end_date, self.credit_days, self.payment, self.interval_months, self.validity_months,
         self.notice_months, self.mandate_id, self.payer_number) = row
        self.pending, self.first_name, self.last_name = pending, first_name, last_name
        self.customer_number = customer_number


@dataclass
class _DebitChunk:
    """One chunk of autogiro main subscriptions with their add-ons and freezes, as domain facts."""

    mains: list
    addons: dict[int, list]                         # main id -> add-on rows
    freezes: dict[int, list]                        # subscription id -> domain freezes
    credit_days: dict[int, int] = field(default_factory=dict)
    high: int | None = None                         # the last subscription id read (None: no more)

    def _facts(self, r) -> "SubscriptionFacts":
        from app.domain.subscriptions import SubscriptionFacts

        months = r.validity_months if r.payment == "kontant" and r.validity_months else r.interval_months
        return SubscriptionFacts(key=str(r.id), kind=r.payment, price_ore=r.price_ore, interval_months=months,
                                 start=r.start_date, charged_through=r.charged_through, binding_end=r.binding_end,
                                 end=r.end_date, notice_months=r.notice_months, credit_days=r.credit_days,
                                 freezes=tuple(sorted(self.freezes.get(r.id, ()), key=lambda f: f.start)))

    def facts(self, main):
        return self._facts(main)

    def addon_facts(self, main_id: int) -> list:
        return [self._facts(a) for a in self.addons.get(main_id, ())]


def _debit_chunk(session: Session, after: int, on: date) -> _DebitChunk:
    """The next DEBIT_CHUNK autogiro main subscriptions (id > after) in a live status without a debit on
    ``on``, with the payer's approved mandate (if any), whether another mandate awaits Bankgirot, and the
    payer's name for the report. Core statements on the session's connection (no ORM rows): one for the
    mains, then one each for the debits already made, the add-ons, the freezes and the rare payers without
    an approved mandate."""
    from app.domain.subscriptions import Freeze as DomainFreeze
    from app.routines.subscriptions.facts import KNOWN_FREEZE
    from db.models import AutogiroDebit, AutogiroMandate, Freeze, Person, Product, Subscription

    conn = session.connection()
    columns = (Subscription.id, Subscription.payer_id, Subscription.price_ore, Subscription.start_date,
               Subscription.charged_through, Subscription.binding_end, Subscription.end_date,
               Subscription.credit_days, Product.payment, Product.interval_months, Product.validity_months,
               Product.notice_months)
    rows = conn.execute(
        select(*columns, AutogiroMandate.id.label("mandate_id"), AutogiroMandate.payer_number)
        .join(Product, Product.id == Subscription.product_id)
        .outerjoin(AutogiroMandate, and_(AutogiroMandate.person_id == Subscription.payer_id,
                                         AutogiroMandate.status == "aktivt",
                                         AutogiroMandate.payer_number.is_not(None)))
        .where(Subscription.id > after, Subscription.parent_id.is_(None), Product.payment == "AG",
               Subscription.status.in_(LIVE))
        .order_by(Subscription.id).limit(DEBIT_CHUNK)).all()
    if not rows:
        return _DebitChunk([], {}, {}, high=None)
    low, high = rows[0].id, rows[-1].id
    done = set(conn.execute(select(AutogiroDebit.subscription_id).where(
        AutogiroDebit.subscription_id.between(low, high), AutogiroDebit.debit_date == on)).scalars())
    without = {r.payer_id for r in rows if r.mandate_id is None}
    names, pending = {}, set()
    if without:
        for pid, first, last, number in conn.execute(select(Person.id, Person.first_name, Person.last_name,
                                                            Person.customer_number)
                                                     .where(Person.id.in_(sorted(without)))):
            names[pid] = (first, last, number)
        pending = set(conn.execute(select(AutogiroMandate.person_id).where(
            AutogiroMandate.person_id.in_(sorted(without)),
            AutogiroMandate.status.in_(("ny", "hos_bgc")))).scalars())
    mains = [_Main(r, r.payer_id in pending, *names.get(r.payer_id, ("", "", 0)))
             for r in rows if r.id not in done]
    chunk = _DebitChunk(mains, {}, {}, high=high)
    wanted = {m.id for m in mains}
    addons = conn.execute(
        select(*columns, Subscription.parent_id).join(Product, Product.id == Subscription.product_id)
        .where(Subscription.parent_id.between(low, high), Subscription.status != "avslutat",
               Product.payment.in_(("AG", "kontant")))
        .order_by(Subscription.id)).all()
    for a in addons:
        if a.parent_id in wanted:
            chunk.addons.setdefault(a.parent_id, []).append(a)
    ids = wanted | {a.id for a in addons if a.parent_id in wanted}
    chunk.credit_days = {m.id: m.credit_days for m in mains} | {a.id: a.credit_days for a in addons}
    addon_ids = sorted(ids - wanted)
    freeze_rows = list(conn.execute(
        select(Freeze.subscription_id, Freeze.start_date, Freeze.end_date, Freeze.charged_until)
        .where(Freeze.status.in_(KNOWN_FREEZE), Freeze.subscription_id.between(low, high))))
    for part in range(0, len(addon_ids), 5000):
        freeze_rows += conn.execute(
            select(Freeze.subscription_id, Freeze.start_date, Freeze.end_date, Freeze.charged_until)
            .where(Freeze.status.in_(KNOWN_FREEZE), Freeze.subscription_id.in_(addon_ids[part:part + 5000])))
    for sub_id, start, end, until in freeze_rows:
        if sub_id in ids:
            chunk.freezes.setdefault(sub_id, []).append(DomainFreeze(start, end, until))
    return chunk


# --------------------------------------------------------------------------
# Makulering/ändring
# --------------------------------------------------------------------------


class ExportCancellations(_Export):
    name = "Skicka makuleringar till Bankgirot"
    kind = AMENDMENTS

    def perform(self, session: Session, command: ExportCommand, actor: Actor):
        from db.models import AutogiroDebit, Invoice

        club = club_from(load_settings(session))
        now, today = self.core.clock.now(), self.core.clock.today()
        row, out, writer = self._open(session, command, club, actor)
        withdrawn = session.execute(
            select(AutogiroDebit, Invoice.invoice_number).join(Invoice, Invoice.id == AutogiroDebit.invoice_id)
            .where(AutogiroDebit.status == "skickad", AutogiroDebit.debit_date > today,
                   Invoice.status == "krediterad").order_by(AutogiroDebit.id)).all()
        for debit, invoice_number in withdrawn:
            writer.cancel_payment(debit.payer_number, debit.debit_date, debit.amount_ore, str(invoice_number))
            debit.status, debit.cancel_file_id, debit.updated_at = "makulerad", row.id, now
            debit.result_text = "Makulering skickad till Bankgirot (fakturan krediterades)"
        if writer.totals.records == 0:
            self._nothing(session, row, out)
            return ExportResult(self.kind, None, 0, 0, "Inga dragningar att makulera."), "autogiro_file", None
        summary = f"{writer.totals.records} dragningar makulerade, totalt {format_sek(writer.totals.debit_ore)}."
        self._close(row, out, writer, summary)
        return (ExportResult(self.kind, row.file_name, writer.totals.records, writer.totals.debit_ore, summary),
                "autogiro_file", row.id)


EXPORTS = (ExportMandates, ExportCancellations, ExportDebits)


# --------------------------------------------------------------------------
# Incoming files
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportCommand:
    path: str


@dataclass(frozen=True)
class ImportLine:
    """One record of the file as the preview and the result show it."""

    line_no: int
    payer_number: str
    what: str            # e.g. "Medgivande", "Dragning 499,00 kr 2027-01-27"
    outcome: str         # Swedish: what happens / happened
    applies: bool        # False: nothing changes for this record (already done, or not found)


@dataclass(frozen=True)
class ImportResult:
    kind: str
    kind_name: str
    file_name: str
    already_read: bool
    records: int
    applied: int
    unmatched: int
    summary: str
    lines: tuple[ImportLine, ...] = ()
    unmatched_lines: tuple[ImportLine, ...] = field(default=())


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_REFERENCE_NUMBER = re.compile(r"(\d+)\s*$")


def _invoice_number(reference: str) -> int | None:
    found = _REFERENCE_NUMBER.search(reference)
    return int(found.group(1)) if found else None


class ImportBankgirotFile(Routine[ImportCommand, ImportResult]):
    """Read one file from Bankgirot; ``preview`` says per record what would happen, ``execute`` does it."""

    name = "Läs in autogirofil från Bankgirot"
    required_rights = (SYSTEM_SETTINGS,)

    def preview(self, command: ImportCommand) -> ImportResult:
        """What reading the file would do, record by record; a write session rolled back (read sessions
        may run in autocommit, where a flush would stay)."""
        session = self.core.write_session()
        try:
            with session.begin():
                result = self._apply(session, command, None)
                session.rollback()
            return result
        finally:
            session.close()

    def validate(self, session: Session, command: ImportCommand) -> None:
        """Nothing here: ``perform`` checks the whole file first, in the same transaction (reading a
        million records once more just to check them would cost as much as applying them)."""

    def _check(self, session: Session, command: ImportCommand):
        path = Path(command.path)
        if not path.is_file():
            raise ValidationError(f"Filen ”{command.path}” finns inte.", field="path")
        club = club_from(load_settings(session))
        try:
            summary = check_file(path)
        except AutogiroFileError as err:
            raise ValidationError(err.message, field="path") from None
        except OSError as err:
            raise ValidationError(f"Filen kan inte läsas: {err.strerror or err}.", field="path") from None
        opening = summary.opening
        if opening.bankgiro.lstrip("0") != club.bankgiro.lstrip("0"):
            raise ValidationError(f"Filen gäller bankgironummer {format_bankgiro(opening.bankgiro)}, men klubbens är "
                                  f"{format_bankgiro(club.bankgiro)}. Ingenting har ändrats.", field="path")
        if opening.customer_number.lstrip("0") != club.customer_number.lstrip("0"):
            raise ValidationError(f"Filen gäller kundnummer {opening.customer_number} hos Bankgirot, men klubbens är "
                                  f"{club.customer_number}. Ingenting har ändrats.", field="path")
        return summary

    def perform(self, session: Session, command: ImportCommand, actor: Actor):
        with _bulk_cache(session):
            result = self._apply(session, command, actor)
        return result, "autogiro_file", None

    def _apply(self, session: Session, command: ImportCommand, actor: Actor | None) -> ImportResult:
        """Apply the file (``actor`` given) or only say what would happen (preview: the caller rolls back)."""
        from db.models import AutogiroFile

        summary = self._check(session, command)
        opening = summary.opening
        path = Path(command.path)
        digest = file_sha256(path)
        kind_name = KIND_NAMES[opening.kind]
        before = session.scalar(select(AutogiroFile).where(AutogiroFile.direction == "in",
                                                           AutogiroFile.sha256 == digest))
        if before is not None:
            when = before.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
            return ImportResult(opening.kind, kind_name, path.name, True, summary.records - 1, 0, 0,
                                f"Filen är redan inläst ({when}). Ingenting har ändrats.")
        adopt_existing_mandates(session, club_from(load_settings(session)).scheme, self.core.clock.now())
        row = AutogiroFile(direction="in", kind=opening.kind, file_name=path.name[:255], sha256=digest,
                           written_on=opening.written_on, records=0, total_ore=0, summary="",
                           created_at=self.core.clock.now(), user_id=actor.user_id if actor else None)
        session.add(row)
        session.flush()
        handler = {MEDGIVANDEAVISERING: self._mandate, BETALNINGSSPECIFIKATION: self._payment,
                   AVVISADE: self._rejection}[opening.kind]
        settings = load_settings(session)
        shown: list[ImportLine] = []
        unmatched: list[ImportLine] = []
        n = applied = total = 0
        stream = records(path)
        while True:  # in chunks: the debits of a chunk are read in one query and written in a few statements
            chunk = list(itertools.islice(stream, IMPORT_CHUNK))
            if not chunk:
                break
            writes = _DebitWrites()
            if opening.kind != MEDGIVANDEAVISERING:
                writes.debits = _debits_by_reference(session, chunk)
            for record in chunk:
                n += 1
                line = handler(session, record, row.id, settings, writes)
                if line.applies:
                    applied += 1
                    total += record.amount_ore if line.what.startswith("Dragning") else 0
                elif line.outcome.startswith("Finns inte"):
                    unmatched.append(line)
                if len(shown) < MAX_SHOWN:
                    shown.append(line)
            writes.flush(session)
        text = f"{kind_name}: {n} poster, {applied} ändrade"
        if unmatched:
            text += f", {len(unmatched)} hittades inte i Reception"
        text += "."
        row.records, row.total_ore, row.summary = n, total, text
        return ImportResult(opening.kind, kind_name, path.name, False, n, applied, len(unmatched), text,
                            tuple(shown), tuple(unmatched[:MAX_LISTED]))

    # -- medgivandeavisering ---------------------------------------------------
    def _mandate(self, session: Session, advice, file_id: int, settings, writes) -> ImportLine:
        from db.models import AutogiroMandate

        now = self.core.clock.now()
        what = f"Medgivande ({codes.explain(codes.MANDATE_INFO, advice.info)})"
        comment = advice.comment
        text = codes.explain(codes.MANDATE_COMMENT, comment)
        mandates = session.scalars(select(AutogiroMandate).where(AutogiroMandate.payer_number == advice.payer_number)
                                   .order_by(AutogiroMandate.id.desc())).all()
        if not mandates:
            return ImportLine(advice.line_no, advice.payer_number, what,
                              f"Finns inte i Reception: inget medgivande med betalarnummer {advice.payer_number}.",
                              False)
        pending = next((m for m in mandates if m.status == "hos_bgc"), None)
        active = next((m for m in mandates if m.status == "aktivt"), None)
        open_closing = next((m for m in mandates if m.status == "makulerat" and m.bgc_closed_at is None
                             and m.approved_at is not None), None)
        if comment in codes.MANDATE_APPROVED:
            if advice.info == "05":
                return ImportLine(advice.line_no, advice.payer_number, what, "Bytet av betalarnummer är klart.", False)
            if pending is None:
                return ImportLine(advice.line_no, advice.payer_number, what,
                                  "Redan godkänt – ingen ändring." if active else
                                  "Inget medgivande väntar på svar – ingen ändring.", False)
            pending.status, pending.approved_at, pending.updated_at = "aktivt", now, now
            _event(session, pending.id, now, "godkand", f"Godkänt av Bankgirot {iso(advice.on)}", comment, file_id)
            return ImportLine(advice.line_no, advice.payer_number, what, "Godkänt: medgivandet är aktivt.", True)
        if comment in codes.MANDATE_IGNORED:
            return ImportLine(advice.line_no, advice.payer_number, what, f"{text} Ingen ändring i Reception.", False)
        if comment in codes.MANDATE_CANCELLED:
            target = active or pending or open_closing
            if target is None:
                return ImportLine(advice.line_no, advice.payer_number, what, "Redan makulerat – ingen ändring.", False)
            if target is open_closing:  # Bankgirot confirms the cancellation we sent
                target.bgc_closed_at = now
                return ImportLine(advice.line_no, advice.payer_number, what, "Makuleringen är bekräftad.", True)
            target.status, target.bgc_closed_at, target.updated_at = "makulerat", now, now
            _event(session, target.id, now, "makulerad", f"Makulerat av Bankgirot {iso(advice.on)}: {text}", comment,
                   file_id)
            return ImportLine(advice.line_no, advice.payer_number, what, f"Makulerat: {text}", True)
        # Anything else is a refusal of what we sent.
        if pending is None:
            return ImportLine(advice.line_no, advice.payer_number, what,
                              f"{text} Inget medgivande väntar på svar – ingen ändring.", False)
        pending.status, pending.bgc_closed_at, pending.updated_at = "avvisat", now, now
        _event(session, pending.id, now, "avvisad", f"Avvisat av Bankgirot {iso(advice.on)}: {text}", comment, file_id)
        return ImportLine(advice.line_no, advice.payer_number, what, f"Avvisat: {text}", True)

    # -- betalningsspecifikation -----------------------------------------------
    def _payment(self, session: Session, record, file_id: int, settings, writes: "_DebitWrites") -> ImportLine:
        if record.code != "82":
            kind = "Utbetalning" if record.code == "32" else "Återbetalning till betalaren"
            table = codes.PAYMENT_STATUS if record.code == "32" else codes.REFUND_STATUS
            return ImportLine(record.line_no, record.payer_number,
                              f"{kind} {format_sek(record.amount_ore)} {iso(record.on)}",
                              f"{codes.explain(table, record.status)} Hanteras inte av Reception – stäm av manuellt.",
                              False)
        what = f"Dragning {format_sek(record.amount_ore)} {iso(record.on)}"
        debit, refusal = writes.find(record)
        if refusal:
            return ImportLine(record.line_no, record.payer_number, what, refusal, False)
        now = self.core.clock.now()
        text = codes.explain(codes.PAYMENT_STATUS, record.status)
        if record.status == codes.PAYMENT_RETRY:
            writes.debit(debit, "skickad", record.status, text, file_id, now)
            return ImportLine(record.line_no, record.payer_number, what, text, True)
        if record.status == codes.PAYMENT_PAID:
            writes.debit(debit, "betald", record.status, text, file_id, now)
            if debit.invoice_status == "obetald":
                writes.invoice_paid(debit)
            return ImportLine(record.line_no, record.payer_number, what, "Betald.", True)
        writes.debit(debit, "misslyckad", record.status, text, file_id, now)
        self._remind(writes, debit, settings)
        return ImportLine(record.line_no, record.payer_number, what, f"Misslyckades: {text}", True)

    # -- avvisade betalningsuppdrag ----------------------------------------------
    def _rejection(self, session: Session, record, file_id: int, settings, writes: "_DebitWrites") -> ImportLine:
        what = f"Dragning {format_sek(record.amount_ore)} {iso(record.on)}"
        text = codes.explain(codes.REJECTION_COMMENT, record.comment)
        if record.code != "82":
            return ImportLine(record.line_no, record.payer_number, f"Utbetalning {format_sek(record.amount_ore)}",
                              f"Avvisad: {text} Hanteras inte av Reception – stäm av manuellt.", False)
        debit, refusal = writes.find(record)
        if refusal:
            return ImportLine(record.line_no, record.payer_number, what, refusal, False)
        writes.debit(debit, "avvisad", record.comment, f"Avvisad av Bankgirot: {text}", file_id, self.core.clock.now())
        self._remind(writes, debit, settings)
        return ImportLine(record.line_no, record.payer_number, what, f"Avvisad: {text}", True)

    def _remind(self, writes: "_DebitWrites", debit: "_Debit", settings) -> None:
        """A reminder e-mail in the outbox, once per debit, when the setting is on and the payer has e-mail."""
        email = (debit.email or "").strip()
        if not settings.autogiro_failed_reminder or not email:
            return
        now = self.core.clock.now()
        body = (f"Hej {debit.first_name}!\n\nAutogirodragningen den {iso(debit.debit_date)} på "
                f"{format_sek(debit.amount_ore)} gick inte igenom. Betala beloppet i receptionen nästa gång du "
                f"kommer, så är allt i ordning.\n\nVänliga hälsningar\n{settings.club_name}")
        writes.messages.append({"channel": "epost", "recipient": email, "subject": "Autogirodragningen gick inte igenom",
                                "body": body, "person_id": debit.payer_id,
                                "dedupe_key": f"autogiro-misslyckad-{debit.id}", "status": "vantar", "attempts": 0,
                                "created_at": now, "next_attempt_at": now})


IMPORT_CHUNK = 5_000
MAX_SHOWN = 10_000  # records listed one by one in a preview; a bigger file is counted


@dataclass
class _Debit:
    id: int
    payer_id: int
    payer_number: str
    amount_ore: int
    status: str
    debit_date: date
    invoice_id: int | None
    invoice_number: int
    invoice_status: str | None
    first_name: str
    email: str | None


def _debits_by_reference(session: Session, chunk: list) -> dict[int, _Debit]:
    """The debits that the chunk's references name (reference = invoice number), in one query."""
    from db.models import AutogiroDebit, Invoice, Person

    numbers = sorted({n for n in (_invoice_number(r.reference) for r in chunk if r.code == "82") if n is not None})
    found: dict[int, _Debit] = {}
    if not numbers:
        return found
    rows = session.execute(
        select(AutogiroDebit.id, AutogiroDebit.payer_id, AutogiroDebit.payer_number, AutogiroDebit.amount_ore,
               AutogiroDebit.status, AutogiroDebit.debit_date, AutogiroDebit.invoice_id, Invoice.invoice_number,
               Invoice.status, Person.first_name, Person.email)
        .join(Invoice, Invoice.id == AutogiroDebit.invoice_id).join(Person, Person.id == AutogiroDebit.payer_id)
        .where(Invoice.invoice_number.in_(numbers)))
    for r in rows:
        found[r[7]] = _Debit(*r)
    return found


@dataclass
class _DebitWrites:
    """What a chunk of records changes, written as executemany statements at the end of the chunk."""

    debits: dict[int, _Debit] = field(default_factory=dict)
    debit_rows: list[dict] = field(default_factory=list)
    invoice_rows: list[dict] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)

    def find(self, record) -> tuple[_Debit | None, str | None]:
        number = _invoice_number(record.reference)
        debit = self.debits.get(number) if number is not None else None
        if debit is None or debit.payer_number != record.payer_number:
            return None, f"Finns inte i Reception: ingen dragning med referens ”{record.reference}”."
        if debit.amount_ore != record.amount_ore:
            return None, (f"Finns inte i Reception: dragningen med referens ”{record.reference}” är på "
                          f"{format_sek(debit.amount_ore)}, inte {format_sek(record.amount_ore)}.")
        if debit.status != "skickad":
            return None, f"Redan {debit.status} – ingen ändring."
        return debit, None

    def debit(self, debit: _Debit, status: str, code: str, text: str, file_id: int, now) -> None:
        debit.status = status  # a later record for the same debit in this file sees the new status
        self.debit_rows.append({"debit_id": debit.id, "new_status": status, "code": code, "b_text": text[:300],
                                "b_file": file_id, "at": now})

    def invoice_paid(self, debit: _Debit) -> None:
        debit.invoice_status = "betald"
        self.invoice_rows.append({"invoice_id": debit.invoice_id, "paid": debit.amount_ore, "new_status": "betald"})

    def flush(self, session: Session) -> None:
        from db.models import AutogiroDebit, OutboxMessage

        conn = session.connection()
        if self.debit_rows:
            stamp = _binder(conn, AutogiroDebit.__table__.c.updated_at)
            _executemany(conn, "UPDATE autogiro_debits SET status = {p}, result_code = {p}, result_text = {p}, "
                               "result_file_id = {p}, updated_at = {p} WHERE id = {p}",
                         [(r["new_status"], r["code"], r["b_text"], r["b_file"], stamp(r["at"]), r["debit_id"])
                          for r in self.debit_rows])
        if self.invoice_rows:
            _executemany(conn, "UPDATE invoices SET paid_ore = {p}, status = {p} WHERE id = {p}",
                         [(r["paid"], r["new_status"], r["invoice_id"]) for r in self.invoice_rows])
        if self.messages:
            conn.execute(OutboxMessage.__table__.insert(), self.messages)
