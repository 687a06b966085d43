"""Postal-code lookup rules against the shipped SE/NO/FI lists, and installing a newer list."""
from __future__ import annotations

import gzip
import json
import time

import pytest

from app.errors import UserError, ValidationError
from app.postal import (
    PostalCodes,
    PostalResult,
    format_postal_code,
    install_update,
    normalise_postal_code,
    shipped_path,
    user_file,
)

# 90100 is both a Swedish and a Finnish code in the shipped data.
OVERLAP = "90100"


@pytest.fixture(scope="module")
def postal() -> PostalCodes:
    return PostalCodes.load()


def write_list(path, document, *, gz=True):
    raw = json.dumps(document, ensure_ascii=False).encode("utf-8")
    path.write_bytes(gzip.compress(raw) if gz else raw)
    return path


def test_shipped_file_has_all_three_countries(postal):
    counts = postal.counts()
    assert postal.source() == shipped_path()
    assert counts["SE"] > 15000
    assert counts["NO"] > 5000
    assert counts["FI"] > 3000


def test_swedish_code_gives_town_in_nice_case(postal):
    assert postal.lookup("11455", "SE") == PostalResult("Stockholm", "SE")
    assert postal.lookup("41101", "SE") == PostalResult("Göteborg", "SE")


def test_spaces_in_the_code_are_ignored(postal):
    assert postal.lookup("114 55", "SE") == PostalResult("Stockholm", "SE")
    assert postal.lookup(" 11 4 55 ", "SE").town == "Stockholm"


def test_norwegian_four_digits_switch_country_to_norway(postal):
    assert postal.lookup("0150", "SE") == PostalResult("Oslo", "NO")
    assert postal.lookup("9008", "FI") == PostalResult("Tromsø", "NO")


def test_norwegian_place_names_keep_small_words_lower_case(postal):
    assert postal.lookup("8622", "NO").town == "Mo i Rana"


def test_four_digits_not_in_norwegian_list_change_nothing(postal):
    assert postal.lookup("0000", "SE") == PostalResult(None, "SE")


def test_overlapping_code_follows_the_country_field(postal):
    assert postal.lookup(OVERLAP, "SE") == PostalResult("Umeå", "SE")
    assert postal.lookup(OVERLAP, "FI") == PostalResult("Oulu", "FI")


def test_finnish_town_is_the_post_office_not_the_municipality(postal):
    # The package writes "KARJAA, Raasepori"; the envelope says Karjaa.
    assert postal.lookup("10300", "FI").town == "Karjaa"


def test_aland_codes_are_in_the_finnish_list(postal):
    assert postal.lookup("22100", "FI") == PostalResult("Mariehamn", "FI")


def test_five_digits_while_norway_uses_the_desk_default_list(postal):
    assert postal.lookup("11455", "NO") == PostalResult("Stockholm", "SE")
    assert postal.lookup(OVERLAP, "NO", default_country="FI") == PostalResult("Oulu", "FI")
    # Only in the Finnish list: found there even when the default is Sweden.
    assert postal.lookup("00100", "NO", default_country="SE") == PostalResult("Helsinki", "FI")


def test_finnish_only_code_with_country_sweden_gives_no_town(postal):
    assert postal.lookup("00100", "SE") == PostalResult(None, "SE")


@pytest.mark.parametrize("text", ["", "abc", "00001", "123", "1234567", "11455x"])
def test_unknown_or_malformed_code_gives_no_town_and_keeps_country(postal, text):
    assert postal.lookup(text, "FI") == PostalResult(None, "FI")


def test_normalise_and_format():
    assert normalise_postal_code(" 114 55 ", "SE") == "11455"
    assert normalise_postal_code("0150", "NO") == "0150"
    assert normalise_postal_code("12 3", "SE") == "12 3"
    assert format_postal_code("11455", "SE") == "114 55"
    assert format_postal_code("114 55", "SE") == "114 55"
    assert format_postal_code("00 100", "FI") == "00100"
    assert format_postal_code("abc", "SE") == "abc"


def test_loading_is_lazy_and_fast():
    start = time.perf_counter()
    postal = PostalCodes.load()
    assert postal._lists is None  # nothing read yet
    postal.counts()
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5, f"loading took {elapsed:.3f} s"
    start = time.perf_counter()
    for _ in range(1000):
        postal.lookup("114 55", "SE")
    assert time.perf_counter() - start < 0.1


