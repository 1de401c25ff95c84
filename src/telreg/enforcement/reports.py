"""Reports from the public: intake, proof that the reporter holds the receiving number, receiving, the
acknowledgement, and the reporter's view of the report's state.

    submit(...)          an online report: checked (reports_input.py), found again when it is a repeat within
                         settings.report_duplicate_minutes, else saved ``awaiting-proof`` with a 6-digit code sent
                         to the receiving number (SMS for a mobile, a call speaking it for any other line)
    prove(...)           the code keyed back: right → :func:`receive`; wrong → counted (a conditional UPDATE, exact
                         under concurrency) and *returned*, so the edge commits the count before answering
    resend_code(...)     a fresh code (at most CODES_PER_REPORT codes per report)
    record_report(...)   a report taken by an officer on the phone or on paper, or from an operator's feed:
                         received at once
    receive(...)         the pipeline: received → assessment → seed hit or case → acknowledgement
    lapse_unproved(...)  the job's work: reports whose code expired unproved become ``lapsed``
    reporter_status(...)  reference + access code → the state in plain words (nothing about anyone else)

Unproved reports are in no queue or count (reports_views.py filters them). Every step is audited with subject
``enforcement-report`` and the reference. The reporter's contact is sealed by the vault.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from telreg.core import audit, files, mail, passwords
from telreg.core.clock import HK
from telreg.core.i18n import N_, format_message
from telreg.core.masking import mask_number
from telreg.core.models import AuditEvent
from telreg.core.notify import CallOutcome
from telreg.core.phone import NumberKind
from telreg.enforcement import assessment, cases
from telreg.enforcement.errors import CodeRefused, ReportInvalid, ReportNotFound
from telreg.enforcement.models import Report, ReportAttachment
from telreg.enforcement.reports_input import ReportInput, attachment_kind, check, content_sha256
from telreg.enforcement.seeds import hits

__all__ = ["AUDIT_SUBJECT", "CODES_PER_REPORT", "Proof", "Submission", "lapse_unproved", "prove", "receive",
           "record_report", "report_by_reference", "reporter_status", "resend_code", "submit"]

AUDIT_SUBJECT = "enforcement-report"
CODE_DIGITS = 6
CODES_PER_REPORT = 3
ACCESS_CODE_BYTES = 9  # 12 characters of URL-safe base64
_CODE_SENT = "enforcement-report-code-sent"
SMS_CODE = N_("Your code for the report %(reference)s to OFCA is %(code)s. It is valid for %(minutes)s minutes. "
              "If you did not make a report, ignore this message.")
CALL_CODE = N_("This is the do-not-call registers. Your code for the report %(reference)s is %(spoken)s. Again: "
               "%(spoken)s.")
ACK_SUBJECT = N_("Your report %(reference)s was received")
ACK_BODY = N_("We received your report %(reference)s about a message sent to %(number)s. We compare it with the "
              "do-not-call registers at once, and a message sent to a listed number is passed to an "
              "investigation of its sender. We do not reply to each report; you can see its state at any time "
              "on the report status page with its reference and access code.")
ACK_ACCESS = N_("Your access code is %(access_code)s. Keep it: it is not shown again.")


@dataclass(frozen=True)
class Submission:
    report: Report
    duplicate: bool
    code_sent_to: str | None  # the masked receiving number, when a code was sent


@dataclass(frozen=True)
class Proof:
    """What keying a code did: the received report and its access code (shown once), or the refusal."""

    report: Report | None = None
    access_code: str | None = None
    refused: CodeRefused | None = None


def _audit(session: Session, *, runtime: Any, report: Report, action: str, actor: str, **details: Any) -> None:
    audit.record(session, clock=runtime.clock, actor=actor, action=action, subject_type=AUDIT_SUBJECT,
                 subject_key=report.reference, details={"state": report.state, **details})


def _new_reference(session: Session, *, runtime: Any) -> str:
    year = runtime.clock.now().astimezone(HK).year
    while True:
        reference = f"R-{year}-{secrets.randbelow(10 ** 6):06d}"
        if session.scalar(select(Report.id).where(Report.reference == reference)) is None:
            return reference


def _lock_content(session: Session, digest: str) -> None:
    """Serialise submissions of the same content until the transaction ends (SQLite: the writer lock does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                        {"key": f"enforcement-report:{digest}"})


