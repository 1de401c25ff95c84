"""The sender's consent and unsubscribe list pages over HTTP: both languages, sign-in and CSRF, upload (whole file
or nothing), a number's history where the latest instruction wins, export, and errors in the page's language."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from telreg.core.db import unit_of_work
from telreg.dnc.vocabulary import Register
from telreg.senders.lists import service
from telreg.senders.lists.service import ListKey
from telreg.senders.vocabulary import Plan
from telreg.senders.washing import service as washing
from tests.senders.usage_helpers import DAY1, DAY2, at, list_and_publish
from tests.senders.washing.helpers import SEND_DATE, run_washes
from tests.web.conftest import form_token
from tests.web.test_sender_pages import _active, _alert, _find, _log_in, known_captcha  # noqa: F401 - a fixture

NUMBER = "61234567"
OTHER = "91234567"
INSTRUCTIONS = (
    "number,instruction,at,how,reference\n"
    f"{NUMBER},consent,2026-01-05T09:00,web-form,F-1\n"
    f"{OTHER},consent,2026-01-06T09:00,call,\n"
    f"6123 4567,unsubscribe,2026-02-10T18:30,reply-stop,STOP-77\n"
    f"+852 9123 4567,unsubscribe,2026-01-06T09:00,written,\n"  # same time as its consent: the unsubscribe wins
).encode()


@pytest.fixture
def sender(client: Any, runtime: Any, known_captcha: str) -> int:  # noqa: F811 - the fixture imported above
    """An active account holding the SMS register only, logged in on ``client``."""
    account_id = _active(runtime, plans={Register.sms: Plan.twelve_months})
    assert _log_in(client).status_code == 303
    return account_id


def _upload(client: Any, data: bytes, *, token: str | None = None, lang: str = "en", register: str = "sms",
            client_ref: str = "", how: str = "not-stated", name: str = "instructions.csv") -> Any:
    if token is None:
        token = form_token(client.get(f"/senders/lists?lang={lang}").text)
    return client.post(f"/senders/lists/import?lang={lang}", follow_redirects=False,
                       data={"csrf_token": token, "register": register, "client": client_ref, "how": how},
                       files={"file": (name, data, "text/csv")})


def _recorded(runtime: Any, account_id: int, client_ref: str = "") -> int:
    with unit_of_work(runtime.session_factory) as session:
        return len(service.history(session, key=ListKey(account_id, "sms", client_ref)))


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ["<h1>Consent and unsubscribe lists</h1>", "Upload instructions", "A number&#39;s history",
            "Export the current state (CSV)", ">Consent lists</a>"]),
    ("zh-Hant", ["<h1>同意及取消接收名單</h1>", "上載指示", "號碼的紀錄", "匯出現時狀況(CSV)", ">同意名單</a>"]),
])
def test_the_lists_page_renders_in_both_languages(client: Any, sender: int, lang: str, words: list[str]) -> None:
    page = client.get(f"/senders/lists?lang={lang}")
    assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
    for text in words:
        assert text in page.text, text
    assert '<option value="sms" selected>' in page.text and 'value="fax"' not in page.text  # only what it holds
    upload_form = _find(r'(<form[^>]*action="/senders/lists/import".*?</form>)', page.text)
    assert 'name="csrf_token"' in upload_form and 'enctype="multipart/form-data"' in upload_form


def test_the_lists_pages_need_a_sender_login(client: Any, runtime: Any) -> None:
    for path in ("/senders/lists", "/senders/lists?register=sms&number=61234567", "/senders/lists/export?register=sms"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/senders/login?next="), path
    token = form_token(client.get("/senders/login").text)
    posted = _upload(client, INSTRUCTIONS, token=token)
    assert posted.status_code == 303 and posted.headers["location"].startswith("/senders/login")


def test_an_upload_without_the_csrf_token_is_refused(client: Any, runtime: Any, sender: int) -> None:
    refused = _upload(client, INSTRUCTIONS, token="forged")
    assert refused.status_code == 403 and "did not come from this site" in refused.text
    assert _recorded(runtime, sender) == 0


def test_upload_then_search_a_number_where_the_latest_instruction_wins(client: Any, runtime: Any,
                                                                       sender: int) -> None:
    done = _upload(client, INSTRUCTIONS)
    assert done.status_code == 303 and done.headers["location"] == "/senders/lists?register=sms"
    page = client.get(done.headers["location"])
    assert "4 instructions recorded (consents: 2; unsubscribes: 2)." in page.text
    assert 'data-numbers="2"' in page.text and "2 numbers: 0 with consent, 2 unsubscribed." in page.text
    assert _recorded(runtime, sender) == 4

    found = client.get("/senders/lists", params={"register": "sms", "number": "6123-4567"})
    assert found.status_code == 200
    assert _find(r'id="number-current" data-instruction="([a-z]+)"', found.text) == "unsubscribe"
    assert "61234567: unsubscribed, asked 10 February 2026" in found.text
    rows = re.findall(r'<tr data-instruction="([a-z]+)"( data-current="true")?>', found.text)
    assert rows == [("consent", ""), ("unsubscribe", ' data-current="true"')]  # oldest first, the latest marked
    assert "STOP-77" in found.text and 'value="6123-4567"' in found.text  # the search keeps what was typed

    tie = client.get("/senders/lists", params={"register": "sms", "number": OTHER})
    assert _find(r'id="number-current" data-instruction="([a-z]+)"', tie.text) == "unsubscribe"
    absent = client.get("/senders/lists?register=sms&number=21234567&lang=zh-Hant")
    assert "21234567 不在此名單內。" in absent.text


def test_export_gives_back_what_the_upload_reads(client: Any, runtime: Any, sender: int) -> None:
    assert _upload(client, INSTRUCTIONS).status_code == 303
    current = client.get("/senders/lists/export?register=sms")
    assert current.status_code == 200 and current.headers["content-type"].startswith("text/csv")
    assert 'filename="sms-current.csv"' in current.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(current.text)))
    assert [(r["number"], r["instruction"]) for r in rows] == [(NUMBER, "unsubscribe"), (OTHER, "unsubscribe")]
    assert rows[0]["at"] == "2026-02-10T18:30:00+08:00" and rows[0]["reference"] == "STOP-77"
    full = client.get("/senders/lists/export?register=sms&full=true")
    assert len(list(csv.DictReader(io.StringIO(full.text)))) == 4 and "recorded_by" in full.text.splitlines()[0]
    # The export, uploaded to a client company's list, reads back as it is.
    assert _upload(client, full.content, client_ref="ACME Ltd").status_code == 303
    assert _recorded(runtime, sender, "ACME Ltd") == 4 and _recorded(runtime, sender) == 4
    acme = client.get("/senders/lists/export?register=sms&client=ACME Ltd")
    assert 'filename="sms-current-ACME_Ltd.csv"' in acme.headers["content-disposition"]


def test_a_file_with_bad_lines_records_nothing_and_lists_them(client: Any, runtime: Any, sender: int) -> None:
    bad = (b"number,instruction,at\n61234567,consent,2026-01-05T09:00\n12345,consent,2026-01-05\n"
           b"91234567,maybe,2026-01-05\n")
    refused = _upload(client, bad, how="web-form")
    assert refused.status_code == 422
    assert _alert(refused.text) == "instructions.csv: 2 bad line(s); nothing was recorded."
    lines = dict(re.findall(r'<li data-line="(\d+)">Line \d+: <span lang="en">([^<]*)</span>', refused.text))
    assert set(lines) == {"3", "4"} and "5 digits" in lines["3"] and "neither" in lines["4"]
    assert 'value="web-form"' in refused.text  # the form keeps what was typed
    assert re.search(r'id="file"[^>]*aria-invalid="true"', refused.text, re.S)
    assert _recorded(runtime, sender) == 0

    chinese = _upload(client, bad, lang="zh-Hant")
    assert chinese.status_code == 422 and '<html lang="zh-Hant">' in chinese.text
    assert _alert(chinese.text) == "instructions.csv:有 2 行有誤;未有記錄任何指示。"  # the refusal, in Chinese
    assert '<li data-line="3">第 3 行:' in chinese.text
    empty = _upload(client, b"", lang="zh-Hant")
    assert empty.status_code == 422 and "Traceback" not in empty.text + chinese.text
    assert _recorded(runtime, sender) == 0


def test_a_missing_file_or_a_bad_number_is_explained_in_the_page_language(client: Any, sender: int) -> None:
    token = form_token(client.get("/senders/lists").text)
    no_file = client.post("/senders/lists/import", data={"csrf_token": token, "register": "sms", "how": "call"})
    assert no_file.status_code == 422 and "Choose the CSV file" in _alert(no_file.text)
    chinese = client.get("/senders/lists", params={"register": "sms", "number": "12345", "lang": "zh-Hant"})
    assert chinese.status_code == 422
    assert "12345" in _alert(chinese.text) and "8 位" in _alert(chinese.text)
    assert re.search(r'id="number"[^>]*aria-invalid="true"', chinese.text, re.S) and 'value="12345"' in chinese.text


def test_a_register_the_account_does_not_hold_is_refused(client: Any, runtime: Any, sender: int) -> None:
    page = client.get("/senders/lists?register=fax&lang=zh-Hant")
    assert page.status_code == 409
    assert _alert(page.text) == f"帳戶 {sender} 沒有訂用 fax 登記冊,因此沒有 fax 名單(可使用的登記冊:sms)。"
    assert "does not hold the fax register" not in page.text  # said whole in Chinese: no English under it
    upload = _upload(client, INSTRUCTIONS, register="fax")
    assert upload.status_code == 409 and "does not hold the fax register" in _alert(upload.text)
    export = client.get("/senders/lists/export?register=fax")
    assert export.status_code == 409 and "text/html" in export.headers["content-type"]


# ---- the washing service's pages ------------------------------------------------------------------------------

WASH_LIST = b"phone,name\n2123 4567,listed\n98765432,plain\n12,garbage\n"


@pytest.fixture
def washer(client: Any, runtime: Any, clock: Any, known_captcha: str) -> int:  # noqa: F811
    """A publication of 2 March listing 21234567 on SMS; the next morning an SMS account logs in on ``client``."""
    list_and_publish(runtime, clock, {"21234567": (Register.sms,)}, DAY1)
    clock.set(at(DAY2, 9))
    account_id = _active(runtime, plans={Register.sms: Plan.twelve_months})
    assert _log_in(client).status_code == 303
    return account_id


def _wash_upload(client: Any, content: bytes, *, lang: str = "en", token: str | None = None, **fields: str) -> Any:
    if token is None:
        token = form_token(client.get(f"/senders/washes?lang={lang}").text)
    data = {"csrf_token": token, "register": "sms", "send_date": SEND_DATE.isoformat(), "column": "phone", **fields}
    return client.post(f"/senders/washes?lang={lang}", data=data, files={"file": ("march.csv", content, "text/csv")},
                       follow_redirects=False)


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ["<h1>Wash a calling list</h1>", "Planned send date", "Upload and wash", ">Wash a list</a>"]),
    ("zh-Hant", ["<h1>清洗發送名單</h1>", "計劃發送日期", "上載並清洗", ">清洗名單</a>"]),
])
def test_the_wash_page_renders_in_both_languages(client: Any, sender: int, lang: str, words: list[str]) -> None:
    page = client.get(f"/senders/washes?lang={lang}")
    assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
    for text in words:
        assert text in page.text, text
    form = _find(r'(<form[^>]*action="/senders/washes".*?</form>)', page.text)
    assert 'name="csrf_token"' in form and 'value="2026-03-02"' in form  # today, ready as the send date


def test_the_wash_pages_need_a_sender_login_and_the_csrf_token(client: Any, runtime: Any, known_captcha: str) -> None:
    for path in ("/senders/washes", "/senders/washes/1", "/senders/washes/1/status",
                 "/senders/washes/1/files/receipt.json"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/senders/login?next="), path
    account_id = _active(runtime, plans={Register.sms: Plan.twelve_months})
    _log_in(client)
    refused = _wash_upload(client, WASH_LIST, token="forged")
    assert refused.status_code == 403
    with unit_of_work(runtime.session_factory) as session:
        assert washing.list_washes(session, account_id=account_id) == []


def test_upload_watch_and_download_a_wash(client: Any, runtime: Any, washer: int) -> None:
    queued = _wash_upload(client, WASH_LIST, client_reference="batch-1")
    assert queued.status_code == 303, queued.text
    wash_url = queued.headers["location"]
    page = client.get(wash_url)
    assert page.status_code == 200 and "Waiting to start" in page.text
    assert f'hx-get="{wash_url}/status" hx-trigger="every 2s"' in page.text  # htmx polls while it waits
    assert "/files/kept.csv" not in page.text
    assert client.get(f"{wash_url}/files/kept.csv").status_code == 409  # no results yet: an error page

    assert [r.status for r in run_washes(runtime)] == ["done"]
    status = client.get(f"{wash_url}/status?lang=zh-Hant")
    assert status.status_code == 200 and "hx-trigger" not in status.text  # done: the polling stops
    assert 'data-state="done"' in status.text and "已完成" in status.text
    counts = dict(re.findall(r'<tr data-count="([a-z_]+)"><th scope="row">[^<]*</th><td class="num">(\d+)</td>',
                             status.text))
    assert counts == {"lines": "3", "kept": "1", "not_kept": "2", "rejected_invalid": "1", "duplicate": "0",
                      "blocked_unsubscribed": "0", "allowed_consent": "0", "blocked_dnc": "1",
                      "allowed_not_yet_protected": "0", "allowed": "1"}
    kept = client.get(f"{wash_url}/files/kept.csv")
    assert kept.status_code == 200 and kept.content.splitlines() == [b"phone,name", b"98765432,plain"]
    receipt = client.get(f"{wash_url}/files/receipt.json")
    assert receipt.status_code == 200 and receipt.json()["publication"]["date"] == DAY1.isoformat()
    assert 'filename="wash-' in receipt.headers["content-disposition"]
    listing = client.get("/senders/washes")
    assert f'href="{wash_url}"' in listing.text and 'data-state="done"' in listing.text


def test_a_refused_wash_is_explained_and_keeps_the_form(client: Any, runtime: Any, washer: int) -> None:
    past = _wash_upload(client, WASH_LIST, lang="zh-Hant", send_date="2026-03-01", client_reference="batch-9")
    assert past.status_code == 422
    assert _alert(past.text) == "發送日期 2026-03-01 已經過去(香港今天是 2026-03-03);請按訊息實際發送的日子清洗。"
    assert 'value="batch-9"' in past.text and 'value="phone"' in past.text and 'value="2026-03-01"' in past.text
    token = form_token(past.text)
    no_file = client.post("/senders/washes", data={"csrf_token": token, "register": "sms", "send_date": "2026-03-20"})
    assert no_file.status_code == 422 and _alert(no_file.text) == "請選擇要上載的發送名單(文字檔、CSV 或其 zip 壓縮檔)。"
    assert re.search(r'id="file"[^>]*aria-invalid="true"', no_file.text, re.S)
    bad_date = _wash_upload(client, WASH_LIST, send_date="next week")
    assert bad_date.status_code == 422 and "is not a date" in _alert(bad_date.text)
    assert re.search(r'id="send_date"[^>]*aria-invalid="true"', bad_date.text, re.S)
    with unit_of_work(runtime.session_factory) as session:
        assert washing.list_washes(session, account_id=washer) == []  # nothing half-made
    assert client.get("/senders/washes/999").status_code == 404
