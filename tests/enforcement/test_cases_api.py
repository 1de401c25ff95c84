"""``/api/v1/enforcement`` cases, notices, documents and fines over HTTP, and `telreg enforcement case|fines`:
the whole journey from a report to a referral, who may call, bad input answered with a clear message."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from pypdf import PdfReader

from telreg.core.audit import history
from telreg.core.db import unit_of_work
from telreg.core.users import create_user
from telreg.enforcement import cases
from tests.enforcement.helpers import make_report

PASSWORD = "correct-horse-battery"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _staff(runtime: Any, username: str, roles: tuple[str, ...]) -> None:
    with unit_of_work(runtime.session_factory) as session:
        create_user(session, clock=runtime.clock, username=username, password=PASSWORD, roles=list(roles))


def _login(client: Any, username: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"X-CSRF-Token": answer.json()["csrf_token"]}


def _filed_case(runtime: Any, **report: Any) -> str:
    with unit_of_work(runtime.session_factory) as session:
        case = cases.file_report(session, clock=runtime.clock, report=make_report(session, runtime.clock, **report),
                                 actor="intake")
        return case.reference


def test_the_journey_from_a_case_to_a_referral(client, runtime, clock):
    _staff(runtime, "rita", ("regulator",))
    headers = _login(client, "rita")
    reference = _filed_case(runtime)
    listed = client.get("/api/v1/enforcement/cases", params={"state": "collecting"}).json()
    assert listed["total"] == 1 and listed["cases"][0]["reference"] == reference
    assert listed["cases"][0]["verdicts"] == {"apparent_contravention": 1}
    base = f"/api/v1/enforcement/cases/{reference}"
    assert client.post(f"{base}/investigation", json={}).status_code == 403  # no CSRF token
    assert client.post(f"{base}/investigation", json={}, headers=headers).json()["state"] == "investigating"
    again = client.post(f"{base}/investigation", json={}, headers=headers)
    assert again.status_code == 409 and again.json()["error"] == "enforcement_step_refused"
    letter = client.post(f"{base}/information-requests", json={"questions": ["Who sent it?"], "reply_days": 10},
                         headers=headers)
    assert letter.status_code == 201, letter.text
    pdf = client.get(letter.json()["url"])
    assert pdf.headers["content-type"] == "application/pdf"
    assert "Who sent it?" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    served = client.post(f"/api/v1/enforcement/documents/{letter.json()['reference']}/service",
                         json={"method": "email"}, headers=headers)
    assert served.status_code == 200 and served.json()["served_method"] == "email"
    reply = client.post(f"{base}/replies", data={"text": "We stopped.", "received_on": clock.now().date().isoformat()},
                        files={"file": ("reply.png", PNG, "image/png")}, headers=headers)
    assert reply.status_code == 201, reply.text
    assert client.get(reply.json()["url"]).content == PNG
    refused = client.post(f"{base}/evidence", data={"description": "notes"},
                          files={"file": ("notes.txt", b"just some words here", "text/plain")}, headers=headers)
    assert refused.status_code == 422 and "notes.txt" in refused.json()["detail"]
    decided = client.post(f"{base}/decision", json={"decision": "enforcement-notice", "reason": "Repeated"},
                          headers=headers)
    assert decided.status_code == 200 and decided.json()["decision"] == "enforcement-notice"
    notice = client.post(f"{base}/notices", json={}, headers=headers)
    assert notice.status_code == 201, notice.text
    notice_ref = notice.json()["reference"]
    nbase = f"/api/v1/enforcement/notices/{notice_ref}"
    assert client.post(f"{nbase}/service", json={"method": "hand"}, headers=headers).json()["state"] == "served"
    assert client.post(f"{nbase}/service", json={"method": "hand"}, headers=headers).status_code == 409
    early = client.post(f"{nbase}/compliance-check", headers=headers)
    assert early.status_code == 409 and "deadline" in early.json()["detail"]
    deadline = dt.date.fromisoformat(notice.json()["deadline"])
    clock.set(dt.datetime.combine(deadline + dt.timedelta(days=2), dt.time(10), clock.now().tzinfo))
    _filed_case(runtime)
    checked = client.post(f"{nbase}/compliance-check", headers=headers).json()
    assert checked["state"] == "breached" and checked["compliance_result"]["reports_after_deadline"] == 1
    referred = client.post(f"{nbase}/referral", json={"prior_convictions": 1, "reason": "Breach"}, headers=headers)
    assert referred.status_code == 200, referred.text
    assert referred.json()["referral"]["fine_cents"] == 500_000_00
    assert referred.json()["referral"]["continuing"]["days"] == 2
    detail = client.get(base).json()
    assert detail["state"] == "referred" and len(detail["report_list"]) == 2
    assert [d["kind"] for d in detail["documents"]] == ["information-request", "reply", "enforcement-notice"]
    assert {"investigation-opened", "information-requested", "reply-recorded", "decided", "notice-issued",
            "notice-served", "report-flagged", "compliance-checked", "referred"} <= {e["kind"] for e in detail["events"]}
    with unit_of_work(runtime.session_factory) as session:
        actions = {e.action for e in history(session, subject_type="enforcement-case", subject_key=reference)}
        notice_actions = [e.action for e in history(session, subject_type="enforcement-notice",
                                                    subject_key=notice_ref)]
    assert {f"enforcement-case-{e['kind']}" for e in detail["events"]} == actions
    assert notice_actions == ["enforcement-notice-issued", "enforcement-notice-served",
                              "enforcement-notice-compliance-checked", "enforcement-notice-referred"]
    assert all(e["actor"] == "rita" for e in detail["events"] if e["kind"] not in ("opened", "report-added",
                                                                                     "report-flagged"))


def test_the_fine_scale_over_http_and_who_may_call(client, runtime, clock):
    _staff(runtime, "rita", ("regulator",))
    _staff(runtime, "dora", ("dnc-officer",))
    assert client.get("/api/v1/enforcement/fines").status_code == 401
    _login(client, "dora")
    assert client.get("/api/v1/enforcement/cases").status_code == 403
    headers = _login(client, "rita")
    scale = client.get("/api/v1/enforcement/fines").json()
    assert scale["in_force"]["notice-first"]["amount_cents"] == 100_000_00
    future = (clock.now().date() + dt.timedelta(days=30)).isoformat()
    added = client.post("/api/v1/enforcement/fines", json={
        "offence": "notice-first", "amount_cents": 150_000_00, "effective_from": future,
        "legal_reference": "Amended"}, headers=headers)
    assert added.status_code == 201, added.text
    assert client.get("/api/v1/enforcement/fines", params={"on": future}).json()["in_force"]["notice-first"][
        "amount_cents"] == 150_000_00
    past = client.post("/api/v1/enforcement/fines", json={
        "offence": "notice-first", "amount_cents": 1, "effective_from": "2020-01-01", "legal_reference": "x"},
        headers=headers)
    assert past.status_code == 422
    assert client.get("/api/v1/enforcement/cases/C-1999-0001").status_code == 404


def test_the_commands(cli, runtime, clock, tmp_path):
    _staff(runtime, "rita", ("regulator",))
    _staff(runtime, "dora", ("dnc-officer",))
    reference = _filed_case(runtime)
    code, _, err = cli("enforcement", "case", "investigate", reference, "--by", "dora")
    assert code == 1 and "regulator" in err
    assert cli("enforcement", "case", "investigate", reference, "--by", "rita")[0] == 0
    code, out, _ = cli("enforcement", "case", "request-info", reference, "--by", "rita", "--question", "Why?")
    assert code == 0 and "information request" in out
    letter = out.split()[0]
    assert cli("enforcement", "case", "document", letter, "--out", str(tmp_path / "l.pdf"))[0] == 0
    assert (tmp_path / "l.pdf").read_bytes().startswith(b"%PDF")
    assert cli("enforcement", "case", "decide", reference, "--by", "rita", "--decision", "enforcement-notice",
               "--reason", "r")[0] == 0
    code, out, _ = cli("enforcement", "case", "notice", reference, "--by", "rita")
    assert code == 0 and "EN-" in out
    notice = out.split()[0]
    assert cli("enforcement", "case", "serve-notice", notice, "--by", "rita", "--method", "post")[0] == 0
    code, _, err = cli("enforcement", "case", "check", notice, "--by", "rita")
    assert code == 1 and "deadline" in err
    code, out, _ = cli("enforcement", "case", "show", reference)
    assert code == 0 and "notice-served" in out and "information-request" in out
    code, out, _ = cli("enforcement", "fines", "list")
    assert code == 0 and "HK$100,000" in out and "level 6" in out
    code, out, _ = cli("enforcement", "fines", "add", "--by", "rita", "--offence", "notice-continuing",
                       "--amount", "2000", "--from", (clock.now().date() + dt.timedelta(days=1)).isoformat(),
                       "--legal-reference", "Amended")
    assert code == 0 and "HK$2,000" in out
