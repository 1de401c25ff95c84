"""Enforcement notices: the bilingual PDF, service, the compliance check (officer and daily job), flagging late
reports, referral with the fine scale."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from telreg.core import jobs
from telreg.core.audit import history
from telreg.core.errors import InvalidInput
from telreg.core.models import Job
from telreg.enforcement import case_jobs, cases, documents, notices
from telreg.enforcement.errors import StepRefused
from tests.enforcement.helpers import make_report


def _decided(session, clock, **report):
    case = cases.file_report(session, clock=clock, report=make_report(session, clock, **report), actor="intake")
    cases.open_investigation(session, clock=clock, case=case, officer="olivia")
    cases.decide(session, clock=clock, case=case, officer="olivia", decision="enforcement-notice", reason="Repeated")
    return case


def _served(session, clock, settings, **report):
    case = _decided(session, clock, **report)
    notice = notices.issue_notice(session, clock=clock, settings=settings, case=case, officer="olivia")
    notices.serve_notice(session, clock=clock, notice=notice.reference, officer="olivia", method="hand")
    return case, notice


def test_the_notice_is_a_bilingual_pdf_with_reference_deadline_and_default_steps(session, clock, settings):
    case = _decided(session, clock)
    notice = notices.issue_notice(session, clock=clock, settings=settings, case=case, officer="olivia")
    deadline = clock.now().date() + dt.timedelta(days=settings.notice_compliance_days)
    assert (notice.reference, notice.state, notice.deadline) == (f"EN-{clock.now().year}-0001", "issued", deadline)
    assert notice.steps[0].startswith("Stop sending") and len(notice.steps) == 4
    _, content = documents.open_document(session, reference=notice.reference)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    for expected in ("Enforcement Notice", "執行通知", notice.reference, case.reference,
                     f"{deadline.day} {deadline.strftime('%B')} {deadline.year}",
                     f"{deadline.year}年{deadline.month}月{deadline.day}日", "停止向登記在拒收訊息登記冊上的號碼",
                     "10 working days", "HK$100,000", "9xxx xx84"):
        assert expected in text, expected
    with pytest.raises(StepRefused, match="standing"):
        notices.issue_notice(session, clock=clock, settings=settings, case=case, officer="olivia")


def test_a_notice_needs_the_decision_and_a_deadline_after_today(session, clock, settings):
    case = cases.file_report(session, clock=clock, report=make_report(session, clock), actor="intake")
    with pytest.raises(StepRefused, match="collecting"):
        notices.issue_notice(session, clock=clock, settings=settings, case=case, officer="olivia")
    cases.open_investigation(session, clock=clock, case=case, officer="olivia")
    with pytest.raises(StepRefused, match="decide"):
        notices.issue_notice(session, clock=clock, settings=settings, case=case, officer="olivia")
    cases.decide(session, clock=clock, case=case, officer="olivia", decision="enforcement-notice", reason="r")
    with pytest.raises(InvalidInput):
        notices.issue_notice(session, clock=clock, settings=settings, case=case, officer="olivia",
                             deadline=clock.now().date())
    notice = notices.issue_notice(session, clock=clock, settings=settings, case=case, officer="olivia",
                                  contravention="Sent 12 faxes.", steps=["Stop faxing."],
                                  deadline=clock.now().date() + dt.timedelta(days=5))
    assert (notice.contravention, notice.steps) == ("Sent 12 faxes.", ["Stop faxing."])


def test_serving_marks_notice_document_and_case_and_cannot_happen_twice(session, clock, settings):
    case, notice = _served(session, clock, settings)
    document = documents.document_by_reference(session, notice.reference)
    assert (notice.state, case.state, document.served_method) == ("served", "notice-served", "hand")
    with pytest.raises(StepRefused, match="served"):
        notices.serve_notice(session, clock=clock, notice=notice, officer="olivia", method="post")
    with pytest.raises(StepRefused, match="served"):
        cases.serve_document(session, clock=clock, document=document, officer="olivia", method="post")
    actions = [e.action for e in history(session, subject_type="enforcement-notice", subject_key=notice.reference)]
    assert actions == ["enforcement-notice-issued", "enforcement-notice-served"]


def test_compliance_is_refused_before_the_deadline_and_a_late_report_breaches(session, clock, settings):
    case, notice = _served(session, clock, settings)
    with pytest.raises(StepRefused, match="deadline"):
        notices.check_compliance(session, clock=clock, notice=notice, officer="olivia")
    deadline_evening = dt.datetime.combine(notice.deadline, dt.time(23, 0), clock.now().tzinfo)
    on_deadline = make_report(session, clock, received_at=deadline_evening)
    clock.set(deadline_evening + dt.timedelta(hours=3))  # 02:00 the day after the deadline
    late = make_report(session, clock, received_at=clock.now() - dt.timedelta(minutes=30))
    harmless = make_report(session, clock, received_at=clock.now() - dt.timedelta(minutes=20), verdict="not_listed")
    for report in (on_deadline, late, harmless):
        cases.file_report(session, clock=clock, report=report, actor="intake")
    assert late.notice_id == notice.id and on_deadline.notice_id is None and harmless.notice_id is None
    checked = notices.check_compliance(session, clock=clock, notice=notice, officer="olivia")
    assert checked.state == "breached"
    assert checked.compliance_result["references"] == [late.reference]
    assert checked.compliance_result["reports_after_deadline"] == 1


def test_no_late_report_means_complied(session, clock, settings):
    case, notice = _served(session, clock, settings)
    clock.set(clock.now() + dt.timedelta(days=settings.notice_compliance_days + 1))
    notices.check_compliance(session, clock=clock, notice=notice, officer="olivia")
    assert (notice.state, case.state, notice.compliance_result["outcome"]) == ("complied", "complied", "complied")
    with pytest.raises(StepRefused, match="complied"):
        notices.refer(session, clock=clock, notice=notice, officer="olivia", prior_convictions=0, reason="r")


def test_the_daily_job_checks_the_notices_that_are_due(session, clock, settings, runtime):
    _, due = _served(session, clock, settings)
    _, not_yet = _served(session, clock, settings, sender_identification="Other Sender")
    not_yet.deadline = clock.now().date() + dt.timedelta(days=60)
    session.commit()
    clock.set(clock.now() + dt.timedelta(days=settings.notice_compliance_days + 1))
    jobs.run_schedules(runtime)
    with runtime.session_factory() as check:
        job = check.scalar(select(Job).where(Job.kind == case_jobs.COMPLIANCE_JOB))
        assert job is not None and job.unique_key.endswith(clock.now().date().isoformat())
    clock.set(clock.now().replace(hour=9, minute=5))
    while jobs.run_one(runtime, worker="test", kinds=[case_jobs.COMPLIANCE_JOB]) is not None:
        pass
    session.expire_all()
    assert (due.state, not_yet.state) == ("complied", "served")
    assert due.compliance_result["checked_by"].startswith("worker:")


def test_referral_uses_the_scale_on_the_referral_date(session, clock, settings):
    case, notice = _served(session, clock, settings)
    clock.set(dt.datetime.combine(notice.deadline + dt.timedelta(days=1), dt.time(10), clock.now().tzinfo))
    cases.file_report(session, clock=clock, report=make_report(session, clock), actor="intake")
    notices.check_compliance(session, clock=clock, notice=notice, officer="olivia")
    clock.set(clock.now() + dt.timedelta(days=9))  # 10 days after the deadline
    with pytest.raises(InvalidInput):
        notices.refer(session, clock=clock, notice=notice, officer="olivia", prior_convictions=-1, reason="r")
    notices.refer(session, clock=clock, notice=notice, officer="olivia", prior_convictions=0, reason="Breached")
    referral = notice.referral
    assert (notice.state, case.state) == ("referred", "referred")
    assert (referral["conviction"], referral["fine_cents"]) == ("first", 100_000_00)
    assert (referral["continuing"]["days"], referral["continuing"]["amount_cents"]) == (10, 10 * 1_000_00)
    assert referral["total_cents"] == 100_000_00 + 10_000_00 and referral["fine"]["level"] == 6
    with pytest.raises(StepRefused, match="referred"):
        notices.refer(session, clock=clock, notice=notice, officer="olivia", prior_convictions=0, reason="again")


def test_a_case_with_a_standing_notice_is_not_merged_away(session, clock, settings):
    from tests.enforcement.helpers import make_account

    case, notice = _served(session, clock, settings, sender_identification="6123 4567")
    account = make_account(session, clock, name="Standing Ltd")
    cases.file_report(session, clock=clock, report=make_report(session, clock, sender_identification="Standing Ltd"),
                      actor="intake")
    with pytest.raises(StepRefused, match=notice.reference):
        cases.link_account(session, clock=clock, case=case, account_id=account.id, officer="olivia")
