"""The public surface: type codes, holder kinds, unknown types, the shape of a DocumentCheck."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from telreg.core.errors import InvalidInput
from telreg.realname import documents
from telreg.realname.documents import DOCUMENT_TYPES, DocumentCheck, check_document
from tests.realname.documents.test_passport import SPECIMEN_TD3

# A valid example of every type, each justified in that type's own test module.
VALID = {
    "hkid": "A123456(3)",
    "cn-resident-id": "11010519491231002X",
    "cn-temporary-resident-id": "11010519491231002X",
    "cn-household-register": "11010519491231002X",
    "cn-military-id": "军字第2001988号",
    "cn-armed-police-id": "武字第12345678号",
    "mtp-hk-macao": "H12345678",
    "mtp-taiwan": "12345678",
    "passport": "L898902C3",
    "passport-mrz": SPECIMEN_TD3,
    "cn-orgcode": "D2143569-X",
    "cn-uscc": "91110000600037341L",
    "hk-br": "12345678",
}


def test_every_type_code_of_the_brief_exists_and_no_other() -> None:
    assert set(DOCUMENT_TYPES) == set(VALID)
    assert len(DOCUMENT_TYPES) == len(set(DOCUMENT_TYPES))


def test_the_exported_members() -> None:
    exported = {"DOCUMENT_TYPES", "ORGANISATION_TYPES", "DocumentCheck", "check_document"}
    assert set(documents.__all__) == exported


@pytest.mark.parametrize("doc_type", sorted(VALID))
def test_each_type_accepts_its_example_and_refuses_rubbish(doc_type: str) -> None:
    good = check_document(doc_type, VALID[doc_type], on=date(2010, 1, 1))
    assert good == DocumentCheck(valid=True, reason="ok", doc_type=doc_type, normalised=good.normalised,
                                 date_of_birth=good.date_of_birth, holder_kind=good.holder_kind,
                                 expires_on=good.expires_on)
    assert (good.expires_on is not None) == (doc_type == "passport-mrz")
    assert good.normalised
    bad = check_document(doc_type, "??", on=date(2010, 1, 1))
    assert not bad.valid and bad.reason != "ok" and bad.reason.endswith(".")
    assert bad.normalised is None and bad.date_of_birth is None
    expected_kind = "organisation" if doc_type in {"cn-orgcode", "cn-uscc", "hk-br"} else "person"
    assert good.holder_kind == bad.holder_kind == expected_kind


def test_the_result_is_frozen() -> None:
    result = check_document("hkid", "A123456(3)")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.valid = False  # type: ignore[misc]


def test_an_unknown_type_is_the_callers_mistake_and_names_the_known_types() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_document("driving-licence", "X1")
    assert "driving-licence" in caught.value.message
    assert all(code in caught.value.message for code in DOCUMENT_TYPES)


def test_documents_without_an_embedded_date_of_birth_ignore_the_one_given() -> None:
    result = check_document("hkid", "A123456(3)", date_of_birth=date(1990, 1, 1), on=date(2026, 1, 1))
    assert result.valid and result.date_of_birth is None


@pytest.mark.parametrize(
    ("doc_type", "wrong"),
    [("hkid", "A123456(4)"), ("cn-resident-id", "110105194912310021"), ("cn-uscc", "91110000600037341A"),
     ("cn-orgcode", "D2143569-1"), ("mtp-hk-macao", "H1234567"), ("passport", "E123456789")],
)
def test_reasons_never_quote_the_number(doc_type: str, wrong: str) -> None:
    reason = check_document(doc_type, wrong).reason
    assert wrong[:7] not in reason and wrong[-7:] not in reason