def _repeat_of(session: Session, *, runtime: Any, digest: str) -> Report | None:
    since = runtime.clock.now() - dt.timedelta(minutes=runtime.settings.report_duplicate_minutes)
    return session.scalars(select(Report).where(
        Report.content_sha256 == digest, Report.created_at >= since,
        Report.state.in_(("awaiting-proof", "received"))).order_by(Report.created_at, Report.id)).first()


def _save(session: Session, *, runtime: Any, data: ReportInput, digest: str, source: str, state: str,
          recorded_by: str | None) -> Report:
    now = runtime.clock.now()
    report = Report(
        reference=_new_reference(session, runtime=runtime), source=source, state=state,
        receiving_number=data.number.national, register_claim=data.register_claim, received_at=data.arrived_at,
        sender_identification=data.sender_identification, sender_number=data.sender_number,
        message_text=data.message_text, language=data.language, contact_kind=data.contact_kind,
        contact_sealed=runtime.vault.seal("enf_reports.contact", data.contact) if data.contact else None,
        content_sha256=digest, wrong_codes=0, recorded_by=recorded_by, created_at=now, updated_at=now)
    session.add(report)
    session.flush()
    for pending in data.attachments:
        stored = files.keep_on_commit(session, pending)
        session.add(ReportAttachment(report_id=report.id, kind=attachment_kind(stored.content_type),
                                     filename=stored.filename, content_type=stored.content_type,
                                     sha256=stored.sha256, size=stored.size, path=stored.path,
                                     uploaded_at=now))
    session.flush()
    return report


def _discard(attachments: Sequence[files.PendingFile]) -> None:
    for pending in attachments:
        files.discard(pending)


def submit(session: Session, *, runtime: Any, receiving_number: str | None, register: str | None,
           arrived_at: str | dt.datetime | None, sender_identification: str | None, message_text: str | None,
           contact_kind: str | None = None, contact: str | None = None, language: str | None = None,
           arrived_time: str | None = None, attachments: Sequence[files.PendingFile] = (),
           actor: str = "public:report") -> Submission:
    """An online report: checked, found again when repeated, else saved awaiting proof with a code sent."""
    try:
        data = check(clock=runtime.clock, receiving_number=receiving_number, register=register,
                     arrived_at=arrived_at, arrived_time=arrived_time, sender_identification=sender_identification,
                     message_text=message_text, contact_kind=contact_kind, contact=contact, language=language,
                     attachments=attachments)
    except BaseException:
        _discard(attachments)
        raise
    digest = content_sha256(data)
    _lock_content(session, digest)
    existing = _repeat_of(session, runtime=runtime, digest=digest)
    if existing is not None:
        _discard(attachments)
        _audit(session, runtime=runtime, report=existing, action="enforcement-report-repeated", actor=actor)
        return Submission(existing, True, mask_number(existing.receiving_number)
                          if existing.state == "awaiting-proof" else None)
    report = _save(session, runtime=runtime, data=data, digest=digest, source="online", state="awaiting-proof",
                   recorded_by=None)
    _audit(session, runtime=runtime, report=report, action="enforcement-report-submitted", actor=actor,
           number=report.receiving_number, register=report.register_claim,
           attachments=len(data.attachments))
    _send_code(session, runtime=runtime, report=report, kind=data.number.kind)
    return Submission(report, False, mask_number(report.receiving_number))


def _send_code(session: Session, *, runtime: Any, report: Report, kind: NumberKind | None = None) -> None:
    from telreg.core.phone import classify

    kind = kind or classify(report.receiving_number)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    minutes = runtime.settings.report_code_minutes
    report.code_hash = passwords.hash_secret(code)
    report.code_expires_at = runtime.clock.now() + dt.timedelta(minutes=minutes)
    report.updated_at = runtime.clock.now()
    session.flush()
    if kind in (NumberKind.mobile, NumberKind.pager):
        method = "sms"
        runtime.sms.send_sms(report.receiving_number, format_message(
            report.language, SMS_CODE, {"reference": report.reference, "code": code, "minutes": minutes}))
        outcome = "sent"
    else:
        method = "call"
        spoken = " ".join(code)
        result = runtime.telephony.call_for_confirmation(report.receiving_number, format_message(
            report.language, CALL_CODE, {"reference": report.reference, "spoken": spoken}))
        outcome = result.value if isinstance(result, CallOutcome) else str(result)
    _audit(session, runtime=runtime, report=report, action=_CODE_SENT, actor="system:report-code", method=method,
           outcome=outcome, expires_at=report.code_expires_at.isoformat())


