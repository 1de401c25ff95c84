"""Passports: a typed number (form) and the ICAO 9303 machine-readable zone (check digits, dates)."""

from __future__ import annotations

from datetime import date

import pytest

from telreg.realname.documents import check_document
from tests.realname.documents.reference import icao, td3

# ICAO Doc 9303 specimens (Part 4 TD3 passport; Parts 5 and 6 TD1 and TD2 cards): Anna Maria Eriksson of
# Utopia, born 12 August 1974, documents expiring 15 April 2012.
SPECIMEN_TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
SPECIMEN_TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)
SPECIMEN_TD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6"
BEFORE_EXPIRY = date(2010, 1, 1)


def replace(mrz: str, line: int, position: int, char: str) -> str:
    lines = mrz.split("\n")
    lines[line] = lines[line][:position] + char + lines[line][position + 1:]
    return "\n".join(lines)


def test_the_reference_builder_reproduces_the_specimen() -> None:
    assert td3() == SPECIMEN_TD3  # so the MRZs built below are right by ICAO's own arithmetic


@pytest.mark.parametrize(("mrz", "number"), [(SPECIMEN_TD3, "L898902C3"), (SPECIMEN_TD1, "D23145890"),
                                             (SPECIMEN_TD2, "D23145890")])
def test_icao_specimens_are_valid(mrz: str, number: str) -> None:
    result = check_document("passport-mrz", mrz, on=BEFORE_EXPIRY)
    assert result.valid, result.reason
    assert result.normalised == number
    assert result.date_of_birth == date(1974, 8, 12)
    assert result.holder_kind == "person"


@pytest.mark.parametrize(
    ("line", "position", "char", "named", "not_named"),
    [
        (1, 9, "7", "document number", "date of birth"),  # the document number's check digit
        (1, 1, "7", "document number", "date of birth"),  # a character of the number itself
        (1, 19, "3", "date of birth", "document number"),
        (1, 27, "8", "date of expiry", "date of birth"),
        (1, 42, "2", "personal number", "date of expiry"),
        (1, 43, "1", "composite", "document number"),  # the composite alone
    ],
)
def test_each_wrong_check_digit_is_named(
    line: int, position: int, char: str, named: str, not_named: str
) -> None:
    result = check_document("passport-mrz", replace(SPECIMEN_TD3, line, position, char), on=BEFORE_EXPIRY)
    assert not result.valid and result.normalised is None
    assert named in result.reason and not_named not in result.reason
    assert "check digit" in result.reason


def test_a_changed_number_fails_its_own_and_the_composite_check() -> None:
    reason = check_document("passport-mrz", replace(SPECIMEN_TD3, 1, 1, "7"), on=BEFORE_EXPIRY).reason
    assert reason == ("The check digits of the document number and composite do not match: "
                      "the zone was misread or altered.")


@pytest.mark.parametrize(
    "mrz",
    [SPECIMEN_TD3.lower(), SPECIMEN_TD3.replace("\n", "\r\n"), SPECIMEN_TD3.replace("\n", "\\n"),
     SPECIMEN_TD3.replace("\n", ""), "  " + SPECIMEN_TD3.replace("\n", "  \n ") + "\n"],
)
def test_how_the_zone_was_pasted_does_not_matter(mrz: str) -> None:
    result = check_document("passport-mrz", mrz, on=BEFORE_EXPIRY)
    assert result.valid, result.reason
    assert result.normalised == "L898902C3"


@pytest.mark.parametrize(
    ("mrz", "words"),
    [
        (SPECIMEN_TD3[:-1], "2 lines of 44"),
        (SPECIMEN_TD3.split("\n")[1], "1 line (lengths: 44)"),
        ("", "lengths: none"),
        (replace(SPECIMEN_TD3, 0, 10, "-"), "only capital letters, digits and <"),
        (td3(birth="741312"), "date of birth in the MRZ is not a real date"),  # right check digit, month 13
        (td3(expiry="120231"), "date of expiry in the MRZ is not a real date"),
        (td3(name="ERIKSSON<<ANNA<<MARIA"), "name field"),
        (replace(SPECIMEN_TD3, 0, 3, "X"), "issuing state code"),
        (td3(number="<<<<<<<<<"), "document number field"),
    ],
)
def test_wrong_zones_say_why(mrz: str, words: str) -> None:
    result = check_document("passport-mrz", mrz, on=BEFORE_EXPIRY)
    assert not result.valid
    assert words in result.reason


