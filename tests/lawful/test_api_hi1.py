"""The HI-1 endpoint and the decisions API over HTTP, on SQLite and PostgreSQL: the issue's done-when with an XML
message and with a JSON message (file a warrant request → the first compliance officer approves → the same
officer may not release → a second one releases → the requesting officer downloads the zip once), the answer's
encoding (the request's, or the other one when Accept asks), and the bodies refused at the edge: another media
type (415), too large (413), not HI-1 at all (422 naming the line), and a DTD with an entity (422).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from telreg.lawful.hi1 import dictionaries as d
from telreg.lawful.hi1 import json_codec, xml_codec
from telreg.runtime import Runtime
from tests.lawful.edges import request_message, signed_in
from tests.lawful.helpers import lawful_world, register_number

HI1 = "/api/v1/lawful/hi1"
NUMBER = "91234567"


def _post(client: Any, headers: dict[str, str], body: bytes, content_type: str, **extra: str) -> Any:
    return client.post(HI1, content=body, headers={**headers, "Content-Type": content_type, **extra})


def _parse(answer: Any) -> Any:
    media = answer.headers["content-type"]
    return json_codec.parse_response_json(answer.content) if "json" in media else \
        xml_codec.parse_response_xml(answer.content)


ENCODINGS = {
    "xml": ("application/xml", xml_codec.render_request_xml),
    "json": ("application/json", json_codec.render_request_json),
}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_a_warrant_request_filed_approved_released_and_downloaded_once(client: Any, runtime: Runtime,
                                                                       encoding: str) -> None:
    people = lawful_world(runtime)
    register_number(runtime, NUMBER, operator="op1")
    content_type, render = ENCODINGS[encoding]
    officer, officer_csrf = signed_in(client.app, people["officer"])
    first, first_csrf = signed_in(client.app, people["compliance1"])
    second, second_csrf = signed_in(client.app, people["compliance2"])

    # The officer files the request: every action answered, none refused, in the encoding it was sent in.
    filed = request_message(runtime)
    answer = _post(officer, officer_csrf, render(filed.message), content_type)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(content_type)
    response = _parse(answer)
    assert response.header.transaction_id == filed.message.header.transaction_id
    assert [r.error for r in response.responses] == [None] * len(filed.message.actions)
    assert {r.identifier for r in response.responses} >= {filed.authorisation_id, *filed.task_ids}
    (task_id,) = filed.task_ids

    # The operator's first compliance officer sees the task (the target masked) and its preview, and approves.
    queue = first.get("/api/v1/lawful/queue")
    assert queue.status_code == 200, queue.text
    (row,) = [t for t in queue.json() if t["object_id"] == task_id]
    assert row["status"] == d.AWAITING_APPROVAL and NUMBER not in json.dumps(row)
    preview = first.get(f"/api/v1/lawful/tasks/{task_id}/preview")
    assert preview.status_code == 200, preview.text
    assert preview.json()["match_outcome"] == "single" and preview.json()["record_count"] == 1
    assert preview.json()["legal_type"] == d.WARRANT and preview.json()["has_warrant_document"] is True
    assert NUMBER not in preview.text
    approved = first.post(f"/api/v1/lawful/tasks/{task_id}/approve", json={"reason": "Warrant in order"},
                          headers=first_csrf)
    assert approved.status_code == 204, approved.text

    # Vault mode: the approver may not release; the second officer does.
    same = first.post(f"/api/v1/lawful/tasks/{task_id}/release", headers=first_csrf)
    assert same.status_code == 403 and same.json()["error"] == "lawful_separation_of_duties", same.text
    released = second.post(f"/api/v1/lawful/tasks/{task_id}/release", headers=second_csrf)
    assert released.status_code == 204, released.text

    # The officer downloads the zip once: records and receipt; the second try is gone (410).
    result = officer.get(f"/api/v1/lawful/tasks/{task_id}/result")
    assert result.status_code == 200, result.text
    assert result.headers["content-type"] == "application/zip"
    assert result.headers["content-disposition"].startswith("attachment;")
    assert result.headers["cache-control"] == "no-store"
    names = zipfile.ZipFile(io.BytesIO(result.content)).namelist()
    assert {"records.json", "receipt.json"} <= set(names)
    again = officer.get(f"/api/v1/lawful/tasks/{task_id}/result")
    assert again.status_code == 410 and again.json()["error"] == "lawful_result_unavailable", again.text


@pytest.mark.parametrize(("sent", "accept", "answered"), [
    ("application/xml", "application/json", "application/json"),
    ("application/json", "application/xml", "application/xml"),
    ("application/json", "*/*", "application/json"),
])
def test_the_answer_is_in_the_encoding_asked_for(client: Any, runtime: Runtime, sent: str, accept: str,
                                                 answered: str) -> None:
    people = lawful_world(runtime)
    register_number(runtime, NUMBER, operator="op1")
    officer, csrf = signed_in(client.app, people["officer"])
    filed = request_message(runtime)
    body = ENCODINGS["json" if "json" in sent else "xml"][1](filed.message)
    answer = _post(officer, csrf, body, sent, Accept=accept)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(answered)
    assert [r.error for r in _parse(answer).responses] == [None] * len(filed.message.actions)


def test_a_refused_action_comes_back_as_error_information_in_the_readers_language(client: Any,
                                                                                  runtime: Runtime) -> None:
    people = lawful_world(runtime)
    officer, csrf = signed_in(client.app, people["officer"])
    filed = request_message(runtime, warrant=False)  # a warrant request without its document: no legal basis
    answer = _post(officer, csrf, xml_codec.render_request_xml(filed.message), "application/xml",
                   **{"Accept-Language": "zh-HK"})
    assert answer.status_code == 200, answer.text
    errors = [r.error for r in _parse(answer).responses]
    assert all(error is not None for error in errors)  # one bad action rejects the whole message
    refused = [e for e in errors if e.code != d.ERROR_GENERIC] or errors
    assert refused[0].description and not refused[0].description.isascii()  # Chinese, not English
    first, _ = signed_in(client.app, people["compliance1"])
    assert first.get("/api/v1/lawful/queue").json() == []  # nothing was filed


def test_another_media_type_is_refused_with_415(client: Any, runtime: Runtime) -> None:
    people = lawful_world(runtime)
    officer, csrf = signed_in(client.app, people["officer"])
    answer = _post(officer, csrf, b"HI1Message", "text/plain")
    assert answer.status_code == 415, answer.text
    assert answer.json()["error"] == "hi1_unsupported_media_type"
    assert "application/xml" in answer.json()["detail"] and "text/plain" in answer.json()["detail"]


def test_a_message_over_the_limit_is_refused_with_413(client: Any, runtime: Runtime) -> None:
    people = lawful_world(runtime)
    runtime.settings = runtime.settings.model_copy(update={"lawful_message_max_bytes": 2048})
    officer, csrf = signed_in(client.app, people["officer"])
    filed = request_message(runtime)  # carries the PDF in base64: well over 2 KiB
    body = xml_codec.render_request_xml(filed.message)
    assert len(body) > 2048
    answer = _post(officer, csrf, body, "application/xml")
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"] == "hi1_message_too_large" and "2,048" in answer.json()["detail"]
    # Without a Content-Length (streamed in chunks), the cap holds while reading.
    streamed = officer.post(HI1, content=iter([body[:1500], body[1500:]]),
                            headers={**csrf, "Content-Type": "application/xml"})
    assert streamed.status_code == 413, streamed.text


def test_a_body_that_is_not_hi1_is_refused_naming_its_line(client: Any, runtime: Runtime) -> None:
    people = lawful_world(runtime)
    officer, csrf = signed_in(client.app, people["officer"])
    broken = b'<?xml version="1.0" encoding="UTF-8"?>\n<HI1Message>\n  <Header>\n</HI1Message>\n'
    answer = _post(officer, csrf, broken, "application/xml")
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "hi1_malformed"
    assert "4" in answer.json()["detail"], answer.json()  # the line where the mismatched tag is
    not_json = _post(officer, csrf, b'{"HI1Message": ', "application/json")
    assert not_json.status_code == 422 and not_json.json()["error"] == "hi1_malformed", not_json.text


def test_a_dtd_with_an_entity_is_refused(client: Any, runtime: Runtime) -> None:
    people = lawful_world(runtime)
    officer, csrf = signed_in(client.app, people["officer"])
    xxe = (b'<?xml version="1.0"?>\n<!DOCTYPE HI1Message [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
           b"<HI1Message>&x;</HI1Message>\n")
    answer = _post(officer, csrf, xxe, "application/xml")
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "hi1_malformed"
    assert "root:" not in answer.text
