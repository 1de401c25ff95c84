"""The consent and unsubscribe lists and the washing service in headless Chromium: log in with the CAPTCHA → upload
an instructions CSV → search a number and see its history (the latest instruction wins) → export the current state
→ upload a calling list to wash → watch it finish (htmx polls the status) → download the results and the receipt."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from telreg.core import captcha
from telreg.core.db import unit_of_work
from telreg.dnc.vocabulary import Register
from telreg.senders.vocabulary import Plan
from tests.senders.helpers import PASSWORD, make_active
from tests.senders.helpers import make_officer as make_sender_officer
from tests.senders.usage_helpers import DAY1, DAY2, at, list_and_publish
from tests.senders.washing.helpers import run_washes

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ANSWER = "H4RDW"
USERNAME = "chan.taiman"
INSTRUCTIONS = (
    "number,instruction,at,how,reference\n"
    "61234567,consent,2026-01-05T09:00,web-form,F-1\n"
    "91234567,consent,2026-01-06T09:00,call,\n"
    "6123 4567,unsubscribe,2026-02-10T18:30,reply-stop,STOP-77\n"
).encode()


def _log_in(page: Any) -> None:
    page.goto("/senders/login")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Type the characters in the picture").fill(ANSWER)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Account profile").wait_for()


WASH_LIST = "21234567\n61234567\n91234567\n98765432\n12\n"  # listed, unsubscribed, consented, plain, garbage


def test_lists_then_wash_a_calling_list(page: Any, runtime: Any, clock: Any) -> None:
    runtime.extras[captcha.EXTRAS_KEY] = lambda: ANSWER  # the test knows the answer without reading the picture
    # 21234567 is listed on 2 March and published at the 23:00 close; the sender comes the next morning.
    list_and_publish(runtime, clock, {"21234567": (Register.sms,)}, DAY1)
    clock.set(at(DAY2, 9))
    with unit_of_work(runtime.session_factory) as session:
        make_sender_officer(session, runtime.clock)
        make_active(session, runtime, plans={Register.sms: Plan.twelve_months})
    _log_in(page)

    page.get_by_role("link", name="Consent lists").click()
    page.get_by_role("heading", name="Consent and unsubscribe lists").wait_for()
    page.get_by_label("How it was given").fill("web-form")
    page.get_by_label("Instructions file (CSV)").set_input_files(
        {"name": "instructions.csv", "mimeType": "text/csv", "buffer": INSTRUCTIONS})
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("status").filter(has_text="3 instructions recorded (consents: 2; unsubscribes: 1).").wait_for()
    assert page.locator("#list-counts").get_attribute("data-numbers") == "2"

    page.get_by_label("Number", exact=True).fill("+852 6123 4567")
    page.get_by_role("button", name="Search").click()
    current = page.locator("#number-current")
    current.wait_for()
    assert current.get_attribute("data-instruction") == "unsubscribe"  # the later unsubscribe wins over the consent
    assert "61234567: unsubscribed, asked 10 February 2026" in current.inner_text()
    rows = page.locator("#number-history tbody tr")
    assert [rows.nth(i).get_attribute("data-instruction") for i in range(rows.count())] == ["consent", "unsubscribe"]
    assert rows.nth(1).get_attribute("data-current") == "true" and "STOP-77" in rows.nth(1).inner_text()
    assert page.get_by_label("Number", exact=True).input_value() == "+852 6123 4567"

    with page.expect_download() as info:
        page.get_by_role("link", name="Export the current state (CSV)").click()
    assert re.fullmatch(r"sms-current\.csv", info.value.suggested_filename)
    exported = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert [(r["number"], r["instruction"]) for r in exported] == [("61234567", "unsubscribe"),
                                                                   ("91234567", "consent")]

    page.get_by_role("link", name="Wash a list").click()
    page.get_by_role("heading", name="Wash a calling list").wait_for()
    page.get_by_label("Planned send date").fill("2026-03-20")  # 21234567 is protected from 13 March
    page.get_by_label("Calling list").set_input_files(
        {"name": "march.txt", "mimeType": "text/plain", "buffer": WASH_LIST.encode()})
    page.get_by_role("button", name="Upload and wash").click()
    page.get_by_role("heading", name=re.compile(r"Wash #\d+")).wait_for()
    assert page.locator("#wash-status").get_attribute("data-state") == "queued"

    assert [r.status for r in run_washes(runtime)] == ["done"]  # the worker, while the page waits
    page.locator("#wash-status[data-state='done']").wait_for()  # htmx polled and swapped in the result
    counts = {name: page.locator(f"tr[data-count='{name}'] td").inner_text()
              for name in ("lines", "kept", "blocked_dnc", "blocked_unsubscribed", "allowed_consent", "allowed",
                           "rejected_invalid")}
    assert counts == {"lines": "5", "kept": "2", "blocked_dnc": "1", "blocked_unsubscribed": "1",
                      "allowed_consent": "1", "allowed": "1", "rejected_invalid": "1"}

    with page.expect_download() as kept:
        page.get_by_role("link", name="Lines that may be sent (kept.csv)").click()
    assert Path(kept.value.path()).read_text(encoding="utf-8").split() == ["91234567", "98765432"]
    with page.expect_download() as receipt:
        page.get_by_role("link", name="Scrub receipt (receipt.json)").click()
    proof = json.loads(Path(receipt.value.path()).read_text(encoding="utf-8"))
    assert proof["publication"]["date"] == DAY1.isoformat() and proof["send_date"] == "2026-03-20"
