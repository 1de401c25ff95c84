"""Lawful access, done when (service level): a warrant request routed, approved, released by a second officer and
downloaded once — signed, with its audit proof; an emergency released at once, revoked when no warrant came in time,
kept when one did."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent
from telreg.core.tlog.proofs import verify_inclusion
from telreg.ecert.hierarchy import init_hierarchy
from telreg.ecert.keys import Hierarchy
from telreg.lawful import service
from telreg.lawful.errors import ResultUnavailable
from telreg.lawful.hi1 import dictionaries as d
from telreg.lawful.hi1.model import Endpoint
from telreg.lawful.models import Authorisation, Decision, Result, Task
from telreg.runtime import Runtime
from tests.ecert.test_cms import openssl_cms_verify, pem
from tests.lawful.helpers import (
    as_user,
    document,
    emergency,
    errors_of,
    lawful_world,
    message,
    register_number,
    send,
    task,
    warrant,
)
from tests.realname.registration.helpers import hkid, person

HOLDER = person("CHAN Tai Man", "1990-01-01", number=hkid("A", "123456"), address="Flat A, 1 Queen's Road Central")


@pytest.fixture
def hierarchy(runtime: Runtime) -> Hierarchy:
    with unit_of_work(runtime.session_factory) as session:
        return init_hierarchy(runtime.settings, clock=runtime.clock, root_passphrase=b"correct horse battery staple",
                              session=session, actor="test-ceremony")


def _row(runtime: Runtime, model: type, **where: object) -> object:
    with unit_of_work(runtime.session_factory) as session:
        row = session.scalar(select(model).filter_by(**where))
        session.expunge_all()
        return row


def _sweep(runtime: Runtime) -> dict[str, int]:
    with unit_of_work(runtime.session_factory) as session:
        return service.sweep(session, runtime=runtime)


def test_a_warrant_request_is_routed_approved_released_and_downloaded_once(runtime, clock, hierarchy, tmp_path):
    lawful_world(runtime)
    register_number(runtime, "91234567", holder=HOLDER)
    auth = warrant()
    ask = task(auth, "85291234567")
    response = send(runtime, "le.officer", message(runtime, auth, document(auth), ask))

    assert errors_of(response) == [None, None, None]
    assert response.header.sender == Endpoint("HK", "telreg") and response.header.receiver == Endpoint("HK", "hkpf")
    assert [r.identifier for r in response.responses][::2] == [auth.object_identifier, ask.object_identifier]
    queue = as_user(runtime, "op1.compliance1", service.operator_queue, vault=runtime.vault)
    assert [(t.object_id, t.status, t.target) for t in queue] == [
        (ask.object_identifier, d.AWAITING_APPROVAL, "85291******")]
    preview = as_user(runtime, "op1.compliance1", service.preview, task_object_id=ask.object_identifier)
    assert (preview.operator_code, preview.match_outcome, preview.record_count, preview.holder_count,
            preview.legal_type, preview.has_warrant_document) == ("op1", "single", 1, 1, d.WARRANT, True)

    as_user(runtime, "op1.compliance1", service.approve, runtime=runtime, task_object_id=ask.object_identifier,
            reason="Warrant checked against the court's register.")
    assert _row(runtime, Task, object_id=ask.object_identifier).status == d.AWAITING_DISCLOSURE
    clock.advance(hours=1)
    as_user(runtime, "op1.compliance2", service.release, runtime=runtime, task_object_id=ask.object_identifier)
    released = _row(runtime, Task, object_id=ask.object_identifier)
    assert (released.status, released.approved_by, released.released_by) == (
        d.DISCLOSED, "op1.compliance1", "op1.compliance2")
    result = _row(runtime, Result, task_id=released.id)
    assert result.state == "available" and result.signed and result.ciphertext is not None
    assert b"CHAN" not in result.ciphertext  # encrypted at rest

    download = as_user(runtime, "le.officer", service.download_result, runtime=runtime,
                       task_object_id=ask.object_identifier)
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert sorted(archive.namelist()) == ["README.txt", "receipt.json", "records.json", "records.json.p7s"]
    records = json.loads(archive.read("records.json"))
    assert records["header"]["task"]["reference"] == "LDID-1" and records["header"]["operator"] == "op1"
    [record] = records["records"]
    assert record["subscriber"]["name"] == "CHAN Tai Man" and record["subscriber"]["dateOfBirth"] == "1990-01-01"
    assert record["subscriber"]["address"] == "Flat A, 1 Queen's Road Central"
    assert record["subscriber"]["identityDocument"]["type"] == "hkid"
    assert record["subscriber"]["identityDocument"]["number"].startswith("A123456")
    assert record["service"]["msisdn"] == "85291234567" and record["service"]["operator"]["code"] == "op1"
    assert record["identityVerification"]["captureMethod"] and record["identityVerification"]["checks"]

    (tmp_path / "records.json").write_bytes(archive.read("records.json"))
    (tmp_path / "records.json.p7s").write_bytes(archive.read("records.json.p7s"))
    judged = openssl_cms_verify(tmp_path / "records.json", tmp_path / "records.json.p7s",
                                pem(hierarchy.root, tmp_path / "root.pem"))
    assert judged.returncode == 0 and "Verification successful" in judged.stderr, judged.stderr

    receipt = json.loads(archive.read("receipt.json"))
    proof = receipt["release_event"]
    root = bytes.fromhex(proof["root"])
    assert verify_inclusion(proof["leaf_index"], proof["tree_size"], bytes.fromhex(proof["leaf_hash"]),
                            [bytes.fromhex(h) for h in proof["path"]], root)
    assert f"\n{proof['tree_size']}\n{base64.b64encode(root).decode()}\n" in proof["checkpoint"]
    with unit_of_work(runtime.session_factory) as session:
        event = session.get(AuditEvent, proof["event_id"])
        assert event.action == "lawful-task-released" and event.subject_key == ask.object_identifier
    assert receipt["records_sha256"] == result.content_sha256 and receipt["downloaded_by"] == "le.officer"

    with unit_of_work(runtime.session_factory) as session:
        downloaded = session.scalar(select(AuditEvent).where(AuditEvent.action == "lawful-result-downloaded"))
        assert (downloaded.actor, downloaded.subject_key) == ("le.officer", ask.object_identifier)
        lawful_events = session.scalars(select(AuditEvent).where(AuditEvent.subject_type.like("la-%"))).all()
        assert {e.action for e in lawful_events} >= {"lawful-authorisation-filed", "lawful-task-routed",
                                                     "lawful-task-approved", "lawful-task-released"}
        trail = json.dumps([[e.subject_key, e.details] for e in lawful_events])
        assert "91234567" not in trail and "CHAN" not in trail and "A123456" not in trail  # never the target
    shredded = _row(runtime, Result, task_id=released.id)
    assert (shredded.state, shredded.key_sealed, shredded.nonce, shredded.ciphertext) == (
        "downloaded", None, None, None)
    with pytest.raises(ResultUnavailable, match="downloaded already"):
        as_user(runtime, "le.officer", service.download_result, runtime=runtime,
                task_object_id=ask.object_identifier)


def test_only_the_filing_officer_downloads_and_an_expired_result_is_refused_then_destroyed(runtime, clock):
    lawful_world(runtime)
    register_number(runtime, "91234567")
    auth = warrant()
    ask = task(auth, "85291234567")
    send(runtime, "le.officer", message(runtime, auth, document(auth), ask))
    as_user(runtime, "op1.compliance1", service.approve, runtime=runtime, task_object_id=ask.object_identifier,
            reason="ok")
    as_user(runtime, "op1.compliance2", service.release, runtime=runtime, task_object_id=ask.object_identifier)
    with pytest.raises(Exception, match="Only the officer who filed authorisation HCMW-1-2026"):
        as_user(runtime, "le.officer2", service.download_result, runtime=runtime,
                task_object_id=ask.object_identifier)
    clock.advance(hours=73)  # result_valid_hours: 72
    with pytest.raises(ResultUnavailable, match="expired on"):
        as_user(runtime, "le.officer", service.download_result, runtime=runtime,
                task_object_id=ask.object_identifier)
    assert _sweep(runtime)["results_expired"] == 1
    gone = _row(runtime, Result, state="expired")
    assert gone.key_sealed is None and gone.ciphertext is None and gone.destroyed_reason == "expired"
    assert _sweep(runtime) == {"approvals_expired": 0, "emergencies_revoked": 0, "results_expired": 0}


def _emergency_released(runtime: Runtime) -> tuple[str, str]:
    lawful_world(runtime)
    register_number(runtime, "91234567", holder=HOLDER)
    auth = emergency()
    ask = task(auth, "85291234567")
    assert errors_of(send(runtime, "le.officer", message(runtime, auth, ask))) == [None, None]
    assert _row(runtime, Authorisation, object_id=auth.object_identifier).status == d.AWAITING_APPROVAL
    assert as_user(runtime, "op1.compliance1", service.operator_queue, vault=runtime.vault) == []  # not yet
    as_user(runtime, "le.supervisor", service.endorse, runtime=runtime, object_id=auth.object_identifier,
            note="Life at risk.")
    assert _row(runtime, Authorisation, object_id=auth.object_identifier).status == d.ACTIVE
    as_user(runtime, "op1.compliance1", service.approve, runtime=runtime, task_object_id=ask.object_identifier,
            reason="Emergency grounds stated; released at once.")
    released = _row(runtime, Task, object_id=ask.object_identifier)
    assert (released.status, released.released_by) == (d.DISCLOSED, "op1.compliance1")
    return auth.object_identifier, ask.object_identifier


def test_an_emergency_not_backed_in_time_is_revoked_its_result_destroyed_and_escalated(runtime, clock):
    auth_id, task_id = _emergency_released(runtime)
    authorisation = _row(runtime, Authorisation, object_id=auth_id)
    assert authorisation.backing_due_at == clock.now() + dt.timedelta(hours=48)
    clock.advance(hours=47)
    assert _sweep(runtime)["emergencies_revoked"] == 0
    clock.advance(hours=2)
    assert _sweep(runtime) == {"approvals_expired": 0, "emergencies_revoked": 1, "results_expired": 0}

    task_row = _row(runtime, Task, object_id=task_id)
    result = _row(runtime, Result, task_id=task_row.id)
    assert (result.state, result.key_sealed, result.nonce, result.ciphertext, result.destroyed_reason) == (
        "destroyed", None, None, None, "emergency-not-backed")
    assert task_row.status == d.INVALID
    authorisation = _row(runtime, Authorisation, object_id=auth_id)
    assert (authorisation.status, authorisation.emergency_outcome) == (d.INVALID, "revoked")
    assert authorisation.escalated_at == clock.now()
    with unit_of_work(runtime.session_factory) as session:
        escalated = session.scalars(select(AuditEvent).where(AuditEvent.action == "lawful-emergency-escalated")).all()
        assert [e.subject_key for e in escalated] == [auth_id]
        assert session.scalar(select(Decision).where(Decision.step == "revoke")).actor == "system"
    with pytest.raises(ResultUnavailable, match="destroyed"):
        as_user(runtime, "le.officer", service.download_result, runtime=runtime, task_object_id=task_id)
    assert _sweep(runtime) == {"approvals_expired": 0, "emergencies_revoked": 0, "results_expired": 0}


def test_an_emergency_backed_by_a_warrant_in_time_keeps_its_result(runtime, clock):
    auth_id, task_id = _emergency_released(runtime)
    clock.advance(hours=24)
    assert errors_of(send(runtime, "le.officer", message(runtime, document(auth_id)))) == [None]
    authorisation = _row(runtime, Authorisation, object_id=auth_id)
    assert (authorisation.emergency_outcome, authorisation.backed_at) == ("backed", clock.now())
    clock.advance(hours=25)
    assert _sweep(runtime)["emergencies_revoked"] == 0
    task_row = _row(runtime, Task, object_id=task_id)
    assert task_row.status == d.DISCLOSED
    assert _row(runtime, Result, task_id=task_row.id).state == "available"
    download = as_user(runtime, "le.officer", service.download_result, runtime=runtime, task_object_id=task_id)
    records = json.loads(zipfile.ZipFile(io.BytesIO(download.content)).read("records.json"))
    assert records["records"][0]["subscriber"]["name"] == "CHAN Tai Man"


def test_a_warrant_that_comes_too_late_does_not_save_the_release(runtime, clock):
    auth_id, _task_id = _emergency_released(runtime)
    clock.advance(hours=49)
    assert errors_of(send(runtime, "le.officer", message(runtime, document(auth_id)))) == [None]
    authorisation = _row(runtime, Authorisation, object_id=auth_id)
    assert authorisation.backed_at == clock.now() and authorisation.emergency_outcome is None
    assert _sweep(runtime)["emergencies_revoked"] == 1
    assert _row(runtime, Result, destroyed_reason="emergency-not-backed") is not None


def test_a_supervisor_refusing_an_emergency_rejects_it_and_nothing_reaches_an_operator(runtime):
    lawful_world(runtime)
    register_number(runtime, "91234567")
    auth = emergency()
    ask = task(auth, "85291234567")
    send(runtime, "le.officer", message(runtime, auth, ask))
    as_user(runtime, "le.supervisor", service.refuse_endorsement, runtime=runtime, object_id=auth.object_identifier,
            reason="Grounds do not meet the emergency test.")
    assert _row(runtime, Authorisation, object_id=auth.object_identifier).status == d.REJECTED
    assert _row(runtime, Task, object_id=ask.object_identifier).status == d.CANCELLED
    assert as_user(runtime, "op1.compliance1", service.operator_queue, vault=runtime.vault) == []


def test_the_filer_cannot_endorse_their_own_emergency(runtime):
    lawful_world(runtime)
    from tests.lawful.helpers import make_staff

    make_staff(runtime, "le.super2", "le-supervisor", agency="hkpf")
    auth = emergency()
    send(runtime, "le.super2", message(runtime, auth))
    with pytest.raises(Exception, match="You filed authorisation EMERG-1-2026 yourself"):
        as_user(runtime, "le.super2", service.endorse, runtime=runtime, object_id=auth.object_identifier)


def test_documents_are_kept_only_when_the_message_is_applied(runtime):
    lawful_world(runtime)
    auth = warrant()
    kept = send(runtime, "le.officer", message(runtime, auth, document(auth)))
    assert errors_of(kept) == [None, None]
    files = list(Path(runtime.settings.data_dir, "uploads", "lawful").rglob("*"))
    assert [f for f in files if f.is_file() and not f.name.startswith(".pending")]
    bad = warrant("HCMW-2-2026")
    other = b"%PDF-1.4\nanother warrant\n%%EOF\n"
    send(runtime, "le.officer", message(runtime, bad, document(bad, content=other), warrant("HCMW-1-2026")))
    names = {f.name for f in Path(runtime.settings.data_dir, "uploads", "lawful").rglob("*") if f.is_file()}
    assert hashlib.sha256(other).hexdigest() not in names
    assert not [n for n in names if n.startswith(".pending")]
