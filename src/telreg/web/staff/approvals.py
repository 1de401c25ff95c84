"""The two-person rule's page, /staff/approvals (administrators, the regulator, operators' compliance officers).

One page: the requests waiting for the signed-in person's decision (never their own), their own requests (with
"cancel", and "download" for an approved export), and the form asking for the operations their roles allow.
Approving, rejecting and cancelling go through a confirmation step. The rules are core/dual_control.py's: this
page only collects the form and shows the outcome in the page's language.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core import dual_control
from telreg.core.dual_control_api import APPROVAL_CHANGE, ApprovalUser, run_approved
from telreg.core.errors import DomainError, InvalidInput
from telreg.core.i18n import N_, Msgid
from telreg.core.models import User
from telreg.deps import DbSession, RuntimeDep
from telreg.runtime import Runtime
from telreg.web import i18n
from telreg.web.confirm import confirm_page, confirmed
from telreg.web.realname.common import FormFields, form_fields
from telreg.web.render import flash, redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/staff")
PAGE = "/staff/approvals"
Form = Annotated[FormFields, Depends(form_fields)]
POLICY_KEYS = ("lawful_access.emergency_backing_hours", "lawful_access.approval_valid_hours",
               "lawful_access.result_valid_hours", "retention.personal_data_days", "consent_purposes")

APPROVALS_MESSAGES: dict[str, Msgid] = {
    "dc_kind_key-rotation": N_("Rotate the personal-data key"),
    "dc_kind_index-key-rotation": N_("Replace the blind-index key"),
    "dc_kind_key-retirement": N_("Retire an old personal-data key"),
    "dc_kind_policy-change": N_("Change a value of the real-name policy"),
    "dc_kind_bulk-export": N_("Export the operator's registration records (masked)"),
    "dc_kind_bulk-unmask": N_("Export the operator's registration records with full personal data"),
    "dc_state_pending": N_("Waiting for a second person"),
    "dc_state_approved": N_("Approved, not yet used"),
    "dc_state_used": N_("Used"),
    "dc_state_rejected": N_("Rejected"),
    "dc_state_expired": N_("Expired"),
    "dc_state_cancelled": N_("Cancelled"),
    "dc_param_key_id": N_("New key id"),
    "dc_param_retire": N_("Keys to retire afterwards"),
    "dc_param_key": N_("Policy value"),
    "dc_param_value": N_("New value"),
    "dc_param_effective_from": N_("In force from"),
    "dc_param_operator": N_("Operator"),
    "dc_policy_lawful_access.emergency_backing_hours": N_("Hours an emergency release may stand without a warrant"),
    "dc_policy_lawful_access.approval_valid_hours": N_("Hours an operator's approval stays good for release"),
    "dc_policy_lawful_access.result_valid_hours": N_("Hours a released result may be downloaded"),
    "dc_policy_retention.personal_data_days": N_("Days personal data is kept after the last registration ends"),
    "dc_policy_consent_purposes": N_("Purposes a holder may consent to"),
    "dc_flash_requested": N_("Request %(id)s recorded: a second person must approve it."),
    "dc_flash_approved": N_("Request %(id)s approved."),
    "dc_flash_rejected": N_("Request %(id)s rejected."),
    "dc_flash_cancelled": N_("Request %(id)s cancelled."),
    "dc_confirm_approve_title": N_("Approve a request"),
    "dc_confirm_approve": N_("Approve request %(id)s? The person who asked may then run it once."),
    "dc_confirm_approve_button": N_("Yes, approve"),
    "dc_confirm_reject_title": N_("Reject a request"),
    "dc_confirm_reject": N_("Reject request %(id)s? This cannot be undone."),
    "dc_confirm_reject_button": N_("Yes, reject"),
    "dc_confirm_cancel_title": N_("Cancel a request"),
    "dc_confirm_cancel": N_("Cancel your request %(id)s? This cannot be undone."),
    "dc_confirm_cancel_button": N_("Yes, cancel the request"),
    "dc_confirm_what": N_("Operation"),
    "dc_confirm_reason": N_("Reason"),
}
for _key, _message in APPROVALS_MESSAGES.items():
    i18n.MESSAGES.setdefault(_key, _message)


def _text(form: FormFields, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _row(row: Any, kind: dual_control.DualControlKind | None, user: User) -> dict[str, Any]:
    params = []
    for name, value in (row.params or {}).items():
        if name == "key":
            value = {"policy_key": value}
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        params.append((name, value))
    return {**dual_control.view(row), "param_list": params,
            "downloadable": row.state == "approved" and kind is not None and kind.web_run is not None
            and row.requested_by == user.username}


def _page(request: Request, session: Session, user: User, *, form: FormFields | None = None,
          extra: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    known = dual_control.kinds()
    seen = dual_control.visible_requests(session, user=user, limit=200)
    waiting = [_row(r, known.get(r.kind), user) for r in seen
               if r.state == "pending" and r.requested_by != user.username and r.kind in known
               and dual_control.may_approve(user, known[r.kind])]
    mine = [_row(r, known.get(r.kind), user) for r in seen if r.requested_by == user.username]
    askable = [k for k in known.values() if dual_control.may_request(user, k)]
    fields = sorted({name for k in askable for name in k.param_names})
    context = {"waiting": waiting, "mine": mine, "askable": [k.name for k in askable], "fields": fields,
               "scoped": any(k.scoped for k in askable), "policy_keys": POLICY_KEYS,
               "operator": user.operator_code or "", "form": form or {}, **(extra or {})}
    return render(request, "staff/approvals.html", context, status_code=status_code)


def _refused(request: Request, session: Session, user: User, exc: DomainError, **extra: Any) -> HTMLResponse:
    session.rollback()
    lang = i18n.choose_language(request)
    return _page(request, session, user, extra={"error": i18n.error_message(exc, lang), "error_code": exc.code,
                                                 **extra}, status_code=exc.status_code)


@router.get("/approvals", response_class=HTMLResponse)
def approvals_page(request: Request, session: DbSession, user: ApprovalUser) -> HTMLResponse:
    """Show the requests waiting for a decision, one's own requests, and the form to ask for an operation."""
    return _page(request, session, user)


