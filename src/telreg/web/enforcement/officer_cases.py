"""The regulator's case pages: /staff/enforcement/cases (the list) and /staff/enforcement/cases/{reference} (the
sender — an account, or the candidates when the identification is ambiguous —, the reports with their verdicts,
the timeline, the documents, the notices, and the actions the case's state allows), plus the documents' download
address /staff/enforcement/documents/{reference}.

Who: a regulator (an administrator passes). Each action calls one service function of enforcement/cases.py or
notices.py (the same the API calls); a refusal shows the case again with the service's sentence next to the form
it concerns, the form's input kept.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telreg.core.clock import HK
from telreg.core.errors import DomainError, InvalidInput
from telreg.core.i18n import N_
from telreg.deps import DbSession, RuntimeDep
from telreg.enforcement import cases, documents, fines, matching, notices
from telreg.enforcement.deps import OFFICER_CHANGE, EnforcementOfficer
from telreg.enforcement.errors import CaseNotFound
from telreg.enforcement.models import Case, CaseDocument, CaseEvent, FineRate, Notice, Report
from telreg.enforcement.vocabulary import (
    CASE_DECISIONS,
    CASE_ORIGINS,
    CASE_STATES,
    OFFENCES,
    SERVICE_METHODS,
    VERDICTS,
)
from telreg.runtime import Runtime
from telreg.senders.models import SenderAccount
from telreg.web import paging
from telreg.web.enforcement import officer_messages  # noqa: F401 - registers the keyed words
from telreg.web.enforcement.officer_common import (
    PAGE,
    Form,
    FormFields,
    actor,
    explain,
    field_day,
    field_int,
    text,
)
from telreg.web.render import flash, redirect, render

__all__ = ["router"]

router = APIRouter(prefix=PAGE)
CASES = f"{PAGE}/cases"
FILTERS = {"state": CASE_STATES, "origin": CASE_ORIGINS}


def _where(reference: str, anchor: str = "") -> str:
    return f"{CASES}/{reference}" + (f"#{anchor}" if anchor else "")


def _find(session: Session, reference: str) -> Case:
    row = session.scalars(select(Case).where(Case.reference == reference.strip().upper())).one_or_none()
    if row is None:
        raise CaseNotFound(N_("There is no case %(reference)s."), reference=reference)
    return row


def _today(runtime: Runtime) -> dt.date:
    return runtime.clock.now().astimezone(HK).date()


# ---- the list ------------------------------------------------------------------------------------------------

@router.get("/cases", response_class=HTMLResponse)
def cases_page(request: Request, session: DbSession, user: EnforcementOfficer) -> HTMLResponse:
    """The cases, newest first, with their reports counted by verdict and the deadline of a notice."""
    chosen = {name: request.query_params.get(name, "") for name in FILTERS}
    chosen = {name: value if value in FILTERS[name] else "" for name, value in chosen.items()}
    where = []
    if chosen["state"]:
        where.append(Case.state == chosen["state"])
    if chosen["origin"]:
        where.append(Case.origin == chosen["origin"])
    total = session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    paged = paging.paginate(request, total=total)
    cases = session.scalars(select(Case).where(*where).order_by(Case.opened_at.desc(), Case.id.desc())
                            .limit(paged.size).offset(paged.offset)).all()
    ids = [case.id for case in cases]
    counts: dict[int, Counter[str]] = {case_id: Counter() for case_id in ids}
    deadlines: dict[int, dt.date] = {}
    if ids:
        for case_id, verdict, n in session.execute(
                select(Report.case_id, Report.verdict, func.count()).where(Report.case_id.in_(ids))
                .group_by(Report.case_id, Report.verdict)):
            counts[case_id][verdict or "none"] += n
        for case_id, deadline in session.execute(
                select(Notice.case_id, func.max(Notice.deadline)).where(Notice.case_id.in_(ids))
                .group_by(Notice.case_id)):
            deadlines[case_id] = deadline
    rows = [{"case": case, "counts": [(v, counts[case.id][v]) for v in (*VERDICTS, "none") if counts[case.id][v]],
             "deadline": deadlines.get(case.id)} for case in cases]
    return render(request, "enforcement/officer_cases.html", {
        "rows": rows, "paged": paged, "chosen": chosen, "filters": FILTERS})


# ---- one case ------------------------------------------------------------------------------------------------

def _candidates(session: Session, case: Case, reports: list[Report]) -> list[SenderAccount]:
    """The accounts the reports' identifications match when the case is not settled on one account."""
    if case.account_id is not None:
        return []
    ids: set[int] = set()
    for identification in {report.sender_identification for report in reports}:
        ids.update(matching.match_accounts(session, identification=identification).account_ids)
    for event in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)):
        for key in ("candidates", "candidate_accounts", "candidate_account_ids"):
            ids.update(int(x) for x in (event.details or {}).get(key, []) or [] if str(x).isdigit())
    if not ids:
        return []
    return list(session.scalars(select(SenderAccount).where(SenderAccount.id.in_(ids)).order_by(SenderAccount.id)))


