"""The report API and commands: a public report with a screenshot, proved by its code, its state by POST; an
officer records a phone report, lists, reads (contact read audited), downloads the attachment, reassesses."""

from __future__ import annotations

import json

from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent
from tests.enforcement.reports_helpers import MOBILE, code_from_sms, fields, png_bytes
from tests.web.conftest import OFFICER_PASSWORD, make_officer


def _login(client, runtime) -> dict[str, str]:
    make_officer(runtime, roles=("regulator",))
    answer = client.post("/api/v1/auth/login", json={"username": "officer.chan", "password": OFFICER_PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"X-CSRF-Token": answer.json()["csrf_token"]}


def test_public_report_proof_and_status(client, runtime, sms):
    data = fields()
    answer = client.post("/api/v1/reports", data=data, files=[("attachments", ("shot.png", png_bytes(), "image/png"))])
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["state"] == "awaiting-proof" and not body["duplicate"] and body["code_sent_to"] == "9123****"
    reference = body["reference"]
    again = client.post("/api/v1/reports", data=data,
                        files=[("attachments", ("copy.png", png_bytes(), "image/png"))]).json()
    assert again["duplicate"] and again["reference"] == reference
    wrong = client.post(f"/api/v1/reports/{reference}/proof", json={"code": "12345"})
    assert wrong.status_code == 422 and wrong.json()["error"] == "enforcement_code_refused"
    proved = client.post(f"/api/v1/reports/{reference}/proof", json={"code": code_from_sms(sms)})
    assert proved.status_code == 200, proved.text
    access_code = proved.json()["access_code"]
    with unit_of_work(runtime.session_factory) as session:  # the wrong code was kept although refused
        assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "enforcement-report-code-wrong"))
    status = client.post(f"/api/v1/reports/{reference}/status", json={"access_code": access_code},
                         headers={"Accept-Language": "zh-Hant"})
    assert status.status_code == 200 and status.json()["state"] == "received"
    unknown = client.post("/api/v1/reports/R-1999-000000/status", json={"access_code": access_code})
    bad = client.post(f"/api/v1/reports/{reference}/status", json={"access_code": "nope"})
    assert unknown.status_code == bad.status_code == 404
    assert unknown.json()["error"] == bad.json()["error"] == "enforcement_report_not_found"


def test_public_refusals_name_the_field(client, runtime):
    answer = client.post("/api/v1/reports", data=fields(receiving_number="+44 7700 900123"),
                         headers={"Accept-Language": "zh-Hant"})
    assert answer.status_code == 422 and answer.json()["field"] == "receiving_number"
    wrong_type = client.post("/api/v1/reports", data=fields(),
                             files=[("attachments", ("shot.png", b"MZ\x90\x00" + b"\0" * 60, "image/png"))])
    assert wrong_type.status_code == 422 and "shot.png" in wrong_type.json()["detail"]


def test_officer_records_lists_reads_and_reassesses(client, runtime, cli):
    headers = _login(client, runtime)
    assert client.get("/api/v1/enforcement/reports").status_code == 200
    recorded = client.post("/api/v1/enforcement/reports", headers=headers,
                           data={**fields(contact_kind="sms", contact=MOBILE), "source": "paper"},
                           files=[("attachments", ("shot.png", png_bytes("green"), "image/png"))])
    assert recorded.status_code == 201, recorded.text
    reference, access_code = recorded.json()["reference"], recorded.json()["access_code"]
    assert recorded.json()["state"] == "received" and access_code
    client.post("/api/v1/reports", data=fields(message_text="unproved one"))  # awaiting proof: in no queue
    listed = client.get("/api/v1/enforcement/reports", params={"source": "paper", "month": "2026-03"}).json()
    assert [i["reference"] for i in listed["items"]] == [reference] and listed["total"] == 1
    assert listed["items"][0]["register"] == "sms"
    assert client.get("/api/v1/enforcement/reports").json()["total"] == 1
    assert client.get("/api/v1/enforcement/reports", params={"verdict": "bogus"}).status_code == 422
    detail = client.get(f"/api/v1/enforcement/reports/{reference}").json()
    assert detail["contact"] == MOBILE and detail["assessment"]["verdict"] == detail["verdict"]
    file = client.get(f"/api/v1/enforcement/reports/{reference}/attachments/{detail['attachments'][0]['id']}")
    assert file.status_code == 200 and file.content == png_bytes("green")
    reassessed = client.post(f"/api/v1/enforcement/reports/{reference}/reassess", headers=headers)
    assert reassessed.status_code == 200 and reassessed.json()["verdict"]
    with unit_of_work(runtime.session_factory) as session:
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.subject_key == reference)))
    assert {"enforcement-report-contact-read", "enforcement-report-reassessed"} <= actions
    code, out, err = cli("enforcement", "report", "record", "--by", "officer.chan", "--number", "2123 4567",
                         "--register", "fax", "--arrived", "2026-02-27T09:00", "--sender", "ABC Ltd",
                         "--text", "fax advert", "--source", "paper", "--json")
    assert code == 0, err
    made = json.loads(out)
    assert made["state"] == "received" and made["access_code"]
    code, out, _ = cli("enforcement", "report", "list")
    assert code == 0 and made["reference"] in out and reference in out
    code, out, _ = cli("enforcement", "report", "show", made["reference"], "--json")
    assert code == 0 and json.loads(out)["sender_identification"] == "ABC Ltd"
    code, _, err = cli("enforcement", "report", "record", "--by", "officer.chan", "--number", "+44 1234",
                       "--register", "fax", "--arrived", "2026-02-27T09:00", "--sender", "x", "--text", "y")
    assert code == 1 and "Hong Kong" in err


def test_public_routes_refuse_officer_routes_without_a_session(client):
    assert client.get("/api/v1/enforcement/reports").status_code == 401
