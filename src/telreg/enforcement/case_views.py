"""Cases as the API, the CLI and the officers' pages show them (plain dicts of JSON values)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.core.clock import hk_iso
from telreg.enforcement import documents, matching
from telreg.enforcement.case_steps import reports_of
from telreg.enforcement.models import Case, CaseDocument, CaseEvent, Notice
from telreg.enforcement.notices import notice_view, notices_of
from telreg.senders.models import SenderAccount

__all__ = ["candidate_accounts", "case_detail", "case_summary", "document_view", "event_view"]


def _iso(value: Any) -> str | None:
    return hk_iso(value) if value is not None else None


def candidate_accounts(session: Session, case: Case) -> list[dict[str, Any]]:
    """The accounts the case's sender may be, when it is not settled (several: the officer chooses)."""
    if case.account_id is not None:
        return []
    found = matching.match_accounts(session, identification=case.sender_label)
    accounts = [session.get(SenderAccount, account_id) for account_id in found.account_ids]
    return [{"id": a.id, "name": a.name, "username": a.username, "state": a.state} for a in accounts if a]


def case_summary(session: Session, case: Case) -> dict[str, Any]:
    reports = reports_of(session, case)
    standing = session.scalar(select(Notice).where(Notice.case_id == case.id)
                              .order_by(Notice.issued_at.desc()).limit(1))
    return {"reference": case.reference, "state": case.state, "origin": case.origin, "sender": case.sender_label,
            "sender_key": case.sender_key, "account_id": case.account_id, "register": case.register,
            "decision": case.decision, "opened_at": _iso(case.opened_at), "updated_at": _iso(case.updated_at),
            "closed_at": _iso(case.closed_at), "open": case.open_key is not None,
            "reports": len(reports), "verdicts": dict(Counter(r.verdict or "unassessed" for r in reports)),
            "notice": {"reference": standing.reference, "state": standing.state,
                       "deadline": standing.deadline.isoformat()} if standing else None}


def document_view(row: CaseDocument) -> dict[str, Any]:
    return {"reference": row.reference, "kind": row.kind, "title": row.title, "filename": row.filename,
            "content_type": row.content_type, "sha256": row.sha256, "size": row.size, "dated": row.dated.isoformat(),
            "reply_due": row.reply_due.isoformat() if row.reply_due else None, "created_by": row.created_by,
            "served_at": _iso(row.served_at), "served_method": row.served_method, "served_by": row.served_by,
            "url": f"/api/v1/enforcement/documents/{row.reference}"}


def event_view(row: CaseEvent) -> dict[str, Any]:
    return {"kind": row.kind, "actor": row.actor, "at": _iso(row.at), "details": row.details,
            "document_id": row.document_id}


def case_detail(session: Session, case: Case) -> dict[str, Any]:
    """Everything about a case: the summary, investigation, reports, events, documents, notices."""
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.at, CaseEvent.id))
    return {**case_summary(session, case),
            "investigator": case.investigator, "investigation_opened_at": _iso(case.investigation_opened_at),
            "decision_reason": case.decision_reason, "decided_by": case.decided_by,
            "decided_at": _iso(case.decided_at), "opened_by": case.opened_by,
            "candidate_accounts": candidate_accounts(session, case),
            "report_list": [{"reference": r.reference, "state": r.state, "source": r.source,
                             "received_at": _iso(r.received_at), "register": r.register_claim,
                             "receiving_number": r.receiving_number, "sender_identification": r.sender_identification,
                             "verdict": r.verdict, "flagged_notice_id": r.notice_id}
                            for r in reports_of(session, case)],
            "events": [event_view(e) for e in events],
            "documents": [document_view(d) for d in documents.documents_of(session, case)],
            "notices": [notice_view(session, n) for n in notices_of(session, case)]}
