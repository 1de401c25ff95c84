"""Organisation code (GB 11714) and unified social credit code (GB 32100, embedding an organisation code)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from telreg.realname.documents import check_document
from tests.realname.documents.reference import DIGITS_AND_LETTERS, USCC_ALPHABET, gb11714, gb32100


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("D2143569-X", "D2143569X"),  # the usual worked example of GB 11714 (check 10 -> X)
        ("60003734-1", "600037341"),  # the organisation code inside 91110000600037341L
        ("600037341", "600037341"),
        ("d2143569-x", "D2143569X"),
        (" D214 3569 - X ", "D2143569X"),
    ],
)
def test_valid_organisation_codes(value: str, normalised: str) -> None:
    assert gb11714(normalised[:8]) == normalised[8]
    result = check_document("cn-orgcode", value)
    assert result.valid, result.reason
    assert result.normalised == normalised and result.holder_kind == "organisation"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("D2143569-1", "check character"),
        ("60003734-2", "check character"),
        ("D214356-X", "has 8 characters without the hyphen"),
        ("D21435690-X", "has 10 characters"),
        ("D2143569-A", "not in that form"),
        ("D2143569_X", "other than digits"),
        ("", "No organisation code"),
    ],
)
def test_wrong_organisation_codes(value: str, words: str) -> None:
    result = check_document("cn-orgcode", value)
    assert not result.valid and result.normalised is None
    assert words in result.reason


@settings(max_examples=200, deadline=None)
@given(body=st.text(alphabet=DIGITS_AND_LETTERS, min_size=8, max_size=8), hyphen=st.booleans(),
       data=st.data())
def test_any_organisation_code_with_the_reference_check_is_valid(
    body: str, hyphen: bool, data: st.DataObject
) -> None:
    check = gb11714(body)
    result = check_document("cn-orgcode", body + ("-" if hyphen else "") + check)
    assert result.valid, result.reason
    assert result.normalised == body + check
    # Weights 2-10 and digit differences 1-9 are never multiples of 11: one changed digit is caught.
    digit_positions = [i for i, c in enumerate(body) if c.isdigit()]
    if digit_positions:
        i = data.draw(st.sampled_from(digit_positions))
        other = data.draw(st.sampled_from([d for d in "0123456789" if d != body[i]]))
        assert not check_document("cn-orgcode", body[:i] + other + body[i + 1:] + check).valid
    wrong_check = data.draw(st.sampled_from([c for c in "0123456789X" if c != check]))
    assert not check_document("cn-orgcode", body + wrong_check).valid


@pytest.mark.parametrize(
    "value",
    [
        "91110000600037341L",  # python-stdnum's documented example; organisation code 60003734-1
        "91350100M000100Y43",  # the example code quoted in explanations of GB 32100; org code M000100Y-4
    ],
)
def test_published_credit_codes_are_valid(value: str) -> None:
    assert gb32100(value[:17]) == value[17] and gb11714(value[8:16]) == value[16]
    result = check_document("cn-uscc", value)
    assert result.valid, result.reason
    assert result.normalised == value and result.holder_kind == "organisation"


@pytest.mark.parametrize("value", ["91110000600037341l", "9111 0000 6000 3734 1L", "91110000-600037341-L"])
def test_credit_code_normalisation(value: str) -> None:
    assert check_document("cn-uscc", value).normalised == "91110000600037341L"


def test_a_credit_code_whose_inner_organisation_code_fails_is_refused_though_stdnum_accepts_it() -> None:
    first17 = "91110000" + "60003734" + "2"  # organisation code check should be 1
    value = first17 + gb32100(first17)
    assert stdnum_uscc.is_valid(value)  # python-stdnum checks only the mod-31 character
    result = check_document("cn-uscc", value)
    assert not result.valid
    assert "organisation code inside" in result.reason


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("91110000600037341A", "check character"),
        ("91110000600037341", "18 characters; this one has 17"),
        ("91110000600037341LL", "this one has 19"),
        ("9111000060003734IL", "other than I, O, S, V and Z"),
        ("91110000600O37341L", "other than I, O, S, V and Z"),
        ("911A0000600037341" + gb32100("911A0000600037341"), "region code"),
        ("", "No unified social credit code"),
    ],
)
def test_wrong_credit_codes(value: str, words: str) -> None:
    result = check_document("cn-uscc", value)
    assert not result.valid and result.normalised is None
    assert words in result.reason


@settings(max_examples=200, deadline=None)
@given(
    authority=st.sampled_from("123456789ANY"),
    kind=st.sampled_from("1239"),
    region=st.text(alphabet="0123456789", min_size=6, max_size=6),
    body=st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8),
    data=st.data(),
)
def test_any_credit_code_built_by_the_reference_is_valid_and_one_changed_character_is_not(
    authority: str, kind: str, region: str, body: str, data: st.DataObject
) -> None:
    first17 = authority + kind + region + body + gb11714(body)
    code = first17 + gb32100(first17)
    result = check_document("cn-uscc", code)
    assert result.valid, result.reason
    # Weights 3**i mod 31 are never 0 mod 31 and differences are below 31: any substitution is caught.
    i = data.draw(st.integers(0, 17))
    other = data.draw(st.sampled_from([c for c in USCC_ALPHABET if c != code[i]]))
    assert not check_document("cn-uscc", code[:i] + other + code[i + 1:]).valid
