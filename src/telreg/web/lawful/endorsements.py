"""The agency supervisor's page (le-supervisor): emergency requests of the agency awaiting endorsement, each
endorsed (its tasks then go to the operators) or refused with a reason (after a confirmation step).

Who may endorse what (never one's own filing) is the service's rule; the page shows its refusal.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core.errors import DomainError, InvalidInput
from telreg.core.i18n import N_
from telreg.core.models import User
from telreg.deps import DbSession, RuntimeDep
from telreg.lawful import service
from telreg.lawful.deps import SUPERVISOR_CHANGE, LeSupervisor
from telreg.lawful.hi1 import dictionaries as d
from telreg.runtime import Runtime
from telreg.web import i18n
from telreg.web.confirm import confirm_page, confirmed
from telreg.web.lawful.common import Form, explain, text, words
from telreg.web.render import flash, redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/staff/lawful/endorsements")
PAGE = "/staff/lawful/endorsements"


def _page(request: Request, session: Session, runtime: Runtime, user: User, *,
          extra: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    waiting = [row for row in service.requests_of(session, user=user, status=d.AWAITING_APPROVAL,
                                                  vault=runtime.vault)
               if row.legal_type == d.EMERGENCY]
    return render(request, "lawful/endorsements.html",
                  {"rows": waiting, "w": words(i18n.choose_language(request)), **(extra or {})},
                  status_code=status_code)


def _refused(request: Request, session: Session, runtime: Runtime, user: User, object_id: str,
             exc: DomainError) -> HTMLResponse:
    session.rollback()
    return _page(request, session, runtime, user, extra={**explain(request, exc), "error_row": object_id},
                 status_code=exc.status_code)


@router.get("", response_class=HTMLResponse)
def endorsements_page(request: Request, session: DbSession, runtime: RuntimeDep,
                      user: LeSupervisor) -> HTMLResponse:
    """The agency's emergency requests awaiting a supervisor's endorsement, newest first."""
    return _page(request, session, runtime, user)


@router.post("/{object_id}/endorse", response_class=HTMLResponse, dependencies=SUPERVISOR_CHANGE)
def endorse(object_id: str, request: Request, session: DbSession, runtime: RuntimeDep, user: LeSupervisor,
            form: Form) -> Response:
    """Endorse an emergency request (with an optional note)."""
    try:
        view = service.authorisation_detail(session, user=user, object_id=object_id, vault=runtime.vault)
        service.endorse(session, runtime=runtime, user=user, object_id=object_id, note=text(form, "note") or None)
    except DomainError as exc:
        return _refused(request, session, runtime, user, object_id, exc)
    flash(request, "la_flash_endorsed", reference=view.reference)
    return redirect(PAGE)


@router.post("/{object_id}/refuse", response_class=HTMLResponse, dependencies=SUPERVISOR_CHANGE)
def refuse(object_id: str, request: Request, session: DbSession, runtime: RuntimeDep, user: LeSupervisor,
           form: Form) -> Response:
    """Refuse an emergency request with a reason, after a confirmation step."""
    reason = text(form, "reason")
    try:
        view = service.authorisation_detail(session, user=user, object_id=object_id, vault=runtime.vault)
        if not reason:
            raise InvalidInput(N_("Give the reason for refusing the emergency request."))
        if not confirmed(text(form, "confirm")):
            t = i18n.translator(i18n.choose_language(request))
            return confirm_page(request, title=t("la_confirm_refuse_title"),
                                question=t("la_confirm_refuse", reference=view.reference),
                                details=[(t("la_confirm_reason"), reason)], action=f"{PAGE}/{object_id}/refuse",
                                fields={"reason": reason}, button=t("la_confirm_refuse_button"), back=PAGE)
        service.refuse_endorsement(session, runtime=runtime, user=user, object_id=object_id, reason=reason)
    except DomainError as exc:
        return _refused(request, session, runtime, user, object_id, exc)
    flash(request, "la_flash_refused", reference=view.reference)
    return redirect(PAGE)