def codes_sent(session: Session, report: Report) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.subject_type == AUDIT_SUBJECT, AuditEvent.subject_key == report.reference,
        AuditEvent.action == _CODE_SENT)) or 0


def report_by_reference(session: Session, reference: str, *, for_update: bool = False) -> Report:
    stmt = select(Report).where(Report.reference == (reference or "").strip().upper())
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    report = session.scalar(stmt)
    if report is None:
        raise ReportNotFound(N_("No report %(reference)s was found with this access code."), reference=reference)
    return report


def resend_code(session: Session, *, runtime: Any, reference: str, actor: str = "public:report") -> Report:
    """Send a fresh code (the earlier one stops working); at most CODES_PER_REPORT codes per report."""
    report = report_by_reference(session, reference, for_update=True)
    if report.state != "awaiting-proof":
        raise CodeRefused(N_("The report %(reference)s is not waiting for a code."), reference=report.reference,
                          reason="not-waiting")
    if codes_sent(session, report) >= CODES_PER_REPORT:
        raise CodeRefused(N_("%(limit)s codes were sent for this report already; no more can be sent. Make the "
                             "report again if you did not receive them."), reference=report.reference,
                          limit=CODES_PER_REPORT, reason="too-many-codes")
    _send_code(session, runtime=runtime, report=report)
    return report


def prove(session: Session, *, runtime: Any, reference: str, code: str, actor: str = "public:report") -> Proof:
    """Check the code keyed back. Right: the report is received (its access code returned, once). Wrong: the
    count is kept by a conditional UPDATE and the refusal *returned*, so the edge commits before answering."""
    report = report_by_reference(session, reference)
    now = runtime.clock.now()
    if report.state != "awaiting-proof":
        reason = "lapsed" if report.state == "lapsed" else "not-waiting"
        message = (N_("The report %(reference)s lapsed: its code was not keyed in time or too many wrong codes "
                      "were keyed. Make the report again.") if reason == "lapsed"
                   else N_("The report %(reference)s is not waiting for a code."))
        return Proof(refused=CodeRefused(message, reference=report.reference, reason=reason))
    if report.code_expires_at is None or report.code_expires_at <= now:
        return Proof(refused=CodeRefused(N_("The code has expired: ask for a new one."),
                                         reference=report.reference, reason="expired"))
    given = "".join((code or "").split())
    if report.code_hash and given.isdigit() and passwords.matches(report.code_hash, given):
        claimed = session.execute(
            update(Report).where(Report.id == report.id, Report.state == "awaiting-proof")
            .values(state="received", updated_at=now).returning(Report.id),
            execution_options={"synchronize_session": False}).scalar()
        if claimed is not None:
            session.refresh(report)
            method = "sms-code" if _is_sms(report) else "call-code"
            access_code = _receive(session, runtime=runtime, report=report, actor=actor, proof=method)
            return Proof(report=report, access_code=access_code)
        return Proof(refused=CodeRefused(N_("The report %(reference)s is not waiting for a code."),
                                         reference=report.reference, reason="not-waiting"))
    limit = runtime.settings.report_code_attempts
    count = session.execute(
        update(Report).where(Report.id == report.id, Report.state == "awaiting-proof", Report.wrong_codes < limit)
        .values(wrong_codes=Report.wrong_codes + 1, updated_at=now).returning(Report.wrong_codes),
        execution_options={"synchronize_session": False}).scalar()
    if count is None:  # another request used up the last attempt meanwhile
        return Proof(refused=CodeRefused(N_("The report %(reference)s lapsed: its code was not keyed in time or "
                                            "too many wrong codes were keyed. Make the report again."),
                                         reference=report.reference, reason="lapsed"))
    left = limit - count
    session.refresh(report)
    _audit(session, runtime=runtime, report=report, action="enforcement-report-code-wrong", actor=actor,
           wrong_codes=count)
    if left <= 0:
        session.execute(update(Report).where(Report.id == report.id, Report.state == "awaiting-proof")
                        .values(state="lapsed", updated_at=now), execution_options={"synchronize_session": False})
        session.refresh(report)
        _audit(session, runtime=runtime, report=report, action="enforcement-report-lapsed", actor=actor,
               reason="wrong-codes")
        return Proof(refused=CodeRefused(N_("The code is not correct, and that was the last attempt: the report "
                                            "lapsed. Make the report again."), reference=report.reference,
                                         reason="lapsed", attempts_left=0))
    return Proof(refused=CodeRefused(N_("The code is not correct; %(attempts_left)s attempt(s) left."),
                                     reference=report.reference, reason="wrong", attempts_left=left))