def _fine_scale(session: Session, day: dt.date) -> list[FineRate]:
    """The fine scale as it stands on DAY, in the order of the offences."""
    scale = fines.scale_on(session, day)
    return [scale[offence] for offence in OFFENCES if offence in scale]


def _case_page(request: Request, session: Session, runtime: Runtime, *, reference: str,
               form_name: str = "", form: dict[str, str] | None = None, extra: dict[str, Any] | None = None,
               status_code: int = 200) -> HTMLResponse:
    case = _find(session, reference)
    reports = list(session.scalars(select(Report).where(Report.case_id == case.id)
                                   .order_by(Report.received_at, Report.id)))
    events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                  .order_by(CaseEvent.at, CaseEvent.id)))
    documents = list(session.scalars(select(CaseDocument).where(CaseDocument.case_id == case.id)
                                     .order_by(CaseDocument.created_at, CaseDocument.id)))
    notices = list(session.scalars(select(Notice).where(Notice.case_id == case.id)
                                   .order_by(Notice.issued_at, Notice.id)))
    account = session.get(SenderAccount, case.account_id) if case.account_id else None
    today = _today(runtime)
    open_notice = next((n for n in reversed(notices) if n.state not in ("withdrawn",)), None)
    return render(request, "enforcement/officer_case.html", {
        "c": case, "reports": reports, "events": events, "documents": documents, "notices": notices,
        "notice": open_notice, "account": account, "candidates": _candidates(session, case, reports),
        "today": today, "scale": _fine_scale(session, today), "methods": SERVICE_METHODS,
        "decisions": CASE_DECISIONS,
        "reply_days": runtime.settings.information_reply_days,
        "default_deadline": today + dt.timedelta(days=runtime.settings.notice_compliance_days),
        "form_name": form_name, "form": form or {}, **(extra or {})}, status_code=status_code)


@router.get("/cases/{reference}", response_class=HTMLResponse)
def case_page(reference: str, request: Request, session: DbSession, runtime: RuntimeDep,
              user: EnforcementOfficer) -> HTMLResponse:
    """One case: the sender, its reports, timeline, documents and notices, and what can be done next."""
    return _case_page(request, session, runtime, reference=reference)


def _act(request: Request, session: Session, runtime: Runtime, *, reference: str, form_name: str,
         form: FormFields, step: Callable[[Case], Any], anchor: str = "") -> Response:
    """Run one step of the case; on a refusal show the case again with the sentence next to the step's form."""
    kept = {name: value for name, value in form.items() if isinstance(value, str) and name != "csrf_token"}
    try:
        case = _find(session, reference)
        result = step(case)
    except DomainError as exc:
        session.rollback()
        return _case_page(request, session, runtime, reference=reference, form_name=form_name, form=kept,
                          extra=explain(request, exc), status_code=exc.status_code)
    target = result.reference if isinstance(result, Case) else case.reference
    flash(request, "enfo_flash_done")
    return redirect(_where(target, anchor or form_name))


def _notice(session: Session, case: Case, reference: str) -> Notice:
    row = session.scalars(select(Notice).where(Notice.case_id == case.id,
                                               Notice.reference == reference.strip().upper())).one_or_none()
    if row is None:
        raise CaseNotFound(N_("There is no notice %(reference)s in this case."), reference=reference)
    return row


def _document(session: Session, case: Case, reference: str) -> CaseDocument:
    row = session.scalars(select(CaseDocument).where(CaseDocument.case_id == case.id,
                                                     CaseDocument.reference == reference.strip())).one_or_none()
    if row is None:
        raise CaseNotFound(N_("There is no document %(reference)s in this case."), reference=reference)
    return row


def _upload(form: FormFields, name: str) -> tuple[str, bytes] | None:
    value = form.get(name)
    if value is None or isinstance(value, str):
        return None
    return (value.filename or "file", value.file.read())


def _served_at(runtime: Runtime, value: str) -> dt.datetime:
    """The moment a document was served: the day typed (Hong Kong), at the time of recording when it is today."""
    day = field_day(value, field="served_on")
    now = runtime.clock.now().astimezone(HK)
    return now if day == now.date() else dt.datetime.combine(day, dt.time(12, 0), tzinfo=HK)


