"""Lists that grow are paged: "Showing 3–4 of 5", previous and next links that keep the rest of the address, a
page at a time fetched and counted by the database (SQLite and PostgreSQL). The page size is lowered here to 2
(web/paging.py's PAGE_SIZE) instead of adding a hundred rows per list."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from starlette.requests import Request

from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.core.files import store_document
from telreg.dnc import paper
from telreg.dnc.vocabulary import Register
from telreg.runtime import Runtime
from telreg.senders import applications
from telreg.senders.deps import SenderCaller
from telreg.senders.lifecycle import access
from telreg.senders.lists import service as lists
from telreg.senders.models import SenderDownload
from telreg.senders.washing import service as washing
from telreg.web import paging
from tests.realname.porting.helpers import ask, cancel, registered, reject, two_operators
from tests.senders.helpers import apply
from tests.web.test_forms_keep_input import staff
from tests.web.test_sender_pages import _active, _log_in, known_captcha  # noqa: F401 - a fixture


@pytest.fixture
def two_a_page(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    return 2


def _request(query: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/senders/washes",
                    "query_string": query.encode(), "headers": []})


def _pager(page: str, param: str = "page") -> dict[str, Any]:
    """What the pager of the list paged by PARAM says: its count, and its links."""
    nav = re.search(rf'<nav class="pager" id="pager-{param}".*?</nav>', page, re.S)
    assert nav, f"no pager for {param}"
    count = re.search(r'<p class="pager-count">([^<]*)</p>', nav.group(0))
    links = {rel: href.replace("&amp;", "&")
             for href, rel in re.findall(r'<a href="([^"]+)" rel="(prev|next)">', nav.group(0))}
    return {"count": count.group(1) if count else None, **links}


# ---- the helper --------------------------------------------------------------------------------------------

def test_a_page_knows_its_rows_and_neighbours() -> None:
    middle = paging.paginate(_request("page=2&state=active&lang=zh-Hant"), total=5, size=2, fragment="list")
    assert (middle.number, middle.pages, middle.offset, middle.first, middle.last) == (2, 3, 2, 3, 4)
    assert middle.prev_url == "/senders/washes?state=active#list"  # page 1 has no number; lang is not pinned
    assert middle.next_url == "/senders/washes?state=active&page=3#list"
    last = paging.paginate(_request("page=99"), total=5, size=2)
    assert (last.number, last.first, last.last, last.next_url) == (3, 5, 5, None)  # out of range: the last
    assert paging.paginate(_request("page=-1"), total=5, size=2).number == 1
    assert paging.paginate(_request("page=two"), total=5, size=2).number == 1
    empty = paging.paginate(_request(""), total=0, size=2)
    assert (empty.pages, empty.first, empty.last, empty.prev_url, empty.next_url) == (1, 0, 0, None, None)
    other = paging.paginate(_request("page=2&decided_page=3"), total=9, size=2, param="decided_page")
    assert other.number == 3
    assert other.next_url == "/senders/washes?page=2&decided_page=4"  # the other list stays where it is


# ---- the senders' lists ------------------------------------------------------------------------------------

def test_washes_are_paged(client: Any, runtime: Any, known_captcha: str, two_a_page: int) -> None:
    account_id = _active(runtime)
    with unit_of_work(runtime.session_factory) as session:
        caller = SenderCaller(access(session, clock=runtime.clock, settings=runtime.settings,
                                     account_id=account_id))
        for n in range(5):
            washing.submit(session, clock=runtime.clock, settings=runtime.settings, caller=caller,
                           register="sms", send_date=dt.date(2026, 3, 2), stream=io.BytesIO(b"21234567\n"),
                           filename=f"list-{n}.txt")
            runtime.clock.advance(minutes=1)
    _log_in(client)
    first = client.get("/senders/washes")
    assert re.findall(r'<tr data-wash="(\d+)"', first.text) == ["5", "4"]  # newest first, two of five
    assert _pager(first.text) == {"count": "Showing 1–2 of 5 entries",
                                  "next": "/senders/washes?page=2#washes-title"}
    third = client.get("/senders/washes?page=3")
    assert re.findall(r'<tr data-wash="(\d+)"', third.text) == ["1"]
    assert _pager(third.text) == {"count": "Showing 5–5 of 5 entries",
                                  "prev": "/senders/washes?page=2#washes-title"}
    zh = client.get("/senders/washes?page=2&lang=zh-Hant")
    assert "顯示第 3 至 4 項,共 5 項" in zh.text and "第 2 頁,共 3 頁" in zh.text


def test_a_lists_current_state_and_a_numbers_history_are_paged(client: Any, runtime: Any, known_captcha: str,
                                                                two_a_page: int) -> None:
    account_id = _active(runtime)
    with unit_of_work(runtime.session_factory) as session:
        holder = access(session, clock=runtime.clock, settings=runtime.settings, account_id=account_id)
        key = lists.open_list(holder, register="sms")
        rows = ["number,instruction,at"] + [f"6123456{n},consent,2026-02-0{n}T10:00" for n in range(1, 4)] + \
            ["61234561,unsubscribe,2026-02-05T10:00", "61234561,consent,2026-02-06T10:00"]
        lists.import_csv(session, clock=runtime.clock, key=key, data="\n".join(rows).encode(), source="t.csv",
                         recorded_by="test")
    _log_in(client)
    first = client.get("/senders/lists?register=sms")
    assert 'data-numbers="3"' in first.text and "3 numbers: 3 with consent, 0 unsubscribed." in first.text
    assert re.findall(r'<tr data-number="(\d+)"', first.text) == ["61234561", "61234562"]
    assert _pager(first.text)["next"] == "/senders/lists?register=sms&page=2#current-title"
    history = client.get("/senders/lists?register=sms&number=61234561&history_page=2")
    assert _pager(history.text, "history_page")["count"] == "Showing 3–3 of 3 entries"
    assert re.findall(r'<tr data-instruction="([a-z]+)"( data-current="true")?>', history.text)[0] == \
        ("consent", ' data-current="true"')  # the latest, on the last page, is marked current
    assert 'id="number-current" data-instruction="consent"' in history.text
    earlier = client.get("/senders/lists?register=sms&number=61234561")
    assert 'data-current="true"' not in earlier.text.split('id="number-history"')[1].split("</table>")[0]
    assert 'id="number-current" data-instruction="consent"' in earlier.text  # the current state, every page


# ---- the officers' lists -----------------------------------------------------------------------------------

def test_sender_accounts_and_a_downloads_log_are_paged(client: Any, runtime: Runtime,
                                                       two_a_page: int) -> None:
    with unit_of_work(runtime.session_factory) as session:
        for n in range(3):
            apply(session, runtime, username=f"applicant.{n}")
            runtime.clock.advance(minutes=1)
        account_id = applications.list_applications(session)[0]["id"]
        for n in range(5):
            session.add(SenderDownload(account_id=account_id, register="sms",
                                       publication_date=dt.date(2026, 3, n + 1),
                                       file_name=f"sms-numbers-{n}.zip",
                                       downloaded_at=dt.datetime(2026, 3, 2, 9, n, tzinfo=HK)))
        assert applications.count_applications(session) == 3
    staff(client, runtime)
    listed = client.get("/staff/senders")
    assert re.findall(r'<tr id="account-(\d+)"', listed.text) == ["3", "2"]
    assert _pager(listed.text) == {"count": "Showing 1–2 of 3 entries", "next": "/staff/senders?page=2"}
    assert re.findall(r'<tr id="account-(\d+)"', client.get("/staff/senders?page=2").text) == ["1"]
    log = client.get(f"/staff/senders/{account_id}?downloads_page=3")
    assert re.findall(r"<td>(sms-numbers-\d)\.zip</td>", log.text) == ["sms-numbers-0"]  # the oldest, last
    assert _pager(log.text, "downloads_page") == {
        "count": "Showing 5–5 of 5 entries",
        "prev": f"/staff/senders/{account_id}?downloads_page=2#downloads-title"}


def test_paper_applications_are_paged_waiting_and_decided_apart(client: Any, runtime: Runtime,
                                                                two_a_page: int) -> None:
    staff(client, runtime)
    with unit_of_work(runtime.session_factory) as session:
        bill = store_document(runtime.settings.data_dir, filename="bill.pdf", content=b"%PDF-1.4\n%%EOF\n",
                              max_bytes=runtime.settings.max_upload_bytes, area="paper-bills")
        for n in range(6):
            paper.record_application(session, clock=runtime.clock, number=f"6123456{n}",
                                     registers=[Register.fax], action="register",
                                     applicant_name=f"Applicant {n}", bill=bill, officer_name="officer.chan")
            runtime.clock.advance(minutes=1)
        for application_id in (1, 2, 3):
            paper.reject(session, clock=runtime.clock, application_id=application_id,
                         officer_name="officer.chan", reason="Old bill")
        assert paper.count_applications(session, status="pending") == 3
        assert paper.count_applications(session, decided=True) == 3
    page = client.get("/staff/paper?decided_page=2")
    assert _pager(page.text) == {"count": "Showing 1–2 of 3 entries",
                                                  "next": "/staff/paper?decided_page=2&page=2#pending-title"}
    assert _pager(page.text, "decided_page") == {"count": "Showing 3–3 of 3 entries",
                                                  "prev": "/staff/paper#decided-title"}
    assert re.findall(r'<tr id="application-(\d+)"', page.text) == ["6", "5", "1"]


def test_an_operators_port_requests_are_paged_per_list(client: Any, runtime: Runtime,
                                                        two_a_page: int) -> None:
    two_operators(runtime)
    for n in range(5):
        registered(runtime, f"5123456{n}")
    ports = [ask(runtime, f"5123456{n}")["id"] for n in range(5)]
    reject(runtime, ports[0])
    cancel(runtime, ports[1])
    staff(client, runtime, "clerk.one", ("operator-staff",), operator="op1")
    page = client.get("/staff/realname/ports?waiting_page=2")
    assert _pager(page.text, "waiting_page") == {"count": "Showing 3–3 of 3 entries",
                                                  "prev": "/staff/realname/ports#waiting-title"}
    assert _pager(page.text, "decided_page")["count"] == "Showing 1–2 of 2 entries"
    waiting = page.text.split('id="waiting"')[1].split("</table>")[0]
    assert re.findall(r'data-port="(\d+)"', waiting) == [str(ports[2])]  # the oldest waiting, alone on page 2