def _is_sms(report: Report) -> bool:
    from telreg.core.phone import classify

    return classify(report.receiving_number) in (NumberKind.mobile, NumberKind.pager)


def record_report(session: Session, *, runtime: Any, officer_username: str | None, source: str,
                  receiving_number: str | None, register: str | None, arrived_at: str | dt.datetime | None,
                  sender_identification: str | None, message_text: str | None, contact_kind: str | None = None,
                  contact: str | None = None, language: str | None = None, arrived_time: str | None = None,
                  attachments: Sequence[files.PendingFile] = ()) -> tuple[Report, str]:
    """A report taken by an officer (``phone`` / ``paper``) or from an operator's feed (``operator-feed``):
    checked as a public one, received at once. Returns the report and its access code (to give the reporter)."""
    if source not in ("phone", "paper", "operator-feed"):
        _discard(attachments)
        raise ReportInvalid(N_("'%(source)s' is not a way an officer records a report: phone, paper or "
                               "operator-feed."), field="source", source=source)
    try:
        data = check(clock=runtime.clock, receiving_number=receiving_number, register=register,
                     arrived_at=arrived_at, arrived_time=arrived_time, sender_identification=sender_identification,
                     message_text=message_text, contact_kind=contact_kind, contact=contact, language=language,
                     attachments=attachments)
    except BaseException:
        _discard(attachments)
        raise
    actor = officer_username or f"system:{source}"
    digest = content_sha256(data)
    report = _save(session, runtime=runtime, data=data, digest=digest, source=source, state="received",
                   recorded_by=officer_username or source)
    _audit(session, runtime=runtime, report=report, action="enforcement-report-recorded", actor=actor,
           source=source, number=report.receiving_number, register=report.register_claim)
    proof = "operator-feed" if source == "operator-feed" else "officer"
    access_code = _receive(session, runtime=runtime, report=report, actor=actor, proof=proof)
    return report, access_code


def receive(session: Session, *, runtime: Any, report: Report, actor: str) -> Report:
    """The receiving pipeline for a report already saved (state set to ``received``), in this transaction:
    assessment, seed hit or case, acknowledgement. Returns the report."""
    proof = report.proof or ("officer" if report.source in ("phone", "paper") else
                             "operator-feed" if report.source == "operator-feed" else "sms-code")
    _receive(session, runtime=runtime, report=report, actor=actor, proof=proof)
    return report


def _receive(session: Session, *, runtime: Any, report: Report, actor: str, proof: str) -> str:
    now = runtime.clock.now()
    report.state, report.proof, report.proved_at, report.updated_at = "received", proof, now, now
    report.code_hash = None
    session.flush()
    _audit(session, runtime=runtime, report=report, action="enforcement-report-received", actor=actor, proof=proof)
    result = assessment.assess_and_store(session, clock=runtime.clock, settings=runtime.settings, report=report)
    _audit(session, runtime=runtime, report=report, action="enforcement-report-assessed", actor=actor,
           verdict=result.verdict)
    assignment = hits.assignment_for(session, number=report.receiving_number, at=report.received_at)
    if assignment is not None:
        report.seed_assignment_id = assignment.id
        session.flush()
        case = cases.open_seed_case(session, clock=runtime.clock, report=report, assignment=assignment, actor=actor)
    else:
        case = cases.file_report(session, clock=runtime.clock, report=report, actor=actor)
    if case is not None:
        _audit(session, runtime=runtime, report=report, action="enforcement-report-filed", actor=actor,
               case=case.reference, seed_assignment=report.seed_assignment_id)
    access_code = secrets.token_urlsafe(ACCESS_CODE_BYTES)
    report.access_code_hash = passwords.hash_secret(access_code)
    session.flush()
    _acknowledge(session, runtime=runtime, report=report, access_code=access_code,
                 include_code=report.source != "online")
    return access_code


