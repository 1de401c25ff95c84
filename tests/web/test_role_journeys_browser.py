"""One journey per role in headless Chromium at phone width (390 px), in English, Traditional and Simplified
Chinese: sign in, land on the role's own page (never a 403), see the menu of that role only, do or see the
main task; no raw internal values on any page, no English words on a Chinese page.

One page per role goes through the three languages (the cookies are cleared between them, so each language
signs in afresh). The journeys run on SQLite only: what they check is the pages, and the same pages are
checked on both databases over HTTP (test_staff_pages_by_role.py); this keeps the file near half a minute of
browser time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from telreg.core import captcha
from telreg.runtime import Runtime
from tests.web.demo_world import NAMES, PASSWORDS, demo_world
from tests.web.page_text import english_runs, raw_values

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LANGS = ("en", "zh-Hant", "zh-Hans")
PHONE = {"width": 390, "height": 844}
CAPTCHA = "K7PQ2"


@pytest.fixture
def backend() -> str:
    return "sqlite"  # see the module docstring


@pytest.fixture
def phone(browser: Any, live_server: str) -> Iterator[Any]:
    """A page at phone width on the live server."""
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport=PHONE)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _check_words(page: Any, lang: str, where: str) -> None:
    text = page.inner_text("body")
    assert raw_values(text) == [], f"{where} ({lang}) shows internal values"
    if lang != "en":
        assert english_runs(text, names=NAMES) == [], f"{where} ({lang}) shows English"


def _staff_menu(page: Any) -> list[str]:
    hrefs = page.eval_on_selector_all("header nav a", "links => links.map(a => a.getAttribute('href'))")
    return [href for href in hrefs if href.startswith("/staff") and "lang=" not in href]


def _staff_sign_in(page: Any, lang: str, username: str) -> None:
    page.goto(f"/staff/login?lang={lang}")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def _landed(page: Any, path: str, lang: str) -> None:
    assert re.fullmatch(rf"https?://[^/]+{re.escape(path)}", page.url), page.url
    # No error page (a 403) on arrival.
    assert page.locator("section.error").count() == 0, page.inner_text("main")
    page.wait_for_function(f"document.documentElement.lang === {lang!r}")


# ---- the journeys ------------------------------------------------------------------------------------------

def _public(page: Any, lang: str) -> None:
    page.goto(f"/?lang={lang}")
    _check_words(page, lang, "the start page")
    page.fill("#number", "2812 3456")
    page.click("#checker button[type=submit]")
    page.locator("#result-title").wait_for()
    assert page.locator("#result tr[data-register='fax'] td.listed").count() == 1
    _check_words(page, lang, "a number's status")


def _sender(page: Any, lang: str) -> None:
    page.goto(f"/senders/login?lang={lang}")
    page.fill("#username", "demo-sender")
    page.fill("#password", PASSWORDS["demo-sender"])
    page.fill("#captcha_answer", CAPTCHA)
    with page.expect_navigation():
        page.click("main form.stacked button[type=submit]")
    _landed(page, "/senders/profile", lang)
    _check_words(page, lang, "the sender's profile")
    page.goto("/senders/check")
    page.fill("#numbers", "2812 3456\n2812 3457")
    page.check("input[name=registers][value=fax]")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.locator("#check-result").wait_for()
    _check_words(page, lang, "the online check")
    page.goto("/senders/lists?register=sms&number=61234567")
    page.locator("#number-history").wait_for()
    _check_words(page, lang, "a consent list")


def _officer(page: Any, lang: str) -> None:
    _staff_sign_in(page, lang, "officer")
    _landed(page, "/staff", lang)
    assert _staff_menu(page) == ["/staff", "/staff/paper", "/staff/senders", "/staff/mail"]
    _check_words(page, lang, "the DNC dashboard")
    page.fill("#lookup-number", "28123456")
    with page.expect_navigation():
        page.click("form.lookup button[type=submit]")
    assert page.locator("table.history tr[data-event='registered']").count() == 2
    _check_words(page, lang, "a number's history")
    page.goto("/staff/senders")
    assert page.locator("tr[id^='account-'] .renewal-due").count() == 1  # the renewal waiting for payment
    _check_words(page, lang, "the sender accounts")


def _clerk(page: Any, lang: str) -> None:
    _staff_sign_in(page, lang, "clerk")
    _landed(page, "/staff/realname/register", lang)
    assert _staff_menu(page) == ["/staff/realname/register", "/staff/realname/queues",
                                 "/staff/realname/ports", "/staff/realname/consents"]
    assert page.locator("#register-form").is_visible() and page.locator("#holder_name").is_visible()
    _check_words(page, lang, "the shop")
    page.goto("/staff/realname/ports")
    _check_words(page, lang, "number porting")


def _regulator(page: Any, lang: str) -> None:
    _staff_sign_in(page, lang, "regulator")
    _landed(page, "/staff/realname/compliance", lang)
    assert _staff_menu(page) == ["/staff/realname/compliance", "/staff/realname/queues",
                                 "/staff/realname/ports", "/staff/lawful/oversight", "/staff/lawful/transparency",
                                 "/staff/realname/retention", "/staff/incidents", "/staff/approvals",
                                 "/staff/enforcement/reports", "/staff/enforcement/cases",
                                 "/staff/enforcement/statistics"]
    assert page.locator("#live tr[data-operator='harbour'] th").inner_text() == "Harbour Mobile (demo)"
    assert page.locator("#rate-chart").is_visible()
    _check_words(page, lang, "the compliance dashboard")
    for path, where in (("/staff/lawful/oversight", "lawful-access oversight"),
                        ("/staff/lawful/transparency", "the transparency report")):
        page.goto(path)
        _check_words(page, lang, where)


def _compliance(page: Any, lang: str) -> None:
    _staff_sign_in(page, lang, "compliance")
    _landed(page, "/staff/lawful/queue", lang)
    assert _staff_menu(page) == ["/staff/realname/consents", "/staff/lawful/queue", "/staff/realname/retention",
                                 "/staff/incidents", "/staff/approvals"]
    _check_words(page, lang, "the lawful-access queue")
    for path, where in (("/staff/realname/consents", "consents"), ("/staff/approvals", "two-person approvals"),
                        ("/staff/incidents", "incidents")):
        page.goto(path)
        _check_words(page, lang, where)


def _detective(page: Any, lang: str) -> None:
    _staff_sign_in(page, lang, "detective")
    _landed(page, "/staff/lawful/requests", lang)
    assert _staff_menu(page) == ["/staff/lawful/requests"]
    _check_words(page, lang, "the agency's requests")
    page.goto("/staff/lawful/requests/new")
    _check_words(page, lang, "a new request")


def _inspector(page: Any, lang: str) -> None:
    _staff_sign_in(page, lang, "inspector")
    _landed(page, "/staff/lawful/endorsements", lang)
    assert _staff_menu(page) == ["/staff/lawful/endorsements", "/staff/lawful/requests"]
    _check_words(page, lang, "endorsements")


JOURNEYS: dict[str, Callable[[Any, str], None]] = {
    "public": _public, "sender": _sender, "dnc-officer": _officer, "operator-staff": _clerk,
    "regulator": _regulator, "operator-compliance": _compliance, "le-officer": _detective,
    "le-supervisor": _inspector,
}


@pytest.mark.parametrize("role", list(JOURNEYS))
def test_each_role_signs_in_to_its_own_page_in_three_languages(phone: Any, runtime: Runtime,
                                                                role: str) -> None:
    runtime.extras[captcha.EXTRAS_KEY] = lambda: CAPTCHA
    demo_world(runtime)
    for lang in LANGS:
        phone.context.clear_cookies()  # signed out: each language starts at sign-in
        JOURNEYS[role](phone, lang)
