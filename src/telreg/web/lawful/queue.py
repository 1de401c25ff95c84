"""The operator compliance officers' pages (operator-compliance): the operator's tasks by status, and one task
with its match preview (no personal data), its authorisation's legal basis, the decisions so far, and the
buttons — approve or reject with a reason, and release (vault mode: a second officer, while the approval holds).

Every rule (not one's own agency's request, not the approver releasing, no ambiguous match, an approval that
expired) is the service's; the page shows its refusal in the page's language.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core.errors import DomainError
from telreg.core.models import User
from telreg.core.vault import Vault
from telreg.deps import DbSession, RuntimeDep
from telreg.lawful import service
from telreg.lawful.deps import COMPLIANCE_CHANGE, ComplianceOfficer
from telreg.lawful.hi1 import dictionaries as d
from telreg.lawful.views import TaskView
from telreg.web import i18n
from telreg.web.confirm import confirm_page, confirmed
from telreg.web.lawful.common import Form, explain, text, words
from telreg.web.render import flash, redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/staff/lawful/queue")
PAGE = "/staff/lawful/queue"


@router.get("", response_class=HTMLResponse)
def queue_page(request: Request, session: DbSession, runtime: RuntimeDep, user: ComplianceOfficer) -> HTMLResponse:
    """The tasks routed to the officer's operator, oldest first (``?status=`` narrows them)."""
    status = request.query_params.get("status")
    status = status if status in d.TASK_STATUSES else None
    rows = service.operator_queue(session, user=user, status=status, vault=runtime.vault)
    return render(request, "lawful/queue.html", {"rows": rows, "status": status, "statuses": d.TASK_STATUSES,
                                                 "w": words(i18n.choose_language(request))})


def _task(request: Request, session: Session, user: User, task_object_id: str) -> TaskView:
    return service.operator_task(session, user=user, vault=_vault(request), task_object_id=task_object_id)


def _vault(request: Request) -> Vault:
    return request.app.state.runtime.vault


def _task_page(request: Request, session: Session, user: User, task_object_id: str, *,
               extra: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    task = _task(request, session, user, task_object_id)
    preview = service.preview(session, user=user, task_object_id=task_object_id)
    authorisation = service.authorisation_detail(session, user=user, object_id=task.authorisation_object_id,
                                                 vault=_vault(request))
    context = {"task": task, "preview": preview, "a": authorisation, "w": words(i18n.choose_language(request)),
               "may_decide": task.status == d.AWAITING_APPROVAL,
               "may_release": task.status == d.AWAITING_DISCLOSURE and task.approved_by != user.username,
               **(extra or {})}
    return render(request, "lawful/task.html", context, status_code=status_code)


def _refused(request: Request, session: Session, user: User, task_object_id: str,
             exc: DomainError) -> HTMLResponse:
    session.rollback()
    return _task_page(request, session, user, task_object_id, extra=explain(request, exc),
                      status_code=exc.status_code)


@router.get("/{task_object_id}", response_class=HTMLResponse)
def task_page(task_object_id: str, request: Request, session: DbSession, user: ComplianceOfficer) -> HTMLResponse:
    """One task: the match preview, the legal basis, the decisions so far, and what may be done next."""
    return _task_page(request, session, user, task_object_id)


@router.post("/{task_object_id}/approve", response_class=HTMLResponse, dependencies=COMPLIANCE_CHANGE)
def approve(task_object_id: str, request: Request, session: DbSession, runtime: RuntimeDep,
            user: ComplianceOfficer, form: Form) -> Response:
    """Approve the task with a reason (first person)."""
    try:
        task = _task(request, session, user, task_object_id)
        service.approve(session, runtime=runtime, user=user, task_object_id=task_object_id,
                        reason=text(form, "reason"))
    except DomainError as exc:
        return _refused(request, session, user, task_object_id, exc)
    flash(request, "la_flash_approved", reference=task.reference)
    return redirect(f"{PAGE}/{task_object_id}")


@router.post("/{task_object_id}/reject", response_class=HTMLResponse, dependencies=COMPLIANCE_CHANGE)
def reject(task_object_id: str, request: Request, session: DbSession, runtime: RuntimeDep,
           user: ComplianceOfficer, form: Form) -> Response:
    """Reject the task with a reason, after a confirmation step."""
    reason = text(form, "reason")
    try:
        task = _task(request, session, user, task_object_id)
        if reason and not confirmed(text(form, "confirm")):
            t = i18n.translator(i18n.choose_language(request))
            return confirm_page(request, title=t("la_confirm_reject_title"),
                                question=t("la_confirm_reject", reference=task.reference),
                                details=[(t("la_confirm_reason"), reason)],
                                action=f"{PAGE}/{task_object_id}/reject", fields={"reason": reason},
                                button=t("la_confirm_reject_button"), back=f"{PAGE}/{task_object_id}")
        service.reject(session, runtime=runtime, user=user, task_object_id=task_object_id, reason=reason)
    except DomainError as exc:
        return _refused(request, session, user, task_object_id, exc)
    flash(request, "la_flash_rejected", reference=task.reference)
    return redirect(f"{PAGE}/{task_object_id}")


@router.post("/{task_object_id}/release", response_class=HTMLResponse, dependencies=COMPLIANCE_CHANGE)
def release(task_object_id: str, request: Request, session: DbSession, runtime: RuntimeDep,
            user: ComplianceOfficer) -> Response:
    """Release the approved task to the requesting officer (second person)."""
    try:
        task = _task(request, session, user, task_object_id)
        service.release(session, runtime=runtime, user=user, task_object_id=task_object_id)
    except DomainError as exc:
        return _refused(request, session, user, task_object_id, exc)
    flash(request, "la_flash_released", reference=task.reference)
    return redirect(f"{PAGE}/{task_object_id}")
