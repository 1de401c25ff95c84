"""The regulator's enforcement pages without a browser: who may open them, their three languages, recording a
phone report (its refusals next to the fields, input kept), the report with its assessment and the audited
contact, each step of a case through its form, and the fine scale's revisions.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent
from telreg.enforcement import fines
from telreg.enforcement.models import Case, CaseDocument, CaseEvent, FineRate, Notice, Report
from telreg.runtime import Runtime
from tests.enforcement.reports_helpers import png_bytes
from tests.lawful.helpers import PASSWORD, make_staff
from tests.senders.helpers import make_active
from tests.senders.helpers import make_officer as make_dnc_officer
from tests.web.conftest import form_token, list_number
from tests.web.page_text import english_runs, raw_values, visible_text

REPORTS, CASES, FINES = "/staff/enforcement/reports", "/staff/enforcement/cases", "/staff/enforcement/fines"
NUMBER = "91234567"
SENDER = "+852 3111 2222"
MESSAGE = "Big sale today only"
NAMES = (SENDER, MESSAGE, "reporter@example.org", "HK$", "PDF")


def _sign_in(client: Any, runtime: Runtime, username: str, *roles: str, operator: str | None = None) -> None:
    make_staff(runtime, username, *roles, operator=operator)
    token = form_token(client.get("/staff/login").text)
    response = client.post("/staff/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303


@pytest.fixture
def regulator(client: Any, runtime: Runtime) -> None:
    _sign_in(client, runtime, "ofca.lam", "regulator")


def _arrival(runtime: Runtime) -> str:
    return (runtime.clock.now().astimezone(HK) - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")


def _record(client: Any, runtime: Runtime, **overrides: Any) -> Any:
    token = form_token(client.get(f"{REPORTS}/new").text)
    data = {"csrf_token": token, "source": "phone", "receiving_number": NUMBER, "register": "sms",
            "arrived_at": _arrival(runtime), "sender_identification": SENDER, "message_text": MESSAGE,
            "contact_kind": "email", "contact": "reporter@example.org", "language": "en", **overrides}
    return client.post(f"{REPORTS}/new", data=data, follow_redirects=False)


def _post(client: Any, page: str, action: str, data: dict[str, Any] | None = None,
          files: dict[str, Any] | None = None) -> Any:
    token = form_token(client.get(page).text)
    return client.post(action, data={"csrf_token": token, **(data or {})}, files=files, follow_redirects=False)


def _report(runtime: Runtime) -> Report:
    with runtime.session_factory() as session:
        return session.scalars(select(Report).order_by(Report.id.desc())).first()


@pytest.mark.parametrize(("username", "role", "home_page"), [("dnc.wong", "dnc-officer", "/staff"),
                                                             ("clerk.one", "operator-staff", "/staff/realname/register")])
def test_other_staff_get_403_and_no_links(client: Any, runtime: Runtime, username: str, role: str,
                                          home_page: str) -> None:
    _sign_in(client, runtime, username, role, operator="op1" if role == "operator-staff" else None)
    home = client.get(home_page)
    assert home.status_code == 200
    assert "/staff/enforcement/reports" not in home.text and "/staff/enforcement/cases" not in home.text
    for page in (REPORTS, f"{REPORTS}/new", CASES, FINES):
        assert client.get(page).status_code == 403, page
    refused = client.post(FINES, data={"csrf_token": form_token(home.text), "offence": "notice-first",
                                       "amount": "1", "effective_from": "2030-01-01", "legal_reference": "x"})
    assert refused.status_code == 403


def test_record_a_phone_report_keeps_input_and_explains_next_to_the_field(
        client: Any, runtime: Runtime, regulator: None) -> None:
    refused = _record(client, runtime, receiving_number="12", sender_identification="ACME Promotions")
    assert refused.status_code == 422
    assert 'id="receiving_number-error"' in refused.text  # the sentence stands next to its field
    assert 'value="ACME Promotions"' in refused.text and MESSAGE in refused.text  # the input is kept
    assert _report(runtime) is None
    chinese = _record(client, runtime, receiving_number="12", language="zh-Hant")
    client.get(f"{REPORTS}?lang=zh-Hant")
    chinese = _record(client, runtime, receiving_number="12")
    assert chinese.status_code == 422 and "記錄此舉報" in chinese.text and "receiving_number-error" in chinese.text

    done = _record(client, runtime)
    assert done.status_code == 201
    row = _report(runtime)
    assert row.source == "phone" and row.state == "received" and row.verdict is not None
    code = re.search(r'id="access-code">([^<]+)<', done.text)
    assert code and row.reference in done.text  # the reporter's access code, shown once with the reference
    assert row.access_code_hash and code.group(1) not in row.access_code_hash
    assert 'id="access-code"' not in client.get(f"{REPORTS}/{row.reference}").text


def test_the_report_shows_its_assessment_and_reveals_the_contact_audited(
        client: Any, runtime: Runtime, regulator: None) -> None:
    list_number(runtime, NUMBER)
    _record(client, runtime)
    row = _report(runtime)
    page = client.get(f"{REPORTS}/{row.reference}?lang=en")
    assert page.status_code == 200
    assert "reporter@example.org" not in page.text  # only on request
    assert f'data-verdict="{row.verdict}"' in page.text
    for line in (row.assessment or {}).get("lines", []):
        assert f'data-code="{line["code"]}"' in page.text
    listed = client.get(REPORTS, params={"verdict": row.verdict})
    assert row.reference in listed.text
    assert row.reference not in client.get(REPORTS, params={"source": "online"}).text
    revealed = _post(client, f"{REPORTS}/{row.reference}", f"{REPORTS}/{row.reference}/contact")
    assert revealed.status_code == 200 and "reporter@example.org" in revealed.text
    with runtime.session_factory() as session:
        reads = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.subject_key == row.reference, AuditEvent.action.like("%contact-read%")))
    assert reads == 1
    again = _post(client, f"{REPORTS}/{row.reference}", f"{REPORTS}/{row.reference}/reassess")
    assert again.status_code == 303


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_the_pages_in_three_languages(client: Any, runtime: Runtime, regulator: None, lang: str) -> None:
    _record(client, runtime)
    row = _report(runtime)
    with runtime.session_factory() as session:
        case = session.get(Case, row.case_id)
    with runtime.session_factory() as session:  # the scale's legal references are written by officers, as data
        names = (*NAMES, *session.scalars(select(FineRate.legal_reference)))
    pages = [REPORTS, f"{REPORTS}/new", f"{REPORTS}/{row.reference}", CASES, FINES]
    if case is not None:
        pages.append(f"{CASES}/{case.reference}")
    for url in pages:
        response = client.get(url, params={"lang": lang})
        assert response.status_code == 200, url
        assert f'<html lang="{lang}"' in response.text
        # The assessment's findings are the assessment's own sentences (translated with it): left out here.
        html = re.sub(r'<table id="assessment".*?</table>', "", response.text, flags=re.S)
        html = re.sub(r'<nav class="pager".*?</nav>', "", html, flags=re.S)  # the shared pager's own words
        text = visible_text(html)
        assert "enfo_" not in text and raw_values(text) == [], url  # words, never keys or internal values
        if lang != "en":
            assert english_runs(text, names=names) == [], url


def _scale(runtime: Runtime) -> None:
    """The scale of the issue: level 6 (HK$100,000), HK$500,000 subsequent, HK$1,000 a day continuing."""
    day = runtime.clock.now().astimezone(HK).date()
    with unit_of_work(runtime.session_factory) as session:
        for offence, cents in (("notice-first", 10_000_000), ("notice-subsequent", 50_000_000),
                               ("notice-continuing", 100_000)):
            fines.add_rate(session, clock=runtime.clock, offence=offence, amount_cents=cents, effective_from=day,
                           legal_reference="UEMO s.38", officer="staff:setup", level=6 if offence == "notice-first"
                           else None)


def _state(runtime: Runtime, case_id: int) -> str:
    with runtime.session_factory() as session:
        return session.get(Case, case_id).state


def test_a_case_through_its_forms(client: Any, runtime: Runtime, regulator: None) -> None:
    list_number(runtime, NUMBER)
    runtime.clock.advance(days=30)  # protection is in force
    _scale(runtime)
    _record(client, runtime)
    row = _report(runtime)
    assert row.case_id is not None, "the report was filed in a case"
    with runtime.session_factory() as session:
        reference = session.get(Case, row.case_id).reference
    page = f"{CASES}/{reference}"
    assert reference in client.get(CASES).text
    assert _post(client, page, f"{page}/investigation").status_code == 303
    assert _state(runtime, row.case_id) == "investigating"
    refused = _post(client, page, f"{page}/information-requests", {"questions": "", "reply_days": "14"})
    assert refused.status_code == 422 and 'id="information-error"' in refused.text
    asked = _post(client, page, f"{page}/information-requests",
                  {"questions": "Who sent the message?\nWhere did you get the number?", "reply_days": "14"})
    assert asked.status_code == 303
    with runtime.session_factory() as session:
        letter = session.scalars(select(CaseDocument).where(CaseDocument.case_id == row.case_id)).one()
    pdf = client.get(f"/staff/enforcement/documents/{letter.reference}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    today = runtime.clock.now().astimezone(HK).date()
    assert _post(client, page, f"{page}/documents/{letter.reference}/service",
                 {"method": "registered-post", "served_on": today.isoformat()}).status_code == 303
    assert _post(client, page, f"{page}/replies", {"text": "We bought a list.", "received_on": today.isoformat()}
                 ).status_code == 303
    no_file = _post(client, page, f"{page}/evidence", {"description": "Screenshot"})
    assert no_file.status_code == 422 and 'id="evidence-error"' in no_file.text
    assert "Screenshot" in no_file.text  # the description is kept
    assert _post(client, page, f"{page}/decision", {"decision": "enforcement-notice", "reason": "Repeated"}
                 ).status_code == 303
    shown = client.get(page, params={"lang": "en"}).text
    assert 'id="issue-notice"' in shown and 'data-served="yes"' in shown
    past = _post(client, page, f"{page}/notices", {"deadline": (today - dt.timedelta(days=1)).isoformat()})
    assert past.status_code in (409, 422) and 'id="notice-error"' in past.text
    deadline = today + dt.timedelta(days=14)
    assert _post(client, page, f"{page}/notices", {"deadline": deadline.isoformat()}).status_code == 303
    with runtime.session_factory() as session:
        notice = session.scalars(select(Notice).where(Notice.case_id == row.case_id)).one()
    assert _post(client, page, f"{page}/notices/{notice.reference}/service",
                 {"method": "hand", "served_on": today.isoformat()}).status_code == 303
    early = _post(client, page, f"{page}/notices/{notice.reference}/compliance-check")
    assert early.status_code == 409 and 'id="compliance-error"' in early.text
    runtime.clock.advance(days=20)  # past the deadline; the sender sends again
    _record(client, runtime, message_text="Another sale")
    checked = _post(client, page, f"{page}/notices/{notice.reference}/compliance-check")
    assert checked.status_code == 303
    with runtime.session_factory() as session:
        state = session.get(Notice, notice.id).state
    assert state == "breached"  # the second message, after the deadline, was an apparent contravention
    shown = client.get(page, params={"lang": "en"}).text
    assert "HK$100,000.00" in shown and 'id="referral"' in shown
    assert _post(client, page, f"{page}/notices/{notice.reference}/referral",
                 {"prior_convictions": "0", "reason": "Kept sending"}).status_code == 303
    referred = client.get(page, params={"lang": "zh-Hant"}).text
    assert 'id="referral-total"' in referred and _state(runtime, row.case_id) == "referred"
    assert "HK$106,000.00" in referred  # HK$100,000 and 6 days past the deadline at HK$1,000 a day


def test_the_fine_scale_and_a_revision(client: Any, runtime: Runtime, regulator: None) -> None:
    later = (runtime.clock.now().astimezone(HK).date() + dt.timedelta(days=30)).isoformat()
    bad = _post(client, FINES, FINES, {"offence": "notice-first", "amount": "lots", "effective_from": later,
                                       "legal_reference": "Cap. 593 s.38"})
    assert bad.status_code == 422 and 'id="amount-error"' in bad.text and 'value="Cap. 593 s.38"' in bad.text
    added = _post(client, FINES, FINES, {"offence": "notice-first", "amount": "HK$200,000", "effective_from": later,
                                         "legal_reference": "Cap. 593 s.38", "level": "6"})
    assert added.status_code == 303
    with runtime.session_factory() as session:
        rows = session.scalars(select(FineRate).where(FineRate.effective_from == dt.date.fromisoformat(later))).all()
    assert [(r.offence, r.amount_cents) for r in rows] == [("notice-first", 20_000_000)]
    page = client.get(FINES, params={"lang": "zh-Hant"}).text
    assert "HK$200,000.00" in page


def test_an_attachment_is_listed_and_downloads(client: Any, runtime: Runtime, regulator: None) -> None:
    token = form_token(client.get(f"{REPORTS}/new").text)
    data = {"csrf_token": token, "source": "paper", "receiving_number": NUMBER, "register": "fax",
            "arrived_at": _arrival(runtime), "sender_identification": SENDER, "message_text": "",
            "contact_kind": "none", "language": "en"}
    done = client.post(f"{REPORTS}/new", data=data, files=[("attachments", ("fax.png", png_bytes(), "image/png"))],
                       follow_redirects=False)
    assert done.status_code == 201, re.findall(r'class="problem"[^>]*>([^<]*)', done.text)
    page = client.get(f"{REPORTS}/{_report(runtime).reference}").text
    link = re.search(r'href="(/staff/enforcement/reports/[^"]+/attachments/\d+)">fax.png', page)
    assert link, "the attachment is listed as a link"
    download = client.get(link.group(1))
    assert download.status_code == 200 and download.content == png_bytes()
    wrong = client.post(f"{REPORTS}/new", data={**data, "csrf_token": form_token(page)},
                        files=[("attachments", ("fax.png", b"not a picture", "image/png"))])
    assert wrong.status_code == 422 and 'id="attachments-error"' in wrong.text and 'id="files-not-kept"' in wrong.text


def test_an_ambiguous_sender_is_shown_with_its_candidates_and_linked(client: Any, runtime: Runtime,
                                                                     regulator: None) -> None:
    with unit_of_work(runtime.session_factory) as session:
        make_dnc_officer(session, runtime.clock)  # who accepts the accounts' documents
        first = make_active(session, runtime, name="ACME Promotions Ltd", username="acme.one").id
        make_active(session, runtime, name="ACME Promotions Ltd", username="acme.two")
    _record(client, runtime, sender_identification="ACME Promotions Ltd")
    row = _report(runtime)
    with runtime.session_factory() as session:
        reference = session.get(Case, row.case_id).reference
    page = f"{CASES}/{reference}"
    shown = client.get(page, params={"lang": "en"}).text
    assert 'id="ambiguous"' in shown
    assert len(re.findall(r'<option value="\d+">ACME Promotions Ltd', shown)) == 2
    linked = _post(client, page, f"{page}/link-account", {"account_id": str(first)})
    assert linked.status_code == 303
    with runtime.session_factory() as session:
        case = session.scalars(select(Case).where(Case.account_id == first)).one()
    shown = client.get(linked.headers["location"].split("#")[0]).text
    assert case.account_id == first and 'id="sender-account"' in shown and 'id="ambiguous"' not in shown


def test_a_seed_hit_shows_the_download_log(client: Any, runtime: Runtime, regulator: None) -> None:
    _record(client, runtime)
    row = _report(runtime)
    log = {"count": 1, "downloads": [{"file": "sms-20260301.csv.gz", "publication_date": "2026-03-01",
                                      "downloaded_at": "2026-03-01T09:15:00+08:00", "address": "203.0.113.7",
                                      "api_key_id": None}]}
    with unit_of_work(runtime.session_factory) as session:
        session.add(CaseEvent(case_id=row.case_id, kind="seed-hit", actor="system", at=runtime.clock.now(),
                              details={"report": row.reference, "seed_number": "51234567",
                                       "listed_on": "2026-02-01", "download_log": log}))
    with runtime.session_factory() as session:
        reference = session.get(Case, row.case_id).reference
    shown = client.get(f"{CASES}/{reference}", params={"lang": "zh-Hant"}).text
    assert "51234567" in shown and "sms-20260301.csv.gz" in shown and "203.0.113.7" in shown
    assert "種子號碼 51234567" in shown
