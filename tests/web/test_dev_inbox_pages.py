"""Pages of issue 13 §2: the development inbox (/dev/inbox, 404 in production), the officers' mail delivery
page (/staff/mail: waiting and failed mails, attempts, last error, requeue), and pages that say a mail is
queued, never that it was sent — in English, Traditional and Simplified Chinese."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from telreg.app import create_app
from telreg.config import Environment
from telreg.core import audit, mail
from telreg.core.db import unit_of_work
from telreg.core.mail import OutboxMessage
from telreg.runtime import build_runtime
from telreg.web.senders.messages import SENDER_MESSAGES
from tests.senders.helpers import PDF
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, form_token, make_officer

WEB = Path(__file__).resolve().parents[2] / "src" / "telreg" / "web"
LANGS = ["en", "zh-Hant", "zh-Hans"]
WORDS = {  # heading, "SMS", "line busy", "mails" heading
    "en": ("Development inbox", "SMS", "Line busy", "Mails"),
    "zh-Hant": ("開發用收件匣", "短訊", "線路繁忙", "電郵"),
    "zh-Hans": ("开发用收件箱", "短讯", "线路占线", "邮件"),
}


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"telephony_adapter": "demo"})


@pytest.fixture
def runtime(settings, engine, clock):  # type: ignore[no-untyped-def]
    """As `make run` builds it: the demo telephone lines, an inbox dated by the test clock."""
    return build_runtime(settings, clock=clock, engine=engine)


def _receive(runtime: Any, subject: str, body: str, to: str = "chan@example.com") -> None:
    runtime.inbox.receive(sender="DNC Registers <dnc@test.invalid>", to=[to],
                          content=f"Subject: {subject}\nTo: {to}\n\n{body}\n".encode())


def _heading(html: str) -> str:
    match = re.search(r"<h1>([^<]*)</h1>", html)
    assert match, "the page has no h1"
    return match.group(1)


@pytest.mark.parametrize("lang", LANGS)
def test_the_inbox_lists_mails_and_what_the_lines_sent(client, runtime, lang):
    _receive(runtime, "Your account is active", "Sign in with chan.taiman.")
    runtime.sms.send_sms("61234567", "Your one-identity code is 482913")
    runtime.fax.lines.script("27654321", faxes=["busy"])
    runtime.fax.send_fax("27654321", "Your code is 5521")

    page = client.get(f"/dev/inbox?lang={lang}")
    assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
    heading, sms, busy, mails = WORDS[lang]
    assert _heading(page.text) == heading
    assert f'id="mails-title">{mails} ' in page.text
    assert "Your account is active" in page.text and "Sign in with chan.taiman." in page.text
    assert "chan@example.com" in page.text
    assert f"{sms} · 61234567" in page.text and "Your one-identity code is 482913" in page.text
    assert busy in page.text and "Your code is 5521" in page.text
    assert "no_answer" not in page.text and ">busy<" not in page.text  # words, never the adapters' codes
    # Newest first: the fax came after the SMS.
    assert page.text.index("Your code is 5521") < page.text.index("482913")
    assert 'hx-get="/dev/inbox/messages" hx-trigger="every 3s"' in page.text


def test_the_refreshed_part_brings_new_messages(client, runtime):
    first = client.get("/dev/inbox/messages")
    assert first.status_code == 200 and 'id="no-mails"' in first.text and 'id="no-lines"' in first.text
    assert "<html" not in first.text  # only the part htmx swaps in
    _receive(runtime, "Reminder: your subscription expires soon", "Renew before 1 April.")
    later = client.get("/dev/inbox/messages")
    assert "Reminder: your subscription expires soon" in later.text and 'id="no-mails"' not in later.text
    assert later.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/dev/inbox", "/dev/inbox/messages"])
def test_the_inbox_page_does_not_exist_in_production(runtime, path):
    _receive(runtime, "secret", "code 1")
    runtime.settings = runtime.settings.model_copy(update={"env": Environment.production})
    with TestClient(create_app(runtime)) as production:
        page = production.get(path)
    assert page.status_code == 404
    assert "secret" not in page.text and "Development inbox" not in page.text


# ---- the officers' mail delivery page ----------------------------------------------------------------------

def _sign_in(client: Any) -> None:
    make_officer(runtime_of(client))
    token = form_token(client.get("/staff/login").text)
    signed = client.post("/staff/login", data={"username": OFFICER, "password": OFFICER_PASSWORD,
                                               "csrf_token": token}, follow_redirects=False)
    assert signed.status_code == 303


def runtime_of(client: Any) -> Any:
    return client.app.state.runtime


def _outbox(runtime: Any) -> None:
    with unit_of_work(runtime.session_factory) as session:
        for n, (state, attempts, error) in enumerate([
            ("failed", 12, "550 5.1.1 No such mailbox"),
            ("pending", 4, "ConnectionRefusedError: [Errno 111]"),
            ("pending", 0, None), ("sent", 1, None),
        ]):
            key = f"test:page:{n}"
            mail.enqueue(session, clock=runtime.clock, key=key, to=f"m{n}@example.com", subject=f"Notice {n}",
                         body="b")
            session.execute(update(OutboxMessage).where(OutboxMessage.key == key)
                            .values(state=state, attempts=attempts, last_error=error))


@pytest.mark.parametrize(("lang", "title", "failed"), [("en", "Mail delivery", "Failed"),
                                                      ("zh-Hant", "電郵遞送", "遞送失敗"),
                                                      ("zh-Hans", "邮件投递", "投递失败")])
def test_officers_see_waiting_and_failed_mails(client, runtime, lang, title, failed):
    _outbox(runtime)
    _sign_in(client)
    page = client.get(f"/staff/mail?lang={lang}")
    assert page.status_code == 200 and _heading(page.text) == title
    rows = re.findall(r'<tr id="mail-\d+" data-state="(\w+)">(.*?)</tr>', page.text, re.S)
    assert [state for state, _ in rows] == ["failed", "pending", "pending"]  # parked first; the sent one not
    assert f'<td class="invalid">{failed}</td>' in rows[0][1]
    assert "m0@example.com" in rows[0][1] and "Notice 0" in rows[0][1] and ">12<" in rows[0][1]
    assert "550 5.1.1 No such mailbox" in rows[0][1]
    assert "ConnectionRefusedError" in rows[1][1]
    assert 'class="num invalid">4<' in rows[1][1]  # at least mail_warn_attempts
    assert '<dd data-count="pending">2</dd>' in page.text and '<dd data-count="failed">1</dd>' in page.text
    assert 'action="/staff/mail/requeue"' in page.text


def test_the_officer_requeues_the_failed_mails(client, runtime):
    _outbox(runtime)
    _sign_in(client)
    token = form_token(client.get("/staff/mail").text)
    assert client.post("/staff/mail/requeue", data={}, follow_redirects=False).status_code == 403  # no token
    done = client.post("/staff/mail/requeue", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/staff/mail"
    page = client.get("/staff/mail")
    assert "Failed mails queued again for delivery: 1." in page.text
    assert '<dd data-count="failed">0</dd>' in page.text and 'action="/staff/mail/requeue"' not in page.text
    with unit_of_work(runtime.session_factory) as session:
        assert mail.outbox(session, state="failed") == []
        [event] = audit.history(session, subject_type="mail_outbox", subject_key="failed")
        assert (event.actor, event.action) == (OFFICER, "mail.requeued")


def test_the_dashboard_points_to_mail_delivery(client, runtime):
    _outbox(runtime)
    _sign_in(client)
    page = client.get("/staff?lang=zh-Hant")
    assert re.search(r'<p id="mail-state" class="problem"><a href="/staff/mail">[^<]*2 封[^<]*1 封', page.text)


def test_mail_delivery_is_for_officers(client, runtime):
    assert client.get("/staff/mail", follow_redirects=False).headers["location"].startswith("/staff/login")
    make_officer(runtime, username="rita", roles=("regulator",))
    token = form_token(client.get("/staff/login").text)
    client.post("/staff/login", data={"username": "rita", "password": OFFICER_PASSWORD, "csrf_token": token})
    assert client.get("/staff/mail").status_code == 403


# ---- queued, not sent --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "queued"), [("en", "is queued"), ("zh-Hant", "已排隊"), ("zh-Hans", "已排队")])
def test_the_application_page_says_the_mail_is_queued(client, runtime, lang, queued):
    from telreg.core import captcha

    runtime.extras[captcha.EXTRAS_KEY] = lambda: "K7PQ2"  # pictures of a known answer
    page = client.get("/senders/apply").text
    token = form_token(page)
    picture = re.search(r'name="captcha_token" value="([^"]+)"', page).group(1)
    data = {"csrf_token": token, "captcha_token": picture, "captcha_answer": "K7PQ2",
            "capacity": "individual", "name": "CHAN Tai Man",
            "contact_email": "chan@example.com", "plan_sms": "12-months", "plan_fax": "",
            "plan_prerecorded": "", "username": "chan.taiman", "password": "a long pass phrase",
            "password_again": "a long pass phrase",
            "security_question": "Name of my first school?", "security_answer": "St. Paul's",
            "document_types": ["hkid-copy"]}
    done = client.post("/senders/apply", data=data, files={"documents": ("hkid.pdf", PDF, "application/pdf")},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    status = re.search(r'id="applied-status">([^<]*)<', client.get(f"/senders/apply/done?lang={lang}").text)
    assert status and queued in status.group(1) and "chan@example.com" in status.group(1)
    assert "has been sent" not in status.group(1)


_SENT_CLAIM = re.compile(r"(e-?mail[^.\"]*\b(has been|was|were|is) sent|has been emailed|(is|was) emailed)",
                         re.I)


def test_no_page_claims_a_mail_was_sent():
    """Mail leaves through the outbox: a page can only know that it is queued."""
    claims = [f"{key}: {text}" for key, text in SENDER_MESSAGES.items() if _SENT_CLAIM.search(str(text))]
    for template in WEB.rglob("*.html"):
        claims += [f"{template.name}: {m.group(0)}" for m in _SENT_CLAIM.finditer(template.read_text())]
    assert claims == []
