"""The scheduled job (SPEC §9): each step, run twice (idempotent), on SQLite and PostgreSQL."""
from datetime import date, timedelta

from sqlalchemy import func, select

from app.jobs.nightly import run_nightly
from app.main import main
from app.routines.person_data import PersonData, insert_person, validate_person_data
from app.settings import save_setting
from db.models import (AuditEntry, Freeze, OutboxMessage, Person, PreOrder, PriceList, PriceListItem, Product,
                       Subscription, Organisation)

TODAY = date(2026, 11, 22)
D = timedelta(days=1)


def _person(session, core, n, **fields):
    data = PersonData(first_name=f"Test{n}", last_name="Person", email=f"p{n}@example.se", mobile="0701234567",
                      birth_date=date(1990, 1, n), gender="K")
    person = insert_person(session, validate_person_data(data, TODAY), core.clock.now())
    for key, value in fields.items():
        setattr(person, key, value)
    return person


def _sub(session, core, person, product, price_list, **fields):
    values = dict(product_id=product.id, user_id=person.id, payer_id=person.id, price_list_id=price_list.id,
                  price_ore=29900, start_date=TODAY - 200 * D, charged_through=TODAY + 8 * D, status="aktivt",
                  created_at=core.clock.now())
    values.update(fields)
    sub = Subscription(**values)
    session.add(sub)
    session.flush()
    return sub


def build(core):
    with core.sessions() as s, s.begin():
        ordinary, student = PriceList(name="Ordinarie"), PriceList(name="Student")
        gym = Product(code="GYM", name="Gym AG", kind="huvud", payment="AG", price_ore=39900)
        s.add_all([ordinary, student, gym])
        s.flush()
        s.add_all([PriceListItem(price_list_id=ordinary.id, product_id=gym.id, price_ore=39900),
                   PriceListItem(price_list_id=student.id, product_id=gym.id, price_ore=29900)])
        save_setting(s, "price_list_ordinarie", ordinary.id)
        save_setting(s, "price_list_student", student.id)
        save_setting(s, "type_followup", {"days": 14, "email": True, "sms": True})
        p = {i: _person(s, core, i) for i in range(1, 11)}
        # 1: student whose proof ran out yesterday, with a running subscription on the student list
        p[1].customer_type, p[1].price_guarantee_until = "student", TODAY - D
        _sub(s, core, p[1], gym, student)
        # 2: student whose proof runs out in 10 days (reminder), 3: in 30 days (no reminder yet)
        p[2].customer_type, p[2].price_guarantee_until = "student", TODAY + 10 * D
        p[3].customer_type, p[3].price_guarantee_until = "student", TODAY + 30 * D
        # 4: a future freeze that starts today
        s4 = _sub(s, core, p[4], gym, ordinary, status="framtida_frysning")
        s.add(Freeze(subscription_id=s4.id, start_date=TODAY, end_date=TODAY + 40 * D, status="framtida",
                     created_at=core.clock.now()))
        # 5: a frozen subscription whose freeze ended yesterday
        s5 = _sub(s, core, p[5], gym, ordinary, status="fryst")
        s.add(Freeze(subscription_id=s5.id, start_date=TODAY - 40 * D, end_date=TODAY - D, status="pagaende",
                     created_at=core.clock.now()))
        # 6: a cancelled subscription that ended yesterday, and a pending one that starts today
        _sub(s, core, p[6], gym, ordinary, status="uppsagt", end_date=TODAY - D)
        _sub(s, core, p[6], gym, ordinary, status="kommande", start_date=TODAY)
        # 7: a frozen subscription still frozen (must stay)
        s7 = _sub(s, core, p[7], gym, ordinary, status="fryst")
        s.add(Freeze(subscription_id=s7.id, start_date=TODAY - 5 * D, end_date=TODAY + 5 * D, status="pagaende",
                     created_at=core.clock.now()))
        org = Organisation(name="Volvo", name_norm="volvo", org_number="556016-0680")
        s.add(org)
        s.flush()
        for valid_to, name in ((TODAY - D, "gammal"), (TODAY, "idag")):
            s.add(PreOrder(organisation_id=org.id, product_id=gym.id, valid_from=TODAY - 60 * D, valid_to=valid_to,
                           name=name, birth_date=date(1980, 1, 1), status="oppen", created_at=core.clock.now()))
        return {k: v.id for k, v in p.items()}


