"""Mainland resident identity numbers (GB 11643-1999): card, temporary card and household register."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telreg.realname.documents import check_document
from tests.realname.documents.reference import mod11_2

RESIDENT_TYPES = ["cn-resident-id", "cn-temporary-resident-id", "cn-household-register"]
ON = date(2026, 3, 2)


def with_check(first17: str) -> str:
    return first17 + mod11_2(first17)


@pytest.mark.parametrize("doc_type", RESIDENT_TYPES)
@pytest.mark.parametrize(
    ("value", "born"),
    [
        ("11010519491231002X", date(1949, 12, 31)),  # GB 11643-1999's own example (Beijing Chaoyang)
        ("440524188001010014", date(1880, 1, 1)),  # the standard's second example
        ("360426199101010071", date(1991, 1, 1)),
    ],
)
def test_the_standards_examples_are_valid(doc_type: str, value: str, born: date) -> None:
    assert mod11_2(value[:17]) == value[17]  # the reference agrees with the published examples
    result = check_document(doc_type, value, on=ON)
    assert result.valid, result.reason
    assert result.normalised == value and result.date_of_birth == born
    assert result.holder_kind == "person" and result.doc_type == doc_type


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002x",
        "110105 19491231 002X",
        "110105-19491231-002x",
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width, as a Chinese input method types it
    ],
)
def test_lowercase_spaces_hyphens_and_full_width_are_normalised(value: str) -> None:
    result = check_document("cn-resident-id", value, on=ON)
    assert result.valid, result.reason
    assert result.normalised == "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("110105194912310021", "check character"),
        ("11010519491231002", "18 characters; this one has 17"),
        ("11010519491231002X1", "this one has 19"),
        ("110105491231002", "15-digit"),
        ("", "No resident identity number"),
        ("1101051949123100XX", "17 digits followed by a digit or X"),
        ("A1010519491231002X", "17 digits followed by a digit or X"),
        (with_check("99010519491231002"), "not a province code"),
        (with_check("00010519491231002"), "not a province code"),
        (with_check("11010519490230002"), "not a real date"),  # 30 February
        (with_check("11010519491331002"), "not a real date"),  # month 13
        (with_check("11010519000229002"), "not a real date"),  # 1900 was not a leap year
        (with_check("11010520990101002"), "in the future"),
    ],
)
def test_wrong_numbers_say_why(value: str, words: str) -> None:
    result = check_document("cn-resident-id", value, on=ON)
    assert not result.valid and result.normalised is None and result.date_of_birth is None
    assert words in result.reason


def test_leap_day_in_a_leap_year_is_a_real_date() -> None:
    result = check_document("cn-resident-id", with_check("11010520000229002"), on=ON)
    assert result.date_of_birth == date(2000, 2, 29)


def test_born_on_the_day_of_the_check_is_not_in_the_future_but_the_next_day_is() -> None:
    born_today = with_check("110105" + ON.strftime("%Y%m%d") + "002")
    born_tomorrow = with_check("110105" + (ON + timedelta(days=1)).strftime("%Y%m%d") + "002")
    assert check_document("cn-resident-id", born_today, on=ON).valid
    assert "future" in check_document("cn-resident-id", born_tomorrow, on=ON).reason
    assert check_document("cn-resident-id", born_tomorrow).valid  # without ON there is no "future" to test


def test_date_of_birth_given_must_agree() -> None:
    agree = check_document("cn-resident-id", "11010519491231002X", date_of_birth=date(1949, 12, 31), on=ON)
    assert agree.valid
    disagree = check_document("cn-resident-id", "11010519491231002X", date_of_birth=date(1949, 12, 30), on=ON)
    assert not disagree.valid
    assert "date of birth given does not match" in disagree.reason


def test_reasons_never_quote_the_number_or_the_date_of_birth() -> None:
    for value in ["110105194912310021", with_check("11010520990101002"), "11010519491231002X"]:
        reason = check_document("cn-resident-id", value, date_of_birth=date(1950, 1, 1), on=ON).reason
        assert value[:14] not in reason and "1949" not in reason and "2099" not in reason


@settings(max_examples=200, deadline=None)
@given(
    province=st.sampled_from(["11", "31", "44", "65", "81"]),
    county=st.text(alphabet="0123456789", min_size=4, max_size=4),
    born=st.dates(min_value=date(1900, 1, 1), max_value=ON),
    sequence=st.text(alphabet="0123456789", min_size=3, max_size=3),
    data=st.data(),
)
def test_any_number_with_the_reference_check_is_valid_and_one_changed_digit_is_not(
    province: str, county: str, born: date, sequence: str, data: st.DataObject
) -> None:
    number = with_check(province + county + born.strftime("%Y%m%d") + sequence)
    result = check_document("cn-resident-id", number, on=ON)
    assert result.valid, result.reason
    assert result.date_of_birth == born and result.normalised == number
    # MOD 11-2 weights are all non-zero mod 11, so any single substituted character is caught.
    position = data.draw(st.integers(0, 17))
    other = data.draw(st.sampled_from([c for c in "0123456789X" if c != number[position]]))
    changed = number[:position] + other + number[position + 1:]
    assert not check_document("cn-resident-id", changed, on=ON).valid
