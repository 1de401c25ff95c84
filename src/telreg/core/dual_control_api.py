"""HTTP API of the two-person rule (core/dual_control.py), for administrators, the regulator and operators'
compliance officers (changes send ``X-CSRF-Token``). Who may ask for and decide on each kind is the kind's own
rule; these routes only let the three roles in.

- ``GET  /api/v1/approvals[?state=pending]`` — the requests the caller may see (their own, and those of kinds
  they may ask for or decide on; their operator's only, for an operator's kinds), newest first.
- ``GET  /api/v1/approvals/kinds`` — the kinds the caller may ask for and decide on.
- ``POST /api/v1/approvals`` ``{"kind", "params", "reason", "scope"?}`` — ask for an operation.
- ``GET  /api/v1/approvals/{id}`` — one request.
- ``POST /api/v1/approvals/{id}/approve`` | ``/reject`` ``{"reason"}`` — decide as the second person.
- ``POST /api/v1/approvals/{id}/cancel`` — withdraw one's own request.
- ``POST /api/v1/approvals/{id}/run`` — run an approved operation that runs from the web (bulk-export,
  bulk-unmask: the CSV file); the approval is used by it, once, by the person who asked.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from telreg.core import dual_control
from telreg.core.access import Access, declares
from telreg.core.errors import Conflict, NotFound, PermissionDenied
from telreg.core.i18n import N_
from telreg.core.models import User
from telreg.core.security import CsrfChecked, CurrentUser
from telreg.deps import DbSession, RuntimeDep

__all__ = ["APPROVAL_ROLES", "ApprovalUser", "router"]

APPROVAL_ROLES = ("admin", "regulator", "operator-compliance")


@declares(Access.staff(*APPROVAL_ROLES))
def _approval_user(user: CurrentUser) -> User:
    if set(APPROVAL_ROLES).isdisjoint(user.roles):
        raise PermissionDenied(N_("The two-person rule's requests are for administrators, the regulator and "
                                  "operators' compliance officers."))
    return user


ApprovalUser = Annotated[User, Depends(_approval_user)]
# The role check before CSRF, so a client that is not signed in hears "sign in" (401), not "the form expired".
APPROVAL_CHANGE = [Depends(_approval_user), CsrfChecked]

router = APIRouter(prefix="/api/v1/approvals", tags=["two-person rule"])


class RequestOut(BaseModel):
    id: int
    kind: str
    scope: str | None = Field(description="The operator code an operator's request concerns")
    params: dict[str, Any] = Field(description="Exactly what will run; the approval covers these only")
    summary: str
    reason: str
    state: str = Field(description="pending | approved | used | rejected | expired | cancelled")
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None
    expires_at: dt.datetime = Field(description="pending: decide by then; approved: run by then")
    used_at: dt.datetime | None


class KindOut(BaseModel):
    kind: str
    may_request: bool
    may_approve: bool
    scoped: bool
    params: list[str]
    runs_on_the_web: bool


class NewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=32)
    params: dict[str, Any] = Field(default_factory=dict)
    reason: str = Field(min_length=1, max_length=dual_control.MAX_REASON)
    scope: str | None = Field(None, max_length=32)


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=dual_control.MAX_REASON)


@router.get("", response_model=list[RequestOut])
def list_requests(session: DbSession, user: ApprovalUser,
                  state: Annotated[str | None, Query(max_length=16)] = None) -> list[dict[str, Any]]:
    """The requests the caller may see, newest first."""
    return [dual_control.view(row) for row in dual_control.visible_requests(session, user=user, state=state)]


@router.get("/kinds", response_model=list[KindOut])
def list_kinds(user: ApprovalUser) -> list[dict[str, Any]]:
    """The operations under the rule, and what the caller may do with each."""
    return [{"kind": k.name, "may_request": dual_control.may_request(user, k),
             "may_approve": dual_control.may_approve(user, k), "scoped": k.scoped, "params": list(k.param_names),
             "runs_on_the_web": k.web_run is not None} for k in dual_control.kinds().values()]


@router.post("", response_model=RequestOut, status_code=201, dependencies=APPROVAL_CHANGE)
def ask(body: NewRequest, session: DbSession, runtime: RuntimeDep, user: ApprovalUser) -> dict[str, Any]:
    """Ask for an operation; another person approves it."""
    row = dual_control.request(session, clock=runtime.clock, settings=runtime.settings, user=user, kind=body.kind,
                               params=body.params, reason=body.reason, scope=body.scope)
    return dual_control.view(row)


def _visible(session: Any, user: User, request_id: int) -> Any:
    """The request, or 404 when it is not one the caller may see (another operator's is not confirmed)."""
    row = dual_control.get_request(session, request_id)
    if not dual_control.may_see(user, row):
        raise NotFound(N_("There is no two-person-rule request %(id)s."), id=request_id)
    return row


@router.get("/{request_id}", response_model=RequestOut)
def show(request_id: int, session: DbSession, user: ApprovalUser) -> dict[str, Any]:
    """One request."""
    return dual_control.view(_visible(session, user, request_id))


@router.post("/{request_id}/approve", response_model=RequestOut, dependencies=APPROVAL_CHANGE)
def approve(request_id: int, body: Decision, session: DbSession, runtime: RuntimeDep,
            user: ApprovalUser) -> dict[str, Any]:
    """Approve as the second person: never the one who asked; the kind's approver role held itself."""
    row = dual_control.approve(session, clock=runtime.clock, settings=runtime.settings, user=user,
                               request_id=request_id, reason=body.reason)
    return dual_control.view(row)


@router.post("/{request_id}/reject", response_model=RequestOut, dependencies=APPROVAL_CHANGE)
def reject(request_id: int, body: Decision, session: DbSession, runtime: RuntimeDep,
           user: ApprovalUser) -> dict[str, Any]:
    """Reject, with the reason."""
    row = dual_control.reject(session, clock=runtime.clock, user=user, request_id=request_id, reason=body.reason)
    return dual_control.view(row)


@router.post("/{request_id}/cancel", response_model=RequestOut, dependencies=APPROVAL_CHANGE)
def cancel(request_id: int, session: DbSession, runtime: RuntimeDep, user: ApprovalUser) -> dict[str, Any]:
    """Withdraw one's own request."""
    return dual_control.view(dual_control.cancel(session, clock=runtime.clock, user=user, request_id=request_id))


@router.post("/{request_id}/run", dependencies=APPROVAL_CHANGE,
             responses={200: {"content": {"text/csv": {}}, "description": "The export, as CSV"}})
def run(request_id: int, session: DbSession, runtime: RuntimeDep, user: ApprovalUser) -> Response:
    """Run an approved operation that runs from the web (the bulk exports): the file, once."""
    file_name, content = run_approved(session, runtime=runtime, user=user, request_id=request_id)
    return Response(content, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{file_name}"',
                             "Cache-Control": "no-store"})


def run_approved(session: Any, *, runtime: Any, user: User, request_id: int) -> tuple[str, bytes]:
    """Run the approved request's web operation (shared with the page's download)."""
    row = dual_control.get_request(session, request_id)
    kind = dual_control.get_kind(row.kind)
    if kind.web_run is None:
        raise Conflict(N_("'%(kind)s' is run at a terminal with its own command, not from the web."), kind=row.kind)
    return kind.web_run(session, runtime, user, request_id)
