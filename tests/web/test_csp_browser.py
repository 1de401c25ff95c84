"""The pages work under the Content-Security-Policy (issue 14): Chromium reports every refused script, style or
image to the console, so each role's main journey runs here with the console watched, and any report fails.

The journeys are the role tests' own (test_role_journeys_browser.py), in English, on SQLite (what is checked is
the browser's reading of the pages; the headers are checked on both databases over HTTP in
test_security_headers.py). htmx's swaps (the number check, the registration form) run inside them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from telreg.core import captcha
from telreg.runtime import Runtime
from tests.web.demo_world import demo_world
from tests.web.test_role_journeys_browser import CAPTCHA, JOURNEYS

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

EXTRA_PAGES = ("/", "/senders", "/senders/apply", "/senders/login", "/staff/login", "/dev/inbox", "/no-such-page")


@pytest.fixture
def backend() -> str:
    return "sqlite"  # see the module docstring


@pytest.fixture
def watched(page: Any) -> Iterator[tuple[Any, list[str]]]:
    """The page, and every CSP report (or script error) the console shows while the test runs."""
    reports: list[str] = []

    def note(message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text or "Refused to" in text:
            reports.append(f"{page.url}: {text}")

    page.on("console", note)
    page.on("pageerror", lambda error: reports.append(f"{page.url}: script error {error}"))
    yield page, reports


def test_a_refused_inline_script_is_reported_so_the_watch_can_fail(watched: tuple[Any, list[str]]) -> None:
    page, reports = watched
    page.goto("/")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';
                              document.body.appendChild(s); }""")
    page.wait_for_timeout(200)
    assert any("Content Security Policy" in report for report in reports), reports


@pytest.mark.parametrize("role", list(JOURNEYS))
def test_each_role_journey_raises_no_csp_report(watched: tuple[Any, list[str]], runtime: Runtime,
                                                role: str) -> None:
    page, reports = watched
    runtime.extras[captcha.EXTRAS_KEY] = lambda: CAPTCHA
    demo_world(runtime)
    JOURNEYS[role](page, "en")
    if role == "public":
        for path in EXTRA_PAGES:
            page.goto(path)
            page.wait_for_load_state("load")
    assert reports == []
