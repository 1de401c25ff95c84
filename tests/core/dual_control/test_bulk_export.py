"""Bulk exports of an operator's registration records (realname/bulk_export.py): masked with a bulk-export
approval, with full personal data only with a bulk-unmask one, from the command line and from the API."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from telreg.app import create_app
from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent

from .helpers import PASSWORD, make_people, make_registrations


@pytest.fixture
def world(runtime: Any) -> list[dict[str, Any]]:
    make_people(runtime)
    return make_registrations(runtime)


def _approved(cli: Any, kind: str, *, asker: str = "carol", approver: str = "cody", scope: str = "harbour") -> str:
    code, out, err = cli("approvals", "request", kind, "--scope", scope, "--reason", "regulator's audit",
                         "--by", asker)
    assert code == 0, err
    request_id = str(json.loads(out)["id"])
    code, _, err = cli("approvals", "approve", request_id, "--reason", "seen the letter", "--by", approver)
    assert code == 0, err
    return request_id


def _read(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_the_masked_export_holds_no_name_or_document(cli: Any, runtime: Any, world: list[dict[str, Any]],
                                                     tmp_path: Path) -> None:
    out = tmp_path / "harbour.csv"
    code, _, err = cli("realname", "export", "--operator", "harbour", "--out", str(out))
    assert code == 1 and "telreg approvals request bulk-export --scope harbour" in err and not out.exists()
    request_id = _approved(cli, "bulk-export")
    code, said, err = cli("realname", "export", "--operator", "harbour", "--out", str(out), "--approval",
                          request_id, "--by", "carol")
    assert code == 0, err
    assert "exported 3 registration record(s) of harbour" in said
    rows = _read(out)
    assert [r["number"] for r in rows] == ["91234560", "91234561", "91234562"]  # not the other operator's
    assert rows[0]["document_masked"] == "A123***(*)" and rows[0]["name_masked"] == "CHAN T** M**"
    assert rows[1]["state"] == "unregistered" and rows[1]["ended_at"] and not rows[0]["ended_at"]
    assert set(rows[0]) == {"number", "service", "line", "state", "registered_at", "ended_at", "document_type",
                            "document_masked", "name_masked"}
    text = out.read_text(encoding="utf-8")
    for holder in world:
        assert holder["name"] not in text and holder["document"] not in text and holder["born"] not in text
    with unit_of_work(runtime.session_factory) as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "realname-bulk-exported"))
        assert event is not None and event.details["rows"] == 3 and event.details["kind"] == "bulk-export"
        assert event.actor == "staff:carol" and event.subject_key == "harbour"
    again = tmp_path / "again.csv"
    code, _, err = cli("realname", "export", "--operator", "harbour", "--out", str(again), "--approval",
                       request_id, "--by", "carol")
    assert code == 1 and f"Request {request_id} is used" in err and not again.exists()


def test_full_personal_data_only_with_an_unmask_approval(cli: Any, runtime: Any, world: list[dict[str, Any]],
                                                         tmp_path: Path) -> None:
    masked_only = _approved(cli, "bulk-export")
    out = tmp_path / "full.csv"
    code, _, err = cli("realname", "export", "--operator", "harbour", "--unmasked", "--out", str(out),
                       "--approval", masked_only, "--by", "carol")
    assert code == 1 and "approves 'bulk-export', not 'bulk-unmask'" in err and not out.exists()
    unmask = _approved(cli, "bulk-unmask")
    code, _, err = cli("realname", "export", "--operator", "harbour", "--unmasked", "--out", str(out),
                       "--approval", unmask, "--by", "carol")
    assert code == 0, err
    rows = _read(out)
    assert [(r["name"], r["document"], r["date_of_birth"]) for r in rows] == [
        (h["name"], h["document"], h["born"]) for h in world[:3]]
    with unit_of_work(runtime.session_factory) as session:
        details = [e.details for e in session.scalars(select(AuditEvent).where(
            AuditEvent.action.like("%bulk%") | AuditEvent.action.like("dual-control-%")))]
    audited = json.dumps(details, ensure_ascii=False)
    for holder in world:
        assert holder["name"] not in audited and holder["document"] not in audited


def test_another_operators_officer_and_the_same_person_are_refused(cli: Any, world: list[dict[str, Any]]) -> None:
    code, out, err = cli("approvals", "request", "bulk-unmask", "--scope", "harbour", "--reason", "audit",
                         "--by", "carol")
    request_id = str(json.loads(out)["id"])
    code, _, err = cli("approvals", "approve", request_id, "--reason", "ok", "--by", "carol")
    assert code == 1 and "you asked for it, so someone else must approve it" in err
    code, _, err = cli("approvals", "approve", request_id, "--reason", "ok", "--by", "olga")
    assert code == 1 and "olga does not act for operator harbour" in err
    code, _, err = cli("approvals", "approve", request_id, "--reason", "ok", "--by", "alice")
    assert code == 1 and "needs one of the roles operator-compliance itself" in err
    code, _, err = cli("approvals", "request", "bulk-export", "--scope", "harbour", "--reason", "x", "--by", "sam")
    assert code == 1 and "needs one of the roles operator-compliance; sam holds none" in err
    code, _, err = cli("approvals", "cancel", request_id, "--by", "cody")
    assert code == 1 and f"Only carol, who asked for request {request_id}, may cancel it" in err


def _signed_in(runtime: Any, username: str) -> TestClient:
    client = TestClient(create_app(runtime))
    answer = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


def test_the_api_asks_approves_and_downloads_once(runtime: Any, world: list[dict[str, Any]]) -> None:
    carol, cody, olga = (_signed_in(runtime, name) for name in ("carol", "cody", "olga"))
    asked = carol.post("/api/v1/approvals", json={"kind": "bulk-export", "reason": "audit", "params": {}})
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    assert asked.json()["scope"] == "harbour" and asked.json()["state"] == "pending"
    own = carol.post(f"/api/v1/approvals/{request_id}/approve", json={"reason": "me"})
    assert own.status_code == 403 and "someone else must approve it" in own.json()["detail"]
    assert olga.get(f"/api/v1/approvals/{request_id}").status_code == 404  # another operator's
    assert [r["id"] for r in cody.get("/api/v1/approvals?state=pending").json()] == [request_id]
    early = carol.post(f"/api/v1/approvals/{request_id}/run")
    assert early.status_code == 409 and "is pending" in early.json()["detail"]
    assert cody.post(f"/api/v1/approvals/{request_id}/approve", json={"reason": "ok"}).json()["state"] == "approved"
    assert cody.post(f"/api/v1/approvals/{request_id}/run").status_code == 403  # the person who asked runs it
    got = carol.post(f"/api/v1/approvals/{request_id}/run")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert "attachment" in got.headers["content-disposition"]
    lines = got.text.strip().splitlines()
    assert lines[0].startswith("number,service,line,state") and len(lines) == 4
    assert all(h["name"] not in got.text and h["document"] not in got.text for h in world)
    twice = carol.post(f"/api/v1/approvals/{request_id}/run")
    assert twice.status_code == 409 and "is used" in twice.json()["detail"]
