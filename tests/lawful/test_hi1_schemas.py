"""HI-1 schema validation and the endpoint's codec: with schemas in place a message that breaks them is refused
with its line or path; without them the same message is still read by the codec's own checks."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from telreg.config import Settings
from telreg.lawful.errors import MessageMalformed
from telreg.lawful.hi1 import codec, json_codec, schemas, xml_codec
from telreg.lawful.hi1.model import RequestMessage, ResponseMessage
from tests.lawful import hi1_strategies as hs
from tests.lawful.hi1_examples import ETSI_DATA, JSON_EXAMPLE, XML_EXAMPLE, line_of

XML = XML_EXAMPLE.read_bytes()
JSON = JSON_EXAMPLE.read_bytes()
WITH_SCHEMAS = Settings(lawful_schema_dir=ETSI_DATA)
REPOSITORY = Path(__file__).resolve().parents[2]
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def without_schemas(tmp_path: Path) -> Settings:
    return Settings(lawful_schema_dir=tmp_path)  # an empty directory: nothing to validate against


def refused(body: bytes, content_type: str, settings_: Settings = WITH_SCHEMAS) -> MessageMalformed:
    with pytest.raises(MessageMalformed) as caught:
        codec.parse_request(body, content_type=content_type, settings=settings_)
    return caught.value


def out_of_order(body: bytes) -> bytes:
    # OwnerIdentifier before CountryCode in the authorisation: the codec does not mind, the XSD does.
    old = b"<CountryCode>HK</CountryCode>\n              <OwnerIdentifier>hkpf</OwnerIdentifier>"
    assert old in body
    return body.replace(old, b"<OwnerIdentifier>hkpf</OwnerIdentifier>\n              <CountryCode>HK</CountryCode>", 1)


def json_document() -> dict[str, Any]:
    return json.loads(JSON)  # type: ignore[no-any-return]


def json_object(document: dict[str, Any], index: int) -> dict[str, Any]:
    return document["Payload"]["RequestPayload"]["ActionRequests"]["ActionRequest"][index]["CREATE"]["HI1Object"]


# --- valid messages pass, in both encodings -------------------------------------------------------------------

@pytest.mark.parametrize(("body", "content_type"), [(XML, "application/xml; charset=utf-8"), (XML, "text/xml"),
                                                    (JSON, "application/json"),
                                                    (JSON, "application/vnd.etsi.hi1+json")])
def test_the_examples_pass_the_schemas(body: bytes, content_type: str) -> None:
    message = codec.parse_request(body, content_type=content_type, settings=WITH_SCHEMAS)
    assert message == xml_codec.parse_request_xml(XML)


@FAST
@given(hs.requests(), hs.responses())
def test_the_schemas_accept_whatever_the_codecs_write(request: RequestMessage, response: ResponseMessage) -> None:
    for body in (xml_codec.render_request_xml(request), xml_codec.render_response_xml(response)):
        schemas.validate_xml(xml_codec.load_tree(body), directory=ETSI_DATA)
    for body in (json_codec.render_request_json(request), json_codec.render_response_json(response)):
        schemas.validate_json(json_codec.load_document(body), directory=ETSI_DATA)


# --- violations are refused with their line or path -----------------------------------------------------------

def test_a_wrong_element_order_is_refused_by_the_xsd_with_its_line() -> None:
    body = out_of_order(XML)
    error = refused(body, "application/xml")
    line = line_of(body, b"<OwnerIdentifier>")
    assert error.message == (
        "The message does not follow the ETSI TS 103 120 schema: "
        f"line {line}, /HI1Message/Payload/RequestPayload/ActionRequests/ActionRequest[1]/CREATE/HI1Object/"
        "OwnerIdentifier: Element 'OwnerIdentifier': This element is not expected. Expected is ( CountryCode ).")
    assert error.extra["line"] == line


def test_a_missing_object_identifier_is_refused_by_the_xsd() -> None:
    body = XML.replace(b"<ObjectIdentifier>5a3c9e10-7d2b-4c8f-9e1a-2b3c4d5e6f70</ObjectIdentifier>", b"")
    error = refused(body, "application/xml")
    assert f"line {line_of(body, b'<CountryCode>HK', 4)}, /HI1Message/Payload/RequestPayload/ActionRequests/" \
           "ActionRequest[2]/CREATE/HI1Object/CountryCode: Element 'CountryCode': This element is not expected. " \
           "Expected is ( ObjectIdentifier )." in error.message


def test_a_value_of_the_wrong_form_is_refused_by_the_xsd() -> None:
    body = XML.replace(b"<TransactionIdentifier>4b1d2b9e-5c3a-4f0e-9d62-7a8c1e2f3b40",
                       b"<TransactionIdentifier>request-42")
    error = refused(body, "application/xml")
    assert f"line {line_of(body, b'request-42')}, /HI1Message/Header/TransactionIdentifier:" in error.message


def test_a_missing_object_identifier_is_refused_by_the_json_schema_with_its_path() -> None:
    document = json_document()
    del json_object(document, 1)["ObjectIdentifier"]
    error = refused(json.dumps(document).encode(), "application/json")
    assert error.message == ("The message does not follow the ETSI TS 103 120 schema: at Payload.RequestPayload."
                             "ActionRequests.ActionRequest[1].CREATE.HI1Object: 'ObjectIdentifier' is a required "
                             "property")
    assert error.extra["path"] == "Payload.RequestPayload.ActionRequests.ActionRequest[1].CREATE.HI1Object"


def test_every_json_violation_is_named() -> None:
    document = json_document()
    json_object(document, 0)["CountryCode"] = "hk"
    document["Header"]["TransactionIdentifier"] = "request-42"
    error = refused(json.dumps(document).encode(), "application/json")
    assert "at Header.TransactionIdentifier: 'request-42' does not match" in error.message
    assert "at Payload.RequestPayload.ActionRequests.ActionRequest[0].CREATE.HI1Object.CountryCode: 'hk' does " \
           "not match" in error.message


def test_the_schema_refusal_reads_in_chinese_too() -> None:
    error = refused(out_of_order(XML), "application/xml")
    assert error.message_in("zh-Hant").startswith("訊息不符合 ETSI TS 103 120 綱要： 第 ")
    assert error.message_in("zh-Hans").startswith("消息不符合 ETSI TS 103 120 模式： 第 ")


# --- without schemas, the codec alone ------------------------------------------------------------------------

def test_without_schemas_the_same_messages_are_read(tmp_path: Path) -> None:
    message = codec.parse_request(out_of_order(XML), content_type="application/xml",
                                  settings=without_schemas(tmp_path))
    assert message == xml_codec.parse_request_xml(XML)
    document = json_document()
    json_object(document, 0)["CountryCode"] = "hk"  # the schema's pattern; the codec leaves values to the service
    read = codec.parse_request(json.dumps(document).encode(), content_type="application/json",
                               settings=without_schemas(tmp_path))
    assert read.actions[0].object.country_code == "hk"  # type: ignore[union-attr]


def test_without_schemas_the_codec_still_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    body = XML.replace(b"<ObjectIdentifier>5a3c9e10-7d2b-4c8f-9e1a-2b3c4d5e6f70</ObjectIdentifier>", b"")
    error = refused(body, "application/xml", without_schemas(tmp_path))
    assert error.message.endswith("/ActionRequest[2]/CREATE/HI1Object: the element ObjectIdentifier is missing.")


def test_absent_schemas_are_said_once_in_the_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="telreg.lawful.hi1.schemas")
    for _ in range(3):
        codec.parse_request(XML, content_type="application/xml", settings=without_schemas(tmp_path))
    said = [record for record in caplog.records if "No ETSI TS 103 120 XML schema" in record.getMessage()]
    assert len(said) == 1 and str(tmp_path) in said[0].getMessage()


def test_the_default_directory_is_the_repositorys_schema_slot() -> None:
    assert schemas.schema_directory(Settings()) == REPOSITORY / "schemas" / "etsi"
    assert (REPOSITORY / "schemas" / "etsi" / "README.md").is_file()
    assert schemas.schema_directory(WITH_SCHEMAS) == ETSI_DATA


def test_the_official_file_names_and_imports_without_a_location_are_understood(tmp_path: Path) -> None:
    # The official files are named ts_103120_*.xsd, and an import may name only a namespace: every XSD of
    # the directory is loaded by namespace, so both work.
    for path in ETSI_DATA.glob("*.xsd"):
        text = path.read_text(encoding="utf-8")
        for other in ETSI_DATA.glob("*.xsd"):
            text = text.replace(f' schemaLocation="{other.name}"', "")
        name = path.name.replace("TS_103_120_", "ts_103120_").replace("TS_103_280", "ts_103280")
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert "schemaLocation" not in (tmp_path / "ts_103120_Core.xsd").read_text(encoding="utf-8")
    official = Settings(lawful_schema_dir=tmp_path)
    assert codec.parse_request(XML, content_type="application/xml", settings=official)
    assert "Expected is ( CountryCode )" in refused(out_of_order(XML), "application/xml", official).message


def test_json_schemas_resolve_their_references_by_id_inside_the_directory(tmp_path: Path) -> None:
    for path in ETSI_DATA.glob("*.schema.json"):
        shutil.copy(path, tmp_path / path.name.replace("ts_103_120_", "ts_103120_"))
    official = Settings(lawful_schema_dir=tmp_path)
    assert codec.parse_request(JSON, content_type="application/json", settings=official)
    document = json_document()
    del json_object(document, 3)["OwnerIdentifier"]
    assert "'OwnerIdentifier' is a required property" in refused(json.dumps(document).encode(),
                                                                 "application/json", official).message


def test_an_xsd_that_does_not_compile_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "TS_103_120_Core.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://uri.etsi.org/03120/'
        'common/2019/10/Core"><xs:element name="HI1Message" type="xs:nothing"/></xs:schema>',
        encoding="utf-8")
    with pytest.raises(RuntimeError, match="do not compile"):
        codec.parse_request(XML, content_type="application/xml", settings=Settings(lawful_schema_dir=tmp_path))


# --- the codec's edges -----------------------------------------------------------------------------------------

def test_the_size_limit_comes_from_the_settings(tmp_path: Path) -> None:
    small = Settings(lawful_schema_dir=tmp_path, lawful_message_max_bytes=2048)
    for body, content_type in ((XML, "application/xml"), (JSON, "application/json")):
        error = refused(body, content_type, small)
        assert error.message == f"The message is {len(body)} bytes; the largest accepted is 2048 bytes."


def test_a_content_type_that_is_not_an_hi1_encoding_is_refused() -> None:
    error = refused(XML, "text/plain")
    assert error.message == ("The content type text/plain is not an HI-1 encoding; send application/xml or "
                             "application/json.")
    assert codec.encoding_of("Application/XML; charset=UTF-8") == "xml"
    assert codec.encoding_of("application/hi1+json") == "json"
    assert codec.encoding_of("") is None


def test_a_hostile_document_is_refused_before_any_schema_is_consulted() -> None:
    body = XML.replace(b'<?xml version="1.0" encoding="UTF-8"?>\n',
                       b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n')
    assert refused(body, "application/xml").message.startswith("Line 2: the message has a DOCTYPE declaration")


def test_a_response_is_rendered_in_the_asked_encoding() -> None:
    request = xml_codec.parse_request_xml(XML)
    from telreg.lawful.hi1.model import ActionResponse

    answer = ResponseMessage(request.header, tuple(ActionResponse(action.action_identifier, "CREATE",
                                                                  identifier=action.object.object_identifier)
                                                   for action in request.actions if action.object))
    as_json = codec.render_response(answer, as_json=True)
    as_xml = codec.render_response(answer, as_json=False)
    assert json_codec.parse_response_json(as_json) == xml_codec.parse_response_xml(as_xml) == answer
    assert (codec.media_type(True), codec.media_type(False)) == ("application/json", "application/xml")
