"""Sender portal: the account's own consent and unsubscribe lists — upload a CSV, search a number's history,
export. Thin routes over senders.lists.service; the list is chosen by register and client reference.

Reading forms (choose a list, search a number) use GET: they change nothing, and a CSRF token in a URL would
leak into history and logs. The upload is a POST and carries the token.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core.errors import DomainError
from telreg.core.exports import attachment
from telreg.core.files import size_text
from telreg.core.security import CsrfChecked
from telreg.deps import DbSession, RuntimeDep
from telreg.senders.lifecycle import AccountAccess
from telreg.senders.lists import bulk, service
from telreg.senders.lists.api import MAX_EXPORT_ROWS, MAX_IMPORT_BYTES
from telreg.senders.lists.csvfile import parse_list_number
from telreg.web import i18n, paging
from telreg.web.render import flash, redirect, render
from telreg.web.senders.common import (
    MaybeSender,
    SenderPage,
    detour,
    error_field,
    explain,
    line_problems,
    read_upload,
)

router = APIRouter(prefix="/senders/lists", dependencies=[SenderPage])  # each page calls detour()
DEFAULT_HOW = "not-stated"


def _problem(request: Request, exc: DomainError, field: str | None = None) -> dict[str, Any]:
    lang = i18n.choose_language(request)
    message, original = explain(exc, lang)
    bad_lines = line_problems(exc, lang)  # each line's problems in the page's language
    if bad_lines:  # the lines are listed one by one below the message; the message says only how many
        message, original = message.split("\n")[0], None
    return {"error": message, "error_original": original,
            "error_field": field or error_field(exc), "bad_lines": bad_lines}


def _list_url(key: service.ListKey, **more: str) -> str:
    query = {"register": key.register, **({"client": key.client_ref} if key.client_ref else {}), **more}
    return f"/senders/lists?{urlencode(query)}"


def _lists_page(request: Request, session: Session, sender: AccountAccess, *, register: str, client: str,
                number: str = "", form: dict[str, Any] | None = None, problem: dict[str, Any] | None = None,
                status_code: int = 200) -> HTMLResponse:
    registers = sorted(service.list_registers(sender))
    chosen = register or (registers[0] if registers else "")
    context: dict[str, Any] = {"registers": registers, "choice": {"register": chosen, "client": client},
                               "search": {"number": number}, "form": form or {"how": DEFAULT_HOW},
                               "max_mb": MAX_IMPORT_BYTES // (1024 * 1024)}
    if registers:
        try:
            key = service.open_list(sender, register=chosen, client_ref=client)
        except DomainError as exc:
            return render(request, "senders/lists.html", {**context, **_problem(request, exc, "register")},
                          status_code=exc.status_code)
        counts = service.current_counts(session, key=key)
        # A form re-shown after a POST pages from the list's own address.
        own = {"path": "/senders/lists", "keep": {"register": key.register, "client": key.client_ref}} \
            if request.method != "GET" else {}
        pages = paging.paginate(request, total=counts["consent"] + counts["unsubscribe"],
                                fragment="current-title", **own)
        context.update(key=key, current_pages=pages,
                       current=service.current(session, key=key, limit=pages.size, offset=pages.offset),
                       counts={"numbers": pages.total, "consents": counts["consent"],
                               "unsubscribes": counts["unsubscribe"]},
                       export_query=urlencode({"register": key.register, "client": key.client_ref}))
        if number.strip() and problem is None:
            try:
                # Parsed here first so an invalid number is explained in the page's language (number_error).
                national = parse_list_number(number)
                context.update(_number_history(request, session, key, national))
            except DomainError as exc:
                problem, status_code = _problem(request, exc, "number"), exc.status_code
    return render(request, "senders/lists.html", {**context, **(problem or {})}, status_code=status_code)


def _number_history(request: Request, session: Session, key: service.ListKey, number: str) -> dict[str, Any]:
    """One page of a number's instructions, oldest first, and the latest one (its current state)."""
    pages = paging.paginate(request, total=service.count_history(session, key=key, number=number),
                            param="history_page", fragment="number-history")
    rows = service.history(session, key=key, number=number, limit=pages.size, offset=pages.offset)
    if not rows:
        return {"history": [], "history_pages": pages}
    latest = rows[-1] if pages.last == pages.total else \
        service.history(session, key=key, number=number, limit=1, offset=pages.total - 1)[0]
    return {"history": rows, "history_pages": pages, "latest": latest}


