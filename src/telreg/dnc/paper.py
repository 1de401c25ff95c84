"""The officer channel: written applications with a recent phone bill, recorded then approved or rejected.

For numbers that cannot use the hotline (mobiles without caller ID, lines without tone dialling; seed 004 Q4.8).
Approval lists (or delists) the number through the same service as every other channel.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock
from telreg.core.errors import InvalidInput
from telreg.core.files import PendingFile, StoredFile, keep_on_commit
from telreg.core.i18n import N_
from telreg.core.phone import parse_registrable
from telreg.core.users import officer
from telreg.dnc import repository, service
from telreg.dnc.errors import ApplicationAlreadyDecided, PaperApplicationNotFound
from telreg.dnc.models import PaperApplication
from telreg.dnc.service import ChangeOutcome
from telreg.dnc.vocabulary import Channel, Register, Verification

__all__ = ["approve", "count_applications", "list_applications", "record_application", "reject"]

ACTIONS = ("register", "deregister")
_ALREADY_DECIDED = {
    "approved": N_("Paper application %(id)s was already approved by %(officer)s."),
    "rejected": N_("Paper application %(id)s was already rejected by %(officer)s."),
    "other": N_("Paper application %(id)s was already %(status)s by %(officer)s."),
}


def record_application(
    session: Session,
    *,
    clock: Clock,
    number: str,
    registers: list[Register],
    action: str,
    applicant_name: str,
    bill: StoredFile | PendingFile,
    officer_name: str,
) -> PaperApplication:
    """Record a paper application and its phone bill; nothing is listed until an officer approves it.

    A bill received by a request (PendingFile) is kept only if this application is committed."""
    clerk = officer(session, officer_name)
    parsed = parse_registrable(number)
    if action not in ACTIONS:
        raise InvalidInput(N_("'%(action)s' is not an action; use register or deregister."), action=action)
    name = applicant_name.strip()
    if not name:
        raise InvalidInput(N_("The applicant's name is required."))
    if isinstance(bill, PendingFile):
        bill = keep_on_commit(session, bill)
    application = repository.add_paper_application(
        session,
        PaperApplication(
            number=parsed.national,
            registers=[r.value for r in registers],
            action=action,
            applicant_name=name[:200],
            bill_filename=bill.filename,
            bill_path=bill.path,
            bill_sha256=bill.sha256,
            bill_size=bill.size,
            status="pending",
            submitted_by=clerk.username,
            submitted_at=clock.now(),
        ),
    )
    audit.record(
        session, clock=clock, actor=f"officer:{clerk.username}", action="paper-application-recorded",
        subject_type="number", subject_key=parsed.national,
        details={"application": application.id, "action": action, "registers": application.registers,
                 "bill_sha256": bill.sha256},
    )
    return application


def _pending(session: Session, application_id: int) -> PaperApplication:
    application = repository.get_paper_application(session, application_id, for_update=True)
    if application is None:
        raise PaperApplicationNotFound(N_("There is no paper application %(id)s."), id=application_id)
    if application.status != "pending":
        raise ApplicationAlreadyDecided(
            _ALREADY_DECIDED[application.status if application.status in _ALREADY_DECIDED else "other"],
            id=application_id, status=application.status, officer=application.decided_by,
        )
    return application


def approve(
    session: Session, *, clock: Clock, settings: Settings, application_id: int, officer_name: str
) -> list[ChangeOutcome]:
    """Approve a pending application: list (or delist) the number on the registers it names."""
    clerk = officer(session, officer_name)
    application = _pending(session, application_id)
    change = service.register_number if application.action == "register" else service.deregister_number
    outcomes = change(
        session,
        clock=clock,
        settings=settings,
        number=application.number,
        registers=[Register(r) for r in application.registers],
        channel=Channel.paper,
        verification=Verification.phone_bill,
        actor=f"officer:{clerk.username}",
        details={"application": application.id, "bill_sha256": application.bill_sha256},
    )
    application.status = "approved"
    application.decided_by = clerk.username
    application.decided_at = clock.now()
    session.flush()
    return outcomes


def reject(
    session: Session, *, clock: Clock, application_id: int, officer_name: str, reason: str
) -> PaperApplication:
    """Reject a pending application, with the reason the applicant will be told."""
    clerk = officer(session, officer_name)
    if not reason.strip():
        raise InvalidInput(N_("Say why the application is rejected."))
    application = _pending(session, application_id)
    application.status = "rejected"
    application.decided_by = clerk.username
    application.decided_at = clock.now()
    application.decision_reason = reason.strip()[:500]
    audit.record(
        session, clock=clock, actor=f"officer:{clerk.username}", action="paper-application-rejected",
        subject_type="number", subject_key=application.number,
        details={"application": application.id, "reason": application.decision_reason},
    )
    session.flush()
    return application


def list_applications(session: Session, *, status: str | None = None, decided: bool = False,
                      limit: int | None = None, offset: int = 0) -> list[PaperApplication]:
    """Applications newest first: in STATUS, or every DECIDED one, or all; a page with LIMIT and OFFSET."""
    return repository.paper_applications(session, status=status, decided=decided, limit=limit, offset=offset)


def count_applications(session: Session, *, status: str | None = None, decided: bool = False) -> int:
    """How many applications list_applications lists in all."""
    return repository.count_paper_applications(session, status=status, decided=decided)
