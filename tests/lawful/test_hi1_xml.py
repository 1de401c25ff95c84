"""HI-1 in XML: the example warrant request is read as written; hostile and broken documents are refused with
a message that names the line and the element."""

from __future__ import annotations

import pytest

from telreg.lawful.errors import MessageMalformed
from telreg.lawful.hi1 import xml_codec
from tests.lawful.hi1_examples import (
    AUTHORISATION_ID,
    XML_EXAMPLE,
    check_warrant_pdf,
    expected_warrant_request,
    line_of,
)

EXAMPLE = XML_EXAMPLE.read_bytes()
HEADER_START = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def refused(body: bytes, **kwargs: object) -> MessageMalformed:
    with pytest.raises(MessageMalformed) as caught:
        xml_codec.parse_request_xml(body, **kwargs)  # type: ignore[arg-type]
    return caught.value


def changed(old: bytes, new: bytes, body: bytes = EXAMPLE) -> bytes:
    assert old in body, old
    return body.replace(old, new, 1)


def test_the_example_warrant_request_is_read_as_written() -> None:
    message = xml_codec.parse_request_xml(EXAMPLE)
    pdf = check_warrant_pdf(message.actions[3].object.content)  # type: ignore[union-attr]
    assert message == expected_warrant_request(pdf)


def test_the_senders_choice_of_prefixes_does_not_matter() -> None:
    # Namespaces, not prefixes, name an element: the same message with the core prefixed and auth renamed.
    body = EXAMPLE.replace(b'xmlns="http://uri.etsi.org/03120/common/2019/10/Core"',
                           b'xmlns:c="http://uri.etsi.org/03120/common/2019/10/Core"')
    body = body.replace(b"xmlns:auth=", b"xmlns:a=").replace(b"auth:", b"a:")
    for name in (b"HI1Message", b"Header", b"Payload", b"RequestPayload", b"ActionRequests", b"ActionRequest",
                 b"ActionIdentifier", b"CREATE", b"HI1Object", b"ObjectIdentifier", b"CountryCode",
                 b"OwnerIdentifier", b"AssociatedObjects", b"AssociatedObject", b"SenderIdentifier",
                 b"ReceiverIdentifier", b"UniqueIdentifier", b"TransactionIdentifier", b"Timestamp", b"Version",
                 b"ETSIVersion", b"NationalProfileOwner", b"NationalProfileVersion"):
        body = body.replace(b"<" + name + b">", b"<c:" + name + b">").replace(b"</" + name + b">",
                                                                               b"</c:" + name + b">")
    body = body.replace(b"<HI1Message ", b"<c:HI1Message ").replace(b'<HI1Object xsi:type="auth:',
                                                                       b'<c:HI1Object xsi:type="a:')
    body = body.replace(b"<HI1Object ", b"<c:HI1Object ")
    assert b"<HI1Message" not in body and b"auth:" not in body
    assert xml_codec.parse_request_xml(body) == xml_codec.parse_request_xml(EXAMPLE)


def test_a_rendered_request_is_utf8_xml_with_the_standards_namespaces() -> None:
    body = xml_codec.render_request_xml(xml_codec.parse_request_xml(EXAMPLE))
    assert body.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert b'<HI1Object xsi:type="auth:AuthorisationObject">' in body
    assert b'xmlns:auth="http://uri.etsi.org/03120/common/2020/09/Authorisation"' in body
    assert b"<Timestamp>2026-12-07T09:15:00.000000+08:00</Timestamp>" in body  # microseconds, as the header wants


# --- hostile documents ----------------------------------------------------------------------------------------

def test_a_doctype_is_refused() -> None:
    error = refused(changed(HEADER_START, HEADER_START + b"<!DOCTYPE HI1Message>\n"))
    assert error.message.startswith("Line 2: the message has a DOCTYPE declaration")


def test_a_billion_laughs_payload_is_refused_before_anything_is_expanded() -> None:
    laughs = b"".join(b'<!ENTITY lol%d "&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;">\n'
                      % ((n,) + (n - 1,) * 10) for n in range(1, 10))
    body = (b'<?xml version="1.0"?>\n<!DOCTYPE HI1Message [\n<!ENTITY lol0 "lol">\n' + laughs + b"]>\n"
            b'<HI1Message xmlns="http://uri.etsi.org/03120/common/2019/10/Core">&lol9;</HI1Message>')
    error = refused(body)
    assert "DOCTYPE" in error.message and "lol" not in error.message


@pytest.mark.parametrize("system_id", [b"file:///etc/passwd", b"http://127.0.0.1:9/hi1-exfiltrate"])
def test_an_external_entity_is_refused_and_never_read(system_id: bytes) -> None:
    body = changed(HEADER_START, HEADER_START + b'<!DOCTYPE HI1Message [<!ENTITY xxe SYSTEM "' + system_id
                   + b'">]>\n')
    body = changed(b"<UniqueIdentifier>hkpf</UniqueIdentifier>", b"<UniqueIdentifier>&xxe;</UniqueIdentifier>",
                   body)
    error = refused(body)
    assert "DOCTYPE" in error.message
    assert "root:" not in error.message and "root:" not in str(error.extra)


