"""Documents checked by form only: military and armed-police IDs, Mainland Travel Permits."""

from __future__ import annotations

import pytest

from telreg.realname.documents import check_document


@pytest.mark.parametrize(
    ("doc_type", "value", "normalised"),
    [
        ("cn-military-id", "军字第2001988号", "军2001988"),
        ("cn-military-id", "军2001988", "军2001988"),
        ("cn-military-id", "军字2001988", "军2001988"),
        ("cn-military-id", "南字第 20019880 号", "南20019880"),
        ("cn-military-id", "a1234567", "A1234567"),
        ("cn-armed-police-id", "武字第12345678号", "武12345678"),
        ("cn-armed-police-id", "123456789012", "123456789012"),
    ],
)
def test_service_ids_keep_prefix_and_number(doc_type: str, value: str, normalised: str) -> None:
    result = check_document(doc_type, value)
    assert result.valid, result.reason
    assert result.normalised == normalised and result.holder_kind == "person"


@pytest.mark.parametrize(
    "value", ["军字第12345号", "军字第1234567890123号", "军字第12-345678号", "", "军官士兵学员证12345678"]
)
def test_service_ids_out_of_form(value: str) -> None:
    result = check_document("cn-military-id", value)
    assert not result.valid
    assert "military ID number" in result.reason


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("H12345678", "H12345678"),  # 2013 card: letter + 8-digit lifetime number
        ("M87654321", "M87654321"),
        ("H1234567801", "H12345678"),  # 1999 card: + two digits counting renewals
        ("h 12345678", "H12345678"),
        ("H12345678(01)", "H12345678"),
    ],
)
def test_mtp_hk_macao(value: str, normalised: str) -> None:
    result = check_document("mtp-hk-macao", value)
    assert result.valid, result.reason
    assert result.normalised == normalised


@pytest.mark.parametrize(
    ("value", "words"),
    [("X12345678", "does not start with H"), ("12345678", "does not start with H"),
     ("H1234567", "has 7 characters after"), ("H123456789", "has 9 characters after"),
     ("H1234567A", "other than digits"), ("", "No travel permit number")],
)
def test_mtp_hk_macao_errors(value: str, words: str) -> None:
    result = check_document("mtp-hk-macao", value)
    assert not result.valid
    assert words in result.reason


@pytest.mark.parametrize(
    ("value", "normalised"),
    [("12345678", "12345678"), ("1234567801", "12345678"), ("1234567801(B)", "12345678"),
     ("12345678 01 (b)", "12345678"), ("0012345601(7)", "00123456")],
)
def test_mtp_taiwan(value: str, normalised: str) -> None:
    result = check_document("mtp-taiwan", value)
    assert result.valid, result.reason
    assert result.normalised == normalised


@pytest.mark.parametrize("value", ["1234567", "123456789", "12345678(B)", "1234567801(BB)", "T12345678", ""])
def test_mtp_taiwan_errors(value: str) -> None:
    result = check_document("mtp-taiwan", value)
    assert not result.valid
    assert "Taiwan residents" in result.reason or "No travel permit" in result.reason
