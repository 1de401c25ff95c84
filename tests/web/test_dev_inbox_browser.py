"""The development inbox in headless Chromium, as a demo user reads it: a real mail delivered over SMTP by
the outbox to the sink that `telreg serve` starts, and an SMS code, appear without reloading (htmx polls); the
page reads at phone width and in Chinese; an officer requeues a failed mail from the mail delivery page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import update

from telreg.core import mail
from telreg.core.db import unit_of_work
from telreg.core.dev_inbox import start_smtp_sink
from telreg.core.mail import OutboxMessage
from telreg.runtime import build_runtime
from tests.core.test_dev_inbox import _free_port
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, make_officer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"telephony_adapter": "demo", "smtp_host": "127.0.0.1",
                                       "smtp_port": _free_port(), "smtp_timeout_seconds": 5.0})


@pytest.fixture
def runtime(settings, engine, clock):  # type: ignore[no-untyped-def]
    return build_runtime(settings, clock=clock, engine=engine)


def _no_sideways_scrolling(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_mails_and_sms_codes_appear_on_the_inbox_without_reloading(page: Any, runtime: Any) -> None:
    sink = start_smtp_sink(runtime)
    assert sink is not None
    try:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto("/dev/inbox")
        page.get_by_role("heading", name="Development inbox").wait_for()
        assert page.locator("#no-mails").is_visible() and page.locator("#no-lines").is_visible()

        with unit_of_work(runtime.session_factory) as session:
            mail.enqueue(session, clock=runtime.clock, key="test:browser:1", to="chan@example.com",
                         subject="Your account is active",
                         body="Dear CHAN Tai Man,\n\nYour account is active.")
        assert mail.deliver_due(runtime) == {"sent": 1}  # over SMTP, into the sink
        runtime.sms.send_sms("61234567", "Your one-identity code is 482913")

        # No reload: htmx fetches the lists again every few seconds.
        page.get_by_role("heading", name="Your account is active").wait_for(timeout=10_000)
        page.get_by_text("Your one-identity code is 482913").wait_for()
        assert page.get_by_text("chan@example.com").is_visible()
        assert page.get_by_role("heading", name="SMS · 61234567").is_visible()
        _no_sideways_scrolling(page)

        for lang, title, sms in [("zh-Hant", "開發用收件匣", "短訊"), ("zh-Hans", "开发用收件箱", "短讯")]:
            page.goto(f"/dev/inbox?lang={lang}")
            page.get_by_role("heading", name=title).wait_for()
            assert page.get_by_role("heading", name=f"{sms} · 61234567").is_visible()
            _no_sideways_scrolling(page)
    finally:
        sink.stop()


def test_an_officer_requeues_a_failed_mail(page: Any, runtime: Any) -> None:
    make_officer(runtime)
    with unit_of_work(runtime.session_factory) as session:
        mail.enqueue(session, clock=runtime.clock, key="test:browser:2", to="nobody@example.com",
                     subject="Reminder", body="b")
        session.execute(update(OutboxMessage).where(OutboxMessage.key == "test:browser:2")
                        .values(state="failed", attempts=12, last_error="550 5.1.1 No such mailbox"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/staff/mail")
    page.get_by_label("Username").fill(OFFICER)
    page.get_by_label("Password").fill(OFFICER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Mail delivery").wait_for()
    row = page.locator("#undelivered tbody tr")
    assert re.search(r"Failed\s+nobody@example.com\s+Reminder", row.inner_text())
    assert "550 5.1.1 No such mailbox" in row.inner_text()
    _no_sideways_scrolling(page)  # the table scrolls inside its own box

    page.get_by_role("button", name="Queue the failed mails again (1)").click()
    page.get_by_text("Failed mails queued again for delivery: 1.").wait_for()
    assert re.search(r"Waiting\s+nobody@example.com", page.locator("#undelivered tbody tr").inner_text())