def test_an_external_dtd_is_refused() -> None:
    error = refused(changed(HEADER_START, HEADER_START + b'<!DOCTYPE HI1Message SYSTEM "http://127.0.0.1:9/x.dtd">\n'))
    assert "DOCTYPE" in error.message


def test_an_xinclude_is_an_unknown_element_and_is_never_followed() -> None:
    body = changed(b"<UniqueIdentifier>hkpf</UniqueIdentifier>",
                   b'<UniqueIdentifier><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                   b'href="file:///etc/passwd" parse="text"/></UniqueIdentifier>')
    error = refused(body)
    assert error.message.endswith("/HI1Message/Header/SenderIdentifier/UniqueIdentifier: the element "
                                  "UniqueIdentifier holds a value, not other elements.")
    assert "root:" not in error.message


def test_an_entity_reference_without_a_declaration_is_not_well_formed() -> None:
    body = changed(b"<UniqueIdentifier>hkpf</UniqueIdentifier>", b"<UniqueIdentifier>&xxe;</UniqueIdentifier>")
    error = refused(body)
    line = line_of(body, b"&xxe;")
    assert error.message.startswith(f"Line {line}, column ") and "not well-formed XML (undefined entity)" in \
        error.message


def test_a_processing_instruction_is_refused() -> None:
    error = refused(changed(HEADER_START, HEADER_START + b'<?xml-stylesheet href="http://x/y.xsl"?>\n'))
    assert error.message.startswith("Line 2: the processing instruction <?xml-stylesheet …?> is refused")


def test_a_message_over_the_size_limit_is_refused_before_it_is_read() -> None:
    error = refused(EXAMPLE, max_bytes=4096)
    assert error.message == f"The message is {len(EXAMPLE)} bytes; the largest accepted is 4096 bytes."


# --- broken documents: the line and the element ---------------------------------------------------------------

def test_an_unknown_element_is_named_with_its_line_and_path() -> None:
    body = changed(b"<Version>", b"<Priority>high</Priority>\n    <Version>")
    error = refused(body)
    assert error.message == (
        f"Line {line_of(body, b'<Priority>')}, /HI1Message/Header/Priority: the element Priority is not expected "
        "here; expected: SenderIdentifier, ReceiverIdentifier, TransactionIdentifier, Timestamp, Version.")
    assert error.extra["line"] == line_of(body, b"<Priority>")


def test_an_element_of_another_namespace_is_named_as_such() -> None:
    body = changed(b"<ObjectIdentifier>" + AUTHORISATION_ID.encode(),
                   b'<ObjectIdentifier xmlns="urn:other">' + AUTHORISATION_ID.encode())
    error = refused(body)
    assert "the element {urn:other}ObjectIdentifier is not in an HI-1 namespace" in error.message
    assert error.message.startswith(f"Line {line_of(body, b'urn:other')}, /HI1Message/Payload/RequestPayload/"
                                    "ActionRequests/ActionRequest[1]/CREATE/HI1Object/{urn:other}ObjectIdentifier")


def test_a_message_without_the_core_namespace_is_not_an_hi1_message() -> None:
    body = changed(b'xmlns="http://uri.etsi.org/03120/common/2019/10/Core"', b"")
    error = refused(body)
    # libxml2 numbers an element by the line its start tag ends on: the root's spans several lines.
    end_of_start_tag = line_of(body, b'2020/09/Document">')
    assert error.message == (f"Line {end_of_start_tag}: the message's root element is HI1Message (no "
                             "namespace); an HI-1 message is an HI1Message in the namespace "
                             "http://uri.etsi.org/03120/common/2019/10/Core.")


def test_a_missing_element_is_named_with_its_parent() -> None:
    body = changed(b"    <TransactionIdentifier>4b1d2b9e-5c3a-4f0e-9d62-7a8c1e2f3b40</TransactionIdentifier>\n",
                   b"")
    error = refused(body)
    assert error.message == (f"Line {line_of(body, b'<Header>')}, /HI1Message/Header: the element "
                             "TransactionIdentifier is missing.")


def test_a_timestamp_without_a_time_zone_is_refused() -> None:
    body = changed(b"<Timestamp>2026-12-07T09:15:00.000000+08:00", b"<Timestamp>2026-12-07T09:15:00.000000")
    error = refused(body)
    assert error.message == (
        f"Line {line_of(body, b'<Timestamp>')}, /HI1Message/Header/Timestamp: 2026-12-07T09:15:00.000000 is not a "
        "date and time with a time-zone offset; write it like 2026-12-07T10:30:00+08:00 or 2026-12-07T02:30:00Z.")


def test_a_date_that_does_not_exist_is_refused() -> None:
    body = changed(b"<task:StartTime>2026-06-01T00:00:00+08:00", b"<task:StartTime>2026-02-30T00:00:00+08:00")
    error = refused(body)
    assert "/ActionRequest[2]/CREATE/HI1Object/task:RequestDetails/task:StartTime: 2026-02-30T00:00:00+08:00 " \
           "is not a date and time" in error.message


def test_an_action_identifier_that_is_not_a_whole_number_is_refused() -> None:
    body = changed(b"<ActionIdentifier>1</ActionIdentifier>", b"<ActionIdentifier>one</ActionIdentifier>")
    error = refused(body)
    assert error.message == (f"Line {line_of(body, b'>one<')}, /HI1Message/Payload/RequestPayload/ActionRequests/"
                             "ActionRequest[2]/ActionIdentifier: one is not a whole number (0, 1, 2…).")


def test_contents_that_are_not_base64_are_refused() -> None:
    body = changed(b"<doc:Contents>\n", b"<doc:Contents>\n*not-base64*")
    error = refused(body)
    assert error.message == (f"Line {line_of(body, b'<doc:Contents>')}, /HI1Message/Payload/RequestPayload/"
                             "ActionRequests/ActionRequest[4]/CREATE/HI1Object/doc:DocumentBody/doc:Contents: the "
                             "contents are not valid base64.")


def test_an_object_without_a_type_is_refused() -> None:
    error = refused(changed(b'<HI1Object xsi:type="task:LDTaskObject">', b"<HI1Object>"))
    assert "ActionRequest[2]/CREATE/HI1Object: the HI1Object has no xsi:type; expected one of " \
           "auth:AuthorisationObject, task:LDTaskObject, doc:DocumentObject." in error.message


def test_an_object_type_telreg_does_not_handle_is_refused() -> None:
    error = refused(changed(b'xsi:type="task:LDTaskObject"', b'xsi:type="task:LPTaskObject"'))
    assert "the object type task:LPTaskObject is not one telreg handles" in error.message


def test_an_action_with_two_verbs_is_refused() -> None:
    body = changed(b"<ActionIdentifier>1</ActionIdentifier>",
                   b"<ActionIdentifier>1</ActionIdentifier>\n<GET><Identifier>x</Identifier></GET>")
    error = refused(body)
    assert error.message.startswith(f"Line {line_of(body, b'<CREATE>', 2)}, ")
    assert error.message.endswith("ActionRequest[2]/CREATE: exactly one of GET, CREATE, UPDATE, LIST is expected.")


def test_an_element_appearing_twice_is_refused() -> None:
    body = changed(b"<CountryCode>HK</CountryCode>", b"<CountryCode>HK</CountryCode><CountryCode>GB</CountryCode>")
    error = refused(body)
    assert error.message.endswith("/HI1Message/Header/SenderIdentifier/CountryCode: the element CountryCode may "
                                  "appear only once.")


def test_text_between_elements_and_unknown_attributes_are_refused() -> None:
    text = refused(changed(b"<Header>", b"<Header>stray words"))
    assert text.message.endswith("/HI1Message/Header: text is not expected here, only elements.")
    attribute = refused(changed(b"<Header>", b'<Header priority="high">'))
    assert attribute.message.endswith("/HI1Message/Header: the attribute priority is not expected here.")
    value = refused(changed(b"<CountryCode>HK</CountryCode>", b"<CountryCode><b>HK</b></CountryCode>"))
    assert value.message.endswith("the element CountryCode holds a value, not other elements.")


def test_a_response_payload_is_not_a_request() -> None:
    body = EXAMPLE.replace(b"RequestPayload>", b"ResponsePayload>")
    error = refused(body)
    assert error.message.endswith("/HI1Message/Payload/ResponsePayload: the element ResponsePayload is not "
                                  "expected here; expected: RequestPayload.")


def test_broken_xml_is_refused_with_its_line_and_column() -> None:
    body = changed(b"</Header>", b"</Headr>")
    error = refused(body)
    line = line_of(body, b"</Headr>")
    column = body.index(b"Headr") - body.rindex(b"\n", 0, body.index(b"Headr"))  # counted from 1: the name
    assert error.message == (f"Line {line}, column {column}: the message is not well-formed XML "
                             "(mismatched tag).")


def test_the_refusal_reads_in_chinese_too() -> None:
    body = changed(b"<Timestamp>2026-12-07T09:15:00.000000+08:00", b"<Timestamp>yesterday")
    error = refused(body)
    for lang in ("zh-Hant", "zh-Hans"):
        text = error.message_in(lang)
        assert text != error.message and f"{line_of(body, b'yesterday')}" in text and "yesterday" in text
        assert "/HI1Message/Header/Timestamp" in text
