"""HI-1 codecs: whatever the model holds survives XML and JSON, and both encodings carry the same information."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings

from telreg.lawful.hi1 import json_codec, xml_codec
from telreg.lawful.hi1.model import RequestMessage, ResponseMessage
from tests.lawful import hi1_strategies as hs

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "etsi" / "examples"
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(hs.requests())
def test_a_request_survives_xml(message: RequestMessage) -> None:
    assert xml_codec.parse_request_xml(xml_codec.render_request_xml(message)) == message


@FAST
@given(hs.requests())
def test_a_request_survives_json(message: RequestMessage) -> None:
    assert json_codec.parse_request_json(json_codec.render_request_json(message)) == message


@FAST
@given(hs.responses())
def test_a_response_survives_xml(message: ResponseMessage) -> None:
    body = xml_codec.render_response_xml(message)
    assert xml_codec.parse_response_xml(body, request=hs.request_answered(message)) == message


@FAST
@given(hs.responses())
def test_a_response_survives_json(message: ResponseMessage) -> None:
    body = json_codec.render_response_json(message)
    assert json_codec.parse_response_json(body, request=hs.request_answered(message)) == message


@FAST
@given(hs.requests())
def test_xml_and_json_of_one_request_carry_the_same_information(message: RequestMessage) -> None:
    from_xml = xml_codec.parse_request_xml(xml_codec.render_request_xml(message))
    from_json = json_codec.parse_request_json(json_codec.render_request_json(message))
    assert from_xml == from_json


@FAST
@given(hs.responses())
def test_xml_and_json_of_one_response_carry_the_same_information(message: ResponseMessage) -> None:
    from_xml = xml_codec.parse_response_xml(xml_codec.render_response_xml(message))
    from_json = json_codec.parse_response_json(json_codec.render_response_json(message))
    assert from_xml == from_json


def test_every_object_type_and_action_is_covered_by_the_strategies() -> None:
    # The properties above are only as good as what they draw: make sure each verb and object type occurs.
    seen: set[str] = set()

    @settings(max_examples=100, deadline=None, database=None)
    @given(hs.requests(), hs.responses())
    def collect(request: RequestMessage, response: ResponseMessage) -> None:
        for action in request.actions:
            seen.add(f"request {action.verb}")
            if action.object is not None:
                seen.add(type(action.object).__name__)
        for answer in response.responses:
            seen.add("error" if answer.error else f"response {answer.verb}")

    collect()
    assert seen >= {"request GET", "request CREATE", "request UPDATE", "request LIST", "AuthorisationObject",
                    "LDTaskObject", "DocumentObject", "response GET", "response CREATE", "response UPDATE",
                    "response LIST", "error"}


def test_the_two_example_files_hold_the_same_request() -> None:
    from_xml = xml_codec.parse_request_xml((EXAMPLES / "warrant_request.xml").read_bytes())
    from_json = json_codec.parse_request_json((EXAMPLES / "warrant_request.json").read_bytes())
    assert from_xml == from_json


def test_a_failed_actions_verb_comes_from_the_request_it_answers() -> None:
    # ErrorInformation replaces the verb's element on the wire (TS 103 120's choice): without the request the
    # reader cannot know it and says GET; with it, the verb is the request's.
    import datetime as dt

    from telreg.lawful.hi1.model import ActionRequest, ActionResponse, Endpoint, ErrorInformation, Header

    header = Header(Endpoint("HK", "telreg"), Endpoint("HK", "hkpf"), "4b1d2b9e-5c3a-4f0e-9d62-7a8c1e2f3b40",
                    dt.datetime(2026, 12, 7, 1, 15, tzinfo=dt.UTC), "V1.18.1")
    failed = ResponseMessage(header, (ActionResponse(0, "UPDATE", error=ErrorInformation("5000", "No.")),))
    body = xml_codec.render_response_xml(failed)
    assert xml_codec.parse_response_xml(body).responses[0].verb == "GET"
    request = RequestMessage(header, (ActionRequest(0, "UPDATE"),))
    assert xml_codec.parse_response_xml(body, request=request) == failed
    assert json_codec.parse_response_json(json_codec.render_response_json(failed), request=request) == failed
