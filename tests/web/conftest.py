"""Fixtures of the web tests: small data helpers (the live server and headless Chromium are in tests/conftest.py).

The live server is the real app (uvicorn, in a thread) on the test ``runtime``, so browser tests run on
SQLite and on PostgreSQL like every storage test. Chromium is the system one (/usr/bin/chromium): when it is
missing the browser tests skip, unless TELREG_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import re
from typing import Any

from telreg.core.db import unit_of_work
from telreg.core.users import create_user
from telreg.dnc.service import deregister_number, register_number
from telreg.dnc.vocabulary import Channel, Register, Verification
from telreg.runtime import Runtime

# The browser fixtures (`browser`, `page`) are in tests/conftest.py: defined once, so every test directory gets the
# same Chromium per worker (a second definition would start a second Playwright in the worker, which it refuses).
OFFICER = "officer.chan"
OFFICER_PASSWORD = "correct horse battery"


# ---- data helpers ----------------------------------------------------------------------------------------


def make_officer(
    runtime: Runtime,
    *,
    username: str = OFFICER,
    password: str = OFFICER_PASSWORD,
    roles: tuple[str, ...] = ("dnc-officer",),
    operator: str | None = None,
    agency: str | None = None,
) -> str:
    with unit_of_work(runtime.session_factory) as session:
        create_user(session, clock=runtime.clock, username=username, password=password, roles=list(roles),
                    operator=operator, agency=agency)
    return username


def list_number(runtime: Runtime, number: str, registers: tuple[Register, ...] = tuple(Register)) -> None:
    with unit_of_work(runtime.session_factory) as session:
        register_number(
            session,
            clock=runtime.clock,
            settings=runtime.settings,
            number=number,
            registers=list(registers),
            channel=Channel.caller_id,
            verification=Verification.caller_id,
            actor="hotline",
        )


def delist_number(runtime: Runtime, number: str, registers: tuple[Register, ...]) -> None:
    with unit_of_work(runtime.session_factory) as session:
        deregister_number(
            session,
            clock=runtime.clock,
            settings=runtime.settings,
            number=number,
            registers=list(registers),
            channel=Channel.caller_id,
            verification=Verification.caller_id,
            actor="hotline",
        )


def switch_language(page: Any, link: Any, lang: str) -> None:
    """Click a language link and wait until the page it loads is in LANG.

    Waiting on the navigation first: polling ``document.documentElement.lang`` while the old page unloads could
    fail with a destroyed execution context (a flake seen once in CI).
    """
    with page.expect_navigation():
        page.get_by_role("link", name=link).click()
    page.wait_for_function(f"document.documentElement.lang === {lang!r}")


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


# ---- browser ---------------------------------------------------------------------------------------------


