"""The steps of an investigation: open it, request information from the sender (a dated letter, PDF), record
service of a letter, record the sender's reply and evidence, decide.

Each step locks the case, refuses a case in the wrong state (StepRefused naming the state), records a CaseEvent
and the same step in the audit log, and flushes; the caller's edge commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import Clock, hk_iso, to_hk, today
from telreg.core.errors import InvalidInput
from telreg.core.files import PendingFile
from telreg.core.i18n import N_
from telreg.enforcement import documents
from telreg.enforcement.case_common import (
    close,
    event,
    is_open,
    lock_case,
    mask_number,
    require_state,
    state_term,
)
from telreg.enforcement.documents import templates
from telreg.enforcement.errors import StepRefused
from telreg.enforcement.models import Case, CaseDocument, Notice, Report
from telreg.enforcement.vocabulary import CASE_DECISIONS, SERVICE_METHODS
from telreg.senders.models import SenderAccount

__all__ = ["INFORMATION_LEGAL_BASIS", "add_evidence", "decide", "letter_reports", "open_investigation",
           "record_reply", "regenerate_information_request", "reports_of", "request_information", "sender_of",
           "serve_document"]

INFORMATION_LEGAL_BASIS = (
    "Section 35 of the Unsolicited Electronic Messages Ordinance (Cap. 593) empowers the Communications Authority "
    "to require any person to furnish information or produce documents relevant to an investigation of a "
    "contravention of the Ordinance. Failing without reasonable excuse to comply with this request is an offence.")
MAX_QUESTIONS = 30
MAX_TEXT = 5000


def reports_of(session: Session, case: Case) -> list[Report]:
    return list(session.scalars(select(Report).where(Report.case_id == case.id)
                                .order_by(Report.received_at, Report.id)))


def letter_reports(session: Session, case: Case) -> list[dict[str, Any]]:
    """The case's reports as a letter lists them: reference, arrival (Hong Kong time), register, masked number."""
    return [{"reference": r.reference, "arrived": to_hk(r.received_at).strftime("%Y-%m-%d %H:%M"),
             "register": r.register_claim, "receiving_number": mask_number(r.receiving_number)}
            for r in reports_of(session, case)]


def sender_of(session: Session, case: Case) -> dict[str, Any]:
    """The sender as a letter addresses them: the account's name and contact of record, else the identification."""
    account = session.get(SenderAccount, case.account_id) if case.account_id is not None else None
    if account is None:
        return {"name": case.sender_label, "address_lines": ["(as identified in the reports)"], "account_id": None}
    return {"name": account.name, "address_lines": [account.contact_email, f"Subscriber account: {account.username}"],
            "account_id": account.id}


