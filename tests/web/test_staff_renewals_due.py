"""Officers see renewal orders waiting for payment: an active account that ordered a renewal is listed under
"Waiting for documents or payment" with what it owes (it used to be missing, and its application order's
HK$0.00 was shown as outstanding)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from telreg.core.db import unit_of_work
from telreg.dnc.vocabulary import Register
from telreg.senders import applications, renewals
from telreg.senders.vocabulary import Plan
from telreg.runtime import Runtime
from tests.senders.helpers import apply, make_active
from tests.senders.helpers import make_officer as make_sender_officer
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, form_token, make_officer


def _renewing(runtime: Runtime) -> int:
    """An active account (SMS for 12 months) that ordered a 3-month SMS renewal (HK$425) not yet paid."""
    with unit_of_work(runtime.session_factory) as session:
        make_sender_officer(session, runtime.clock)
        account = make_active(session, runtime)
        renewals.request_renewal(session, clock=runtime.clock, settings=runtime.settings,
                                 account_id=account.id, plans={Register.sms: Plan.three_months},
                                 actor=f"sender:{account.id}")
        return int(account.id)


def _pending(runtime: Runtime) -> int:
    with unit_of_work(runtime.session_factory) as session:
        account = apply(session, runtime, username="lee.siuming", plans={Register.fax: Plan.twelve_months})
        return int(account.id)


def test_the_waiting_list_has_an_active_account_with_a_renewal_to_pay(runtime: Runtime) -> None:
    renewing, pending = _renewing(runtime), _pending(runtime)
    with unit_of_work(runtime.session_factory) as session:
        waiting = {row["id"]: row for row in applications.list_applications(session)}
        active = {row["id"]: row for row in applications.list_applications(session, state="active")}
    assert set(waiting) == {renewing, pending}
    assert waiting[renewing]["outstanding_cents"] == 42500
    assert [order["kind"] for order in waiting[renewing]["orders_due"]] == ["renewal"]
    assert waiting[pending]["outstanding_cents"] == 160000  # the application fee (12 months, one register)
    assert active[renewing]["outstanding_cents"] == 42500  # listed by its state, it still shows what it owes


@pytest.mark.parametrize("lang", ["en", "zh-Hant"])
def test_the_officer_list_shows_what_a_renewal_owes(client: Any, runtime: Runtime, lang: str) -> None:
    renewing = _renewing(runtime)
    make_officer(runtime)
    token = form_token(client.get("/staff/login").text)
    client.post("/staff/login", data={"username": OFFICER, "password": OFFICER_PASSWORD, "csrf_token": token})
    page = client.get(f"/staff/senders?lang={lang}")
    row = re.search(rf'<tr id="account-{renewing}">(.*?)</tr>', page.text, re.S)
    assert row, "the renewing account is missing from the waiting list"
    outstanding = re.search(r'<td class="num"[^>]*>([^<]*)</td>', row.group(1))
    assert outstanding and outstanding.group(1) == "HK$425.00"
    assert ("Renewal order" if lang == "en" else "續期訂單") in row.group(1)
