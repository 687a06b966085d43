"""Autogiro end to end on SQLite and PostgreSQL (issue 17): register two payers on Gym AG → export the
medgivanden → import Bankgirot's approval → export the betalningsunderlag → import a specification with
one paid and one failed debit → the person card shows the paid invoice, the moved debiterat t.o.m. and
the deviation; every step run twice changes nothing the second time."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.autogiro.incoming import records
from app.autogiro.routines import (
    ExportCancellations,
    ExportCommand,
    ExportDebits,
    ExportMandates,
    ImportBankgirotFile,
    ImportCommand,
    next_debit_date,
)
from app.errors import NotAllowed, ValidationError
from app.queries.deviations import load_deviations
from app.queries.person_card import load_person_card
from app.routines.invoices import CreditInvoice, CreditInvoiceRoutine
from app.routines.register import RegisterRoutine
from db.models import (AuditEntry, AutogiroDebit, AutogiroFile, AutogiroMandate, AutogiroMandateEvent, Invoice,
                       OutboxMessage, Person, Subscription)
from tests.app import bgc_files
from tests.app import builders as b

BG, CUSTOMER = "5050-1055", "123456"
DEBIT_DAY = date(2026, 11, 27)


@pytest.fixture
def cat(core):
    return b.build_catalog(core)


@pytest.fixture
def admin(core, make_actor):
    return make_actor(core, "admin")


@pytest.fixture
def folder(tmp_path) -> Path:
    out = tmp_path / "till_bankgirot"
    out.mkdir()
    return out


def register_two(core, cat, make_actor):
    recep = make_actor(core, "recep")
    first = RegisterRoutine(core).execute(b.registration(cat), recep)
    second = RegisterRoutine(core).execute(b.registration(
        cat, person=b.person_data(b.pnr("19900312", "456"), "Örjan", "Åkesson", "orjan@example.se"),
        access=replace(b.registration(cat).access, card_number="0004520200")), recep)
    return first, second


def snapshot(core) -> dict:
    """Everything the Autogiro routines write, to prove a rerun writes nothing."""
    with core.sessions() as s:
        return {
            "mandates": sorted(s.execute(select(AutogiroMandate.id, AutogiroMandate.status,
                                                AutogiroMandate.payer_number, AutogiroMandate.bgc_closed_at))),
            "events": s.scalar(select(func.count()).select_from(AutogiroMandateEvent)),
            "debits": sorted(s.execute(select(AutogiroDebit.id, AutogiroDebit.status, AutogiroDebit.amount_ore))),
            "invoices": sorted(s.execute(select(Invoice.id, Invoice.status, Invoice.paid_ore))),
            "charged": sorted(s.execute(select(Subscription.id, Subscription.charged_through))),
            "files": s.scalar(select(func.count()).select_from(AutogiroFile)),
            "outbox": s.scalar(select(func.count()).select_from(OutboxMessage)),
        }


def payer_number(core, person_id) -> str:
    with core.sessions() as s:
        return str(s.get(Person, person_id).customer_number)


def test_the_whole_autogiro_loop_and_every_rerun_changes_nothing(core, cat, admin, make_actor, folder, tmp_path):
    b.settings(core, autogiro_bankgiro=BG, autogiro_customer_number=CUSTOMER, autogiro_failed_reminder=True)
    anna, orjan = register_two(core, cat, make_actor)
    pn_anna, pn_orjan = payer_number(core, anna.person_id), payer_number(core, orjan.person_id)

    # 1. Medgivandeunderlag: both new mandates (TK04), ny → hos_bgc.
    sent = ExportMandates(core).execute(ExportCommand(str(folder)), admin)
    assert sent.records == 2 and sent.file_name and "2 nya medgivanden" in sent.summary
    data = (folder / sent.file_name).read_bytes()
    lines = data.split(b"\r\n")
    assert lines[0].startswith(b"01") and b"123456" + b"0050501055" in lines[0]
    assert [ln[:2] for ln in lines[1:3]] == [b"04", b"04"] and lines[3] == b""
    assert lines[1][12:28] == pn_anna.zfill(16).encode() and lines[1][28:44] == b"5000000001234560"
    assert lines[1][44:56] == b"198507099805"
    assert list(folder.iterdir()) == [folder / sent.file_name], "no .part file left behind"
    with core.sessions() as s:
        assert set(s.scalars(select(AutogiroMandate.status))) == {"hos_bgc"}
    before = snapshot(core)
    again = ExportMandates(core).execute(ExportCommand(str(folder)), admin)
    assert again.file_name is None and again.summary == "Inga medgivanden att skicka."
    assert snapshot(core) == before and len(list(folder.iterdir())) == 1

    # 2. Medgivandeavisering: Anna approved, a third (unknown) payer number reported, not applied.
    advice = bgc_files.mandate_advice(tmp_path / "medavi.txt", [
        (pn_anna, "32", "04", "5000", "1234560", "198507099805"),
        (pn_orjan, "32", "04", "5000", "1234560", "198507099805"),
        ("999999", "32", "04", "", "", "")], on=date(2026, 11, 24), customer=CUSTOMER, bankgiro="50501055")
    preview = ImportBankgirotFile(core).preview(ImportCommand(str(advice)))
    assert (preview.records, preview.applied, preview.unmatched) == (3, 2, 1)
    assert snapshot(core) == before, "the preview writes nothing"
    read = ImportBankgirotFile(core).execute(ImportCommand(str(advice)), admin)
    assert (read.kind, read.applied, read.unmatched) == ("medgivandeavisering", 2, 1)
    assert read.unmatched_lines[0].line_no == 4 and "999999" in read.unmatched_lines[0].outcome
    with core.sessions() as s:
        assert set(s.scalars(select(AutogiroMandate.status))) == {"aktivt"}
        events = s.scalars(select(AutogiroMandateEvent.event).order_by(AutogiroMandateEvent.id)).all()
        assert events == ["skickad", "skickad", "godkand", "godkand"]
    before = snapshot(core)
    twice = ImportBankgirotFile(core).execute(ImportCommand(str(advice)), admin)
    assert twice.already_read and "redan inläst" in twice.summary and snapshot(core) == before

    # 3. Betalningsunderlag for the next debit day: one month each (Gym AG 400 kr), debiterat t.o.m. moves.
    assert next_debit_date(core.clock.today(), 27) == DEBIT_DAY
    debits = ExportDebits(core).execute(ExportCommand(str(folder)), admin)
    assert (debits.records, debits.total_ore) == (2, 80000)
    assert "2 dragningar den 2026-11-27, totalt 800,00 kr" in debits.summary
    rows = (folder / debits.file_name).read_bytes().split(b"\r\n")
    assert rows[1][:10] == b"8220261127" and rows[1][31:43] == b"000000040000"
    with core.sessions() as s:
        sub = s.get(Subscription, anna.subscription_id)
        assert sub.charged_through == date(2027, 1, 21)  # 2026-12-22 … 2027-01-21 paid in advance
        invoices = s.scalars(select(Invoice).where(Invoice.kind == "autogiro").order_by(Invoice.id)).all()
        assert [(i.amount_ore, i.status, i.due_on) for i in invoices] == [(40000, "obetald", DEBIT_DAY)] * 2
        references = [str(i.invoice_number) for i in invoices]
    assert rows[1][53:69].decode().strip() == references[0]
    before = snapshot(core)
    again = ExportDebits(core).execute(ExportCommand(str(folder)), admin)
    assert again.file_name is None and snapshot(core) == before
    with pytest.raises(Exception):  # the database itself refuses a second debit for the same day
        with core.sessions() as s, s.begin():
            d = s.scalars(select(AutogiroDebit)).first()
            s.add(AutogiroDebit(subscription_id=d.subscription_id, payer_id=d.payer_id, payer_number=d.payer_number,
                                debit_date=d.debit_date, amount_ore=1, period_from=d.period_from,
                                period_to=d.period_to, status="skickad", created_at=d.created_at,
                                updated_at=d.updated_at))

    # 4. Betalningsspecifikation: Anna paid, Örjan lacked funds.
    spec = bgc_files.payment_spec(tmp_path / "spec.txt", [
        bgc_files.Paid(pn_anna, 40000, references[0]), bgc_files.Paid(pn_orjan, 40000, references[1], "1")],
        on=DEBIT_DAY, customer=CUSTOMER, bankgiro="50501055")
    core.clock.advance(days=5)
    result = ImportBankgirotFile(core).execute(ImportCommand(str(spec)), admin)
    assert (result.applied, result.unmatched) == (2, 0)
    assert [line.outcome for line in result.lines] == ["Betald.", "Misslyckades: Täckning saknas – dragningen gick "
                                                                   "inte igenom."]
    with core.sessions() as s:
        statuses = dict(s.execute(select(AutogiroDebit.payer_id, AutogiroDebit.status)).all())
        assert statuses == {anna.person_id: "betald", orjan.person_id: "misslyckad"}
        invoices = dict(s.execute(select(Invoice.person_id, Invoice.status).where(Invoice.kind == "autogiro")).all())
        assert invoices == {anna.person_id: "betald", orjan.person_id: "obetald"}
        reminder = s.scalar(select(OutboxMessage).where(OutboxMessage.person_id == orjan.person_id,
                                                        OutboxMessage.subject.like("Autogiro%")))
        assert reminder.recipient == "orjan@example.se" and "2026-11-27" in reminder.body
        deviations = load_deviations(s, orjan.person_id, core.clock.today())
        texts = [d.text for d in deviations.top]
        assert "Autogirodragning misslyckades 2026-11-27" in texts
        assert "ag_dragning_misslyckad" not in load_deviations(s, anna.person_id, core.clock.today()).codes()
        card = load_person_card(s, admin, orjan.person_id, core.clock.today())
        assert "Autogirodragning misslyckades 2026-11-27" in [d.text for d in card.deviations.top]
        assert [(d.debit_date, d.status) for d in card.autogiro_debits] == [(DEBIT_DAY, "misslyckad")]
        anna_card = load_person_card(s, admin, anna.person_id, core.clock.today())
        assert [(d.status, d.period_to) for d in anna_card.autogiro_debits] == [("betald", date(2027, 1, 21))]
        assert [e.event for e in anna_card.mandate_history] == ["godkand", "skickad"]
        assert s.scalar(select(func.count()).select_from(AuditEntry)
                        .where(AuditEntry.action == "Läs in autogirofil från Bankgirot")) == 3  # the second read too
    before = snapshot(core)
    twice = ImportBankgirotFile(core).execute(ImportCommand(str(spec)), admin)
    assert twice.already_read and snapshot(core) == before
    copy = tmp_path / "spec-copy.txt"  # the same records in another file (a new date stamp): still no change
    bgc_files.payment_spec(copy, [bgc_files.Paid(pn_anna, 40000, references[0]),
                                  bgc_files.Paid(pn_orjan, 40000, references[1], "1")],
                           on=date(2026, 11, 28), customer=CUSTOMER, bankgiro="50501055")
    other = ImportBankgirotFile(core).execute(ImportCommand(str(copy)), admin)
    assert other.applied == 0 and {ln.outcome for ln in other.lines} == {"Redan betald – ingen ändring.",
                                                                          "Redan misslyckad – ingen ändring."}
    assert {k: v for k, v in snapshot(core).items() if k != "files"} == \
        {k: v for k, v in before.items() if k != "files"}


def test_a_truncated_or_foreign_file_is_refused_and_nothing_is_applied(core, cat, admin, make_actor, folder,
                                                                       tmp_path):
    b.settings(core, autogiro_bankgiro=BG, autogiro_customer_number=CUSTOMER)
    anna, _ = register_two(core, cat, make_actor)
    ExportMandates(core).execute(ExportCommand(str(folder)), admin)
    pn = payer_number(core, anna.person_id)
    advice = bgc_files.mandate_advice(tmp_path / "m.txt", [(pn, "32", "04", "", "", "")], on=date(2026, 11, 24),
                                      customer=CUSTOMER, bankgiro="50501055")
    cut = tmp_path / "cut.txt"
    cut.write_bytes(advice.read_bytes().rsplit(b"09", 1)[0])  # the closing record is missing
    before = snapshot(core)
    with pytest.raises(ValidationError) as err:
        ImportBankgirotFile(core).execute(ImportCommand(str(cut)), admin)
    assert "rad 3" in err.value.message and "avkortad" in err.value.message
    foreign = bgc_files.mandate_advice(tmp_path / "f.txt", [(pn, "32", "04", "", "", "")], on=date(2026, 11, 24),
                                       customer=CUSTOMER, bankgiro="9912346")
    with pytest.raises(ValidationError, match="991-2346"):
        ImportBankgirotFile(core).execute(ImportCommand(str(foreign)), admin)
    assert snapshot(core) == before


def test_a_rejected_mandate_gets_bankgirots_reason_and_a_cancellation_is_sent_when_ag_ends(
        core, cat, admin, make_actor, folder, tmp_path):
    b.settings(core, autogiro_bankgiro=BG, autogiro_customer_number=CUSTOMER)
    anna, orjan = register_two(core, cat, make_actor)
    ExportMandates(core).execute(ExportCommand(str(folder)), admin)
    pn_anna, pn_orjan = payer_number(core, anna.person_id), payer_number(core, orjan.person_id)
    advice = bgc_files.mandate_advice(tmp_path / "m.txt", [(pn_anna, "32", "04", "", "", ""),
                                                          (pn_orjan, "23", "04", "", "", "")],
                                      on=date(2026, 11, 24), customer=CUSTOMER, bankgiro="50501055")
    ImportBankgirotFile(core).execute(ImportCommand(str(advice)), admin)
    with core.sessions() as s:
        m = s.scalar(select(AutogiroMandate).where(AutogiroMandate.person_id == orjan.person_id))
        assert m.status == "avvisat"
        card = load_person_card(s, admin, orjan.person_id, core.clock.today())
        assert card.mandate_history[0].text == "Avvisat av Bankgirot 2026-11-24: Bankkontonumret är felaktigt."
        assert "ag_medgivande_avvisat" in card.deviations.codes()
    # Anna's subscription ends: her approved mandate is cancelled at Bankgirot with the next file.
    with core.sessions() as s, s.begin():
        s.get(Subscription, anna.subscription_id).status = "avslutat"
    cancelled = ExportMandates(core).execute(ExportCommand(str(folder)), admin)
    lines = (folder / cancelled.file_name).read_bytes().split(b"\r\n")
    assert lines[1].rstrip() == b"03" + b"0050501055" + pn_anna.zfill(16).encode()
    with core.sessions() as s:
        m = s.scalar(select(AutogiroMandate).where(AutogiroMandate.person_id == anna.person_id))
        assert m.status == "makulerat" and m.bgc_closed_at is not None
    assert ExportMandates(core).execute(ExportCommand(str(folder)), admin).file_name is None


def test_switching_to_personnummer_sends_new_payer_numbers(core, cat, admin, make_actor, folder, tmp_path):
    b.settings(core, autogiro_bankgiro=BG, autogiro_customer_number=CUSTOMER)
    anna, orjan = register_two(core, cat, make_actor)
    ExportMandates(core).execute(ExportCommand(str(folder)), admin)
    pn_anna, pn_orjan = payer_number(core, anna.person_id), payer_number(core, orjan.person_id)
    advice = bgc_files.mandate_advice(tmp_path / "m.txt", [(pn_anna, "32", "04", "", "", ""),
                                                          (pn_orjan, "32", "04", "", "", "")],
                                      on=date(2026, 11, 24), customer=CUSTOMER, bankgiro="50501055")
    ImportBankgirotFile(core).execute(ImportCommand(str(advice)), admin)
    b.settings(core, autogiro_payer_number="personnummer")
    changed = ExportMandates(core).execute(ExportCommand(str(folder)), admin)
    assert "2 byten av betalarnummer" in changed.summary
    lines = (folder / changed.file_name).read_bytes().split(b"\r\n")
    assert lines[1].rstrip() == (b"05" + b"0050501055" + pn_anna.zfill(16).encode() + b"0050501055"
                                 + b"0000198507099805")
    with core.sessions() as s:
        assert s.scalar(select(AutogiroMandate.payer_number)
                        .where(AutogiroMandate.person_id == anna.person_id)) == "198507099805"
    assert ExportMandates(core).execute(ExportCommand(str(folder)), admin).file_name is None


def test_a_credited_debit_before_its_day_is_withdrawn_with_tk25(core, cat, admin, make_actor, folder, tmp_path):
    b.settings(core, autogiro_bankgiro=BG, autogiro_customer_number=CUSTOMER)
    anna, orjan = register_two(core, cat, make_actor)
    ExportMandates(core).execute(ExportCommand(str(folder)), admin)
    pn_anna, pn_orjan = payer_number(core, anna.person_id), payer_number(core, orjan.person_id)
    advice = bgc_files.mandate_advice(tmp_path / "m.txt", [(pn_anna, "32", "04", "", "", ""),
                                                          (pn_orjan, "05", "04", "", "", "")],
                                      on=date(2026, 11, 24), customer=CUSTOMER, bankgiro="50501055")
    ImportBankgirotFile(core).execute(ImportCommand(str(advice)), admin)
    debits = ExportDebits(core).execute(ExportCommand(str(folder)), admin)
    assert debits.records == 1 and debits.skipped_count == 1  # Örjan's mandate was refused
    assert debits.skipped[0] == ("Örjan Åkesson (kundnummer 10002): inget godkänt autogiromedgivande – 400,00 kr "
                                 "drogs inte.")
    with core.sessions() as s:
        invoice = s.scalar(select(Invoice).where(Invoice.kind == "autogiro"))
    CreditInvoiceRoutine(core).execute(CreditInvoice(invoice.id, "Frysning efter att filen skickades"),
                                       make_actor(core, "admin"))
    withdrawn = ExportCancellations(core).execute(ExportCommand(str(folder)), admin)
    lines = (folder / withdrawn.file_name).read_bytes().split(b"\r\n")
    assert lines[1][:2] == b"25" and lines[1][28:36] == b"20261127" and lines[1][36:48] == b"000000040000"
    assert lines[1][58:74].decode().strip() == str(invoice.invoice_number)
    with core.sessions() as s:
        assert s.scalar(select(AutogiroDebit.status)) == "makulerad"
    assert ExportCancellations(core).execute(ExportCommand(str(folder)), admin).file_name is None


def test_exports_need_the_settings_a_folder_and_the_right(core, cat, admin, make_actor, folder):
    with pytest.raises(ValidationError, match="Ange klubbens bankgironummer"):
        ExportMandates(core).execute(ExportCommand(str(folder)), admin)
    b.settings(core, autogiro_bankgiro=BG, autogiro_customer_number=CUSTOMER)
    with pytest.raises(ValidationError, match="finns inte"):
        ExportMandates(core).execute(ExportCommand(str(folder / "saknas")), admin)
    with pytest.raises(ValidationError, match="efter i dag"):
        ExportDebits(core).execute(ExportCommand(str(folder), core.clock.today()), admin)
    with pytest.raises(NotAllowed):
        ExportMandates(core).execute(ExportCommand(str(folder)), make_actor(core, "recep"))
    assert list(folder.iterdir()) == []


def test_mandates_at_bankgirot_before_reception_sent_files_are_adopted_and_debited(core, cat, admin, folder):
    b.settings(core, autogiro_bankgiro=BG, autogiro_customer_number=CUSTOMER)
    person = b.add_person(core)
    b.add_subscription(core, person, cat.gym_ag, start=date(2026, 1, 10), charged_through=date(2026, 12, 9))
    b.add_mandate(core, person, "aktivt")  # registered at Bankgirot by the club's earlier system
    result = ExportDebits(core).execute(ExportCommand(str(folder)), admin)
    assert (result.records, result.total_ore) == (1, 40000)  # 2026-12-10 … 2027-01-09
    with core.sessions() as s:
        m = s.scalar(select(AutogiroMandate))
        assert m.payer_number == str(s.get(Person, person).customer_number) and m.approved_at is not None
        assert s.scalar(select(Subscription.charged_through)) == date(2027, 1, 9)
    assert ExportMandates(core).execute(ExportCommand(str(folder)), admin).file_name is None  # nothing to send


def test_add_ons_and_freezes_are_drawn_as_debitera_ikapp_would(core, cat, admin, folder):
    from db.models import Freeze

    b.settings(core, autogiro_bankgiro=BG, autogiro_customer_number=CUSTOMER)
    payer = b.add_person(core)
    frozen_payer = b.add_person(core, b.person_data(b.pnr("19700101", "111"), "Frida", "Fryst", "frida@example.se"))
    main = b.add_subscription(core, payer, cat.gym_ag, start=date(2026, 1, 10), charged_through=date(2026, 12, 9))
    frozen = b.add_subscription(core, frozen_payer, cat.gym_ag, start=date(2026, 1, 10),
                                charged_through=date(2026, 12, 9))
    with core.sessions() as s, s.begin():
        s.add(Subscription(product_id=cat.towel, user_id=payer, payer_id=payer, price_ore=5000, parent_id=main,
                           start_date=date(2026, 1, 10), charged_through=date(2026, 12, 9), status="aktivt",
                           created_at=b.NOW))
        s.add(Freeze(subscription_id=frozen, start_date=date(2026, 12, 10), end_date=date(2027, 1, 9),
                     status="framtida", created_at=b.NOW))
    b.add_mandate(core, payer, "aktivt")
    b.add_mandate(core, frozen_payer, "aktivt")
    result = ExportDebits(core).execute(ExportCommand(str(folder)), admin)
    assert (result.records, result.total_ore) == (1, 45000)  # Gym AG 400 kr + Handduk 50 kr; Frida: all frozen
    with core.sessions() as s:
        through = dict(s.execute(select(Subscription.id, Subscription.charged_through)).all())
        debit = s.scalar(select(AutogiroDebit))
    assert set(through.values()) == {date(2027, 1, 9)}  # main, add-on, and the frozen one (free days)
    assert (debit.subscription_id, debit.period_from, debit.period_to) == (main, date(2026, 12, 10),
                                                                           date(2027, 1, 9))


def test_the_shortcut_for_plain_subscriptions_draws_exactly_what_debitera_ikapp_would():
    import random

    from app.autogiro.routines import draw_plan
    from app.domain.debit import catch_up_plan
    from app.domain.subscriptions import Freeze as DomainFreeze
    from app.domain.subscriptions import SubscriptionFacts

    rng = random.Random(17)
    shortcut = 0
    for n in range(4000):
        start = date.fromordinal(date(2019, 1, 1).toordinal() + rng.randrange(0, 2900))
        months = rng.choice((1, 1, 1, 3, 12))
        through = rng.choice((None, date.fromordinal(start.toordinal() + rng.randrange(-1, 2900))))
        freezes = ()
        if rng.random() < 0.1:
            f0 = date.fromordinal(date(2026, 10, 1).toordinal() + rng.randrange(0, 120))
            freezes = (DomainFreeze(f0, date.fromordinal(f0.toordinal() + rng.randrange(10, 60))),)
        facts = SubscriptionFacts(key=str(n), kind="AG", price_ore=rng.choice((29900, 39900, 49999)),
                                  interval_months=months, start=start, charged_through=through,
                                  end=rng.choice((None,) * 9 + (date(2027, 3, 31),)),
                                  credit_days=rng.choice((0,) * 19 + (12,)), freezes=freezes)
        horizon = date.fromordinal(date(2026, 12, 1).toordinal() + rng.randrange(0, 60))
        if through is not None and through < start - date.resolution:
            continue
        addons = []
        if rng.random() < 0.3:  # an add-on: same start or its own, covered as far as the main or not
            a_start = rng.choice((start, date.fromordinal(start.toordinal() + rng.randrange(0, 400))))
            a_through = rng.choice((through, None, date.fromordinal(a_start.toordinal() + rng.randrange(-1, 2900))))
            if a_through is None or a_through >= a_start - date.resolution:
                addons.append(SubscriptionFacts(key=f"a{n}", kind="AG", price_ore=rng.choice((5000, 3333)),
                                                interval_months=rng.choice((1, 1, 3, 12)), start=a_start,
                                                charged_through=a_through))
        assert draw_plan(facts, addons, horizon) == catch_up_plan(facts, addons, horizon), (facts, addons)
        shortcut += not (facts.freezes or facts.credit_days or facts.end)
    assert shortcut > 2500