def test_expiry_is_reported_not_judged() -> None:
    # ICAO's specimen expires 15 April 2012 (YYMMDD 120415 in line 2): integrity does not depend on the day.
    for on in (date(2012, 4, 15), date(2012, 4, 16), date(2026, 3, 2), None):
        result = check_document("passport-mrz", SPECIMEN_TD3, on=on)
        assert result.valid, result.reason
        assert result.expires_on == date(2012, 4, 15)


def test_only_the_mrz_carries_an_expiry() -> None:
    assert check_document("passport", "L898902C3").expires_on is None
    assert check_document("hkid", "A123456(3)").expires_on is None
    assert check_document("passport-mrz", replace(SPECIMEN_TD3, 1, 1, "7")).expires_on is None  # invalid


def test_date_of_birth_given_must_agree() -> None:
    right, wrong = date(1974, 8, 12), date(1974, 8, 13)
    assert check_document("passport-mrz", SPECIMEN_TD3, date_of_birth=right, on=BEFORE_EXPIRY).valid
    result = check_document("passport-mrz", SPECIMEN_TD3, date_of_birth=wrong, on=BEFORE_EXPIRY)
    assert not result.valid
    assert "date of birth given does not match" in result.reason


def test_the_century_of_birth_is_the_latest_not_in_the_future() -> None:
    on = date(2026, 3, 2)
    child = check_document("passport-mrz", td3(birth="150101", expiry="300101"), on=on)
    assert child.date_of_birth == date(2015, 1, 1)
    elder = check_document("passport-mrz", td3(birth="300101", expiry="300101"), on=on)
    assert elder.date_of_birth == date(1930, 1, 1)
    # A date of birth given by the caller settles the century: 1915, not 2015.
    centenarian = check_document("passport-mrz", td3(birth="150101", expiry="300101"),
                                 date_of_birth=date(1915, 1, 1), on=on)
    assert centenarian.valid and centenarian.date_of_birth == date(1915, 1, 1)


def test_a_date_of_birth_given_in_the_future_is_refused() -> None:
    result = check_document("passport-mrz", td3(birth="300101", expiry="350101"),
                            date_of_birth=date(2030, 1, 1), on=date(2026, 3, 2))
    assert not result.valid
    assert "in the future" in result.reason


def test_leap_day_resolves_to_the_century_where_it_exists() -> None:
    result = check_document("passport-mrz", td3(birth="000229", expiry="300101"), on=date(2026, 3, 2))
    assert result.date_of_birth == date(2000, 2, 29)  # 1900-02-29 does not exist


def test_the_builder_check_digits_follow_icao_weights() -> None:
    # ICAO 9303 Part 3's worked example: date 520727 has check digit 3.
    assert icao("520727") == "3"


@pytest.mark.parametrize(("value", "normalised"), [("E12345678", "E12345678"), (" e1234 5678 ", "E12345678"),
                                                   ("K1", "K1"), ("L898902C3", "L898902C3")])
def test_typed_passport_numbers(value: str, normalised: str) -> None:
    result = check_document("passport", value)
    assert result.valid, result.reason
    assert result.normalised == normalised and result.date_of_birth is None


@pytest.mark.parametrize(
    ("value", "words"),
    [("E123456789", "at most 9"), ("E1234-567", "only letters and digits"), ("", "No passport number"),
     ("E12<3456", "only letters and digits")],
)
def test_wrong_typed_passport_numbers(value: str, words: str) -> None:
    result = check_document("passport", value)
    assert not result.valid
    assert words in result.reason