@router.post("/approvals", response_class=HTMLResponse, dependencies=APPROVAL_CHANGE)
def ask(request: Request, session: DbSession, runtime: RuntimeDep, user: ApprovalUser, form: Form) -> Response:
    """Ask for an operation; a refusal keeps what was typed."""
    kind_name = _text(form, "kind")
    try:
        if not kind_name:
            raise InvalidInput(N_("Choose the operation to ask for."))
        kind = dual_control.get_kind(kind_name)
        params = {name: _text(form, name) for name in kind.param_names if _text(form, name)}
        row = dual_control.request(session, clock=runtime.clock, settings=runtime.settings, user=user,
                                   kind=kind_name, params=params, reason=_text(form, "reason"),
                                   scope=_text(form, "operator") or None)
    except DomainError as exc:
        kept = {k: v for k, v in form.items() if isinstance(v, str)}
        return _refused(request, session, user, exc, form=kept)
    flash(request, "dc_flash_requested", id=row.id)
    return redirect(f"{PAGE}#request-{row.id}")


def _confirm(request: Request, session: Session, *, request_id: int, what: str, form: FormFields) -> Response | None:
    if confirmed(_text(form, "confirm")):
        return None
    row = dual_control.get_request(session, request_id)  # 404 for an unknown one, before asking
    t = i18n.translator(i18n.choose_language(request))
    reason = _text(form, "reason")
    details = [(t("dc_confirm_what"), t(f"dc_kind_{row.kind}"))]
    if reason:
        details.append((t("dc_confirm_reason"), reason))
    return confirm_page(request, title=t(f"dc_confirm_{what}_title"), question=t(f"dc_confirm_{what}", id=row.id),
                        details=details, action=f"{PAGE}/{row.id}/{what}", fields={"reason": reason},
                        button=t(f"dc_confirm_{what}_button"), back=PAGE)


def _decide(request: Request, session: Session, runtime: Runtime, user: User, request_id: int, what: str,
            form: FormFields) -> Response:
    try:
        if what != "cancel" and not _text(form, "reason"):
            dual_control.get_request(session, request_id)
            raise InvalidInput(N_("Give the reason for your decision."))
        if (asked := _confirm(request, session, request_id=request_id, what=what, form=form)) is not None:
            return asked
        if what == "approve":
            dual_control.approve(session, clock=runtime.clock, settings=runtime.settings, user=user,
                                 request_id=request_id, reason=_text(form, "reason"))
        elif what == "reject":
            dual_control.reject(session, clock=runtime.clock, user=user, request_id=request_id,
                                reason=_text(form, "reason"))
        else:
            dual_control.cancel(session, clock=runtime.clock, user=user, request_id=request_id)
    except DomainError as exc:
        return _refused(request, session, user, exc, error_row=request_id)
    flash(request, f"dc_flash_{'cancelled' if what == 'cancel' else what + 'd'}", id=request_id)
    return redirect(PAGE)


@router.post("/approvals/{request_id}/approve", response_class=HTMLResponse, dependencies=APPROVAL_CHANGE)
def approve(request_id: int, request: Request, session: DbSession, runtime: RuntimeDep, user: ApprovalUser,
            form: Form) -> Response:
    """Approve a request as the second person, with a reason (after a confirmation step)."""
    return _decide(request, session, runtime, user, request_id, "approve", form)


@router.post("/approvals/{request_id}/reject", response_class=HTMLResponse, dependencies=APPROVAL_CHANGE)
def reject(request_id: int, request: Request, session: DbSession, runtime: RuntimeDep, user: ApprovalUser,
           form: Form) -> Response:
    """Reject a request, with a reason (after a confirmation step)."""
    return _decide(request, session, runtime, user, request_id, "reject", form)


@router.post("/approvals/{request_id}/cancel", response_class=HTMLResponse, dependencies=APPROVAL_CHANGE)
def cancel(request_id: int, request: Request, session: DbSession, runtime: RuntimeDep, user: ApprovalUser,
           form: Form) -> Response:
    """Withdraw one's own request (after a confirmation step)."""
    return _decide(request, session, runtime, user, request_id, "cancel", form)


@router.post("/approvals/{request_id}/download", dependencies=APPROVAL_CHANGE)
def download(request_id: int, request: Request, session: DbSession, runtime: RuntimeDep,
             user: ApprovalUser) -> Response:
    """Run an approved export of one's own and answer with its file (once: the approval is used)."""
    try:
        file_name, content = run_approved(session, runtime=runtime, user=user, request_id=request_id)
    except DomainError as exc:
        return _refused(request, session, user, exc, error_row=request_id)
    return Response(content, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{file_name}"',
                             "Cache-Control": "no-store"})
