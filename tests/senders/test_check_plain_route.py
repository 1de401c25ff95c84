"""The online check's plain Starlette route (senders/usage_api.py) answers exactly as the documented FastAPI
operation does: every request below is answered once by the plain route and once by the documented operation (the
plain route handing it over, as it does anything not plainly well-formed), and the status, the body and the
headers that matter must be identical — refusals (method, JSON, input guard, model, credentials, CSRF, limits) as
well as answers. The clock is frozen, so an answer's ``checked_at`` agrees too."""

from __future__ import annotations

import json
from contextlib import contextmanager

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telreg.core.db import unit_of_work
from telreg.dnc.vocabulary import Register
from telreg.senders import api_keys, usage_api

from ..dnc.publish_helpers import register
from .usage_helpers import DAY2, at, make_accounts, sender_client, sign_in

import pytest

URL = "/api/v1/senders/me/check"
JSON = {"content-type": "application/json"}


@pytest.fixture
def world(runtime, clock):
    ids = make_accounts(runtime)
    with unit_of_work(runtime.session_factory) as session:
        api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings, account_id=ids["sms"],
                                enabled=True, officer="olivia")
        _, plaintext = api_keys.create_key(session, clock=runtime.clock, settings=runtime.settings,
                                           account_id=ids["sms"], label="checker")
    register(runtime, "21234567", Register.sms, Register.fax)
    clock.set(at(DAY2, 9))
    return {**ids, "key": {"Authorization": f"Bearer {plaintext}"}}


@contextmanager
def both(runtime):
    """A client of the real app, and a function sending a request twice: as served (the plain route), then with
    the plain route handing every request to the documented operation; the two answers must agree."""
    with sender_client(runtime) as client:
        yield client, lambda *args, **kwargs: _same(client, *args, **kwargs)


def _same(client, method, *, body=b"", headers=None, params=""):
    answers = []
    for fast in (True, False):
        with pytest.MonkeyPatch.context() as patch:
            if not fast:
                patch.setattr(usage_api, "_plain_body", lambda request, raw: None)
            answers.append(client.request(method, URL + params, content=body, headers=headers or {}))
    first, second = answers
    assert first.status_code == second.status_code, (first.text, second.text)
    assert first.content == second.content
    for header in ("content-type", "allow", "retry-after", "www-authenticate"):
        assert first.headers.get(header) == second.headers.get(header), header
    return first


REQUESTS = [
    ("POST", json.dumps({"numbers": ["2123 4567", "+852 6123 4567", "12", None, 21234567]}).encode(), JSON, ""),
    ("POST", json.dumps({"numbers": ["２１２３４５６７", 'say "hi"', "2123\t4567"]}, ensure_ascii=False).encode(),
     JSON, ""),
    ("POST", json.dumps({"numbers": ["21234567"], "registers": ["fax", "sms"], "on": "2026-03-13"}).encode(),
     {"content-type": "application/json; charset=utf-8"}, ""),
    ("POST", b'{"numbers": [', JSON, ""),
    ("POST", b"", JSON, ""),
    ("POST", b"[1, 2]", JSON, ""),
    ("POST", b'{"numbers": ["21234567"]}', {"content-type": "text/plain"}, ""),
    ("POST", b'{"numbers": ["21234567"]}', {}, ""),
    ("POST", b'{"numbers": "21234567"}', JSON, ""),
    ("POST", b"{}", JSON, ""),
    ("POST", b'{"numbers": ["2123\\u00014567"]}', JSON, ""),
    ("POST", b'{"numbers": ["2123\x7f4567"]}', JSON, ""),
    ("POST", b'{"numbers": ["21234567"]}', JSON, "?x=%01"),
    ("POST", b'{"numbers": ["21234567"]}', JSON, "?page=1"),
    ("POST", b'{"numbers": [1.5, true, 2e3]}', JSON, ""),
    ("POST", b'{"numbers": ["21234567"], "on": "not a date"}', JSON, ""),
    ("POST", b'{"numbers": ["21234567"], "registers": ["nope"]}', JSON, ""),
    ("POST", b'{"numbers": ["21234567"], "registers": []}', JSON, ""),
    ("POST", json.dumps({"numbers": ["21234567"] * 101}).encode(), JSON, ""),
    ("POST", b'{"numbers": []}', JSON, ""),
    ("GET", b"", {}, ""),
    ("PUT", b'{"numbers": ["21234567"]}', JSON, ""),
    ("DELETE", b"", {}, ""),
]


