"""Masked display of personal data: the examples of issue 5, the rules in core/masking.py, and odd input."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telreg.core.masking import mask_address, mask_date, mask_document, mask_name, mask_number

# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("CHAN Tai Man", "CHAN T** M**"),  # the example
        ("Tai Man CHAN", "T** M** CHAN"),  # the surname is the word in capitals, wherever it stands
        ("CHAN TAI MAN", "CHAN T** M**"),  # all capitals, as on many cards: the first word is the surname
        ("Chan Tai Man", "Chan T** M**"),  # no capitals: the first word again
        ("CHAN,  Tai-man", "CHAN, T******"),  # the rest of a word, hyphen included, hidden; spaces collapse
        ("AU YEUNG Siu Ming", "AU YEUNG S** M***"),  # a two-word surname in capitals is kept whole
        ("陳大文", "陳**"),
        ("歐陽震華", "歐***"),  # a compound surname cannot be told apart: one character kept
        ("陳 大文", "陳 大*"),  # written apart, the given name is a word like any other
        ("陳大文 CHAN Tai Man", "陳** CHAN T** M**"),
        ("Madonna", "M******"),
        ("Li", "L*"),
        ("X", "X"),
        ("", ""),
        ("   ", ""),
        ("ÉLODIE Zoë", "ÉLODIE Z**"),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Z", "C")), min_size=1, max_size=12),
                min_size=2, max_size=5))
def test_a_masked_name_keeps_its_words_lengths_and_initials_and_hides_given_names(words: list[str]) -> None:
    masked = mask_name(" ".join(words)).split(" ")
    assert len(masked) == len(words)
    assert [len(m) for m in masked] == [len(w) for w in words]
    assert [m[0] for m in masked] == [w[0] for w in words]
    # Whatever the capitals, some word other than the surname is reduced to its initial.
    assert any(m == w[0] + "*" * (len(w) - 1) for w, m in zip(words[1:] + words[:1], masked[1:] + masked[:1],
                                                                  strict=True))


# --- document numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc_type", "number", "masked"),
    [
        ("hkid", "A1234563", "A123***(*)"),  # the example
        ("hkid", "A123456(3)", "A123***(*)"),
        ("hkid", " a123456 (3) ", "A123***(*)"),
        ("hkid", "AB987654(A)", "AB987***(*)"),  # two-letter prefix, check character A
        ("hkid", "A12", "A**"),  # not an HKID: general rule
        # GB 11643's own example: region 110105, born 1949-12-31, sequence 002, check X.
        ("cn-resident-id", "11010519491231002X", "110105***********X"),
        ("cn-resident-id", "11010519491231002x", "110105***********X"),
        ("cn-temporary-resident-id", "11010519491231002X", "110105***********X"),
        ("cn-household-register", "11010519491231002X", "110105***********X"),
        ("cn-resident-id", "110105491231002", "110105*********"),  # old 15-digit card: region only
        ("cn-resident-id", "1101", "1***"),  # too short to be one: general rule (4 x 40% = 1.6 -> 1)
        ("passport", "K12345678", "K12******"),  # 9 x 40% = 3.6 -> 3
        ("passport", "E1234", "E1***"),  # 5 x 40% = 2
        ("passport", "1234567890123", "1234*********"),  # 40% would be 5; at most 4
        ("passport", "AB", "**"),  # 2 x 40% < 1: nothing kept
        ("passport", "A", "*"),
        ("mtp-taiwan", "", ""),
        ("cn-military-id", "军字第12345号", "军字第******"),  # 9 characters x 40% = 3.6 -> 3 kept
    ],
)
def test_mask_document(doc_type: str, number: str, masked: str) -> None:
    assert mask_document(doc_type, number) == masked


@given(st.text(alphabet="0123456789", min_size=17, max_size=17), st.sampled_from("0123456789X"))
def test_a_resident_id_never_shows_the_date_of_birth_or_sequence(body: str, check: str) -> None:
    masked = mask_document("cn-resident-id", body + check)
    assert len(masked) == 18
    assert masked[:6] == body[:6] and masked[-1] == check
    assert masked[6:17] == "*" * 11


@given(st.text(alphabet=st.characters(blacklist_characters="*", blacklist_categories=("Z", "C")),
               max_size=40))
def test_the_general_rule_keeps_the_length_and_at_most_four_characters(value: str) -> None:
    masked = mask_document("passport", value)
    kept = len(masked) - masked.count("*")
    assert len(masked) == len(value)
    assert masked == value[:kept] + "*" * (len(value) - kept)
    assert kept <= 4 and kept <= len(value) * 0.4


# --- numbers, dates, addresses --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("51234567", "5123****"),  # the brief's example
        ("5123 4567", "5123 ****"),
        ("+85251234567", "+85251******"),  # 11 digits: 5 kept
        ("13812345678", "13812******"),
        ("1", "*"),
        ("", ""),
        ("abc", "abc"),  # no digits: nothing to hide
    ],
)
def test_mask_number(number: str, masked: str) -> None:
    assert mask_number(number) == masked


@given(st.text(alphabet="0123456789 +-", max_size=20))
def test_a_masked_number_hides_at_least_half_its_digits(number: str) -> None:
    masked = mask_number(number)
    digits = sum(c.isdigit() for c in number)
    assert len(masked) == len(number)
    assert masked.count("*") == digits - digits // 2
    assert [c for c in masked if not c.isdigit() and c != "*"] == [c for c in number if not c.isdigit()]


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (dt.date(1990, 1, 1), "1990-**-**"),
        (dt.date(2008, 12, 31), "2008-**-**"),
        ("1949-12-31", "1949-**-**"),
        ("31/12/1949", "****-**-**"),  # unreadable: hidden entirely
        ("", ""),
    ],
)
def test_mask_date(value: dt.date | str, masked: str) -> None:
    assert mask_date(value) == masked


@given(st.dates())
def test_a_masked_date_shows_only_its_year(day: dt.date) -> None:
    assert mask_date(day) == f"{day.year:04d}-**-**"


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("北京市朝阳区建国路88号", "北京市朝阳区****"),  # province/city and district: 6 characters
        ("Flat A, 12/F, 1 Nathan Road", "Flat A****"),
        ("北京", "北****"),  # at most half
        ("X", "****"),
        ("", ""),
    ],
)
def test_mask_address(address: str, masked: str) -> None:
    assert mask_address(address) == masked


@given(st.text(max_size=200))
def test_a_masked_address_never_shows_more_than_six_characters_nor_its_length(address: str) -> None:
    masked = mask_address(address)
    if address.split():
        assert masked.endswith("****") and len(masked) <= 6 + 4
    else:
        assert masked == ""