def statuses(core):
    with core.sessions() as s:
        return {(sub.user_id, sub.status) for sub in s.scalars(select(Subscription))}


def test_each_step_and_a_second_run_changes_nothing(core):
    ids = build(core)
    first = run_nightly(core)
    assert first.counts == {
        "freezes_started": 1, "freezes_ended": 1, "subscriptions_frozen": 1, "subscriptions_thawed": 1,
        "subscriptions_ended": 1, "subscriptions_started": 1, "subscriptions_repriced": 1, "types_expired": 1,
        "reminders_queued": 2, "preorders_expired": 1,
    }
    with core.sessions() as s:
        expired = s.get(Person, ids[1])
        assert (expired.customer_type, expired.price_guarantee_until) == ("ordinarie", None)
        sub = s.scalar(select(Subscription).where(Subscription.user_id == ids[1]))
        assert sub.price_ore == 39900 and sub.charged_through == TODAY + 8 * D  # re-priced from the next debit
        assert s.get(Person, ids[2]).customer_type == "student"
        reminders = s.scalars(select(OutboxMessage)).all()
        assert {(m.channel, m.person_id) for m in reminders} == {("epost", ids[2]), ("sms", ids[2])}
        mail = next(m for m in reminders if m.channel == "epost")
        assert mail.recipient == "p2@example.se" and "2026-12-02" in mail.body and mail.status == "vantar"
        assert {p.name: p.status for p in s.scalars(select(PreOrder))} == {"gammal": "utgangen", "idag": "oppen"}
        assert {f.status for f in s.scalars(select(Freeze))} == {"pagaende", "avslutad"}
    assert statuses(core) >= {(ids[4], "fryst"), (ids[5], "aktivt"), (ids[6], "avslutat"), (ids[6], "aktivt"),
                              (ids[7], "fryst")}
    before = statuses(core)
    second = run_nightly(core)
    assert second.total == 0
    assert statuses(core) == before
    with core.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 2
        assert s.scalar(select(func.count()).where(AuditEntry.action == "Nattjobb")) == 2


def test_the_next_day_runs_on_from_where_it_left(core):
    ids = build(core)
    run_nightly(core)
    core.clock.advance(days=6)  # the freeze of person 7 ends on TODAY + 5
    report = run_nightly(core)
    assert report.counts["freezes_ended"] == 1 and report.counts["subscriptions_thawed"] == 1
    assert (ids[7], "aktivt") in statuses(core)


def test_jobs_run_from_the_command_line_as_a_user_with_the_password(sqlite_db, monkeypatch, capsys, tmp_path):
    import io
    import sys

    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(sys, "stdin", io.StringIO("hemligt\n"))
    assert main(["--db", sqlite_db.url, "jobs", "run", "--user", "admin", "--password-stdin"]) == 0
    out = capsys.readouterr().out
    assert "Nattjobbet för" in out and "är klart" in out
    monkeypatch.setattr(sys, "stdin", io.StringIO("hemligt\n"))  # a user without Systeminställningar
    assert main(["--db", sqlite_db.url, "jobs", "run", "--user", "recep", "--password-stdin"]) == 2
    assert "Systeminställningar" in capsys.readouterr().err


def test_from_the_app_the_job_needs_the_settings_right(core, make_actor):
    import pytest

    from app.errors import NotAllowed

    build(core)
    with pytest.raises(NotAllowed, match="Systeminställningar"):
        run_nightly(core, make_actor(core, "recep"))
    assert run_nightly(core, make_actor(core, "admin")).counts["types_expired"] == 1