@pytest.mark.parametrize("method,body,headers,params", REQUESTS)
def test_an_api_key_gets_what_the_documented_operation_answers(runtime, world, method, body, headers, params):
    with both(runtime) as (_, same):
        answer = same(method, body=body, headers={**headers, **world["key"]}, params=params)
    if method != "POST":
        assert answer.status_code == 405 and answer.headers["allow"] == "POST"


@pytest.mark.parametrize("credentials", ["none", "wrong key", "not bearer", "session without csrf", "session"])
@pytest.mark.parametrize("body", [b'{"numbers": ["21234567"]}', b'{"numbers": 5}', b"{"])
def test_credentials_are_refused_as_the_documented_operation_refuses_them(runtime, world, credentials, body):
    with both(runtime) as (client, same):
        csrf = sign_in(client, world["sms"]) if credentials.startswith("session") else {}
        client.headers.update({
            "none": {}, "wrong key": {"Authorization": "Bearer tr_nope.nope"},
            "not bearer": {"Authorization": "Basic Zm9vOmJhcg=="},
            "session without csrf": {}, "session": csrf}[credentials])
        answer = same("POST", body=body, headers=JSON)
    if credentials in ("session",) and body.startswith(b'{"numbers": ["'):
        assert answer.status_code == 200
    elif body == b"{":
        assert answer.status_code == 422 and answer.json()["error"] == "invalid_input"
    else:
        assert answer.status_code in (401, 403, 422), answer.text


def test_the_plain_route_answers_and_is_labelled_with_the_template(runtime, world):
    with sender_client(runtime) as client:
        answer = client.post(URL, json={"numbers": ["21234567"]}, headers=world["key"])
        metrics = client.get("/metrics").text
    assert answer.status_code == 200
    assert answer.json()["results"][0]["registers"]["sms"]["status"] == "listed"
    assert f'route="{URL}",status="200"' in metrics


_entry = st.one_of(st.none(), st.integers(-10**10, 10**10), st.text(max_size=12),
                   st.sampled_from(["21234567", "2123 4567", "+85221234567", "852-2123-4567", "61234567", "999"]))


@given(numbers=st.lists(_entry, max_size=8), registers=st.none() | st.lists(st.sampled_from(["sms", "fax", "x"]),
                                                                           max_size=2))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_body_gets_what_the_documented_operation_answers(runtime, world, numbers, registers):
    document = {"numbers": numbers} if registers is None else {"numbers": numbers, "registers": registers}
    with both(runtime) as (_, same):
        same("POST", body=json.dumps(document, ensure_ascii=False).encode(), headers={**JSON, **world["key"]})


def test_only_a_plainly_well_formed_body_is_taken_by_the_plain_route(runtime, world):
    taken = []
    real = usage_api._plain_body

    def spy(request, raw):
        taken.append(real(request, raw) is not None)
        return real(request, raw)

    with sender_client(runtime) as client, pytest.MonkeyPatch.context() as patch:
        patch.setattr(usage_api, "_plain_body", spy)
        for body, params in ((b'{"numbers": ["21234567", 21234567, null]}', ""), (b'{"numbers": ["2\\u0031"]}', ""),
                             (b'{"numbers": ["21234567"]}', "?a=1"), (b'{"numbers": 1}', "")):
            client.post(URL + params, content=body, headers={**JSON, **world["key"]})
    assert taken == [True, False, False, False]
