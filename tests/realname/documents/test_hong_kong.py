"""Hong Kong identity card (check digit) and business registration number (form)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telreg.realname.documents import check_document
from tests.realname.documents.reference import hkid_check


def test_the_published_example_a123456_3_is_valid() -> None:
    # By hand: space 36 x 9 = 324, A 10 x 8 = 80, 1x7 + 2x6 + 3x5 + 4x4 + 5x3 + 6x2 = 77; total 481;
    # 481 mod 11 = 8; 11 - 8 = 3.
    assert 36 * 9 + 10 * 8 + (1 * 7 + 2 * 6 + 3 * 5 + 4 * 4 + 5 * 3 + 6 * 2) == 481 and 11 - 481 % 11 == 3
    result = check_document("hkid", "A123456(3)")
    assert result.valid and result.reason == "ok"
    assert result.normalised == "A1234563"
    assert result.holder_kind == "person" and result.doc_type == "hkid" and result.date_of_birth is None


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("G123456(A)", "G123456A"),  # 324 + 16x8 + 77 = 529, 529 mod 11 = 1, 11 - 1 = 10 -> A
        ("AB987654(3)", "AB9876543"),  # 10x9 + 11x8 + 9x7+8x6+7x5+6x4+5x3+4x2 = 371, mod 11 = 8 -> 3
        ("A000010(0)", "A0000100"),  # 324 + 80 + 1x3 = 407 = 37 x 11 -> 11 -> 0
        ("a123456(3)", "A1234563"),
        ("A1234563", "A1234563"),
        (" A 123456 (3) ", "A1234563"),
        ("Ａ１２３４５６（３）", "A1234563"),  # full-width, as a Chinese input method types it
        ("g123456a", "G123456A"),
    ],
)
def test_valid_numbers_are_normalised(value: str, normalised: str) -> None:
    result = check_document("hkid", value)
    assert result.valid, result.reason
    assert result.normalised == normalised


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("A123456(4)", "check digit"),
        ("G123456(3)", "check digit"),
        ("A12345(3)", "8 or 9 characters"),
        ("AB1234567(3)", "8 or 9 characters"),
        ("A1234567(3)", "not in that form"),
        ("A123456(3", "Only the check digit may be in brackets"),
        ("", "No identity card number"),
        ("A123-456(3)", "other characters"),
        ("1123456(3)", "not in that form"),
        ("ABC12345(3)", "not in that form"),
        ("A(123456)3", "Only the check digit may be in brackets"),
        ("A123456(B)", "not in that form"),
    ],
)
def test_wrong_numbers_say_why(value: str, words: str) -> None:
    result = check_document("hkid", value)
    assert not result.valid and result.normalised is None
    assert words in result.reason


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=2),
    digits=st.text(alphabet="0123456789", min_size=6, max_size=6),
    brackets=st.booleans(),
    data=st.data(),
)
def test_any_number_with_the_reference_check_digit_is_valid_and_one_changed_digit_is_not(
    prefix: str, digits: str, brackets: bool, data: st.DataObject
) -> None:
    check = hkid_check(prefix, digits)
    value = f"{prefix}{digits}({check})" if brackets else prefix + digits + check
    result = check_document("hkid", value)
    assert result.valid, result.reason
    assert result.normalised == prefix + digits + check
    # Weights 2-9 and differences 1-9 are never multiples of 11: any one changed digit is caught.
    position = data.draw(st.integers(0, 6))
    if position == 6:
        other = data.draw(st.sampled_from([c for c in "0123456789A" if c != check]))
        changed = prefix + digits + other
    else:
        other = data.draw(st.sampled_from([d for d in "0123456789" if d != digits[position]]))
        changed = prefix + digits[:position] + other + digits[position + 1:] + check
    assert not check_document("hkid", changed).valid


@pytest.mark.parametrize(
    ("value", "normalised"),
    [("12345678", "12345678"), ("12345678-000-03-24-A", "12345678"), ("12345678 000 03 24 a", "12345678"),
     ("12345678000032 4A", "12345678"), ("12345678-001-12-25-7", "12345678")],
)
def test_business_registration_keeps_the_business_number(value: str, normalised: str) -> None:
    result = check_document("hk-br", value)
    assert result.valid, result.reason
    assert result.normalised == normalised and result.holder_kind == "organisation"


@pytest.mark.parametrize(
    ("value", "words"),
    [("1234567", "starts with 7 digits"), ("123456789", "starts with 9 digits"),
     ("12345678-00-03-24-A", "suffix"), ("12345678-000-13-24-A", "month 13"),
     ("12345678-000-00-24-A", "month 00"), ("ABCDEFGH", "starts with 0 digits"), ("1234 567/8", "other than"),
     ("", "No business registration number")],
)
def test_business_registration_errors(value: str, words: str) -> None:
    result = check_document("hk-br", value)
    assert not result.valid
    assert words in result.reason