@router.get("", response_class=HTMLResponse)
def lists_page(request: Request, session: DbSession, sender: MaybeSender, register: str = "", client: str = "",
               number: str = "") -> Response:
    """One list (register and client reference): its counts, upload, a number's history, export links."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    return _lists_page(request, session, sender, register=register, client=client, number=number)


@router.post("/import", response_class=HTMLResponse, dependencies=[CsrfChecked])
def import_file(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    sender: MaybeSender,
    # Named apart from the form field: a body model field called "register" would shadow BaseModel.register.
    register_: Annotated[str, Form(alias="register")] = "",
    client: Annotated[str, Form()] = "",
    how: Annotated[str, Form()] = DEFAULT_HOW,
    # A file field left empty arrives as a part without a file name, which the form parser hands over as "".
    file: Annotated[UploadFile | str | None, File()] = None,
) -> Response:
    """Append every instruction of a CSV (header number,instruction,at); any bad line records nothing."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    form: dict[str, Any] = {"how": how}
    if file is None or isinstance(file, str) or not file.filename:
        problem = {"error": i18n.translator(i18n.choose_language(request))("lists_choose_file"), "error_field": "file"}
        return _lists_page(request, session, sender, register=register_, client=client, form=form, problem=problem,
                           status_code=422)
    # The browser cannot be handed the file back: a refusal names it, to be chosen again.
    form["files_chosen"] = [{"label": "", "filename": file.filename}]
    try:
        key = service.open_list(sender, register=register_, client_ref=client)
        data = read_upload(file, MAX_IMPORT_BYTES)
        if len(data) > MAX_IMPORT_BYTES:  # read_upload stops one byte past the limit: say the limit, not that
            t = i18n.translator(i18n.choose_language(request))
            problem = {"error": t("lists_too_large", file=file.filename, limit=size_text(MAX_IMPORT_BYTES)),
                       "error_field": "file"}
            return _lists_page(request, session, sender, register=register_, client=client, form=form,
                               problem=problem, status_code=422)
        # Validated whole first (a refusal shown on the page records nothing), then applied in committed batches.
        result = bulk.import_in_batches(session, clock=runtime.clock, key=key, data=data, source=file.filename,
                                        recorded_by=f"sender:{sender.account_id}", default_how=how,
                                        batch_rows=runtime.settings.list_import_batch_rows)
    except DomainError as exc:
        field = "file" if "file" in exc.extra or exc.code == "instructions_file_refused" else None
        if field is None:
            text = exc.message.lower()
            field = "how" if text.startswith("how") else "client" if "client reference" in text else None
        return _lists_page(request, session, sender, register=register_, client=client, form=form,
                           problem=_problem(request, exc, field), status_code=exc.status_code)
    # The plain message while nothing was given twice; the longer one says how many were already recorded.
    flash(request, "flash_lists_imported_again" if result.already_recorded else "flash_lists_imported",
          recorded=result.recorded, consents=result.consents, unsubscribes=result.unsubscribes,
          already=result.already_recorded)
    return redirect(_list_url(key))


@router.get("/export")
def export(request: Request, session: DbSession, sender: MaybeSender, runtime: RuntimeDep, register: str = "",
           client: str = "", full: bool = False, offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    """The current state (or with ``full`` the whole history) as the CSV the upload reads back; at most
    MAX_EXPORT_ROWS (100,000) rows per file, a longer list in parts (``offset``, issue 14)."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    key = service.open_list(sender, register=register, client_ref=client)  # refusals: the error page, in language
    text, _, total = service.export_page(session, clock=runtime.clock, key=key, full=full,
                                         actor=f"sender:{key.account_id}", limit=MAX_EXPORT_ROWS,
                                         offset=max(0, offset))
    # A client reference may hold anything; attachment() keeps the header safe (ASCII fallback + filename*).
    part = f"-from-{offset + 1}" if offset > 0 else ""
    name = (f"{key.register}-{'history' if full else 'current'}{'-' + key.client_ref if key.client_ref else ''}"
            f"{part}.csv")
    headers = {"Content-Disposition": attachment(name), "Cache-Control": "no-store", "X-Total-Count": str(total)}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)
