"""What officers see of reports: the queue (received reports only: an unproved report is in no queue or count),
one report whole (its assessment, attachments and the reporter's contact opened from the vault — an audited
read), an attachment's file, and a fresh assessment.

    list_reports(session, state=, verdict=, register=, source=, month=, page=, per_page=) -> ReportPage
    get_report(session, reference) -> Report
    report_detail(session, *, runtime, reference, officer) -> dict    (audits the contact's opening)
    open_attachment(session, *, runtime, reference, attachment_id) -> (ReportAttachment, Path)
    reassess(session, *, runtime, reference, officer) -> dict
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telreg.core import audit, files
from telreg.core.clock import HK
from telreg.core.i18n import N_
from telreg.enforcement import assessment
from telreg.enforcement.errors import ReportInvalid, ReportNotFound
from telreg.enforcement.models import Case, Report, ReportAttachment
from telreg.enforcement.reports import AUDIT_SUBJECT, report_by_reference, stage_of
from telreg.enforcement.reports_input import AREA
from telreg.enforcement.vocabulary import REGISTER_CLAIMS, REPORT_SOURCES, REPORT_STATES, VERDICTS

__all__ = ["ReportPage", "get_report", "list_reports", "open_attachment", "reassess", "report_detail",
           "report_summary"]

QUEUE_STATES = tuple(s for s in REPORT_STATES if s != "awaiting-proof")


@dataclass(frozen=True)
class ReportPage:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int


def _month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    try:
        start = dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=HK)
    except ValueError:
        raise ReportInvalid(N_("'%(month)s' is not a month: write it as 2026-12."), field="month",
                            month=month) from None
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


def _choice(value: str | None, allowed: tuple[str, ...], name: str) -> str | None:
    if value in (None, ""):
        return None
    if value not in allowed:
        raise ReportInvalid(N_("'%(value)s' is not one of %(allowed)s."), field=name, value=value,
                            allowed=", ".join(allowed))
    return value


def report_summary(report: Report, *, case_reference: str | None = None) -> dict[str, Any]:
    return {"reference": report.reference, "source": report.source, "state": report.state,
            "receiving_number": report.receiving_number, "register": report.register_claim,
            "arrived_at": report.received_at, "sender_identification": report.sender_identification,
            "sender_number": report.sender_number, "verdict": report.verdict, "case": case_reference,
            "recorded_by": report.recorded_by, "created_at": report.created_at, "proved_at": report.proved_at}


def list_reports(session: Session, *, state: str | None = None, verdict: str | None = None,
                 register: str | None = None, source: str | None = None, month: str | None = None,
                 page: int = 1, per_page: int = 50) -> ReportPage:
    """Received (and lapsed/withdrawn, when asked) reports, newest first; never one awaiting proof."""
    stmt = select(Report, Case.reference).outerjoin(Case, Case.id == Report.case_id)
    state = _choice(state, QUEUE_STATES, "state")
    stmt = stmt.where(Report.state == state) if state else stmt.where(Report.state == "received")
    if (verdict := _choice(verdict, VERDICTS, "verdict")) is not None:
        stmt = stmt.where(Report.verdict == verdict)
    if (register := _choice(register, REGISTER_CLAIMS, "register")) is not None:
        stmt = stmt.where(Report.register_claim == register)
    if (source := _choice(source, REPORT_SOURCES, "source")) is not None:
        stmt = stmt.where(Report.source == source)
    if month:
        start, end = _month_bounds(month)
        stmt = stmt.where(Report.proved_at >= start, Report.proved_at < end)
    page, per_page = max(page, 1), min(max(per_page, 1), 200)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(Report.created_at.desc(), Report.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return ReportPage([report_summary(r, case_reference=c) for r, c in rows], total, page, per_page)


def get_report(session: Session, reference: str) -> Report:
    """A received (or lapsed/withdrawn) report by reference; one awaiting proof is not there for officers."""
    report = report_by_reference(session, reference)
    if report.state == "awaiting-proof":
        raise ReportNotFound(N_("No report %(reference)s was found."), reference=reference)
    return report


def report_detail(session: Session, *, runtime: Any, reference: str, officer: str) -> dict[str, Any]:
    """Everything about one report, with the reporter's contact opened from the vault (the read is audited)."""
    report = get_report(session, reference)
    case = session.get(Case, report.case_id) if report.case_id is not None else None
    contact = (runtime.vault.open("enf_reports.contact", report.contact_sealed)
               if report.contact_sealed else None)
    if contact is not None:
        audit.record(session, clock=runtime.clock, actor=officer, action="enforcement-report-contact-read",
                     subject_type=AUDIT_SUBJECT, subject_key=report.reference,
                     details={"contact_kind": report.contact_kind})
    attachments = session.scalars(select(ReportAttachment).where(ReportAttachment.report_id == report.id)
                                  .order_by(ReportAttachment.id)).all()
    return {**report_summary(report, case_reference=case.reference if case else None),
            "message_text": report.message_text, "language": report.language, "proof": report.proof,
            "contact_kind": report.contact_kind, "contact": contact, "assessment": report.assessment,
            "assessed_at": report.assessed_at, "seed_assignment_id": report.seed_assignment_id,
            "stage": stage_of(session, report), "case_state": case.state if case else None,
            "attachments": [{"id": a.id, "kind": a.kind, "filename": a.filename, "content_type": a.content_type,
                             "sha256": a.sha256, "size": a.size} for a in attachments]}


def open_attachment(session: Session, *, runtime: Any, reference: str,
                    attachment_id: int) -> tuple[ReportAttachment, Path]:
    report = get_report(session, reference)
    attachment = session.scalar(select(ReportAttachment).where(ReportAttachment.id == attachment_id,
                                                               ReportAttachment.report_id == report.id))
    path = files.document_path(Path(runtime.settings.data_dir), AREA, attachment.sha256) if attachment else None
    if attachment is None or path is None or not path.exists():
        raise ReportNotFound(N_("Report %(reference)s has no attachment %(attachment)s."), reference=reference,
                             attachment=attachment_id)
    return attachment, path


def reassess(session: Session, *, runtime: Any, reference: str, officer: str) -> dict[str, Any]:
    """Recompute the assessment of a received report and keep it; returns the assessment."""
    report = get_report(session, reference)
    if report.state != "received":
        raise ReportInvalid(N_("Only a received report can be assessed; %(reference)s is %(state)s."),
                            reference=report.reference, state=report.state)
    before = report.verdict
    result = assessment.assess_and_store(session, clock=runtime.clock, settings=runtime.settings, report=report)
    audit.record(session, clock=runtime.clock, actor=officer, action="enforcement-report-reassessed",
                 subject_type=AUDIT_SUBJECT, subject_key=report.reference,
                 details={"before": before, "verdict": result.verdict})
    return result.as_dict()