def test_install_update_replaces_the_list_used(tmp_path):
    src = write_list(tmp_path / "new.json.gz", {"SE": {"11455": "Nyort"}, "NO": {"0150": "Oslo"}})
    data_dir = tmp_path / "data"
    postal = PostalCodes.load(user_data_dir=data_dir)
    assert postal.lookup("11455", "SE").town == "Stockholm"

    counts = install_update(src, data_dir)

    assert counts == {"SE": 1, "NO": 1, "FI": 0}
    assert user_file(data_dir).is_file()
    assert list(data_dir.iterdir()) == [user_file(data_dir)]  # no temp file left behind
    postal.reload()
    assert postal.source() == user_file(data_dir)
    assert postal.lookup("11455", "SE").town == "Nyort"
    assert PostalCodes.load(user_data_dir=data_dir).lookup("0150", "SE") == PostalResult("Oslo", "NO")


def test_install_update_accepts_plain_json(tmp_path):
    src = write_list(tmp_path / "new.json", {"SE": {"11455": "Stockholm"}}, gz=False)
    assert install_update(src, tmp_path / "data")["SE"] == 1


def test_shipped_file_can_be_installed_as_an_update(tmp_path):
    counts = install_update(shipped_path(), tmp_path)
    assert counts == PostalCodes.load().counts()


@pytest.mark.parametrize(
    "content",
    [
        b"not json at all",
        gzip.compress(b"{broken"),
        b"\x1f\x8b truncated gzip",
        json.dumps(["SE"]).encode(),
        json.dumps({"NO": {"0150": "Oslo"}}).encode(),  # no Swedish list
        json.dumps({"SE": {}}).encode(),
        json.dumps({"SE": {"1145": "Stockholm"}}).encode(),  # 4-digit Swedish code
        json.dumps({"SE": {"11455": ""}}).encode(),
        json.dumps({"SE": {"11455": 7}}).encode(),
        json.dumps({"SE": ["11455"]}).encode(),
        json.dumps({"format": "something-else", "SE": {"11455": "Stockholm"}}).encode(),
    ],
)
def test_install_update_refuses_a_bad_file_and_keeps_the_old_one(tmp_path, content):
    data_dir = tmp_path / "data"
    install_update(write_list(tmp_path / "good.json.gz", {"SE": {"11455": "Gammal"}}), data_dir)
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(content)

    with pytest.raises(ValidationError) as caught:
        install_update(bad, data_dir)

    assert caught.value.message == "Filen är ingen postnummerlista."
    assert PostalCodes.load(user_data_dir=data_dir).lookup("11455", "SE").town == "Gammal"


def test_install_update_of_a_missing_file_says_so(tmp_path):
    with pytest.raises(ValidationError, match="kunde inte läsas"):
        install_update(tmp_path / "finns-inte.json.gz", tmp_path / "data")


def test_install_update_into_an_unwritable_place_says_so(tmp_path):
    src = write_list(tmp_path / "new.json.gz", {"SE": {"11455": "Stockholm"}})
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(UserError, match="kunde inte sparas"):
        install_update(src, blocker / "data")


def test_damaged_user_file_falls_back_to_the_shipped_list(tmp_path, caplog):
    user_file(tmp_path).write_bytes(b"garbage")
    postal = PostalCodes.load(user_data_dir=tmp_path)
    assert postal.lookup("11455", "SE").town == "Stockholm"
    assert "unusable" in caplog.text


def test_explicit_path_wins_and_reload_with_dir_switches_to_user_file(tmp_path):
    explicit = write_list(tmp_path / "explicit.json.gz", {"SE": {"11455": "Explicit"}})
    install_update(write_list(tmp_path / "upd.json.gz", {"SE": {"11455": "Uppdaterad"}}), tmp_path / "data")
    postal = PostalCodes.load(explicit, user_data_dir=tmp_path / "data")
    assert postal.lookup("11455", "SE").town == "Explicit"
    postal.reload(tmp_path / "data")
    assert postal.lookup("11455", "SE").town == "Uppdaterad"


def _extract_tool():
    import importlib.util

    path = shipped_path().parent.parent / "tools" / "extract_postal_codes.py"
    spec = importlib.util.spec_from_file_location("extract_postal_codes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("raw", "town"),
    [
        ("GÖTEBORG", "Göteborg"),
        ("SALTSJÖ-BOO", "Saltsjö-Boo"),
        ("UPPLANDS VÄSBY", "Upplands Väsby"),
        ("MO I RANA", "Mo i Rana"),
        ("NES PÅ HEDMARKEN", "Nes på Hedmarken"),
        ("KRISTIANSAND S", "Kristiansand S"),
        ("HEINOLA KK", "Heinola kk"),
        ("II", "Ii"),
        ("KARJAA, Raasepori", "Karjaa"),
        ("Helen, Helsinki", "Helen"),
    ],
)
def test_extraction_writes_towns_in_ordinary_case(raw, town):
    assert _extract_tool().post_town(raw) == town


def test_shipped_file_is_what_the_extraction_format_says():
    document = json.loads(gzip.decompress(shipped_path().read_bytes()))
    assert document["format"] == "reception-postal-codes"
    assert document["licence"] == "ODbL-1.0"
    assert "countrystatecity-postal-codes" in document["source"]
