"""The operator's compliance page: its numbers per lifecycle state with a paged list, and the numbers its
subscribers flagged through the one-identity lookup, each closed with a note."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core.errors import DomainError
from telreg.core.models import User
from telreg.core.security import CsrfChecked
from telreg.deps import DbSession, RuntimeDep
from telreg.realname import lookup, queues
from telreg.realname.api import NumberReader, OperatorStaff
from telreg.realname.staff import ensure_acts_for, ensure_acts_for_flag, visible_operators
from telreg.runtime import Runtime
from telreg.web import i18n, paging
from telreg.web.realname.common import FormFields, explain, form_fields
from telreg.web.render import flash, redirect, render

router = APIRouter(prefix="/staff/realname")
Form = Annotated[FormFields, Depends(form_fields)]
PAGE = "/staff/realname/queues"


def _page(request: Request, session: Session, runtime: Runtime, reader: User, *, operator: str | None,
          state: str, page: int, extra: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    known = visible_operators(session, reader)
    context: dict[str, Any] = {"operators": known, "states": queues.QUEUE_STATES, **(extra or {})}
    code = operator or (known[0].code if known else None)
    if code is not None:
        ensure_acts_for(reader, code)
        queue = queues.queues(session, vault=runtime.vault, operator_code=code, state=state, page=page,
                              per_page=paging.PAGE_SIZE)
        # A page re-shown after a POST pages its lists from its own address (the POST's accepts no GET).
        own = {"path": PAGE, "keep": {"operator": code}} if request.method != "GET" else {}
        context.update(queue=queue,
                       queue_pages=paging.paginate(request, total=queue["total"], fragment="list-title", **own))
        for name, status in (("flags", "open"), ("closed", "closed")):
            total = lookup.count_operator_flags(session, operator_code=code, status=status)
            pages = paging.paginate(request, total=total, param=f"{name}_page", fragment=f"{name}-title", **own)
            context[name] = lookup.operator_flags(session, vault=runtime.vault, operator_code=code,
                                                  status=status, limit=pages.size, offset=pages.offset)
            context[f"{name}_pages"] = pages
    return render(request, "realname/queues.html", context, status_code=status_code)


@router.get("/queues", response_class=HTMLResponse)
def queues_page(request: Request, session: DbSession, runtime: RuntimeDep, reader: NumberReader,
                operator: str | None = None, state: str = "unregistered", page: int = 1) -> HTMLResponse:
    """Show an operator's counts per state, one state's numbers (paged) and the open flags (operator staff:
    their own operator only; the regulator: any)."""
    return _page(request, session, runtime, reader, operator=operator, state=state, page=page)


@router.post("/flags/{flag_id}/close", response_class=HTMLResponse, dependencies=[CsrfChecked])
def close_flag(flag_id: int, request: Request, session: DbSession, runtime: RuntimeDep, staff: OperatorStaff,
               form: Form) -> Response:
    """Close a flag with the note typed beside it, then return to the operator's page."""
    operator = form.get("operator") or None
    ensure_acts_for_flag(session, staff, flag_id)  # another operator's flag: the error page, nothing closed
    try:
        with session.begin_nested():
            row = lookup.close_flag(session, clock=runtime.clock, flag_id=flag_id, note=form.get("note", ""),
                                    actor=f"staff:{staff.username}")
    except DomainError as exc:
        message = explain(exc, i18n.choose_language(request))
        return _page(request, session, runtime, staff, operator=operator, state="unregistered", page=1,
                     status_code=exc.status_code,
                     extra={"error": message, "error_flag": flag_id,
                            "form": {"note": form.get("note", "")}})
    flash(request, "rn_q_flash_closed", id=row.id, number=row.number)
    return redirect(f"/staff/realname/queues?operator={operator}" if operator else "/staff/realname/queues")