def _text(value: str | None, *, what: str, most: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if not text or len(text) > most:
        raise InvalidInput(N_("Give the %(what)s (at most %(most)s characters)."), what=what, most=most)
    return text


def open_investigation(session: Session, *, clock: Clock, case: Case | str, officer: str,
                       investigator: str | None = None) -> Case:
    """collecting → investigating, with the investigator (the officer unless another is named)."""
    case = lock_case(session, case)
    require_state(case, ("collecting",), step=N_("opening an investigation"))
    case.state = "investigating"
    case.investigator = (investigator or officer).strip()[:100]
    case.investigation_opened_at = clock.now()
    event(session, clock=clock, case=case, kind="investigation-opened", actor=officer,
          details={"investigator": case.investigator})
    session.flush()
    return case


def _questions(questions: Sequence[str]) -> list[str]:
    cleaned = [q.strip() for q in questions if q and q.strip()]
    if not cleaned or len(cleaned) > MAX_QUESTIONS or any(len(q) > 2000 for q in cleaned):
        raise InvalidInput(N_("Ask between 1 and %(most)s questions, each at most 2,000 characters."),
                           most=MAX_QUESTIONS)
    return cleaned


def _information_params(session: Session, *, clock: Clock, case: Case, officer: str, questions: list[str],
                        reply_due: dt.date) -> dict[str, Any]:
    return {"case_reference": case.reference, "dated": today(clock).isoformat(), "sender": sender_of(session, case),
            "reports": letter_reports(session, case), "questions": questions, "reply_due": reply_due.isoformat(),
            "legal_basis": INFORMATION_LEGAL_BASIS, "officer": officer}


def _reply_due(clock: Clock, settings: Settings, reply_days: int | None) -> dt.date:
    days = settings.information_reply_days if reply_days is None else reply_days
    if not 1 <= days <= 366:
        raise InvalidInput(N_("Give the sender between 1 and 366 days to reply, not %(days)s."), days=days)
    return today(clock) + dt.timedelta(days=days)


def request_information(session: Session, *, clock: Clock, settings: Settings, case: Case | str, officer: str,
                        questions: Sequence[str], reply_days: int | None = None) -> CaseDocument:
    """A dated letter (PDF) asking the sender QUESTIONS about the case's reports, with the reply deadline
    (settings.information_reply_days unless REPLY_DAYS) and the legal basis; stored as an information-request
    document whose ``params`` are the values filled in."""
    case = lock_case(session, case)
    require_state(case, ("investigating",), step=N_("requesting information"))
    reply_due = _reply_due(clock, settings, reply_days)
    params = _information_params(session, clock=clock, case=case, officer=officer, questions=_questions(questions),
                                 reply_due=reply_due)
    reference = documents.next_document_reference(session, case)
    params["reference"] = reference
    title = f"{templates.INFORMATION_REQUEST_TITLE[0]} {reference}"
    document = documents.create_document(session, clock=clock, settings=settings, case=case,
                                         kind="information-request", title=title, filename=f"{reference}.pdf",
                                         params=params, officer=officer, reference=reference, reply_due=reply_due)
    event(session, clock=clock, case=case, kind="information-requested", actor=officer, document_id=document.id,
          details={"document": reference, "reply_due": reply_due.isoformat(), "questions": len(params["questions"]),
                   "sha256": document.sha256})
    return document


def regenerate_information_request(session: Session, *, clock: Clock, settings: Settings,
                                   document: CaseDocument | str, officer: str, questions: Sequence[str],
                                   reply_days: int | None = None) -> CaseDocument:
    """Generate an unserved information request again with other questions or another reply period (refused
    once it is served)."""
    document = documents.document_by_reference(session, document) if isinstance(document, str) else document
    documents.ensure_unserved(document)
    if document.kind != "information-request":
        raise StepRefused(N_("Document %(reference)s is not an information request."), reference=document.reference)
    case = lock_case(session, session.get(Case, document.case_id))  # type: ignore[arg-type]
    reply_due = _reply_due(clock, settings, reply_days)
    params = _information_params(session, clock=clock, case=case, officer=officer, questions=_questions(questions),
                                 reply_due=reply_due)
    params["reference"] = document.reference
    stored = documents.store_document(settings.data_dir, filename=document.filename,
                                      content=documents.render_pdf(document.kind, params),
                                      max_bytes=documents.GENERATED_MAX_BYTES, area=documents.AREA)
    document.params, document.sha256, document.size, document.path = params, stored.sha256, stored.size, stored.path
    document.dated, document.reply_due = today(clock), reply_due
    event(session, clock=clock, case=case, kind="information-requested", actor=officer, document_id=document.id,
          details={"document": document.reference, "regenerated": True, "reply_due": reply_due.isoformat(),
                   "sha256": stored.sha256})
    session.flush()
    return document


def _served_at(clock: Clock, served_at: dt.datetime | None, document: CaseDocument) -> dt.datetime:
    at = clock.now() if served_at is None else to_hk(served_at)
    if at > clock.now() + dt.timedelta(minutes=5):
        raise InvalidInput(N_("A document cannot be recorded as served in the future (%(served_at)s)."),
                           served_at=hk_iso(at))
    if at.date() < document.dated:
        raise InvalidInput(N_("Document %(reference)s is dated %(dated)s; it cannot have been served before that."),
                           reference=document.reference, dated=document.dated.isoformat())
    return at


def check_method(method: str) -> str:
    if method not in SERVICE_METHODS:
        raise InvalidInput(N_("Unknown method of service %(method)s; choose one of %(known)s."), method=method,
                           known=", ".join(SERVICE_METHODS))
    return method


def serve_document(session: Session, *, clock: Clock, document: CaseDocument | str, officer: str, method: str,
                   served_at: dt.datetime | None = None) -> CaseDocument:
    """Record that a generated letter was served (date and method); from then on it cannot change. An
    enforcement notice's document is served with its notice (notices.serve_notice)."""
    document = documents.document_by_reference(session, document) if isinstance(document, str) else document
    if document.kind == "enforcement-notice":
        from telreg.enforcement import notices  # notices build on these steps

        notice = session.scalar(select(Notice).where(Notice.document_id == document.id))
        assert notice is not None
        notices.serve_notice(session, clock=clock, notice=notice, officer=officer, method=method,
                             served_at=served_at)
        return document
    case = lock_case(session, session.get(Case, document.case_id))  # type: ignore[arg-type]
    documents.ensure_unserved(document)
    if document.kind != "information-request":
        raise StepRefused(N_("Document %(reference)s was received, not generated: there is nothing to serve."),
                          reference=document.reference)
    at = _served_at(clock, served_at, document)
    document.served_at, document.served_method, document.served_by = at, check_method(method), officer
    event(session, clock=clock, case=case, kind="note", actor=officer, document_id=document.id,
          details={"note": "document-served", "document": document.reference, "method": method,
                   "served_at": hk_iso(at)})
    session.flush()
    return document


def _require_working(case: Case, step: str) -> None:
    if not is_open(case):
        raise StepRefused(N_("Case %(reference)s is %(state)s: %(step)s needs an open case."),
                          reference=case.reference, state=state_term(case.state), step=step)


def record_reply(session: Session, *, clock: Clock, settings: Settings, case: Case | str, officer: str, text: str,
                 received_on: dt.date, content: bytes | PendingFile | None = None,
                 filename: str | None = None) -> CaseDocument:
    """Record the sender's reply: its text (and the file received, type-checked like every upload; without a
    file the text is kept as a dated PDF record)."""
    case = lock_case(session, case)
    _require_working(case, N_("recording a reply"))
    require_state(case, ("investigating", "warning", "notice-served", "complied", "referred"),
                  step=N_("recording a reply"))
    text = _text(text, what=N_("text of the reply"))
    if received_on > today(clock):
        raise InvalidInput(N_("A reply cannot be received in the future (%(received_on)s)."),
                           received_on=received_on.isoformat())
    reference = documents.next_document_reference(session, case)
    params = {"reference": reference, "case_reference": case.reference, "text": text,
              "received_on": received_on.isoformat(), "officer": officer}
    document = documents.create_document(
        session, clock=clock, settings=settings, case=case, kind="reply",
        title=f"Reply received on {received_on.isoformat()}", filename=filename or f"{reference}.pdf", params=params,
        officer=officer, content=content, reference=reference)
    event(session, clock=clock, case=case, kind="reply-recorded", actor=officer, document_id=document.id,
          details={"document": reference, "received_on": received_on.isoformat(), "sha256": document.sha256})
    return document


def add_evidence(session: Session, *, clock: Clock, settings: Settings, case: Case | str, officer: str,
                 description: str, content: bytes | PendingFile, filename: str) -> CaseDocument:
    """File a piece of evidence (PDF, PNG or JPEG, checked by content) with its description."""
    case = lock_case(session, case)
    _require_working(case, N_("adding evidence"))
    description = _text(description, what=N_("description of the evidence"), most=2000)
    reference = documents.next_document_reference(session, case)
    document = documents.create_document(
        session, clock=clock, settings=settings, case=case, kind="evidence", title=description[:200],
        filename=filename, params={"description": description}, officer=officer, content=content,
        reference=reference)
    event(session, clock=clock, case=case, kind="evidence-added", actor=officer, document_id=document.id,
          details={"document": reference, "description": description[:500], "sha256": document.sha256})
    return document


def decide(session: Session, *, clock: Clock, case: Case | str, officer: str, decision: str, reason: str) -> Case:
    """Decide an investigation: no-action (the case closes), warning, or enforcement-notice (a notice is then
    issued: notices.issue_notice)."""
    case = lock_case(session, case)
    require_state(case, ("investigating",), step=N_("deciding"))
    if case.decision is not None:
        raise StepRefused(N_("Case %(reference)s was already decided (%(decision)s)."), reference=case.reference,
                          decision=case.decision)
    if decision not in CASE_DECISIONS:
        raise InvalidInput(N_("Unknown decision %(decision)s; choose one of %(known)s."), decision=decision,
                           known=", ".join(CASE_DECISIONS))
    reason = _text(reason, what=N_("reason for the decision"), most=2000)
    case.decision, case.decision_reason, case.decided_by, case.decided_at = decision, reason, officer, clock.now()
    if decision == "no-action":
        close(case, clock=clock, state="no-action")
    elif decision == "warning":
        case.state = "warning"
    event(session, clock=clock, case=case, kind="decided", actor=officer,
          details={"decision": decision, "reason": reason})
    session.flush()
    return case
