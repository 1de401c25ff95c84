"""Sender portal: the washing service — upload a calling list, watch the wash (htmx polls every 2 s until it is
done or failed), download kept.csv, rejected.csv, report.json and the scrub receipt. Thin routes over
senders.washing.service; the worker runs the wash itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core.clock import to_hk
from telreg.core.errors import DomainError
from telreg.core.i18n import Message
from telreg.core.security import CsrfChecked
from telreg.deps import DbSession, RuntimeDep
from telreg.runtime import Runtime
from telreg.senders.deps import SenderCaller
from telreg.senders.lifecycle import AccountAccess
from telreg.senders.scrub.engine import DECISIONS
from telreg.senders.washing import files, service
from telreg.web import i18n, paging
from telreg.web.render import redirect, render
from telreg.web.senders.common import MaybeSender, SenderPage, detour, error_field, explain

router = APIRouter(prefix="/senders/washes", dependencies=[SenderPage])  # each page calls detour()
POLL_SECONDS = 2
_MEDIA = {"kept.csv": "text/csv", "rejected.csv": "text/csv", "report.json": "application/json",
          "receipt.json": "application/json", "receipt.json.p7s": "application/pkcs7-signature"}
_FIELDS = ("register", "send_date", "column", "client", "client_reference", "file")


def _problem(request: Request, exc: DomainError) -> dict[str, Any]:
    message, original = explain(exc, i18n.choose_language(request))
    field = next((name for name in _FIELDS if name in exc.extra), None) or error_field(exc)
    if field is None and exc.code == "wash_refused":
        field = "client_reference" if "client reference" in exc.message else "file"
    return {"error": message, "error_original": original, "error_field": field}


def _washes_page(request: Request, session: Session, runtime: Runtime, sender: AccountAccess,
                 form: dict[str, Any] | None = None, problem: dict[str, Any] | None = None,
                 status_code: int = 200) -> HTMLResponse:
    today = to_hk(runtime.clock.now()).date()
    usable = sorted(sender.registers)
    own = {"path": "/senders/washes"} if request.method != "GET" else {}  # re-shown after a POST
    pages = paging.paginate(request, total=service.count_washes(session, account_id=sender.account_id),
                            fragment="washes-title", **own)
    context = {"usable": usable, "washes_pages": pages,
               "washes": service.list_washes(session, account_id=sender.account_id, limit=pages.size,
                                             offset=pages.offset),
               "form": form or {"register": usable[0] if usable else "", "send_date": today.isoformat()},
               "max_mb": runtime.settings.wash_max_bytes // (1024 * 1024),
               "retention_days": runtime.settings.wash_retention_days, **(problem or {})}
    return render(request, "senders/washes.html", context, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def washes_page(request: Request, session: DbSession, runtime: RuntimeDep, sender: MaybeSender) -> Response:
    """The upload form and the account's washes, newest first."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    return _washes_page(request, session, runtime, sender)


@router.post("", response_class=HTMLResponse, dependencies=[CsrfChecked])
def submit(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    sender: MaybeSender,
    # Named apart from the form field: a body model field called "register" would shadow BaseModel.register.
    register_: Annotated[str, Form(alias="register")] = "",
    send_date: Annotated[str, Form()] = "",
    column: Annotated[str, Form()] = "",
    client: Annotated[str, Form()] = "",
    client_reference: Annotated[str, Form()] = "",
    # A file field left empty arrives as a part without a file name, which the form parser hands over as "".
    file: Annotated[UploadFile | str | None, File()] = None,
) -> Response:
    """Queue a wash of the uploaded list; then show its status page."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    form: dict[str, Any] = {"register": register_, "send_date": send_date, "column": column, "client": client,
                            "client_reference": client_reference}
    t = i18n.translator(i18n.choose_language(request))
    if file is None or isinstance(file, str) or not file.filename:
        problem = {"error": t("wash_choose_file"), "error_field": "file"}
        return _washes_page(request, session, runtime, sender, form, problem, status_code=422)
    # The browser cannot be handed the file back: a refusal names it, to be chosen again.
    form["files_chosen"] = [{"label": "", "filename": file.filename}]
    if not register_.strip():  # no register is a slip, not "every register"
        problem = {"error": t("wash_no_register"), "error_field": "register"}
        return _washes_page(request, session, runtime, sender, form, problem, status_code=422)
    try:
        day = dt.date.fromisoformat(send_date.strip())
    except ValueError:
        problem = {"error": t("wash_bad_date", value=send_date), "error_field": "send_date"}
        return _washes_page(request, session, runtime, sender, form, problem, status_code=422)
    try:
        with session.begin_nested():  # a refusal shown on the form must leave no wash behind
            wash, _ = service.submit(session, clock=runtime.clock, settings=runtime.settings,
                                     caller=SenderCaller(sender), register=register_, send_date=day,
                                     stream=file.file, filename=file.filename, column=column or None,
                                     client_ref=client, client_reference=client_reference or None)
    except DomainError as exc:
        return _washes_page(request, session, runtime, sender, form, _problem(request, exc),
                            status_code=exc.status_code)
    return redirect(f"/senders/washes/{wash.id}")


def _wash_context(session: Session, sender: AccountAccess, wash_id: int) -> dict[str, Any]:
    wash = service.get(session, account_id=sender.account_id, wash_id=wash_id)  # another account's: not found
    counts = wash.counts or {}
    reason = service.failure_reason(wash)  # a Message: the template words it in the page's language
    return {"wash": wash, "outputs": files.OUTPUTS, "poll_seconds": POLL_SECONDS, "failure": reason,
            "failure_translated": isinstance(reason, Message),
            "decisions": [(d, counts[d]) for d in DECISIONS if d in counts]}


@router.get("/{wash_id}", response_class=HTMLResponse)
def wash_page(wash_id: int, request: Request, session: DbSession, sender: MaybeSender) -> Response:
    """One wash: its upload, its state (refreshed until it is done or failed), counts and result files."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    return render(request, "senders/wash.html", _wash_context(session, sender, wash_id))


@router.get("/{wash_id}/status", response_class=HTMLResponse)
def wash_status(wash_id: int, request: Request, session: DbSession, sender: MaybeSender) -> Response:
    """The status part of the wash page, which htmx fetches every 2 s while the wash is queued or running."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    response = render(request, "senders/wash_status.html", _wash_context(session, sender, wash_id))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/{wash_id}/files/{name}")
def download(wash_id: int, name: str, request: Request, session: DbSession, runtime: RuntimeDep,
             sender: MaybeSender) -> Response:
    """kept.csv, rejected.csv, report.json or receipt.json of a finished wash; refusals are error pages."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    path = service.result_file(session, clock=runtime.clock, settings=runtime.settings, account_id=sender.account_id,
                               wash_id=wash_id, name=name)
    return FileResponse(path, media_type=_MEDIA[name], filename=f"wash-{wash_id}-{name}",
                        headers={"Cache-Control": "no-store"})
