"""Actions that cannot be undone ask again first, without JavaScript: revoking an API key, withdrawing a
renewal, rejecting or withdrawing a port request, rejecting a paper application. The first submit changes
nothing and shows what will happen; only the second (confirm=yes) acts. Signing out says so, for staff and
senders."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from telreg.core.db import unit_of_work
from telreg.dnc import paper
from telreg.dnc.repository import get_paper_application
from telreg.dnc.vocabulary import Register
from telreg.runtime import Runtime
from telreg.senders import api_keys, renewals
from telreg.senders.vocabulary import Plan
from tests.realname.porting.helpers import ask, registered, two_operators
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, form_token, make_officer
from tests.web.test_forms_keep_input import staff
from tests.web.test_sender_pages import _active, _log_in, known_captcha  # noqa: F401 - a fixture

PDF = b"%PDF-1.4\n% bill\n%%EOF\n"


def _confirm_form(page: str) -> dict[str, str]:
    """The hidden fields the confirmation step posts again, and where to."""
    form = re.search(r'<form method="post" action="([^"]+)" class="row" id="confirm-form">(.*?)</form>', page,
                     re.S)
    assert form, "the page asks nothing"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))
    return {"action": form.group(1), **{k: html.unescape(v) for k, v in fields.items()}}


def _port_state(runtime: Runtime, port_id: int) -> str:
    from telreg.realname.porting_repository import port_row

    with unit_of_work(runtime.session_factory) as session:
        row = port_row(session, port_id)
        assert row is not None
        return row.state


# ---- senders -----------------------------------------------------------------------------------------------

def test_revoking_a_key_asks_first(client: Any, runtime: Any, known_captcha: str) -> None:
    account_id = _active(runtime)
    with unit_of_work(runtime.session_factory) as session:
        api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings,
                                account_id=account_id, enabled=True, officer="olivia")
        key, _ = api_keys.create_key(session, clock=runtime.clock, settings=runtime.settings,
                                     account_id=account_id, label="nightly job")
        key_id = key.id
    _log_in(client)
    token = form_token(client.get("/senders/api-keys").text)
    asked = client.post(f"/senders/api-keys/{key_id}/revoke", data={"csrf_token": token})
    assert asked.status_code == 200 and asked.headers["cache-control"] == "no-store"
    assert "Revoke the key nightly job? Scripts that use it are refused from then on." in asked.text
    assert 'href="/senders/api-keys">No, go back</a>' in asked.text
    assert 'href="/senders/api-keys?lang=zh-Hant"' in asked.text  # the language switch leads back, not to a POST
    again = _confirm_form(asked.text)
    assert again["action"] == f"/senders/api-keys/{key_id}/revoke" and again["confirm"] == "yes"
    with unit_of_work(runtime.session_factory) as session:
        assert api_keys.list_keys(session, account_id=account_id)[0]["active"]  # nothing revoked yet

    done = client.post(again.pop("action"), data=again)
    assert "The key nightly job was revoked." in done.text
    with unit_of_work(runtime.session_factory) as session:
        assert not api_keys.list_keys(session, account_id=account_id)[0]["active"]
    forged = client.post(f"/senders/api-keys/{key_id}/revoke", data={"confirm": "yes"})
    assert forged.status_code == 403  # the second submit needs the form token too


@pytest.mark.parametrize(("lang", "question", "button"), [
    ("zh-Hant", "要撤回續期訂單", "是,撤回訂單"),
    ("zh-Hans", "要撤回续期订单", "是,撤回订单"),
])
def test_withdrawing_a_renewal_asks_first_in_chinese(client: Any, runtime: Any, known_captcha: str, lang: str,
                                                     question: str, button: str) -> None:
    account_id = _active(runtime)
    with unit_of_work(runtime.session_factory) as session:
        order = renewals.request_renewal(session, clock=runtime.clock, settings=runtime.settings,
                                         account_id=account_id, plans={Register.sms: Plan.three_months},
                                         actor="test")
        order_id = order.id
    _log_in(client, lang=lang)
    token = form_token(client.get("/senders/profile").text)
    asked = client.post(f"/senders/renewals/{order_id}/cancel", data={"csrf_token": token})
    assert asked.status_code == 200 and f'<html lang="{lang}">' in asked.text
    assert question in asked.text and button in asked.text and "Withdraw" not in asked.text
    assert f"/senders/renewals/{order_id}/cancel" in client.get("/senders/profile").text  # still there


# ---- porting -----------------------------------------------------------------------------------------------

def test_rejecting_and_withdrawing_a_port_ask_first(client: Any, runtime: Runtime) -> None:
    two_operators(runtime)
    registered(runtime)
    registered(runtime, "51234568")
    first, second = ask(runtime)["id"], ask(runtime, "51234568")["id"]

    staff(client, runtime, "clerk.one", ("operator-staff",), operator="op1")
    token = form_token(client.get("/staff/realname/ports").text)
    asked = client.post(f"/staff/realname/ports/{first}/reject",
                        data={"csrf_token": token, "operator": "op1", "reason": "Contract runs until 2027"})
    assert asked.status_code == 200 and f"Reject port request {first} for 51234567?" in asked.text
    again = _confirm_form(asked.text)
    assert again["reason"] == "Contract runs until 2027" and again["operator"] == "op1"  # goes on as typed
    assert "Contract runs until 2027" in asked.text  # and is shown
    assert _port_state(runtime, first) == "requested"
    blank = client.post(f"/staff/realname/ports/{first}/reject",
                        data={"csrf_token": token, "operator": "op1", "reason": " "})
    assert blank.status_code == 422 and 'id="confirm-form"' not in blank.text  # said at once, not asked
    done = client.post(again.pop("action"), data=again)
    assert f"Port request {first} (51234567) is rejected." in done.text
    assert _port_state(runtime, first) == "rejected"

    client.cookies.clear()
    staff(client, runtime, "clerk.two", ("operator-staff",), operator="op2")
    token = form_token(client.get("/staff/realname/ports").text)
    asked = client.post(f"/staff/realname/ports/{second}/cancel",
                        data={"csrf_token": token, "operator": "op2"})
    assert asked.status_code == 200 and f"Withdraw port request {second} for 51234568?" in asked.text
    assert _port_state(runtime, second) == "requested"
    again = _confirm_form(asked.text)
    done = client.post(again.pop("action"), data=again)
    assert f"Port request {second} (51234568) is withdrawn." in done.text
    assert _port_state(runtime, second) == "cancelled"


# ---- paper applications ------------------------------------------------------------------------------------

def test_rejecting_a_paper_application_asks_first(client: Any, runtime: Runtime) -> None:
    staff(client, runtime)
    token = form_token(client.get("/staff/paper/new").text)
    client.post("/staff/paper/new", data={"csrf_token": token, "number": "61234567", "applicant_name": "Chan",
                                          "action": "register", "registers": ["fax"]},
                files={"bill": ("bill.pdf", PDF, "application/pdf")})
    with unit_of_work(runtime.session_factory) as session:
        application_id = paper.list_applications(session, status="pending")[0].id

    blank = client.post(f"/staff/paper/{application_id}/reject", data={"csrf_token": token, "reason": ""})
    assert blank.status_code == 422 and "Give the reason for rejecting the application" in blank.text
    assert re.search(rf'id="reason-{application_id}"[^>]*aria-invalid="true"', blank.text)  # the field named
    asked = client.post(f"/staff/paper/{application_id}/reject",
                        data={"csrf_token": token, "reason": "The bill is older than three months."})
    assert asked.status_code == 200 and f"Reject application {application_id} for 61234567?" in asked.text
    with unit_of_work(runtime.session_factory) as session:
        assert get_paper_application(session, application_id).status == "pending"  # type: ignore[union-attr]
    again = _confirm_form(asked.text)
    done = client.post(again.pop("action"), data=again)
    assert f"Application {application_id} was rejected." in done.text
    with unit_of_work(runtime.session_factory) as session:
        assert get_paper_application(session, application_id).status == "rejected"  # type: ignore[union-attr]


# ---- signing out -------------------------------------------------------------------------------------------

def test_signing_out_says_so(client: Any, runtime: Any, known_captcha: str) -> None:
    make_officer(runtime)
    token = form_token(client.get("/staff/login").text)
    client.post("/staff/login", data={"username": OFFICER, "password": OFFICER_PASSWORD, "csrf_token": token})
    out = client.post("/staff/logout", data={"csrf_token": form_token(client.get("/staff").text)})
    assert out.url.path == "/" and '<p class="flash" role="status">You have signed out.</p>' in out.text
    assert "You have signed out." not in client.get("/").text  # said once

    _active(runtime)
    _log_in(client, lang="zh-Hant")
    out = client.post("/senders/logout", data={"csrf_token": form_token(client.get("/senders/profile").text)})
    assert out.url.path == "/senders/login" and '<p class="flash" role="status">你已登出。</p>' in out.text
