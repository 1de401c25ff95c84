"""The operators' consent page over HTTP (the `client` fixture, SQLite and PostgreSQL): look up, record with
CSRF, a refusal shown on the form, the compliance officer's list, who may open it, and three languages without
internal values or English left on the Chinese pages."""

from __future__ import annotations

from typing import Any

import pytest

from telreg.core.security import CSRF_FIELD
from telreg.runtime import Runtime
from tests.web.conftest import OFFICER_PASSWORD, make_officer
from tests.web.page_text import english_runs, raw_values, visible_text

from .helpers import CHAN_AT_OP1, PURPOSE, WONG_AT_OP1, holdings, listed, state

PAGE = "/staff/realname/consents"


def _sign_in(client: Any, runtime: Runtime, username: str, roles: tuple[str, ...],
             operator: str | None = "op1") -> str:
    client.cookies.clear()
    make_officer(runtime, username=username, roles=roles, operator=operator)
    response = client.post("/api/v1/auth/login", json={"username": username, "password": OFFICER_PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]


def _form(token: str, number: str = CHAN_AT_OP1, **extra: str) -> dict[str, str]:
    return {CSRF_FIELD: token, "number": number, "purpose": PURPOSE, "decision": "granted", "channel": "letter",
            "given_at": "2026-03-12T09:15:00", "reference": "FORM-42", **extra}


@pytest.fixture
def world(runtime: Runtime) -> Runtime:
    holdings(runtime)
    runtime.clock.advance(days=10)
    return runtime


def test_look_up_record_and_see_the_instruction_in_force(client: Any, world: Runtime) -> None:
    token = _sign_in(client, world, "clerk.chan", ("operator-staff",))
    before = client.get(PAGE, params={"number": CHAN_AT_OP1, "lang": "en"})
    assert before.status_code == 200
    assert "No consent on record — may not be used" in visible_text(before.text)
    assert 'id="marketing-list"' not in before.text  # the counter does not take the list

    assert client.post(PAGE, data={**_form(token), CSRF_FIELD: "forged"}).status_code == 403
    done = client.post(PAGE, data=_form(token), follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"{PAGE}?number={CHAN_AT_OP1}&done=granted#state-title"
    shown = visible_text(client.get(done.headers["location"]).text)
    assert "The holder's consent is recorded." in shown and "May be used" in shown
    assert "By letter or paper form" in shown and "FORM-42" in shown and "2026-03-12 09:15" in shown
    assert state(world, CHAN_AT_OP1).allowed


def test_a_refusal_is_shown_on_the_form_with_what_was_typed(client: Any, world: Runtime) -> None:
    token = _sign_in(client, world, "clerk.chan", ("operator-staff",))
    refused = client.post(PAGE, data=_form(token, given_at="2026-03-12T11:00:00"))
    assert refused.status_code == 422
    assert ("The consent cannot have been given in the future: 2026-03-12 11:00:00 is after now "
            "(2026-03-12 10:00:00).") in visible_text(refused.text)
    assert 'value="FORM-42"' in refused.text and 'value="2026-03-12T11:00:00"' in refused.text
    garbled = client.post(PAGE, data=_form(token, given_at="yesterday"))
    assert garbled.status_code == 422
    assert "Give the date and time the holder gave the instruction." in visible_text(garbled.text)
    other = client.get(PAGE, params={"number": "61234567"})
    assert other.status_code == 403 and "clerk.chan acts for op1, not op2." in visible_text(other.text)
    assert not state(world, CHAN_AT_OP1).allowed


def test_the_compliance_officer_downloads_only_consenting_numbers(client: Any, world: Runtime) -> None:
    token = _sign_in(client, world, "comp.ho", ("operator-compliance",))
    client.post(PAGE, data=_form(token))
    client.post(PAGE, data=_form(token, WONG_AT_OP1, decision="withdrawn"))
    page = client.get(PAGE)
    assert 'id="marketing-list"' in page.text and 'action="/api/v1/realname/consents/marketing-list"' in page.text
    download = client.get("/api/v1/realname/consents/marketing-list", params={"format": "csv", "purpose": PURPOSE})
    assert download.text == f"number\n{CHAN_AT_OP1}\n" and listed(world) == [CHAN_AT_OP1]


@pytest.mark.parametrize("roles", [("admin",), ("regulator",)])
def test_the_page_is_the_operators_own(client: Any, world: Runtime, roles: tuple[str, ...]) -> None:
    _sign_in(client, world, "someone", roles, operator=None)
    assert client.get(PAGE).status_code == 403


@pytest.mark.parametrize(("lang", "heading", "word"), [
    ("en", "Holders' consent", "Value-added marketing"),
    ("zh-Hant", "機主同意", "增值服務推廣"),
    ("zh-Hans", "机主同意", "增值业务营销"),
])
def test_the_page_reads_in_three_languages(client: Any, world: Runtime, lang: str, heading: str,
                                           word: str) -> None:
    token = _sign_in(client, world, "comp.ho", ("operator-compliance",))
    client.post(PAGE, data=_form(token))
    client.post(PAGE, data=_form(token, decision="withdrawn", channel="sms", given_at="2026-03-12T09:45:00"))
    page = client.get(PAGE, params={"number": CHAN_AT_OP1, "lang": lang})
    text = visible_text(page.text)
    assert heading in text and word in text
    assert raw_values(text) == [], raw_values(text)
    if lang != "en":
        assert english_runs(text, names=("comp.ho", "FORM-42")) == [], english_runs(text, names=("comp.ho",))
