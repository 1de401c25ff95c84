"""HTTP API of the do-not-call registers: public status, and the officers' paper applications and feeds.

Officer endpoints use the staff session (sign in at /staff/login or POST /api/v1/auth/login) and, for changes, the
session's CSRF token in the ``X-CSRF-Token`` header or the form.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Response, UploadFile

from telreg.core.security import CsrfChecked, DncOfficer
from telreg.core.uploads import UploadBatch
from telreg.deps import DbSession, RuntimeDep
from telreg.dnc import feeds, paper, service
from telreg.dnc.schemas import (
    ChangeOutcomeOut,
    FeedRunOut,
    ListingEventOut,
    PaperApplicationOut,
    RejectRequest,
)
from telreg.dnc.vocabulary import parse_registers

router = APIRouter(prefix="/api/v1/dnc", tags=["do-not-call"])
# The public status look-up (GET /status/{number}) lives in dnc/status_api.py, on a router matched early.


@router.get("/history/{number}", response_model=list[ListingEventOut])
def history(number: str, session: DbSession, officer: DncOfficer) -> list[dict[str, Any]]:
    """Every event about a number, oldest first (officers only)."""
    return service.listing_history(session, number=number)


@router.post("/paper-applications", response_model=PaperApplicationOut, status_code=201,
             dependencies=[CsrfChecked])
def record_paper_application(
    session: DbSession,
    runtime: RuntimeDep,
    officer: DncOfficer,
    number: Annotated[str, Form()],
    registers: Annotated[list[str], Form()],
    applicant_name: Annotated[str, Form()],
    bill: Annotated[UploadFile, File(description="Recent phone bill: PDF, PNG or JPEG")],
    action: Annotated[str, Form()] = "register",
) -> Any:
    """Record a paper application with its phone bill; it waits for an officer's approval."""
    with UploadBatch.for_request(runtime, area="dnc-paper") as batch:  # streamed; kept only if committed
        received = batch.receive(bill, filename=bill.filename or "bill")
        return paper.record_application(
            session, clock=runtime.clock, number=number, registers=parse_registers(registers), action=action,
            applicant_name=applicant_name, bill=received, officer_name=officer.username,
        )


@router.get("/paper-applications", response_model=list[PaperApplicationOut])
def list_paper_applications(session: DbSession, officer: DncOfficer, status: str | None = None) -> Any:
    """List paper applications, newest first, optionally only those with a status."""
    return paper.list_applications(session, status=status)


@router.post("/paper-applications/{application_id}/approve", response_model=list[ChangeOutcomeOut],
             dependencies=[CsrfChecked], responses={409: {"description": "already_decided"}})
def approve_paper_application(application_id: int, session: DbSession, runtime: RuntimeDep,
                              officer: DncOfficer) -> Any:
    """Approve a pending application: the number is listed (or delisted) today."""
    outcomes = paper.approve(session, clock=runtime.clock, settings=runtime.settings,
                             application_id=application_id, officer_name=officer.username)
    return [o.as_dict() for o in outcomes]


@router.post("/paper-applications/{application_id}/reject", response_model=PaperApplicationOut,
             dependencies=[CsrfChecked], responses={409: {"description": "already_decided"}})
def reject_paper_application(application_id: int, body: RejectRequest, session: DbSession, runtime: RuntimeDep,
                             officer: DncOfficer) -> Any:
    """Reject a pending application with the reason the applicant will be told."""
    return paper.reject(session, clock=runtime.clock, application_id=application_id,
                        officer_name=officer.username, reason=body.reason)


@router.post("/feeds/terminated", response_model=FeedRunOut, dependencies=[CsrfChecked])
def import_terminated_feed(
    response: Response,
    session: DbSession,
    runtime: RuntimeDep,
    officer: DncOfficer,
    operator: Annotated[str, Form()],
    file: Annotated[UploadFile, File(description="CSV with header number,terminated_on")],
) -> Any:
    """Import an operator's terminated numbers; a malformed file is rejected whole (422) with line numbers,
    and the rejected run is still recorded."""
    content = file.file.read(runtime.settings.feed_max_bytes + 1)
    run = feeds.import_terminated(session, clock=runtime.clock, settings=runtime.settings, operator=operator,
                                  filename=file.filename or "feed.csv", content=content,
                                  actor=f"officer:{officer.username}")
    if run.status == "rejected":
        response.status_code = 422
    return run


@router.get("/feeds/terminated", response_model=list[FeedRunOut])
def list_feed_runs(session: DbSession, officer: DncOfficer) -> Any:
    """Recent imports of terminated-number feeds, newest first."""
    return feeds.feed_runs(session)