def _acknowledge(session: Session, *, runtime: Any, report: Report, access_code: str, include_code: bool) -> None:
    """Tell the reporter the report was received (mail or SMS in their language); a report with no contact
    gets nothing (the page showed the reference and access code)."""
    if report.contact_kind == "none" or not report.contact_sealed:
        return
    contact = runtime.vault.open("enf_reports.contact", report.contact_sealed)
    params = {"reference": report.reference, "number": mask_number(report.receiving_number),
              "access_code": access_code}
    body = format_message(report.language, ACK_BODY, params)
    if include_code:
        body += "\n\n" + format_message(report.language, ACK_ACCESS, params)
    if report.contact_kind == "email":
        mail.enqueue(session, clock=runtime.clock, key=f"enforcement-report-ack:{report.reference}", to=contact,
                     subject=format_message(report.language, ACK_SUBJECT, params), body=body)
    else:
        runtime.sms.send_sms(contact, body)
    _audit(session, runtime=runtime, report=report, action="enforcement-report-acknowledged",
           actor="system:report-ack", by=report.contact_kind)


def lapse_unproved(session: Session, *, runtime: Any) -> int:
    """Mark ``lapsed`` every report still awaiting proof whose code has expired; return how many."""
    now = runtime.clock.now()
    due = session.scalars(select(Report).where(Report.state == "awaiting-proof", Report.code_expires_at <= now)
                          .order_by(Report.id)).all()
    for report in due:
        changed = session.execute(update(Report).where(Report.id == report.id, Report.state == "awaiting-proof")
                                  .values(state="lapsed", updated_at=now, code_hash=None),
                                  execution_options={"synchronize_session": False}).rowcount
        if changed:
            session.refresh(report)
            _audit(session, runtime=runtime, report=report, action="enforcement-report-lapsed",
                   actor="system:report-lapse", reason="code-expired")
    session.flush()
    return len(due)


# ---- the reporter's view -------------------------------------------------------------------------------------

STAGES = {
    "awaiting-proof": N_("Waiting for the code sent to the receiving number."),
    "lapsed": N_("Lapsed: the receiving number was never proved. Make the report again if you wish."),
    "withdrawn": N_("Withdrawn."),
    "being-assessed": N_("Received: being assessed."),
    "investigation": N_("Received, and passed to an investigation of the sender."),
    "action-taken": N_("Received; action was taken against the sender."),
    "closed": N_("Received; the matter is closed."),
}
_CASE_STAGES = {"collecting": "being-assessed", "investigating": "investigation", "no-action": "closed",
                "warning": "action-taken", "notice-served": "action-taken", "complied": "action-taken",
                "referred": "action-taken", "closed": "closed"}


def stage_of(session: Session, report: Report) -> str:
    if report.state != "received":
        return report.state
    if report.case_id is None:
        return "being-assessed"
    from telreg.enforcement.models import Case

    case = session.get(Case, report.case_id)
    return _CASE_STAGES.get(case.state, "being-assessed") if case is not None else "being-assessed"


_DUMMY_HASH: list[str] = []


def reporter_status(session: Session, *, reference: str, access_code: str, lang: str = "en") -> dict[str, Any]:
    """The state of one report for whoever holds its reference and access code; a wrong code and an unknown
    reference answer the same (ReportNotFound)."""
    report = session.scalar(select(Report).where(Report.reference == (reference or "").strip().upper()))
    given = (access_code or "").strip()
    if report is None or not report.access_code_hash:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(passwords.hash_secret("not-a-report"))
        passwords.matches(_DUMMY_HASH[0], given or "-")  # the same work either way
        ok = False
    else:
        ok = bool(given) and passwords.matches(report.access_code_hash, given)
    if not ok or report is None:
        raise ReportNotFound(N_("No report %(reference)s was found with this access code."),
                             reference=(reference or "").strip())
    stage = stage_of(session, report)
    return {"reference": report.reference, "state": report.state, "stage": stage,
            "stage_text": format_message(lang, STAGES[stage]),
            "received_at": report.proved_at or report.created_at,
            "arrived_at": report.received_at, "register": report.register_claim,
            "receiving_number": mask_number(report.receiving_number)}
