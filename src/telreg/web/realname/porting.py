"""The operators' porting page (seed 004 Q4.3): ask to port a number to your operator with the registered
holder's document; confirm or reject the requests waiting for your operator, the donor; withdraw your own.

The same services as the API (realname/porting.py). A refusal re-renders the page with the reason in the
page's language (the service's own sentence, from the catalogs) and what was typed kept; a change done
redirects back with a message, so reloading the page does not send it twice. The regulator sees the lists, no
forms.
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
from telreg.web import i18n, paging
from telreg.web.confirm import confirm_page, confirmed
from telreg.web.realname.common import FormFields, explain, form_fields
from telreg.web.render import flash, redirect, render

router = APIRouter(prefix="/staff/realname")
Form = Annotated[FormFields, Depends(form_fields)]
PAGE = "/staff/realname/ports"
# The page's three lists, each paged on its own: (name, which ports, its page parameter).
LISTS = (("waiting", {"side": "donor", "state": "requested"}, "waiting_page"),
         ("mine", {"side": "recipient"}, "mine_page"),
         ("decided", {"side": "donor", "decided": True}, "decided_page"))


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
        # A page re-shown after a POST pages its lists from its own address (the POST's accepts no GET).
        own = {"path": PAGE, "keep": {"operator": code}} if request.method != "GET" else {}
        for name, which, param in LISTS:
            pages = paging.paginate(request, total=porting.count_ports(session, operator=code, **which),
                                    param=param, fragment=f"{name}-title", **own)
            context[name] = porting.list_ports(session, vault=runtime.vault, operator=code, limit=pages.size,
                                               offset=pages.offset, **which)
            context[f"{name}_pages"] = pages
    return render(request, "realname/ports.html", context, status_code=status_code)


def _back(operator: str) -> Response:
    return redirect(f"{PAGE}?operator={operator}")


def _refused(request: Request, session: Session, runtime: Runtime, staff: User, exc: DomainError, *,
             operator: str, form: FormFields | None = None, port_id: int | None = None) -> HTMLResponse:
    message = explain(exc, i18n.choose_language(request))
    return _page(request, session, runtime, staff, operator=operator, form=form, status_code=exc.status_code,
                 extra={"error": message, "error_code": exc.code,
                        "error_port": port_id})


def _ask_first(request: Request, session: Session, runtime: Runtime, *, port_id: int, operator: str,
               what: str, form: FormFields) -> Response | None:
    """The confirmation step before rejecting or withdrawing a port request (WHAT: "reject" or "cancel"), or
    None when the form comes from it, or the request is no longer open (the service then says so)."""
    if confirmed(str(form.get("confirm", ""))):
        return None
    side = "donor" if what == "reject" else "recipient"
    open_ones = porting.list_ports(session, vault=runtime.vault, operator=operator, state="requested",
                                   side=side, limit=None)
    port = next((p for p in open_ones if p["id"] == port_id), None)
    if port is None:
        return None
    t = i18n.translator(i18n.choose_language(request))
    reason = str(form.get("reason", ""))
    return confirm_page(request, title=t(f"rn_port_confirm_{what}_title"),
                        question=t(f"rn_port_confirm_{what}", id=port_id, number=port["number"]),
                        details=[(t("confirm_reason"), reason)] if what == "reject" else [],
                        action=f"{PAGE}/{port_id}/{what}", fields={"operator": operator, "reason": reason},
                        button=t(f"rn_port_confirm_{what}_button"), back=f"{PAGE}?operator={operator}")


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
    """Reject, as the donor, with the reason typed beside the request (after a confirmation step)."""
    operator = str(form.get("operator", ""))
    ensure_acts_for(staff, operator)
    if str(form.get("reason", "")).strip() and \
            (asked := _ask_first(request, session, runtime, port_id=port_id, operator=operator, what="reject",
                                 form=form)) is not None:
        return asked
    try:
        port = porting.reject_port(session, vault=runtime.vault, clock=runtime.clock, port_id=port_id,
                                   operator=operator, reason=str(form.get("reason", "")),
                                   actor=f"staff:{staff.username}")
    except DomainError as exc:
        return _refused(request, session, runtime, staff, exc, operator=operator, port_id=port_id,
                        form={"reason": form.get("reason", ""), "reason_port": port_id})
    flash(request, "rn_port_flash_rejected", id=port["id"], number=port["number"])
    return _back(operator)


@router.post("/ports/{port_id}/cancel", response_class=HTMLResponse, dependencies=[CsrfChecked])
def cancel_port(port_id: int, request: Request, session: DbSession, runtime: RuntimeDep, staff: OperatorStaff,
                form: Form) -> Response:
    """Withdraw, as the receiving operator, a request still open (after a confirmation step)."""
    operator = str(form.get("operator", ""))
    ensure_acts_for(staff, operator)
    if (asked := _ask_first(request, session, runtime, port_id=port_id, operator=operator, what="cancel",
                            form=form)) is not None:
        return asked
    try:
        port = porting.cancel_port(session, vault=runtime.vault, clock=runtime.clock, port_id=port_id,
                                   operator=operator, actor=f"staff:{staff.username}")
    except DomainError as exc:
        return _refused(request, session, runtime, staff, exc, operator=operator, port_id=port_id)
    flash(request, "rn_port_flash_cancelled", id=port["id"], number=port["number"])
    return _back(operator)
