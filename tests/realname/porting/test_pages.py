"""The operators' porting page over HTTP (no browser), in English and Chinese, SQLite and PostgreSQL.

Seed 004 Q4.3: 由於擁有權或登記用戶沒有改變,毋須就轉攜至其他營辦商的號碼重新登記 — the receiving operator's clerk
asks on the page with the holder's document; the donor's clerk confirms or rejects it there.
"""

from __future__ import annotations

from typing import Any

import pytest

from telreg.core.i18n import translate
from telreg.runtime import Runtime
from telreg.web.realname.porting_messages import PORTING_MESSAGES
from tests.realname.registration.helpers import hkid
from tests.web.conftest import OFFICER_PASSWORD, form_token, make_officer
from tests.web.test_realname_pages import text_of

from .helpers import CHAN_HKID, NUMBER, history, number_operator, registered, two_operators

PAGE = "/staff/realname/ports"
ASK = {"operator": "op2", "number": NUMBER, "doc_type": "hkid", "doc_number": CHAN_HKID}


def _sign_in(client: Any, runtime: Runtime, username: str, operator: str | None,
             roles: tuple[str, ...] = ("operator-staff",)) -> str:
    """Sign in on the staff page (a fresh cookie jar) and return the porting page's form token."""
    client.cookies.clear()
    make_officer(runtime, username=username, roles=roles, operator=operator)
    token = form_token(client.get("/staff/login").text)
    signed = client.post("/staff/login", data={"username": username, "password": OFFICER_PASSWORD,
                                               "csrf_token": token}, follow_redirects=False)
    assert signed.status_code == 303
    return form_token(client.get(PAGE).text)


@pytest.fixture
def ready(runtime: Runtime) -> Runtime:
    two_operators(runtime)
    registered(runtime)
    return runtime


def test_the_port_asked_and_confirmed_on_the_page_in_english(client: Any, ready: Runtime) -> None:
    runtime = ready
    token = _sign_in(client, runtime, "clerk.two", "op2")
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'href="/staff/realname/ports"' in page.text  # linked from the staff navigation
    assert "Ask to port a number to Operator Two" in page.text and 'id="no-waiting"' in page.text

    asked = client.post(PAGE, data={**ASK, "csrf_token": token})
    assert asked.status_code == 200 and "Port request 1 for 51234567 is recorded; Operator One decides it." \
        in asked.text
    mine = text_of(asked.text, "mine-title")
    assert "51234567" in mine and "Operator One" in mine and "waiting for the donor" in mine

    token = _sign_in(client, runtime, "clerk.one", "op1")
    waiting = client.get(PAGE).text
    assert "CHAN T** M** (A123***(*))" in text_of(waiting, "waiting-title") and "CHAN Tai Man" not in waiting
    done = client.post(f"{PAGE}/1/confirm", data={"operator": "op1", "csrf_token": token})
    assert done.status_code == 200
    assert "51234567 is ported to Operator Two, registered to the same holder." in done.text
    assert 'data-state="completed"' in done.text and "ported" in text_of(done.text, "decided-title")
    assert number_operator(runtime) == "op2" and history(runtime)[0]["end_reason"] == "ported"


def test_refusals_and_rejection_in_traditional_chinese(client: Any, ready: Runtime) -> None:
    runtime = ready
    token = _sign_in(client, runtime, "clerk.two", "op2")
    page = client.get(PAGE, params={"lang": "zh-Hant"})
    assert '<html lang="zh-Hant">' in page.text and "號碼轉攜" in page.text
    assert "毋須就轉攜至其他營辦商的號碼重新登記" in page.text

    wrong = client.post(PAGE, data={**ASK, "doc_number": hkid("B", "234567"), "csrf_token": token})
    assert wrong.status_code == 422 and 'data-code="not_holder"' in wrong.text
    # The service's whole sentence, in Chinese (no English original beside it).
    assert "所提供的證件並非號碼 51234567 登記時所用的證件" in wrong.text and "The document given" not in wrong.text
    assert f'value="{hkid("B", "234567")}"' in wrong.text  # what was typed is kept
    client.post(PAGE, data={**ASK, "csrf_token": token})
    twice = client.post(PAGE, data={**ASK, "csrf_token": token})
    assert twice.status_code == 409 and "號碼 51234567 已有一宗未完成的轉攜申請(申請 1)" in twice.text

    token = _sign_in(client, runtime, "clerk.one", "op1")
    client.get(PAGE, params={"lang": "zh-Hant"})
    refused = client.post(f"{PAGE}/1/reject", data={"operator": "op1", "reason": "合約未滿", "csrf_token": token,
                                                    "confirm": "yes"})
    assert refused.status_code == 200 and "已拒絕轉攜申請 1(51234567)" in refused.text
    assert "已拒絕" in text_of(refused.text, "decided-title") and "合約未滿" in refused.text
    assert number_operator(runtime) == "op1" and len(history(runtime)) == 1


def test_simplified_chinese_and_every_word_in_three_languages(client: Any, ready: Runtime) -> None:
    for key, words in PORTING_MESSAGES.items():  # an English msgid, translated in both catalogs
        translated = [translate(lang, words) for lang in ("zh-Hant", "zh-Hans")]
        assert words.strip() and all(text.strip() and text != words for text in translated), key
    _sign_in(client, ready, "clerk.two", "op2")
    page = client.get(PAGE, params={"lang": "zh-Hans"})
    assert '<html lang="zh-Hans">' in page.text and "携号转网" in page.text and "申请将号码携入" in page.text


def test_a_clerk_acts_only_for_their_operator_and_the_regulator_only_looks(client: Any,
                                                                          ready: Runtime) -> None:
    runtime = ready
    token = _sign_in(client, runtime, "clerk.one", "op1")
    assert client.get(PAGE, params={"operator": "op2"}).status_code == 403
    forged = client.post(PAGE, data={**ASK, "csrf_token": token})  # op1's clerk asking in op2's name
    assert forged.status_code == 403
    assert client.get(PAGE).text.count('name="operator" value="op1"') == 1  # the request form: own operator

    _sign_in(client, runtime, "reg.wong", None, roles=("regulator",))
    seen = client.get(PAGE, params={"operator": "op2"})
    assert seen.status_code == 200 and 'id="view-only"' in seen.text and 'id="port-request"' not in seen.text

    client.cookies.clear()
    anonymous = client.get(PAGE, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/staff/login")
