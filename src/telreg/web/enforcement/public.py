"""Public pages of the reports: make a report (with the CAPTCHA and its audio alternative), key the code sent to
the receiving number (or have it sent again), see the reference and access code once, and look up a report's
state. English, 繁體 and 简体 through the site's language switch; a refusal is shown next to its field with what
was typed kept (files must be chosen again).
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core import captcha, rate_limits
from telreg.core.access import Public
from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.core.errors import DomainError
from telreg.core.masking import mask_number
from telreg.core.security import CsrfChecked
from telreg.deps import DbSession, RuntimeDep
from telreg.enforcement import reports
from telreg.enforcement.errors import ReportNotFound
from telreg.enforcement.reports_api import CODES_PER_HOUR, REPORTS_PER_HOUR, receive_uploads
from telreg.enforcement.vocabulary import REGISTER_CLAIMS
from telreg.runtime import Runtime
from telreg.web import i18n
from telreg.web.render import redirect, render

__all__ = ["router"]

router = APIRouter()
DONE_KEY = "enforcement_report_done"  # {reference: access code}: shown once on the done page, then forgotten


def _problem(request: Request, exc: DomainError) -> dict[str, Any]:
    lang = i18n.choose_language(request)
    field = exc.extra.get("field")
    if field == "arrived_at":
        field = "arrived_date"
    return {"error": i18n.error_message(exc, lang), "error_field": field}


def _captcha_fields(session: Session, runtime: Runtime) -> dict[str, str]:
    from telreg.senders.signin_api import audio_url

    token, png = captcha.issue(session, runtime.clock, answers=captcha.answer_source(runtime),
                               audio_key=captcha.audio_key_for(runtime))
    picture = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return {"captcha_token": token, "captcha_picture": picture, "captcha_audio": audio_url(token)}


def _form_page(request: Request, session: Session, runtime: Runtime, form: dict[str, Any],
               problem: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    context = {"form": form, "registers": REGISTER_CLAIMS,
               "max_files": runtime.settings.report_attachments_max,
               "max_mb": max(runtime.settings.report_attachment_max_bytes // (1024 * 1024), 1),
               **_captcha_fields(session, runtime), **(problem or {})}
    return render(request, "enforcement/public_report.html", context, status_code=status_code)


@router.get("/report", response_class=HTMLResponse, dependencies=[Public])
def report_form(request: Request, session: DbSession, runtime: RuntimeDep) -> HTMLResponse:
    """The report form."""
    return _form_page(request, session, runtime, {"contact_kind": "none", "register": ""})


@router.post("/report", response_class=HTMLResponse, dependencies=[Public, CsrfChecked])
def report_submit(
    request: Request, session: DbSession, runtime: RuntimeDep,
    receiving_number: Annotated[str, Form()] = "",
    register_: Annotated[str, Form(alias="register")] = "",
    arrived_date: Annotated[str, Form()] = "",
    arrived_time: Annotated[str, Form()] = "",
    sender_identification: Annotated[str, Form()] = "",
    message_text: Annotated[str, Form()] = "",
    contact_kind: Annotated[str, Form()] = "none",
    contact: Annotated[str, Form()] = "",
    attachments: Annotated[list[UploadFile | str], File()] = [],  # noqa: B006
    captcha_token: Annotated[str, Form()] = "",
    captcha_answer: Annotated[str, Form()] = "",
) -> Response:
    """Make the report: it waits for the code sent to the receiving number."""
    rate_limits.hit(session, clock=runtime.clock, scope="enforcement-report",
                    key=rate_limits.client_address(request), limit=REPORTS_PER_HOUR, window_seconds=3600)
    form: dict[str, Any] = {
        "receiving_number": receiving_number, "register": register_, "arrived_date": arrived_date,
        "arrived_time": arrived_time, "sender_identification": sender_identification, "message_text": message_text,
        "contact_kind": contact_kind, "contact": contact}
    chosen = [f for f in attachments if not isinstance(f, str) and f.filename]
    form["files_chosen"] = [{"label": None, "filename": f.filename} for f in chosen]
    lang = i18n.choose_language(request)
    if not captcha.verify(session, runtime.clock, token=captcha_token, answer=captcha_answer):
        problem = {"error": i18n.translator(lang)("captcha_wrong"), "error_field": "captcha_answer"}
        return _form_page(request, session, runtime, form, problem, status_code=422)
    try:
        with session.begin_nested():  # a refusal shown on the form saves nothing of the report
            pending = receive_uploads(runtime, chosen)
            result = reports.submit(session, runtime=runtime, receiving_number=receiving_number,
                                    register=register_, arrived_at=arrived_date, arrived_time=arrived_time,
                                    sender_identification=sender_identification, message_text=message_text,
                                    contact_kind=contact_kind, contact=contact, language=lang,
                                    attachments=pending)
    except DomainError as exc:
        return _form_page(request, session, runtime, form, _problem(request, exc), status_code=exc.status_code)
    reference = result.report.reference
    if result.report.state == "received":  # a repeat of a report already proved
        return redirect(f"/report/status?reference={reference}&repeat=1")
    return redirect(f"/report/{reference}/proof" + ("?repeat=1" if result.duplicate else ""))


def _proof_page(request: Request, report: Any, problem: dict[str, Any] | None = None,
                status_code: int = 200, notice: str | None = None) -> HTMLResponse:
    from telreg.core.phone import NumberKind, classify

    by_sms = classify(report.receiving_number) in (NumberKind.mobile, NumberKind.pager)
    context = {"reference": report.reference, "masked": mask_number(report.receiving_number), "by_sms": by_sms,
               "repeat": request.query_params.get("repeat") == "1", "notice": notice,
               "minutes": request.app.state.runtime.settings.report_code_minutes, **(problem or {})}
    return render(request, "enforcement/public_proof.html", context, status_code=status_code)


@router.get("/report/{reference}/proof", response_class=HTMLResponse, dependencies=[Public])
def proof_form(reference: str, request: Request, session: DbSession) -> Response:
    """Key the code sent to the receiving number."""
    report = reports.report_by_reference(session, reference)
    if report.state != "awaiting-proof":
        return redirect(f"/report/status?reference={report.reference}")
    return _proof_page(request, report, notice="resent" if request.query_params.get("resent") == "1" else None)


@router.post("/report/{reference}/proof", response_class=HTMLResponse, dependencies=[Public, CsrfChecked])
def proof_submit(reference: str, request: Request, runtime: RuntimeDep,
                 code: Annotated[str, Form()] = "") -> Response:
    """Check the code: the report is received and its reference and access code shown once."""
    with unit_of_work(runtime.session_factory) as session:  # a wrong code's count is kept
        rate_limits.hit(session, clock=runtime.clock, scope="enforcement-report-code",
                        key=rate_limits.client_address(request), limit=CODES_PER_HOUR, window_seconds=3600)
        proof = reports.prove(session, runtime=runtime, reference=reference, code=code)
        report = reports.report_by_reference(session, reference)
        if proof.refused is not None:
            if proof.refused.extra.get("reason") in ("wrong", "expired"):
                return _proof_page(request, report, _problem(request, proof.refused) | {"error_field": "code"},
                                   status_code=422)
            return render(request, "enforcement/public_proof.html",
                          {"reference": report.reference, "ended": True, **_problem(request, proof.refused)},
                          status_code=422)
    request.session[DONE_KEY] = {"reference": reference, "access_code": proof.access_code}
    return redirect(f"/report/{report.reference}/done")


@router.post("/report/{reference}/code", response_class=HTMLResponse, dependencies=[Public, CsrfChecked])
def resend(reference: str, request: Request, session: DbSession, runtime: RuntimeDep) -> Response:
    """Send a new code (at most three per report)."""
    rate_limits.hit(session, clock=runtime.clock, scope="enforcement-report-code",
                    key=rate_limits.client_address(request), limit=CODES_PER_HOUR, window_seconds=3600)
    report = reports.report_by_reference(session, reference)
    try:
        with session.begin_nested():
            reports.resend_code(session, runtime=runtime, reference=reference)
    except DomainError as exc:
        return _proof_page(request, report, _problem(request, exc), status_code=exc.status_code)
    return redirect(f"/report/{report.reference}/proof?resent=1")


@router.get("/report/{reference}/done", response_class=HTMLResponse, dependencies=[Public])
def done(reference: str, request: Request) -> Response:
    """The reference and access code, shown once."""
    shown = request.session.pop(DONE_KEY, None)
    if not shown or shown.get("reference") != reference:
        return redirect(f"/report/status?reference={reference}")
    return render(request, "enforcement/public_done.html", shown)


@router.get("/report/status", response_class=HTMLResponse, dependencies=[Public])
def status_form(request: Request, reference: str = "", repeat: str = "") -> HTMLResponse:
    """Look up a report's state with its reference and access code."""
    return render(request, "enforcement/public_status.html", {"reference": reference, "repeat": repeat == "1"})


@router.post("/report/status", response_class=HTMLResponse, dependencies=[Public, CsrfChecked])
def status_submit(request: Request, session: DbSession, runtime: RuntimeDep,
                  reference: Annotated[str, Form()] = "", access_code: Annotated[str, Form()] = "") -> Response:
    """The report's state in plain words."""
    rate_limits.hit(session, clock=runtime.clock, scope="enforcement-report-status",
                    key=rate_limits.client_address(request), limit=CODES_PER_HOUR, window_seconds=3600)
    lang = i18n.choose_language(request)
    try:
        status = reports.reporter_status(session, reference=reference, access_code=access_code, lang=lang)
    except ReportNotFound as exc:
        return render(request, "enforcement/public_status.html",
                      {"reference": reference, **_problem(request, exc), "error_field": "access_code"},
                      status_code=404)
    shown = status["received_at"].astimezone(HK).strftime("%Y-%m-%d %H:%M")
    return render(request, "enforcement/public_status.html",
                  {"reference": reference, "status": status, "received_shown": shown})
