"""Proving the receiving number: a code by SMS to a mobile, spoken by a call to a fixed line; expiry, wrong codes
(exact under concurrency), resends; receiving (assessment stored, acknowledgement in the outbox); the lapse job."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.core.mail import OutboxMessage
from telreg.core.models import AuditEvent
from telreg.enforcement import report_jobs, reports
from telreg.enforcement.errors import CodeRefused, ReportNotFound
from telreg.enforcement.models import Report
from tests.enforcement.reports_helpers import FIXED, MOBILE, code_from_call, code_from_sms, fields


def _submit(runtime, **overrides) -> str:
    with unit_of_work(runtime.session_factory) as session:
        return reports.submit(session, runtime=runtime, **fields(**overrides)).report.reference


def _prove(runtime, reference, code) -> reports.Proof:
    with unit_of_work(runtime.session_factory) as session:
        proof = reports.prove(session, runtime=runtime, reference=reference, code=code)
        if proof.report is not None:
            proof = reports.Proof(report=None, access_code=proof.access_code)
        return proof


def _report(runtime, reference) -> Report:
    with unit_of_work(runtime.session_factory) as session:
        report = session.scalars(select(Report).where(Report.reference == reference)).one()
        session.expunge(report)
        return report


def test_a_mobile_gets_an_sms_and_the_right_code_receives_the_report(runtime, sms, telephony):
    reference = _submit(runtime)
    assert _report(runtime, reference).state == "awaiting-proof"
    assert telephony.calls == []
    proof = _prove(runtime, reference, code_from_sms(sms))
    assert proof.refused is None and proof.access_code
    report = _report(runtime, reference)
    assert (report.state, report.proof) == ("received", "sms-code")
    assert report.verdict is not None and report.assessment["verdict"] == report.verdict
    assert report.code_hash is None and report.access_code_hash not in (None, proof.access_code)
    with unit_of_work(runtime.session_factory) as session:
        ack = session.scalars(select(OutboxMessage).where(OutboxMessage.key.like("enforcement-report-ack:%"))).one()
        assert ack.to_address == "reporter@example.org" and reference in ack.subject
        assert proof.access_code not in ack.body  # shown once, on the page
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.subject_type == "enforcement-report", AuditEvent.subject_key == reference)
            .order_by(AuditEvent.id)).all()
        # "filed" once the cases work files the report into its sender's case
        assert [a for a in actions if a != "enforcement-report-filed"] == ["enforcement-report-submitted", "enforcement-report-code-sent",
                           "enforcement-report-received", "enforcement-report-assessed",
                           "enforcement-report-acknowledged"]
        status = reports.reporter_status(session, reference=reference, access_code=proof.access_code)
        assert status["stage"] == "being-assessed" and status["state"] == "received"
        with pytest.raises(ReportNotFound) as wrong:
            reports.reporter_status(session, reference=reference, access_code="not-the-code")
        with pytest.raises(ReportNotFound) as unknown:
            reports.reporter_status(session, reference="R-2000-000000", access_code=proof.access_code)
        assert wrong.value.message.replace(reference, "X") == unknown.value.message.replace("R-2000-000000", "X")
    again = _prove(runtime, reference, code_from_sms(sms))
    assert again.refused is not None and again.refused.extra["reason"] == "not-waiting"


def test_a_fixed_line_gets_a_call_speaking_the_code(runtime, sms, telephony):
    reference = _submit(runtime, receiving_number="2123 4567", register="prerecorded", contact_kind="sms",
                        contact=MOBILE)
    assert sms.sent == []
    proof = _prove(runtime, reference, code_from_call(telephony, FIXED))
    assert proof.refused is None
    assert _report(runtime, reference).proof == "call-code"
    assert reference in sms.to(MOBILE)[-1]  # the acknowledgement by SMS


def test_an_expired_code_is_refused_and_the_job_lapses_the_report(runtime, sms, clock):
    reference = _submit(runtime)
    code = code_from_sms(sms)
    clock.advance(minutes=runtime.settings.report_code_minutes)
    refused = _prove(runtime, reference, code).refused
    assert refused is not None and refused.extra["reason"] == "expired"
    with unit_of_work(runtime.session_factory) as session:
        report_jobs.run(session, runtime, {})
    assert _report(runtime, reference).state == "lapsed"
    assert _prove(runtime, reference, code).refused.extra["reason"] == "lapsed"


def test_the_lapse_job_leaves_a_code_still_valid(runtime, sms, clock):
    reference = _submit(runtime)
    clock.advance(minutes=runtime.settings.report_code_minutes - 1)
    with unit_of_work(runtime.session_factory) as session:
        assert reports.lapse_unproved(session, runtime=runtime) == 0
    assert _report(runtime, reference).state == "awaiting-proof"


def test_wrong_codes_are_counted_and_the_last_one_lapses_the_report(runtime, sms):
    reference = _submit(runtime)
    right = code_from_sms(sms)
    wrong = "000000" if right != "000000" else "111111"
    limit = runtime.settings.report_code_attempts
    for left in range(limit - 1, 0, -1):
        refused = _prove(runtime, reference, wrong).refused
        assert (refused.extra["reason"], refused.extra["attempts_left"]) == ("wrong", left)
    assert _prove(runtime, reference, wrong).refused.extra["reason"] == "lapsed"
    report = _report(runtime, reference)
    assert (report.state, report.wrong_codes) == ("lapsed", limit)
    assert _prove(runtime, reference, right).refused.extra["reason"] == "lapsed"


def test_a_resend_replaces_the_code_at_most_three_codes(runtime, sms):
    reference = _submit(runtime)
    first = code_from_sms(sms)
    for _ in range(reports.CODES_PER_REPORT - 1):
        with unit_of_work(runtime.session_factory) as session:
            reports.resend_code(session, runtime=runtime, reference=reference)
    with pytest.raises(CodeRefused, match="no more can be sent"):
        with unit_of_work(runtime.session_factory) as session:
            reports.resend_code(session, runtime=runtime, reference=reference)
    assert len(sms.to(MOBILE)) == reports.CODES_PER_REPORT
    latest = code_from_sms(sms)
    if first != latest:
        assert _prove(runtime, reference, first).refused.extra["reason"] == "wrong"
    assert _prove(runtime, reference, latest).refused is None


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_twenty_concurrent_wrong_codes_count_exactly(runtime, sms):
    reference = _submit(runtime)
    wrong = "000000" if code_from_sms(sms) != "000000" else "111111"
    barrier = threading.Barrier(20)
    reasons: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        with unit_of_work(runtime.session_factory) as session:
            barrier.wait()
            refused = reports.prove(session, runtime=runtime, reference=reference, code=wrong).refused
        with lock:
            reasons.append(refused.extra["reason"])

    threads = [threading.Thread(target=run) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    limit = runtime.settings.report_code_attempts
    report = _report(runtime, reference)
    assert (report.state, report.wrong_codes) == ("lapsed", limit)
    assert reasons.count("wrong") == limit - 1 and reasons.count("lapsed") == 20 - (limit - 1)


def test_officer_recorded_report_is_received_at_once_with_its_access_code_in_the_acknowledgement(runtime):
    with unit_of_work(runtime.session_factory) as session:
        report, access_code = reports.record_report(
            session, runtime=runtime, officer_username="officer.chan", source="phone", **fields(language="zh-Hant"))
        reference = report.reference
    report = _report(runtime, reference)
    assert (report.state, report.proof, report.recorded_by, report.source) == (
        "received", "officer", "officer.chan", "phone")
    with unit_of_work(runtime.session_factory) as session:
        ack = session.scalars(select(OutboxMessage)).one()
        assert access_code in ack.body
        assert reports.reporter_status(session, reference=reference, access_code=access_code)["state"] == "received"