def _steps(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


@router.post("/cases/{reference}/link-account", response_class=HTMLResponse, dependencies=OFFICER_CHANGE)
def link_account(reference: str, request: Request, session: DbSession, runtime: RuntimeDep,
                 user: EnforcementOfficer, form: Form) -> Response:
    """Settle who the sender is: link the case to one subscriber account."""
    def step(case: Case) -> Case:
        return cases.link_account(session, clock=runtime.clock, case=case,
                           account_id=field_int(text(form, "account_id"), field="account_id"),
                           officer=actor(user))
    return _act(request, session, runtime, reference=reference, form_name="link-account", form=form, step=step,
                anchor="sender")


@router.post("/cases/{reference}/investigation", response_class=HTMLResponse, dependencies=OFFICER_CHANGE)
def open_investigation(reference: str, request: Request, session: DbSession, runtime: RuntimeDep,
                       user: EnforcementOfficer, form: Form) -> Response:
    """Open the investigation of the case."""
    def step(case: Case) -> None:
        cases.open_investigation(session, clock=runtime.clock, case=case, officer=actor(user))
    return _act(request, session, runtime, reference=reference, form_name="investigation", form=form, step=step,
                anchor="actions")


@router.post("/cases/{reference}/information-requests", response_class=HTMLResponse, dependencies=OFFICER_CHANGE)
def request_information(reference: str, request: Request, session: DbSession, runtime: RuntimeDep,
                        user: EnforcementOfficer, form: Form) -> Response:
    """Request information from the sender: a dated letter (PDF) with the questions and the reply deadline."""
    def step(case: Case) -> None:
        cases.request_information(
            session, clock=runtime.clock, settings=runtime.settings, case=case, officer=actor(user), questions=_steps(text(form, "questions")),
            reply_days=field_int(text(form, "reply_days"), field="reply_days",
                                 default=runtime.settings.information_reply_days))
    return _act(request, session, runtime, reference=reference, form_name="information", form=form, step=step,
                anchor="documents")


@router.post("/cases/{reference}/documents/{document}/service", response_class=HTMLResponse,
             dependencies=OFFICER_CHANGE)
def serve_document(reference: str, document: str, request: Request, session: DbSession, runtime: RuntimeDep,
                   user: EnforcementOfficer, form: Form) -> Response:
    """Record that a document was served (method and date)."""
    def step(case: Case) -> None:
        cases.serve_document(session, clock=runtime.clock, document=_document(session, case, document),
                             method=text(form, "method"), served_at=_served_at(runtime, text(form, "served_on")),
                             officer=actor(user))
    return _act(request, session, runtime, reference=reference, form_name=f"serve-{document}", form=form,
                step=step, anchor="documents")


@router.post("/cases/{reference}/replies", response_class=HTMLResponse, dependencies=OFFICER_CHANGE)
def record_reply(reference: str, request: Request, session: DbSession, runtime: RuntimeDep,
                 user: EnforcementOfficer, form: Form) -> Response:
    """Record the sender's reply (its text, the day it came, a file when there is one)."""
    def step(case: Case) -> None:
        upload = _upload(form, "file")
        cases.record_reply(session, clock=runtime.clock, settings=runtime.settings, case=case, officer=actor(user),
                           text=text(form, "text"),
                           received_on=field_day(text(form, "received_on"), field="received_on"),
                           content=upload[1] if upload else None, filename=upload[0] if upload else None)
    return _act(request, session, runtime, reference=reference, form_name="reply", form=form, step=step,
                anchor="documents")


@router.post("/cases/{reference}/evidence", response_class=HTMLResponse, dependencies=OFFICER_CHANGE)
def add_evidence(reference: str, request: Request, session: DbSession, runtime: RuntimeDep,
                 user: EnforcementOfficer, form: Form) -> Response:
    """File evidence in the case (a description and a file)."""
    def step(case: Case) -> None:
        upload = _upload(form, "file")
        if upload is None:
            raise InvalidInput(N_("Choose the file of the evidence."), field="file")
        cases.add_evidence(session, clock=runtime.clock, settings=runtime.settings, case=case, officer=actor(user),
                           description=text(form, "description"), content=upload[1], filename=upload[0])
    return _act(request, session, runtime, reference=reference, form_name="evidence", form=form, step=step,
                anchor="documents")


@router.post("/cases/{reference}/decision", response_class=HTMLResponse, dependencies=OFFICER_CHANGE)
def decide(reference: str, request: Request, session: DbSession, runtime: RuntimeDep, user: EnforcementOfficer,
           form: Form) -> Response:
    """Decide the case: no action, a warning, or an enforcement notice."""
    def step(case: Case) -> None:
        cases.decide(session, clock=runtime.clock, case=case, officer=actor(user), decision=text(form, "decision"),
                     reason=text(form, "reason"))
    return _act(request, session, runtime, reference=reference, form_name="decision", form=form, step=step,
                anchor="actions")


@router.post("/cases/{reference}/notices", response_class=HTMLResponse, dependencies=OFFICER_CHANGE)
def issue_notice(reference: str, request: Request, session: DbSession, runtime: RuntimeDep,
                 user: EnforcementOfficer, form: Form) -> Response:
    """Issue an enforcement notice: the contravention, the steps required, the deadline (a bilingual PDF)."""
    def step(case: Case) -> None:
        notices.issue_notice(session, clock=runtime.clock, settings=runtime.settings, case=case, officer=actor(user),
                             contravention=text(form, "contravention") or None,
                             steps=_steps(text(form, "steps")) or None,
                             deadline=field_day(text(form, "deadline"), field="deadline")
                             if text(form, "deadline") else None)
    return _act(request, session, runtime, reference=reference, form_name="notice", form=form, step=step,
                anchor="notices")


@router.post("/cases/{reference}/notices/{notice}/service", response_class=HTMLResponse,
             dependencies=OFFICER_CHANGE)
def serve_notice(reference: str, notice: str, request: Request, session: DbSession, runtime: RuntimeDep,
                 user: EnforcementOfficer, form: Form) -> Response:
    """Record that the notice was served (method and date)."""
    def step(case: Case) -> None:
        notices.serve_notice(session, clock=runtime.clock, notice=_notice(session, case, notice),
                             method=text(form, "method"), served_at=_served_at(runtime, text(form, "served_on")),
                             officer=actor(user))
    return _act(request, session, runtime, reference=reference, form_name="serve-notice", form=form, step=step,
                anchor="notices")


@router.post("/cases/{reference}/notices/{notice}/compliance-check", response_class=HTMLResponse,
             dependencies=OFFICER_CHANGE)
def check_compliance(reference: str, notice: str, request: Request, session: DbSession, runtime: RuntimeDep,
                     user: EnforcementOfficer, form: Form) -> Response:
    """Check compliance with the notice (after its deadline): reports after the deadline breach it."""
    def step(case: Case) -> None:
        notices.check_compliance(session, clock=runtime.clock, notice=_notice(session, case, notice),
                                 officer=actor(user))
    return _act(request, session, runtime, reference=reference, form_name="compliance", form=form, step=step,
                anchor="notices")


@router.post("/cases/{reference}/notices/{notice}/referral", response_class=HTMLResponse,
             dependencies=OFFICER_CHANGE)
def refer(reference: str, notice: str, request: Request, session: DbSession, runtime: RuntimeDep,
          user: EnforcementOfficer, form: Form) -> Response:
    """Refer a breached notice for prosecution, with the fine scale as it stands."""
    def step(case: Case) -> None:
        notices.refer(session, clock=runtime.clock, notice=_notice(session, case, notice), officer=actor(user),
                      prior_convictions=field_int(text(form, "prior_convictions"), field="prior_convictions",
                                                  default=0),
                      reason=text(form, "reason"))
    return _act(request, session, runtime, reference=reference, form_name="referral", form=form, step=step,
                anchor="notices")


@router.post("/cases/{reference}/close", response_class=HTMLResponse, dependencies=OFFICER_CHANGE)
def close(reference: str, request: Request, session: DbSession, runtime: RuntimeDep, user: EnforcementOfficer,
          form: Form) -> Response:
    """Close the case with a reason."""
    def step(case: Case) -> None:
        cases.close_case(session, clock=runtime.clock, case=case, officer=actor(user), note=text(form, "reason"))
    return _act(request, session, runtime, reference=reference, form_name="close", form=form, step=step,
                anchor="actions")


@router.get("/documents/{reference}", response_class=Response)
def document_file(reference: str, session: DbSession, runtime: RuntimeDep, user: EnforcementOfficer) -> Response:
    """A case document's file (its checksum verified by the service before it is handed out)."""
    row, content = documents.open_document(session, reference=reference)
    return Response(content, media_type=row.content_type, headers={
        "Content-Disposition": f'attachment; filename="{row.filename}"', "Cache-Control": "no-store"})
