"""Legitimering rules (SPEC §1.1, §5): proofs per type and subtype, foreign ID, ages, ticks."""
from dataclasses import replace
from datetime import date

import pytest

from app.domain.legitimation import Legitimation, check_legitimation, proof_kinds_for, required_checks
from app.errors import ValidationError

TODAY = date(2026, 11, 22)
ADULT = date(1990, 5, 1)


def ticked(leg: Legitimation) -> Legitimation:
    return replace(leg, checked=frozenset(code for code, _ in required_checks(leg)))


def test_ordinarie_with_swedish_id_needs_only_the_id_tick():
    leg = Legitimation("ordinarie", "svensk")
    assert [c for c, _ in required_checks(leg)] == ["id"]
    assert check_legitimation(ticked(leg), ADULT, TODAY) is None


def test_a_missing_tick_blocks_with_the_document_named():
    leg = Legitimation("student", "svensk", proof_kind="mecenatkort", proof_valid_until=date(2027, 6, 30),
                       checked=frozenset({"id"}))
    with pytest.raises(ValidationError, match="Mecenatkort är kontrollerat") as info:
        check_legitimation(leg, ADULT, TODAY)
    assert info.value.field == "checked"


def test_foreign_id_needs_a_residence_proof_and_its_tick():
    leg = Legitimation("ordinarie", "utlandsk")
    with pytest.raises(ValidationError, match="arbetsintyg, hyreskontrakt, UT-kort eller LMA-kort"):
        check_legitimation(ticked(leg), ADULT, TODAY)
    leg = Legitimation("ordinarie", "utlandsk", residence_proof="lma_kort")
    assert [c for c, _ in required_checks(leg)] == ["id", "residence"]
    assert check_legitimation(ticked(leg), ADULT, TODAY) is None


def test_student_gets_the_price_guarantee_to_the_proof_date():
    leg = ticked(Legitimation("student", "svensk", proof_kind="studentkort", proof_valid_until=date(2027, 1, 31)))
    assert check_legitimation(leg, ADULT, TODAY) == date(2027, 1, 31)


@pytest.mark.parametrize("valid_until, message", [(None, "giltighetsdatum"), (date(2026, 11, 21), "gick ut")])
def test_student_proof_needs_a_valid_date(valid_until, message):
    leg = ticked(Legitimation("student", "svensk", proof_kind="mecenatkort", proof_valid_until=valid_until))
    with pytest.raises(ValidationError, match=message):
        check_legitimation(leg, ADULT, TODAY)


def test_alderspensionar_must_be_65():
    leg = ticked(Legitimation("pensionar", "svensk", pensioner_subtype="alderspensionar", proof_kind="alder"))
    assert check_legitimation(leg, date(1961, 11, 22), TODAY) is None  # 65 today
    with pytest.raises(ValidationError, match="minst 65 år. Kunden är 64 år"):
        check_legitimation(leg, date(1961, 11, 23), TODAY)


def test_pensioner_subtypes_and_their_proofs():
    assert proof_kinds_for("pensionar", "sjukpensionar_livet_ut") == ("fk_intyg",)
    assert proof_kinds_for("pensionar", "tillfallig_pensionar") == ("fk_intyg",)
    assert proof_kinds_for("pensionar", "fortidspensionar") == ("ppm_intyg",)
    # sjukpensionär livet ut: no expiry even if a date is typed
    leg = ticked(Legitimation("pensionar", "svensk", pensioner_subtype="sjukpensionar_livet_ut",
                              proof_kind="fk_intyg", proof_valid_until=date(2027, 1, 1)))
    assert check_legitimation(leg, ADULT, TODAY) is None
    # tillfällig pensionär: the date is required and becomes the guarantee
    leg = ticked(Legitimation("pensionar", "svensk", pensioner_subtype="tillfallig_pensionar", proof_kind="fk_intyg"))
    with pytest.raises(ValidationError, match="giltighetsdatum"):
        check_legitimation(leg, ADULT, TODAY)
    assert check_legitimation(replace(leg, proof_valid_until=date(2027, 3, 1)), ADULT, TODAY) == date(2027, 3, 1)
    # förtidspensionär: no expiry unless a date is entered
    leg = ticked(Legitimation("pensionar", "svensk", pensioner_subtype="fortidspensionar", proof_kind="ppm_intyg"))
    assert check_legitimation(leg, ADULT, TODAY) is None
    assert check_legitimation(replace(leg, proof_valid_until=date(2028, 1, 1)), ADULT, TODAY) == date(2028, 1, 1)


def test_wrong_proof_for_the_type_is_refused():
    leg = ticked(Legitimation("pensionar", "svensk", pensioner_subtype="fortidspensionar", proof_kind="fk_intyg"))
    with pytest.raises(ValidationError, match="Premiepensionsfonden"):
        check_legitimation(leg, ADULT, TODAY)


def test_minimum_age_for_ordinarie():
    leg = ticked(Legitimation("ordinarie", "svensk"))
    assert check_legitimation(leg, date(2011, 1, 1), TODAY, min_age_ordinarie=0) is None
    with pytest.raises(ValidationError, match="minst 16 år. Kunden är 15 år"):
        check_legitimation(leg, date(2011, 1, 1), TODAY, min_age_ordinarie=16)


def test_a_type_without_price_list_cannot_be_chosen():
    leg = ticked(Legitimation("student", "svensk", proof_kind="mecenatkort", proof_valid_until=date(2027, 1, 1)))
    with pytest.raises(ValidationError, match="ingen prislista"):
        check_legitimation(leg, ADULT, TODAY, selectable_types=frozenset({"ordinarie"}))


def test_organisation_membership_tick_or_a_preorder():
    leg = Legitimation("ordinarie", "svensk", proof_kind="organisation", organisation_customer=True,
                       checked=frozenset({"id"}))
    with pytest.raises(ValidationError, match="Organisationstillhörighet"):
        check_legitimation(leg, ADULT, TODAY)
    assert check_legitimation(leg, ADULT, TODAY, has_preorder=True) is None  # linked by personnummer
