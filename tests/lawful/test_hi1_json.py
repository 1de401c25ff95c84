"""HI-1 in JSON: the example warrant request is read as written; documents that are not clean JSON or break the
convention are refused with the JSON path (or line) of the problem."""

from __future__ import annotations

import json
from typing import Any

import pytest

from telreg.lawful.errors import MessageMalformed
from telreg.lawful.hi1 import json_codec
from tests.lawful.hi1_examples import JSON_EXAMPLE, check_warrant_pdf, expected_warrant_request, line_of

EXAMPLE = JSON_EXAMPLE.read_bytes()
FIRST_OBJECT = "Payload.RequestPayload.ActionRequests.ActionRequest[0].CREATE.HI1Object"


def example() -> dict[str, Any]:
    return json.loads(EXAMPLE)  # type: ignore[no-any-return]


def first_object(document: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return document["Payload"]["RequestPayload"]["ActionRequests"]["ActionRequest"][index]["CREATE"]["HI1Object"]


def refused(body: bytes | dict[str, Any], **kwargs: Any) -> MessageMalformed:
    raw = body if isinstance(body, bytes) else json.dumps(body, indent=1).encode()
    with pytest.raises(MessageMalformed) as caught:
        json_codec.parse_request_json(raw, **kwargs)
    return caught.value


def test_the_example_warrant_request_is_read_as_written() -> None:
    message = json_codec.parse_request_json(EXAMPLE)
    pdf = check_warrant_pdf(message.actions[3].object.content)  # type: ignore[union-attr]
    assert message == expected_warrant_request(pdf)


def test_the_json_form_mirrors_the_xml_names() -> None:
    document = json.loads(json_codec.render_request_json(json_codec.parse_request_json(EXAMPLE)))
    assert document["@xmlns"] == "http://uri.etsi.org/03120/common/2019/10/Core"
    task = first_object(document, 1)
    assert task["@xsi:type"] == "{http://uri.etsi.org/03120/common/2020/09/Task}LDTaskObject"
    assert task["AssociatedObjects"] == {"AssociatedObject": ["0f8e6c2a-3b1d-4e5f-8a9b-1c2d3e4f5a6b"]}
    assert task["task:RequestDetails"]["task:RequestValues"]["task:RequestValue"] == [
        {"task:FormatType": {"task:FormatOwner": "ETSI", "task:FormatName": "InternationalE164"},
         "task:Value": "85291234567"}]
    approval = first_object(document)["auth:AuthorisationApprovalDetails"][0]
    assert approval["common:ApprovalIsEmergency"] is False
    assert document["Payload"]["RequestPayload"]["ActionRequests"]["ActionRequest"][0]["ActionIdentifier"] == 0


def test_the_prefixed_object_type_is_read_too() -> None:
    document = example()
    first_object(document)["@xsi:type"] = "auth:AuthorisationObject"
    body = json.dumps(document).encode()
    assert json_codec.parse_request_json(body) == json_codec.parse_request_json(EXAMPLE)


def test_a_byte_order_mark_is_tolerated() -> None:
    assert json_codec.parse_request_json(b"\xef\xbb\xbf" + EXAMPLE) == json_codec.parse_request_json(EXAMPLE)


# --- not clean JSON ------------------------------------------------------------------------------------------

def test_a_duplicate_key_is_refused_with_its_path() -> None:
    body = EXAMPLE.replace(b'"CountryCode": "HK",', b'"CountryCode": "HK", "CountryCode": "GB",', 1)
    error = refused(body)
    assert error.message == "At Header.SenderIdentifier: the key CountryCode appears twice in the same object."


def test_a_duplicate_key_deep_inside_is_found_too() -> None:
    body = EXAMPLE.replace(b'"task:Value": "85291234567"', b'"task:Value": "85291234567", "task:Value": "852"')
    error = refused(body)
    assert error.extra["path"] == ("Payload.RequestPayload.ActionRequests.ActionRequest[1].CREATE.HI1Object."
                                   "task:RequestDetails.task:RequestValues.task:RequestValue[0]")


def test_nesting_deeper_than_32_levels_is_refused() -> None:
    document = example()
    deep: Any = "x"
    for _ in range(40):
        deep = [deep]
    document["Header"]["Extra"] = deep
    error = refused(document)
    assert error.message.endswith(": the JSON is nested more than 32 levels deep.")


def test_absurd_nesting_is_refused_without_exhausting_the_stack() -> None:
    error = refused(b"[" * 200_000 + b"]" * 200_000)
    assert error.message == "Line 1: the JSON is nested more than 32 levels deep."


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    document = example()
    first_object(document)["auth:AuthorisationReference"] = "[[[[{{{{" * 20 + '\\"]]'
    assert json_codec.parse_request_json(json.dumps(document).encode()).actions[0].object.reference.startswith(
        "[[[[")  # type: ignore[union-attr]


def test_invalid_utf8_is_refused_with_its_line() -> None:
    body = EXAMPLE.replace(b'"UniqueIdentifier": "hkpf"', b'"UniqueIdentifier": "hk\xff\xfepf"', 1)
    offset = body.index(b"\xff")
    line = body.count(b"\n", 0, offset) + 1
    error = refused(body)
    assert error.message == f"Line {line}: the message is not valid UTF-8 (byte {offset}); JSON must be UTF-8."


def test_broken_json_is_refused_with_its_line_and_column() -> None:
    body = EXAMPLE.replace(b'"CountryCode": "HK",', b'"CountryCode": "HK"', 1)
    error = refused(body)
    line = line_of(body, b'"UniqueIdentifier"')  # where the missing comma is noticed
    assert error.message == f"Line {line}, column 7: the message is not valid JSON (Expecting ',' delimiter)."


def test_not_a_number_is_refused() -> None:
    error = refused(EXAMPLE.replace(b'"ActionIdentifier": 0', b'"ActionIdentifier": NaN'))
    assert error.message.endswith("NaN is not a JSON number.")


# --- the convention ------------------------------------------------------------------------------------------

def test_an_unknown_key_is_refused_with_its_path() -> None:
    document = example()
    first_object(document)["auth:AuthorisationPriority"] = "High"
    error = refused(document)
    assert error.message.startswith(f"At {FIRST_OBJECT}.auth:AuthorisationPriority: the element "
                                    "auth:AuthorisationPriority is not expected here; expected: ObjectIdentifier, ")


def test_a_missing_key_is_named_with_the_object_that_lacks_it() -> None:
    document = example()
    del first_object(document, 2)["ObjectIdentifier"]
    error = refused(document)
    assert error.message == ("At Payload.RequestPayload.ActionRequests.ActionRequest[2].CREATE.HI1Object: the "
                             "element ObjectIdentifier is missing.")


def test_a_bad_timestamp_is_refused_with_its_path() -> None:
    document = example()
    first_object(document)["auth:AuthorisationTimespan"]["auth:StartTime"] = "2026-12-07 00:00"
    error = refused(document)
    assert error.message.startswith(f"At {FIRST_OBJECT}.auth:AuthorisationTimespan.auth:StartTime: 2026-12-07 00:00 "
                                    "is not a date and time with a time-zone offset")


def test_a_repeated_element_must_be_an_array() -> None:
    document = example()
    actions = document["Payload"]["RequestPayload"]["ActionRequests"]
    actions["ActionRequest"] = actions["ActionRequest"][0]
    error = refused(document)
    assert error.message == ("At Payload.RequestPayload.ActionRequests.ActionRequest: ActionRequest is always an "
                             "array ([…]), even of one.")


def test_an_array_where_one_value_belongs_is_refused() -> None:
    document = example()
    document["Header"]["TransactionIdentifier"] = [document["Header"]["TransactionIdentifier"]]
    assert refused(document).message == "At Header.TransactionIdentifier: a string is expected here."


def test_null_is_refused() -> None:
    document = example()
    first_object(document)["auth:AuthorisationReference"] = None
    error = refused(document)
    assert error.message == (f"At {FIRST_OBJECT}.auth:AuthorisationReference: null is not a value here; leave "
                             "the key out instead.")


def test_a_control_character_is_refused() -> None:
    document = example()
    first_object(document)["auth:AuthorisationReference"] = "EMC\u0000SW"
    assert "cannot carry" in refused(document).message


@pytest.mark.parametrize("value", ["1", True, -1, 1.5])
def test_an_action_identifier_must_be_a_whole_number(value: Any) -> None:
    document = example()
    document["Payload"]["RequestPayload"]["ActionRequests"]["ActionRequest"][1]["ActionIdentifier"] = value
    error = refused(document)
    assert error.message == (f"At Payload.RequestPayload.ActionRequests.ActionRequest[1].ActionIdentifier: "
                             f"{json.dumps(value)} is not a whole number (0, 1, 2…).")


def test_emergency_flag_must_be_a_boolean() -> None:
    document = example()
    first_object(document)["auth:AuthorisationApprovalDetails"][0]["common:ApprovalIsEmergency"] = "false"
    assert refused(document).message.endswith('common:ApprovalIsEmergency: "false" is neither true nor false.')


def test_contents_that_are_not_base64_are_refused() -> None:
    document = example()
    first_object(document, 3)["doc:DocumentBody"]["doc:Contents"] = "%PDF-1.4 not encoded"
    assert refused(document).message.endswith("doc:DocumentBody.doc:Contents: the contents are not valid base64.")


def test_a_namespace_declared_differently_is_refused() -> None:
    document = example()
    document["@xmlns:auth"] = "http://uri.etsi.org/03120/common/2016/02/Authorisation"
    error = refused(document)
    assert error.message == ('At the top of the JSON document: @xmlns:auth declares "http://uri.etsi.org/03120/'
                             "common/2016/02/Authorisation\"; telreg's JSON form uses "
                             "http://uri.etsi.org/03120/common/2020/09/Authorisation.")


def test_an_unknown_attribute_is_refused() -> None:
    document = example()
    document["Header"]["@priority"] = "high"
    assert refused(document).message == "At Header: the attribute @priority is not expected here."


def test_the_top_level_must_be_an_object() -> None:
    assert refused(b"[]").message == "At the top of the JSON document: an object ({…}) is expected here."


def test_a_message_over_the_size_limit_is_refused() -> None:
    error = refused(EXAMPLE, max_bytes=2048)
    assert error.message == f"The message is {len(EXAMPLE)} bytes; the largest accepted is 2048 bytes."


def test_the_refusal_reads_in_chinese_too() -> None:
    document = example()
    del first_object(document, 2)["ObjectIdentifier"]
    error = refused(document)
    assert error.message_in("zh-Hant") == ("位置 Payload.RequestPayload.ActionRequests.ActionRequest[2].CREATE."
                                           "HI1Object：缺少元素 ObjectIdentifier。")
    assert error.message_in("zh-Hans").endswith("：缺少元素 ObjectIdentifier。")
