""""Listed" is a fact, not good news: on the public status page and the officer's number page it is not shown
in the colour of success (a sender's check says "do not send" instead: test_listed_pages.py). In headless
Chromium, which applies the stylesheet."""

from __future__ import annotations

import re
from typing import Any

import pytest

from telreg.dnc.vocabulary import Register
from telreg.runtime import Runtime
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, list_number, make_officer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LISTED = "21234567"
GREEN = "rgb(27, 110, 52)"  # --good in telreg.css: the flash of a change done


def _colour(page: Any, selector: str) -> str:
    return str(page.locator(selector).evaluate("el => getComputedStyle(el).color"))


def test_listed_is_not_shown_as_good_news(page: Any, runtime: Runtime) -> None:
    list_number(runtime, LISTED, (Register.sms,))
    page.goto(f"/status?number={LISTED}")
    listed = "tr[data-register='sms'] td.listed"
    assert page.locator(listed).inner_text() == "Listed"
    assert _colour(page, listed) != GREEN
    assert _colour(page, listed) == _colour(page, "h1")  # the page's own ink, like any other fact
    page.goto("/senders/login")  # a change done is still green: the check above can tell the colours apart
    page.evaluate("document.querySelector('main')"
                  ".insertAdjacentHTML('afterbegin', '<p class=\"flash\">x</p>')")
    assert page.locator("p.flash").evaluate("el => getComputedStyle(el).borderLeftColor") == GREEN

    make_officer(runtime)
    page.goto(f"/staff/login?next=/staff/numbers?number={LISTED}")
    page.locator("#username").fill(OFFICER)
    page.locator("#password").fill(OFFICER_PASSWORD)
    page.locator("#password").press("Enter")
    page.wait_for_url(re.compile(r"/staff/numbers"))
    assert _colour(page, f"table.status {listed}") != GREEN
