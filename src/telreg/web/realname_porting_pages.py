"""The operators' porting page (seed 004 Q4.3): ask to port a number to your operator with the registered
holder's document; confirm or reject the requests waiting for your operator, the donor; withdraw your own.

The same services as the API (realname/porting.py). A refusal re-renders the page with the reason in the
page's language (the service's English sentence as details) and what was typed kept; a change done redirects
back with a message, so reloading the page does not send it twice. The regulator sees the lists, no forms.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core.errors import DomainError
from telreg.core.models import User
from telreg.core.security import CsrfChecked
from telreg.deps import DbSession, RuntimeDep
from telreg.realname import porting
from telreg.realname.api import NumberReader, OperatorStaff
from telreg.realname.policy import get_policy
from telreg.realname.staff import STAFF_ROLE, ensure_acts_for, visible_operators
from telreg.runtime import Runtime
from telreg.web import i18n
from telreg.web.realname_web import FormFields, explain, form_fields
from telreg.web.render import flash, redirect, render

router = APIRouter(prefix="/staff/realname")
Form = Annotated[FormFields, Depends(form_fields)]
PAGE = "/staff/realname/ports"
RECENT = 50


def _page(request: Request, session: Session, runtime: Runtime, reader: User, *, operator: str | None,
          form: FormFields | None = None, extra: dict[str, Any] | None = None,
          status_code: int = 200) -> HTMLResponse:
    known = visible_operators(session, reader)
    code = operator or (known[0].code if known else None)
    policy = get_policy(runtime.settings)
    context: dict[str, Any] = {
        "operators": known,
        "operator": code,
        "operator_name": next((o.name for o in known if o.code == code), code),
        "form": form or {},
        "doc_types": [*policy.documents.person, *policy.documents.organisation],
        "can_change": STAFF_ROLE in reader.roles or "admin" in reader.roles,
        **(extra or {}),
    }
    if code is not None:
        ensure_acts_for(reader, code)
        ports = porting.list_ports(session, vault=runtime.vault, operator=code, limit=RECENT)
        context["waiting"] = [p for p in ports if p["donor"] == code and p["state"] == "requested"]
        context["mine"] = [p for p in ports if p["recipient"] == code]
        context["decided"] = [p for p in ports if p["donor"] == code and p["state"] != "requested"]
    return render(request, "realname/ports.html", context, status_code=status_code)


def _back(operator: str) -> Response:
    return redirect(f"{PAGE}?operator={operator}")


def _refused(request: Request, session: Session, runtime: Runtime, staff: User, exc: DomainError, *,
             operator: str, form: FormFields | None = None, port_id: int | None = None) -> HTMLResponse:
    message, original = explain(exc, i18n.choose_language(request))
    return _page(request, session, runtime, staff, operator=operator, form=form, status_code=exc.status_code,
                 extra={"error": message, "error_original": original, "error_code": exc.code,
                        "error_port": port_id})


@router.get("/ports", response_class=HTMLResponse)
def ports_page(request: Request, session: DbSession, runtime: RuntimeDep, reader: NumberReader,
               operator: str | None = None) -> HTMLResponse:
    """Show the request form and the operator's port requests, both sides (staff: their own operator)."""
    return _page(request, session, runtime, reader, operator=operator)


@router.post("/ports", response_class=HTMLResponse, dependencies=[CsrfChecked])
def request_port(request: Request, session: DbSession, runtime: RuntimeDep, staff: OperatorStaff,
                 form: Form) -> Response:
    """Ask, as the receiving operator, to port a number; a refusal keeps what was typed."""
    operator = str(form.get("operator", ""))
    ensure_acts_for(staff, operator)  # the page offers only the clerk's operator; a forged form is refused
    try:
        port = porting.request_port(session, vault=runtime.vault, policy=get_policy(runtime.settings),
                                    clock=runtime.clock, operator=operator,
                                    number=str(form.get("number", "")),
                                    document_type=str(form.get("doc_type", "")),
                                    document_number=str(form.get("doc_number", "")),
                                    actor=f"staff:{staff.username}")
    except DomainError as exc:
        return _refused(request, session, runtime, staff, exc, operator=operator, form=form)
    flash(request, "rn_port_flash_requested", id=port["id"], number=port["number"],
          operator=port["donor_name"])
    return _back(operator)


@router.post("/ports/{port_id}/confirm", response_class=HTMLResponse, dependencies=[CsrfChecked])
def confirm_port(port_id: int, request: Request, session: DbSession, runtime: RuntimeDep,
                 staff: OperatorStaff, form: Form) -> Response:
    """Confirm, as the donor, and complete the port."""
    operator = str(form.get("operator", ""))
    ensure_acts_for(staff, operator)
    try:
        port = porting.confirm_port(session, vault=runtime.vault, policy=get_policy(runtime.settings),
                                    clock=runtime.clock, port_id=port_id, operator=operator,
                                    actor=f"staff:{staff.username}")
    except DomainError as exc:
        return _refused(request, session, runtime, staff, exc, operator=operator, port_id=port_id)
    flash(request, "rn_port_flash_completed", number=port["number"], operator=port["recipient_name"])
    return _back(operator)


@router.post("/ports/{port_id}/reject", response_class=HTMLResponse, dependencies=[CsrfChecked])
def reject_port(port_id: int, request: Request, session: DbSession, runtime: RuntimeDep, staff: OperatorStaff,
                form: Form) -> Response:
    """Reject, as the donor, with the reason typed beside the request."""
    operator = str(form.get("operator", ""))
    ensure_acts_for(staff, operator)
    try:
        port = porting.reject_port(session, vault=runtime.vault, clock=runtime.clock, port_id=port_id,
                                   operator=operator, reason=str(form.get("reason", "")),
                                   actor=f"staff:{staff.username}")
    except DomainError as exc:
        return _refused(request, session, runtime, staff, exc, operator=operator, port_id=port_id)
    flash(request, "rn_port_flash_rejected", id=port["id"], number=port["number"])
    return _back(operator)


@router.post("/ports/{port_id}/cancel", response_class=HTMLResponse, dependencies=[CsrfChecked])
def cancel_port(port_id: int, request: Request, session: DbSession, runtime: RuntimeDep, staff: OperatorStaff,
                form: Form) -> Response:
    """Withdraw, as the receiving operator, a request still open."""
    operator = str(form.get("operator", ""))
    ensure_acts_for(staff, operator)
    try:
        port = porting.cancel_port(session, vault=runtime.vault, clock=runtime.clock, port_id=port_id,
                                   operator=operator, actor=f"staff:{staff.username}")
    except DomainError as exc:
        return _refused(request, session, runtime, staff, exc, operator=operator, port_id=port_id)
    flash(request, "rn_port_flash_cancelled", id=port["id"], number=port["number"])
    return _back(operator)
