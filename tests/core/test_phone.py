"""Parsing, normalising and classifying Hong Kong numbers (core/phone.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telreg.core.errors import InvalidNumber
from telreg.core.phone import HKNumber, NumberKind, classify, parse_number, parse_registrable

ACCEPTED_SPELLINGS = [
    "21234567",
    "2123 4567",
    "2123-4567",
    "+852 2123 4567",
    "852-21234567",
    "+85221234567",
    "85221234567",
    "+852-2123-4567",
    "  2123 4567\t",
    "２１２３ ４５６７",  # full-width digits from a Chinese input method
]


@pytest.mark.parametrize("spelling", ACCEPTED_SPELLINGS)
def test_every_accepted_spelling_gives_the_national_number(spelling: str) -> None:
    number = parse_number(spelling)
    assert number.national == "21234567"
    assert number.e164 == "+85221234567"
    assert str(number) == "21234567"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "No number was given"),
        ("   ", "No number was given"),
        (None, "No number was given"),
        ("2123 45a7", "contains letters"),
        ("call me", "contains letters"),
        ("2123--4567", "doubled separators"),
        ("2123  4567", "doubled separators"),
        ("2123 - 4567", "doubled separators"),
        ("-21234567", "where digits should be"),
        ("2123-4567-", "where digits should be"),
        ("+ 852 2123 4567", "where digits should be"),
        ("(852) 2123 4567", "contains '(' ')'"),
        ("2123.4567", "contains '.'"),
        ("+852+21234567", "'+' inside it"),
        ("+44 20 7946 0000", "not a Hong Kong number"),
        ("+86 138 0013 8000", "not a Hong Kong number"),
        ("0044 20 7946 0000", "international number"),
        ("00852 2123 4567", "not the dialling prefix 00852"),
        ("2123456", "has 7 digits; a Hong Kong number has 8"),
        ("212345678", "has 9 digits; a Hong Kong number has 8"),
        ("+852 2123 456", "has 7 digits after the country code"),
        ("852 2123 45678", "has 9 digits after the country code"),
    ],
)
def test_malformed_input_is_refused_with_a_reason(raw: str | None, reason: str) -> None:
    with pytest.raises(InvalidNumber) as raised:
        parse_number(raw)
    assert reason in raised.value.message
    assert raised.value.code == "invalid_number"


def test_an_eight_digit_number_beginning_852_is_not_mistaken_for_a_country_code() -> None:
    # 852x xxxx is itself an (unassigned) 8-digit national number, not "+852" followed by 5 digits.
    number = parse_number("85212345")
    assert number.national == "85212345"
    assert number.kind is NumberKind.unassigned


@pytest.mark.parametrize(
    ("national", "kind", "registrable", "callback"),
    [
        ("21234567", NumberKind.fixed, True, True),
        ("28765432", NumberKind.fixed, True, True),
        ("31234567", NumberKind.fixed, True, True),
        ("39123456", NumberKind.fixed, True, True),
        ("58012345", NumberKind.fixed, True, False),  # fixed, but not a 2/3 prefix: no callback
        ("30112345", NumberKind.service, False, False),  # 30x universal access numbers
        ("44012345", NumberKind.mobile, True, False),
        ("51234567", NumberKind.mobile, True, False),
        ("61234567", NumberKind.mobile, True, False),
        ("70112345", NumberKind.mobile, True, False),
        ("84012345", NumberKind.mobile, True, False),
        ("91234567", NumberKind.mobile, True, False),
        ("72012345", NumberKind.pager, True, False),
        ("81234567", NumberKind.personal, True, True),
        ("82345678", NumberKind.personal, True, True),
        ("83012345", NumberKind.personal, True, True),
        ("81512345", NumberKind.personal, True, True),  # 81–83 is set aside whole for personal numbers
        ("99912345", NumberKind.service, False, False),
        ("10831234", NumberKind.service, False, False),
        ("01234567", NumberKind.service, False, False),
        ("20012345", NumberKind.unassigned, False, False),
        ("40012345", NumberKind.unassigned, False, False),
        ("85912345", NumberKind.unassigned, False, False),
        ("80012345", NumberKind.unassigned, False, False),  # 800 numbers have 9 digits
        ("99012345", NumberKind.unassigned, False, False),
    ],
)
def test_classification_follows_the_numbering_plan(
    national: str, kind: NumberKind, registrable: bool, callback: bool
) -> None:
    number = parse_number(national)
    assert number.kind is kind
    assert number.registrable is registrable
    assert number.callback_eligible is callback
    assert classify(national) is kind


@pytest.mark.parametrize("spelling", ["800 123 456", "+852 800 123 456", "800-123-456", "800123456"])
def test_toll_free_numbers_have_nine_digits_and_are_not_registrable(spelling: str) -> None:
    number = parse_number(spelling)
    assert number == HKNumber("800123456", NumberKind.toll_free)
    assert not number.registrable and not number.callback_eligible
    with pytest.raises(InvalidNumber, match="toll-free") as raised:
        parse_registrable(spelling)
    assert raised.value.extra["kind"] == "toll-free"


@pytest.mark.parametrize("code", ["999", "112", "1083", "18501"])
def test_short_service_codes_are_refused_as_service_codes(code: str) -> None:
    with pytest.raises(InvalidNumber, match=f"has {len(code)} digits.*looks like a service code") as raised:
        parse_number(code)
    assert raised.value.extra["kind"] == "service-code"


@pytest.mark.parametrize("raw", ["2123", "+852 999", "99"])
def test_other_short_input_is_simply_too_short(raw: str) -> None:
    with pytest.raises(InvalidNumber, match="a Hong Kong number has 8.$") as raised:
        parse_number(raw)
    assert "kind" not in raised.value.extra


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("85912345", "not assigned to any operator"),
        ("30112345", "service code"),
        ("99912345", "service code"),
    ],
)
def test_parse_registrable_says_why_a_number_cannot_be_listed(raw: str, why: str) -> None:
    with pytest.raises(InvalidNumber, match=why):
        parse_registrable(raw)


def test_parse_registrable_returns_the_number_when_it_may_be_listed() -> None:
    assert parse_registrable("+852 8123 4567") == HKNumber("81234567", NumberKind.personal)
    assert (
        parse_registrable("7201 2345").kind is NumberKind.pager
    )  # pagers are registrable (module docstring)


def test_classify_refuses_what_is_not_digits() -> None:
    with pytest.raises(ValueError):
        classify("2123x567")


# --- property: any registrable number survives every accepted spelling --------------------------------------

_REGISTRABLE_NUMBERS = st.from_regex(r"\A[2-9][0-9]{7}\Z", fullmatch=True).filter(
    lambda n: parse_number(n).registrable
)


def _spell(national: str, prefix: str, separator: str, cut: int) -> str:
    local = national if not separator else national[:cut] + separator + national[cut:]
    return f"{prefix}{local}"


@given(
    national=_REGISTRABLE_NUMBERS,
    prefix=st.sampled_from(["", "+852", "+852 ", "+852-", "852", "852 ", "852-"]),
    separator=st.sampled_from(["", " ", "-"]),
    cut=st.integers(min_value=1, max_value=7),
    padding=st.sampled_from(["", " ", "\t"]),
)
def test_registrable_numbers_survive_formatting_round_trips(
    national: str, prefix: str, separator: str, cut: int, padding: str
) -> None:
    original = parse_registrable(national)
    spelled = padding + _spell(national, prefix, separator, cut) + padding
    again = parse_registrable(spelled)
    assert again == original
    assert parse_registrable(again.e164) == original
    assert parse_registrable(again.national) == original


@given(st.from_regex(r"[2-9][0-9]{7}", fullmatch=True))
def test_block_classification_agrees_with_phonenumbers_number_by_number(national: str) -> None:
    """classify() answers 8-digit numbers from their first four digits; phonenumbers must agree on each one."""
    from telreg.core.phone import _classify_by_metadata

    if national[:2] in ("81", "82", "83") or national.startswith("999"):
        return  # decided by the numbering-plan rules above phonenumbers, tested separately
    assert classify(national) is _classify_by_metadata(national)


def test_every_block_has_one_kind_from_its_first_to_its_last_number() -> None:
    """The block cache asks phonenumbers about ``xxxx0000``; ``xxxx9999`` must be the same kind in every block."""
    from telreg.core.phone import _classify_by_metadata

    differing = [
        first_four for first_four in (f"{n:04d}" for n in range(2000, 10000))
        if _classify_by_metadata(first_four + "9999") is not _classify_by_metadata(first_four + "0000")
    ]
    assert differing == []
