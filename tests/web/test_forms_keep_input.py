"""Every form re-shown after an error keeps what was typed — except secrets, and it says so — and names
the files that must be chosen again; an oversized upload is refused with the limit, not the limit + 1. One
test per form, on SQLite and PostgreSQL (the `client` fixture)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from telreg.core.db import unit_of_work
from telreg.dnc.vocabulary import Register
from telreg.core.notify import FakeSms
from telreg.realname import lookup
from telreg.realname.lookup.flags import NOTE_MAX_CHARS
from telreg.realname.policy import get_policy
from telreg.runtime import Runtime
from telreg.senders import api_keys
from telreg.senders.lists.api import MAX_IMPORT_BYTES
from telreg.senders.vocabulary import Plan
from tests.realname.lookup.helpers import CARD, holdings, proved_access
from tests.realname.porting.helpers import registered, two_operators
from tests.realname.registration.helpers import hkid, make_operator
from tests.senders.helpers import PASSWORD, PDF
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, form_token, make_officer
from tests.web.test_sender_pages import (  # noqa: F401 - known_captcha and officer are fixtures
    USERNAME,
    _active,
    _apply_form,
    _log_in,
    _pending,
    known_captcha,
    officer,
)

SECRETS_NOTE = 'id="secrets-not-kept"'
FILES_NOTE = 'id="files-not-kept"'


# ---- reading a re-shown form -------------------------------------------------------------------------------

def value(page: str, field_id: str) -> str | None:
    """The value an input, a textarea or a select shows, or None when the field is not on the page."""
    tag = re.search(rf'<input\b[^>]*\bid="{re.escape(field_id)}"[^>]*>', page)
    if tag:
        found = re.search(r'\bvalue="([^"]*)"', tag.group(0))
        return html.unescape(found.group(1)) if found else ""
    area = re.search(rf'<textarea\b[^>]*\bid="{re.escape(field_id)}"[^>]*>(.*?)</textarea>', page, re.S)
    if area:
        return html.unescape(area.group(1))
    select = re.search(rf'<select\b[^>]*\bid="{re.escape(field_id)}"[^>]*>(.*?)</select>', page, re.S)
    if select:
        chosen = re.search(r'<option value="([^"]*)"\s+selected', select.group(1))
        return html.unescape(chosen.group(1)) if chosen else ""
    return None


def ticked(page: str, name: str) -> list[str]:
    """The values of the ticked checkboxes (or chosen radio) called NAME."""
    boxes = re.findall(rf'<input type="(?:checkbox|radio)" name="{name}" value="([^"]*)"\s*([^>]*)>', page)
    return [v for v, rest in boxes if re.search(r"\bchecked\b", rest)]


def files_named(page: str) -> list[str]:
    """The files the page says must be chosen again."""
    block = re.search(rf'{FILES_NOTE}>(.*?)</div>', page, re.S)
    return re.findall(r'data-file="([^"]*)"', block.group(1)) if block else []


def _found(pattern: str, page: str) -> str:
    match = re.search(pattern, page)
    assert match, f"the page has nothing like {pattern}"
    return match.group(1)


def staff(client: Any, runtime: Runtime, username: str = OFFICER, roles: tuple[str, ...] = ("dnc-officer",),
          operator: str | None = None) -> None:
    make_officer(runtime, username=username, roles=roles, operator=operator)
    token = form_token(client.get("/staff/login").text)
    signed = client.post("/staff/login", data={"username": username, "password": OFFICER_PASSWORD,
                                                "csrf_token": token}, follow_redirects=False)
    assert signed.status_code == 303


# ---- the sender portal -------------------------------------------------------------------------------------

def test_apply_keeps_the_answers_and_names_the_files_to_choose_again(client: Any) -> None:
    token = form_token(client.get("/senders/apply").text)
    refused = client.post("/senders/apply",
                          data=_apply_form(token, plan_sms="", plan_fax="", contact_email="chan@example.com"),
                          files={"documents": ("hkid scan.pdf", PDF, "application/pdf")})
    assert refused.status_code == 422
    page = refused.text
    assert value(page, "name") == "CHAN Tai Man" and value(page, "contact_email") == "chan@example.com"
    assert value(page, "username") == USERNAME
    assert value(page, "security_question") == "Name of my first school?"
    assert value(page, "password") == "" and value(page, "security_answer") == ""  # never sent back ...
    assert PASSWORD not in page and "St. Paul" not in page
    assert SECRETS_NOTE in page  # ... and the page says so
    assert files_named(page) == ["hkid scan.pdf"]
    assert ticked(page, "capacity") == ["individual"]


def test_an_oversized_document_is_refused_with_the_limit_not_the_size_read(client: Any, runtime: Any,
                                                                           known_captcha: str) -> None:  # noqa: F811
    limit = runtime.settings.max_upload_bytes
    token = client.get("/senders/apply").text  # the page: its CSRF token and CAPTCHA
    refused = client.post("/senders/apply", data=_apply_form(token),
                          files={"documents": ("big.pdf", PDF + b"0" * limit, "application/pdf")})
    assert refused.status_code == 422
    assert f"the limit is {limit:,} bytes" in refused.text
    assert f"{limit + 1:,}" not in refused.text  # the upload is read to one byte past the limit: never shown
    assert files_named(refused.text) == ["big.pdf"] and value(refused.text, "name") == "CHAN Tai Man"


def test_sender_log_in_keeps_the_username_not_the_password(client: Any, runtime: Any,
                                                           known_captcha: str) -> None:
    _active(runtime)
    refused = _log_in(client, password="not the password at all")
    assert refused.status_code == 401
    assert value(refused.text, "username") == USERNAME and value(refused.text, "password") == ""
    assert "not the password at all" not in refused.text and SECRETS_NOTE in refused.text
    wrong_picture = _log_in(client, answer="WRONG")
    assert value(wrong_picture.text, "username") == USERNAME and SECRETS_NOTE in wrong_picture.text


def test_a_refused_password_change_says_the_passwords_are_not_kept(client: Any, runtime: Any,
                                                                  known_captcha: str) -> None:
    _active(runtime)
    _log_in(client)
    token = form_token(client.get("/senders/password").text)
    refused = client.post("/senders/password", data={"csrf_token": token, "current_password": PASSWORD,
                                                     "new_password": "another long phrase",
                                                     "new_password_again": "another long phrasf"})
    assert refused.status_code == 422
    assert SECRETS_NOTE in refused.text and "another long phrase" not in refused.text


def test_a_wrong_security_answer_keeps_the_username(client: Any, runtime: Any) -> None:
    _pending(runtime)
    token = form_token(client.get("/senders/forgot").text)
    wrong = client.post("/senders/forgot", data={"csrf_token": token, "username": USERNAME, "answer": "wrong",
                                                 "new_password": "a brand new phrase",
                                                 "new_password_again": "a brand new phrase"})
    assert wrong.status_code >= 400
    assert 'name="username" value="chan.taiman"' in wrong.text and "Your security question" in wrong.text
    assert SECRETS_NOTE in wrong.text and "a brand new phrase" not in wrong.text
    unknown = client.post("/senders/forgot", data={"csrf_token": token, "username": "nobody.here"})
    # Issue 14: an unknown name is asked a decoy question like any other (the page cannot tell names apart).
    assert 'name="username" value="nobody.here"' in unknown.text and SECRETS_NOTE not in unknown.text


def test_the_online_check_keeps_the_numbers_and_refuses_no_register(client: Any, runtime: Any,
                                                                    known_captcha: str) -> None:
    _active(runtime, plans={Register.sms: Plan.twelve_months, Register.fax: Plan.three_months})
    _log_in(client)
    token = form_token(client.get("/senders/check").text)
    refused = client.post("/senders/check", data={"csrf_token": token, "numbers": "2123 4567\n3123 4567",
                                                  "on": "2026-03-20"})
    assert refused.status_code == 422 and "Tick at least one register" in refused.text
    assert 'id="check-result"' not in refused.text  # not checked against "every register"
    assert value(refused.text, "numbers") == "2123 4567\n3123 4567"
    assert value(refused.text, "on") == "2026-03-20"
    assert ticked(refused.text, "registers") == []  # as sent: nothing ticked behind the sender's back


def test_api_keys_keep_the_name_and_refuse_no_register(client: Any, runtime: Any, known_captcha: str) -> None:
    account_id = _active(runtime)
    with unit_of_work(runtime.session_factory) as session:
        api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings,
                                account_id=account_id, enabled=True, officer="olivia")
    _log_in(client)
    token = form_token(client.get("/senders/api-keys").text)
    refused = client.post("/senders/api-keys", data={"csrf_token": token, "label": "nightly job"})
    assert refused.status_code == 422 and "Tick at least one register" in refused.text
    assert value(refused.text, "label") == "nightly job" and ticked(refused.text, "registers") == []
    with unit_of_work(runtime.session_factory) as session:
        assert api_keys.list_keys(session, account_id=account_id) == []


def test_a_refused_document_upload_names_the_file(client: Any, runtime: Any, known_captcha: str) -> None:
    _pending(runtime, capacity="hk-company", documents=[])
    _log_in(client)
    token = form_token(client.get("/senders/profile").text)
    refused = client.post("/senders/documents",
                          data={"csrf_token": token, "doc_type": "business-registration"},
                          files={"document": ("br.txt", b"not a pdf", "text/plain")})
    assert refused.status_code == 422 and files_named(refused.text) == ["br.txt"]


def test_a_refused_list_upload_keeps_how_and_names_the_file(client: Any, runtime: Any,
                                                            known_captcha: str) -> None:
    _active(runtime)
    _log_in(client)
    token = form_token(client.get("/senders/lists?register=sms").text)
    bad_line = b"number,instruction,at\n123,consent,2026-03-01T10:00\n"
    refused = client.post("/senders/lists/import",
                          data={"csrf_token": token, "register": "sms", "client": "ACME", "how": "web-form"},
                          files={"file": ("march.csv", bad_line, "text/csv")})
    assert refused.status_code == 422
    assert value(refused.text, "how") == "web-form" and value(refused.text, "client") == "ACME"
    assert files_named(refused.text) == ["march.csv"]
    big = client.post("/senders/lists/import", data={"csrf_token": token, "register": "sms", "how": "call"},
                      files={"file": ("big.csv", b"x" * (MAX_IMPORT_BYTES + 10), "text/csv")})
    assert big.status_code == 422 and "larger than 20 MB" in big.text and value(big.text, "how") == "call"
    assert files_named(big.text) == ["big.csv"]


def test_a_refused_wash_keeps_every_field_and_names_the_file(client: Any, runtime: Any,
                                                             known_captcha: str) -> None:
    _active(runtime)
    _log_in(client)
    token = form_token(client.get("/senders/washes").text)
    typed = {"register": "sms", "send_date": "2026-02-01", "column": "phone", "client": "ACME",
             "client_reference": "batch-7"}
    refused = client.post("/senders/washes", data={"csrf_token": token, **typed},
                          files={"file": ("calls.csv", b"phone\n21234567\n", "text/csv")})
    assert refused.status_code == 422
    assert {name: value(refused.text, name) for name in typed} == typed
    assert files_named(refused.text) == ["calls.csv"]
    none = client.post("/senders/washes", data={"csrf_token": token, **typed, "register": ""},
                       files={"file": ("calls.csv", b"phone\n21234567\n", "text/csv")})
    assert none.status_code == 422 and "Choose the register to wash the list against." in none.text


# ---- the officers' pages -----------------------------------------------------------------------------------

def test_officer_forms_keep_what_was_typed(officer: Any, runtime: Any) -> None:
    fees = officer.get("/staff/senders/fees").text
    fee = officer.post("/staff/senders/fees", data={"csrf_token": form_token(fees), "plan": "3-months",
                                                    "amount": "lots", "effective_from": "2026-04-01"})
    assert fee.status_code == 422
    assert value(fee.text, "amount") == "lots" and value(fee.text, "effective_from") == "2026-04-01"
    assert value(fee.text, "plan") == "3-months"

    account_id = _pending(runtime)
    page = officer.get(f"/staff/senders/{account_id}").text
    token = form_token(page)
    order_id = _found(r'action="/staff/senders/orders/(\d+)/payments"', page)
    payment = officer.post(f"/staff/senders/orders/{order_id}/payments",
                           data={"csrf_token": token, "method": "payment-by-phone", "reference": "PPS 7788",
                                 "amount": "99999", "received_on": "2026-03-01"})
    assert payment.status_code >= 400
    assert value(payment.text, f"reference-{order_id}") == "PPS 7788"
    assert value(payment.text, f"amount-{order_id}") == "99999"
    assert value(payment.text, f"method-{order_id}") == "payment-by-phone"

    document_id = _found(r'action="/staff/senders/documents/(\d+)/reject"', page)
    blank = officer.post(f"/staff/senders/documents/{document_id}/reject",
                         data={"csrf_token": token, "reason": "  "})
    assert blank.status_code == 422 and value(blank.text, f"reason-{document_id}") == "  "


def test_a_refused_paper_application_keeps_the_form_and_names_the_bill(client: Any, runtime: Any) -> None:
    staff(client, runtime)
    token = form_token(client.get("/staff/paper/new").text)
    typed = {"number": "6123 4567", "applicant_name": "CHAN Tai Man", "action": "deregister"}
    refused = client.post("/staff/paper/new", data={"csrf_token": token, **typed, "registers": ["fax"]},
                          files={"bill": ("bill.txt", b"just text", "text/plain")})
    assert refused.status_code == 422
    assert value(refused.text, "number") == "6123 4567"
    assert value(refused.text, "applicant_name") == "CHAN Tai Man"
    assert ticked(refused.text, "action") == ["deregister"] and ticked(refused.text, "registers") == ["fax"]
    assert files_named(refused.text) == ["bill.txt"]
    none = client.post("/staff/paper/new", data={"csrf_token": token, **typed},
                       files={"bill": ("bill.pdf", PDF, "application/pdf")})
    assert none.status_code == 422 and "Tick at least one register" in none.text
    assert ticked(none.text, "registers") == [] and value(none.text, "number") == "6123 4567"
    assert "No applications are waiting for a decision." in client.get("/staff/paper").text  # none recorded


def test_staff_sign_in_keeps_the_username_not_the_password(client: Any, runtime: Any) -> None:
    make_officer(runtime)
    token = form_token(client.get("/staff/login").text)
    refused = client.post("/staff/login",
                          data={"username": OFFICER, "password": "guess", "csrf_token": token})
    assert refused.status_code == 401
    assert value(refused.text, "username") == OFFICER and value(refused.text, "password") == ""
    assert SECRETS_NOTE in refused.text


# ---- the real-name pages -----------------------------------------------------------------------------------

def test_a_refused_registration_keeps_the_form_and_names_the_letter(client: Any, runtime: Runtime) -> None:
    make_operator(runtime)
    staff(client, runtime, "clerk.ho", ("operator-staff",), operator="op1")
    token = form_token(client.get("/staff/realname/register").text)
    typed = {"operator": "op1", "number": "51234567", "service": "postpaid", "line": "mobile",
             "holder_kind": "organisation", "holder_name": "ACME Trading Limited", "holder_doc_type": "hk-br",
             "holder_doc_number": "not a number", "holder_capture": "manual", "handler_name": "CHAN Tai Man",
             "handler_doc_type": "hkid", "handler_doc_number": hkid("A", "123456"),
             "handler_capture": "manual"}
    refused = client.post("/staff/realname/register", data={"csrf_token": token, **typed},
                          files={"handler_letter_file": ("letter scan.pdf", PDF, "application/pdf")})
    assert refused.status_code == 422
    for name in ("number", "holder_name", "holder_doc_number", "handler_name", "handler_doc_number"):
        assert value(refused.text, name) == typed[name], name
    assert value(refused.text, "service") == "postpaid"
    assert ticked(refused.text, "holder_kind") == ["organisation"]
    assert files_named(refused.text) == ["letter scan.pdf"]

    check = client.post("/staff/realname/check-document",
                        data={"csrf_token": token, "check_type": "hkid", "check_value": "A1234567"})
    assert check.status_code == 422 and value(check.text, "check_value") == "A1234567"


def test_an_oversized_letter_is_refused_with_the_limit(client: Any, runtime: Runtime) -> None:
    from telreg.core.files import size_text
    from telreg.web.realname import forms

    make_operator(runtime)
    staff(client, runtime, "clerk.ho", ("operator-staff",), operator="op1")
    token = form_token(client.get("/staff/realname/register").text)
    limit = forms._LETTER_MAX_BYTES
    refused = client.post("/staff/realname/register",
                          data={"csrf_token": token, "operator": "op1", "number": "51234567",
                                "holder_kind": "organisation", "holder_name": "ACME"},
                          files={"handler_letter_file": ("big.pdf", b"0" * (limit + 1), "application/pdf")})
    assert refused.status_code == 422 and f"larger than {size_text(limit)}" in refused.text
    assert value(refused.text, "holder_name") == "ACME" and files_named(refused.text) == ["big.pdf"]


def test_porting_forms_keep_what_was_typed(client: Any, runtime: Runtime) -> None:
    two_operators(runtime)
    registered(runtime)
    staff(client, runtime, "clerk.two", ("operator-staff",), operator="op2")
    token = form_token(client.get("/staff/realname/ports").text)
    wrong = client.post("/staff/realname/ports",
                        data={"csrf_token": token, "operator": "op2", "number": "5123 4567",
                              "doc_type": "passport", "doc_number": "K1234567"})
    assert wrong.status_code == 422
    assert value(wrong.text, "number") == "5123 4567" and value(wrong.text, "doc_number") == "K1234567"
    assert value(wrong.text, "doc_type") == "passport"


def test_closing_a_flag_keeps_the_note(client: Any, runtime: Runtime, sms: FakeSms) -> None:
    runtime.settings = runtime.settings.model_copy(update={"realname_policy": "mainland-china"})
    holdings(runtime)
    granted = proved_access(runtime, sms)
    with unit_of_work(runtime.session_factory) as session:
        lookup.flag_number(session, clock=runtime.clock, policy=get_policy(runtime.settings), access=granted,
                           position=1, number=None)
    staff(client, runtime, "clerk.cm", ("operator-staff",), operator="cmcc")
    page = client.get("/staff/realname/queues?operator=cmcc").text
    flag_id = _found(r'action="/staff/realname/flags/(\d+)/close"', page)
    long_note = "Called the holder; " * 60  # over the most a note may hold
    assert len(long_note.strip()) > NOTE_MAX_CHARS
    refused = client.post(f"/staff/realname/flags/{flag_id}/close",
                          data={"csrf_token": form_token(page), "operator": "cmcc", "note": long_note})
    assert refused.status_code == 422 and value(refused.text, f"note-{flag_id}") == long_note.strip()


def test_the_public_lookup_keeps_the_document_and_number(client: Any, runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"realname_policy": "mainland-china"})
    holdings(runtime)
    token = form_token(client.get("/realname/lookup").text)
    refused = client.post("/realname/lookup/code", data={"csrf_token": token, "doc_type": "cn-resident-id",
                                                         "document": CARD, "number": "12"})
    assert refused.status_code == 422
    assert value(refused.text, "document") == CARD and value(refused.text, "number") == "12"
    assert value(refused.text, "doc_type") == "cn-resident-id"


# ---- in Chinese --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "sentence", "files"), [
    ("zh-Hant", "請至少剔選一個登記冊", "表格未獲接納時,已選擇的檔案不會保留"),
    ("zh-Hans", "请至少勾选一个登记册", "表单未被接受时,已选择的文件不会保留"),
])
def test_the_refusals_and_notes_read_in_chinese(client: Any, runtime: Any, lang: str, sentence: str,
                                                files: str) -> None:
    staff(client, runtime)
    token = form_token(client.get(f"/staff/paper/new?lang={lang}").text)
    refused = client.post("/staff/paper/new", data={"csrf_token": token, "number": "61234567",
                                                    "applicant_name": "陳大文", "action": "register"},
                          files={"bill": ("bill.pdf", PDF, "application/pdf")})
    assert refused.status_code == 422 and sentence in refused.text and files in refused.text
    assert "Tick at least one register" not in refused.text and "not kept" not in refused.text
    client.cookies.clear()
    login = client.post(f"/staff/login?lang={lang}", data={
        "username": OFFICER, "password": "guess", "csrf_token": form_token(client.get("/staff/login").text)})
    assert ("系統不會保留密碼" if lang == "zh-Hant" else "系统不会保留密码") in login.text
