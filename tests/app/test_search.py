"""Sök person (SPEC §2.1): what the search box understands, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from app.queries.search import CardLookup, SearchKind, classify, find_person_by_card, prefix_bounds, search_persons
from db.models import Person
from tests.app.conftest_data import add_card, add_person

TODAY = date(2026, 11, 22)


@pytest.fixture
def people(core):
    with core.sessions() as s, s.begin():
        ids = {
            "ake": add_person(s, "Åke", "Öberg", personnummer="900101-1239", email="Ake.Oberg@Example.SE",
                              mobile="+46 70-123 45 67", customer_number=5001).id,
            "anna": add_person(s, "Anna", "Svensson", personnummer="19450315-2466", mobile="0709998877",
                               phone_home="08-555 123 45", customer_number=5002).id,
            "annika": add_person(s, "Annika", "Åkesson", personnummer="850623-7893", customer_number=5003).id,
            "sven": add_person(s, "Sven", "Annersten", personnummer="901161-2349", customer_number=5004).id,
            "maria": add_person(s, "Anna Maria", "Lund", customer_number=5005, mobile="0701112233").id,
        }
        people = {k: s.get(Person, v) for k, v in ids.items()}
        add_card(s, people["anna"], "0004520100")
        add_card(s, people["annika"], "0009999999", status="sparrat")
    return ids


def _search(core, typed, limit=50):
    with core.sessions() as s:
        return search_persons(s, typed, TODAY, limit=limit)


def names(result):
    return [h.name for h in result.hits]


class TestClassify:
    @pytest.mark.parametrize("typed, kind", [
        ("", SearchKind.EMPTY), ("   ", SearchKind.EMPTY),
        ("900101-1239", SearchKind.PERSONNUMMER), ("199001011239", SearchKind.PERSONNUMMER),
        ("9001011239", SearchKind.PERSONNUMMER), ("19900101 1239", SearchKind.PERSONNUMMER),
        ("901161-2349", SearchKind.PERSONNUMMER),  # samordningsnummer
        ("900101-1238", SearchKind.NUMBER),         # checksum fails
        ("5001", SearchKind.NUMBER), ("+46 70-123 45 67", SearchKind.NUMBER),
        ("a@b.se", SearchKind.EMAIL), ("åke", SearchKind.NAME), ("Anna Svensson", SearchKind.NAME),
    ])
    def test_kinds(self, typed, kind):
        assert classify(typed, TODAY) is kind

    def test_prefix_bounds_cover_the_prefix_only(self):
        low, high = prefix_bounds("ake")
        assert (low, high) == ("ake", "akf")
        assert low <= "akesson" < high and not (low <= "akf" < high)


class TestSearch:
    def test_personnummer_12_10_and_with_separators(self, core, people):
        for typed in ("19900101-1239", "9001011239", "900101-1239", "199001011239"):
            result = _search(core, typed)
            assert result.kind is SearchKind.PERSONNUMMER
            assert [h.person_id for h in result.hits] == [people["ake"]]
            assert result.hits[0].personnummer_display == "19900101-1239"

    def test_samordningsnummer(self, core, people):
        result = _search(core, "901161-2349")
        assert [h.person_id for h in result.hits] == [people["sven"]]

    def test_valid_personnummer_not_a_customer_is_reported(self, core, people):
        result = _search(core, "120505-1111")
        assert result.hits == [] and result.not_found_personnummer
        assert result.personnummer == "201205051111"

    def test_name_prefix_folds_case_and_accents(self, core, people):
        assert names(_search(core, "ake")) == ["Annika Åkesson", "Åke Öberg"]  # by last name
        assert names(_search(core, "ÖBE")) == ["Åke Öberg"]
        assert _search(core, "ake").kind is SearchKind.NAME

    def test_one_word_matches_first_or_last_name(self, core, people):
        assert sorted(names(_search(core, "ann"))) == ["Anna Maria Lund", "Anna Svensson", "Annika Åkesson",
                                                       "Sven Annersten"]

    def test_two_words_are_first_and_last_in_either_order(self, core, people):
        # "an sv": Anna Svensson (first an, last sv) and Sven Annersten (first sv, last an).
        assert names(_search(core, "an sv")) == ["Sven Annersten", "Anna Svensson"]
        assert names(_search(core, "svensson anna")) == ["Anna Svensson"]
        assert names(_search(core, "ann ann")) == []
        assert names(_search(core, "anna maria lu")) == ["Anna Maria Lund"]
        assert names(_search(core, "anna x")) == []

    def test_customer_number(self, core, people):
        result = _search(core, "5003")
        assert result.kind is SearchKind.CUSTOMER_NUMBER and [h.person_id for h in result.hits] == [people["annika"]]

    def test_card_number_active_and_blocked(self, core, people):
        result = _search(core, "0004520100")
        assert result.kind is SearchKind.CARD and [h.person_id for h in result.hits] == [people["anna"]]
        assert result.hits[0].card_number == "0004520100"
        blocked = _search(core, "0009999999")
        assert blocked.kind is SearchKind.CARD and [h.person_id for h in blocked.hits] == [people["annika"]]
        assert blocked.hits[0].card_number == ""  # no active card to show

    def test_phone_with_country_code_and_separators(self, core, people):
        for typed in ("+46 70-123 45 67", "0701234567", "070 123 45 67", "0046701234567"):
            result = _search(core, typed)
            assert [h.person_id for h in result.hits] == [people["ake"]], typed
        assert _search(core, "08-555 123 45").hits[0].person_id == people["anna"]  # home phone
        assert _search(core, "0701234567").kind is SearchKind.PHONE

    def test_email_in_any_case(self, core, people):
        for typed in ("ake.oberg@example.se", "AKE.OBERG@EXAMPLE.SE", " Ake.Oberg@example.se "):
            result = _search(core, typed)
            assert result.kind is SearchKind.EMAIL and [h.person_id for h in result.hits] == [people["ake"]]

    def test_nothing_found(self, core, people):
        assert _search(core, "zzz").hits == []
        assert _search(core, "123456").hits == []
        assert not _search(core, "123456").not_found_personnummer

    def test_limit(self, core):
        with core.sessions() as s, s.begin():
            for i in range(12):
                add_person(s, "Lisa", f"Larsson{i:02d}", mobile=None)
        result = _search(core, "lisa", limit=10)
        assert len(result.hits) == 10 and result.truncated
        # Ten of the twelve namesakes, in name order. Which ten is the index's choice among equal first names
        # (PostgreSQL's plan may take any: ordering by id as well costs it a sort, 4 → 20 ms at 1M persons).
        names = [h.name for h in result.hits]
        assert names == sorted(names) and len(set(names)) == 10
        assert set(names) <= {f"Lisa Larsson{i:02d}" for i in range(12)}
        assert not _search(core, "lisa", limit=50).truncated


class TestCardLookup:
    def test_active_blocked_unknown(self, core, people):
        with core.sessions() as s:
            assert find_person_by_card(s, "0004520100").person_id == people["anna"]
            assert find_person_by_card(s, "0004520100").blocked is False
            assert find_person_by_card(s, "0009999999").person_id == people["annika"]
            assert find_person_by_card(s, "0009999999").blocked is True
            assert find_person_by_card(s, "123").person_id is None
            assert find_person_by_card(s, "").person_id is None

    def test_active_card_wins_over_blocked_history(self, core, people):
        with core.sessions() as s, s.begin():
            add_card(s, s.get(Person, people["ake"]), "0009999999", issued_days_ago=1)
        with core.sessions() as s:
            assert find_person_by_card(s, "0009999999") == CardLookup(people["ake"], False)


@pytest.mark.parametrize("typed", ["ake", "an sv", "ake@example.se", "0701234567", "0004520100", "5001",
                                   "900101-1239"])
def test_every_search_statement_uses_an_index_on_sqlite(sqlite_core, typed):
    """The plan of each statement the search runs is an index search: no full scan, no sort of all hits."""
    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    engine = sqlite_core.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        with sqlite_core.sessions() as s:
            search_persons(s, typed, TODAY)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert captured
    with engine.connect() as conn:
        for statement, parameters in captured:
            steps = [str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
            assert all(step.startswith("SEARCH") and "INDEX" in step for step in steps
                       if not step.startswith("USE TEMP B-TREE")), (statement, steps)
            if ">=" in statement:  # a prefix range may match many rows: they must come sorted from the index
                assert not any("TEMP B-TREE" in step for step in steps), (statement, steps)
