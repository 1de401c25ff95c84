"""Sender portal, using the registers: downloads with checksums, the online check, and API keys."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core.errors import DomainError, InvalidInput, InvalidNumber
from telreg.core.i18n import N_
from telreg.core.phone import parse_registrable
from telreg.core.security import CsrfChecked
from telreg.deps import DbSession, RuntimeDep
from telreg.dnc.service import in_update_window
from telreg.senders import api_keys, downloads, online_check, repository
from telreg.senders.deps import SenderCaller
from telreg.senders.lifecycle import AccountAccess
from telreg.senders.usage import refusal
from telreg.web import i18n
from telreg.web.confirm import confirm_page, confirmed
from telreg.web.render import flash, redirect, render
from telreg.web.senders.common import MaybeSender, SenderPage, detour, error_field, explain

router = APIRouter(prefix="/senders", dependencies=[SenderPage])  # each page calls detour()
_SEPARATORS = re.compile(r"[\r\n,;]+")  # not spaces: "2123 4567" is one number


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _problem(request: Request, exc: DomainError) -> dict[str, Any]:
    message, original = explain(exc, i18n.choose_language(request))
    return {"error": message, "error_original": original, "error_field": error_field(exc)}


# ---- downloads ------------------------------------------------------------------------------------------------

@router.get("/downloads", response_class=HTMLResponse)
def downloads_page(request: Request, session: DbSession, runtime: RuntimeDep, sender: MaybeSender) -> Response:
    """The latest publication's files with size, date, MD5 and SHA-256, and a notice during the update window."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    context: dict[str, Any] = {"window": in_update_window(runtime.clock.now(), runtime.settings)}
    caller = SenderCaller(sender)
    try:
        context["listing"] = downloads.available(clock=runtime.clock, settings=runtime.settings,
                                                 caller=caller, session=session)
    except DomainError as exc:  # a pending or expired account: say why on the page
        context.update(_problem(request, exc))
    else:  # why a register held is closed, in the page's language (the API's listing says it in English)
        lang = i18n.choose_language(request)
        for unusable in context["listing"]["unavailable"]:
            unusable["message"] = refusal(caller, unusable["register"], lang)[1]
    return render(request, "senders/downloads.html", context)


@router.get("/downloads/{publication}/{file_name}")
def download(publication: str, file_name: str, request: Request, session: DbSession, runtime: RuntimeDep,
             sender: MaybeSender) -> Response:
    """Hand out one file (recorded for misuse investigations); refusals are error pages in the page language."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    found = downloads.open_download(session, clock=runtime.clock, settings=runtime.settings,
                                    caller=SenderCaller(sender), publication=publication, file_name=file_name,
                                    client_address=_address(request))
    return FileResponse(found.path, media_type=found.content_type, filename=found.file_name,
                        headers={"X-Checksum-SHA256": found.sha256, "X-Checksum-MD5": found.md5,
                                 "Cache-Control": "private, no-store"})


# ---- online check -----------------------------------------------------------------------------------------------

def _check_page(request: Request, sender: AccountAccess, form: dict[str, Any], result: dict[str, Any] | None = None,
                problem: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    lang = i18n.choose_language(request)
    if result is not None and lang == i18n.ZH:
        # The service explains an invalid entry in English; the page re-explains it from the parse error.
        for row in result["results"]:
            if not row["valid"]:
                try:
                    parse_registrable(row["input"])
                except InvalidNumber as exc:
                    row["reason"] = i18n.number_error(exc, lang)
    return render(request, "senders/check.html",
                  {"form": form, "result": result, "usable": sorted(sender.registers), "held": sorted(sender.held),
                   "limit": online_check.MAX_NUMBERS, **(problem or {})}, status_code=status_code)


@router.get("/check", response_class=HTMLResponse)
def check_form(request: Request, sender: MaybeSender) -> Response:
    """The online check form: up to 100 numbers, the registers to check, the day protection is asked about."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    return _check_page(request, sender, {"registers": sorted(sender.registers)})


@router.post("/check", response_class=HTMLResponse, dependencies=[CsrfChecked])
def check(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    sender: MaybeSender,
    numbers: Annotated[str, Form()] = "",
    registers: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults per request
    on: Annotated[str, Form()] = "",
) -> Response:
    """Check the numbers and show, per number and register, listed / not listed / invalid with the reason."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    form = {"numbers": numbers, "registers": registers, "on": on}
    entries = [part.strip() for part in _SEPARATORS.split(numbers) if part.strip()]
    if not registers:  # every box unticked is a slip, not "every register"
        problem = {"error": i18n.translator(i18n.choose_language(request))("no_register_chosen"),
                   "error_field": "register"}
        return _check_page(request, sender, form, problem=problem, status_code=422)
    try:
        on_date = _date(on) if on.strip() else None
        with session.begin_nested():
            result = online_check.check_numbers(
                session, clock=runtime.clock, settings=runtime.settings, caller=SenderCaller(sender),
                numbers=entries, registers=registers, on_date=on_date, client_address=_address(request))
    except DomainError as exc:
        problem = _problem(request, exc)
        if exc.code in ("too_many_numbers", "invalid_input") and "limit" in exc.extra:
            problem["error_field"] = "numbers"
        return _check_page(request, sender, form, problem=problem, status_code=exc.status_code)
    return _check_page(request, sender, form, result)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(N_("%(value)s is not a date such as 2026-03-02."), on=value,
                           value=repr(value)) from None


# ---- API keys -----------------------------------------------------------------------------------------------------

def _keys_page(request: Request, session: Session, sender: AccountAccess, *, new_key: str | None = None,
               form: dict[str, Any] | None = None, problem: dict[str, Any] | None = None,
               status_code: int = 200) -> HTMLResponse:
    account = repository.get_account(session, sender.account_id)
    enabled = bool(account is not None and account.api_access)
    return render(request, "senders/api_keys.html",
                  {"enabled": enabled, "keys": api_keys.list_keys(session, account_id=sender.account_id),
                   "held": sorted(sender.held), "new_key": new_key, "form": form or {}, **(problem or {})},
                  status_code=status_code)


@router.get("/api-keys", response_class=HTMLResponse)
def keys_page(request: Request, session: DbSession, sender: MaybeSender) -> Response:
    """The account's API keys (create, list, revoke) once an officer has enabled automation."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    return _keys_page(request, session, sender)


@router.post("/api-keys", response_class=HTMLResponse, dependencies=[CsrfChecked])
def create_key(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    sender: MaybeSender,
    label: Annotated[str, Form()] = "",
    registers: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Response:
    """Create a key and show it once (the response is not cached; only its hash is kept)."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    form = {"label": label, "registers": registers}
    if not registers:  # every box unticked is a slip, not "every register"
        problem = {"error": i18n.translator(i18n.choose_language(request))("no_register_chosen"),
                   "error_field": "registers"}
        return _keys_page(request, session, sender, form=form, problem=problem, status_code=422)
    try:
        with session.begin_nested():
            _, plaintext = api_keys.create_key(session, clock=runtime.clock, settings=runtime.settings,
                                               account_id=sender.account_id, label=label, registers=registers)
    except DomainError as exc:
        problem = _problem(request, exc)
        problem["error_field"] = "label" if "label" in exc.extra else "registers"
        return _keys_page(request, session, sender, form=form, problem=problem, status_code=exc.status_code)
    response = _keys_page(request, session, sender, new_key=plaintext, status_code=201)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/api-keys/{key_id}/revoke", dependencies=[CsrfChecked])
def revoke_key(key_id: int, request: Request, session: DbSession, runtime: RuntimeDep,
               sender: MaybeSender, confirm: Annotated[str, Form()] = "") -> Response:
    """Revoke a key, after a confirmation step: scripts using it are refused from now on."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    keys = api_keys.list_keys(session, account_id=sender.account_id)
    shown = next((k for k in keys if k["id"] == key_id), None)
    if not confirmed(confirm) and shown is not None and shown["active"]:
        t = i18n.translator(i18n.choose_language(request))
        return confirm_page(request, title=t("confirm_revoke_key_title"),
                            question=t("confirm_revoke_key", label=shown["label"]),
                            action=f"/senders/api-keys/{key_id}/revoke",
                            button=t("confirm_revoke_key_button"), back="/senders/api-keys")
    key = api_keys.revoke_key(session, clock=runtime.clock, account_id=sender.account_id, key_id=key_id,
                              actor=f"sender:{sender.account_id}")
    flash(request, "flash_key_revoked", label=key.label)
    return redirect("/senders/api-keys")
