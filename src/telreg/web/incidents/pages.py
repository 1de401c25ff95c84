"""The incident pages: /staff/incidents (the list and the form that opens one) and /staff/incidents/{reference}
(the scope and what freezing did, the affected holders — masked — with their CSV, the remedy steps with their
done buttons, containment, unfreezing and closing through confirmation steps).

Who: an administrator, a regulator, or an operator's compliance officer for their own operator's incidents (the
service answers "not found" for another operator's). Each action calls one service function; a refusal shows the
page again with the service's sentence in the page's language.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core.clock import to_hk
from telreg.core.errors import DomainError
from telreg.core.i18n import N_
from telreg.core.models import User
from telreg.deps import DbSession, RuntimeDep
from telreg.incidents import affected as affected_list
from telreg.incidents import service, views
from telreg.incidents.deps import INCIDENT_CHANGE, IncidentManager
from telreg.incidents.errors import IncidentInvalid
from telreg.incidents.models import CATEGORIES
from telreg.runtime import Runtime
from telreg.web import i18n
from telreg.web.confirm import confirm_page, confirmed
from telreg.web.ecert.common import Form, explain, text
from telreg.web.incidents import messages  # noqa: F401 - registers the keyed words
from telreg.web.render import flash, redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/staff/incidents")
PAGE = "/staff/incidents"
OPEN_FIELDS = ("title", "category", "description", "window_start", "window_end", "operator", "accounts",
               "api_keys", "certificates", "two_factor")


def _where(reference: str) -> str:
    return f"{PAGE}/{reference}"


def _names(value: str) -> list[str]:
    """A textarea's items: one per line or separated by commas or spaces."""
    return [item for item in value.replace(",", " ").split() if item]


def _instant(value: str, *, what: str) -> dt.datetime:
    try:
        return to_hk(dt.datetime.fromisoformat(value))
    except ValueError:
        raise IncidentInvalid(N_("%(what)s: enter a date and time."), what=what) from None


def _list_page(request: Request, session: Session, user: User, *, form: dict[str, str] | None = None,
               extra: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    rows = [views.summary_view(row) for row in service.list_incidents(session, user=user)]
    platform_wide = bool({"admin", "regulator"} & set(user.roles))
    return render(request, "incidents/list.html", {
        "rows": rows, "categories": CATEGORIES, "form": form or {}, "platform_wide": platform_wide,
        **(extra or {})}, status_code=status_code)


def _incident_page(request: Request, session: Session, runtime: Runtime, user: User, *, reference: str,
                   extra: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    row = service.get_incident(session, user=user, reference=reference)
    result = affected_list.affected(session, vault=runtime.vault, incident=row)
    return render(request, "incidents/incident.html", {
        "i": views.incident_view(session, row), "affected": result, "form": {}, **(extra or {})},
        status_code=status_code)


def _refused(request: Request, session: Session, runtime: Runtime, user: User, exc: DomainError, *,
             reference: str) -> Response:
    session.rollback()
    try:
        return _incident_page(request, session, runtime, user, reference=reference, status_code=exc.status_code,
                              extra=explain(request, exc))
    except DomainError:
        raise exc from None  # no such incident (or not the caller's): the error page says so


@router.get("", response_class=HTMLResponse)
def incidents_page(request: Request, session: DbSession, user: IncidentManager) -> HTMLResponse:
    """The incidents the person may see, newest first, and the form that opens one."""
    return _list_page(request, session, user)


@router.post("", response_class=HTMLResponse, dependencies=INCIDENT_CHANGE)
def open_incident(request: Request, session: DbSession, runtime: RuntimeDep, user: IncidentManager,
                  form: Form) -> Response:
    """Open an incident and freeze its scope (after a confirmation step when something is to be frozen)."""
    fields = {name: text(form, name) for name in OPEN_FIELDS}
    scope = {name: _names(fields[name]) for name in ("accounts", "api_keys", "certificates", "two_factor")}
    lang = i18n.choose_language(request)
    try:
        window = service.Window(_instant(fields["window_start"], what=i18n.translator(lang)("inc_window_from")),
                                _instant(fields["window_end"], what=i18n.translator(lang)("inc_window_to")))
        if any(scope.values()) and not confirmed(text(form, "confirm")):
            return _confirm_open(request, fields, scope)
        row = service.open_incident(session, runtime=runtime, user=user, title=fields["title"],
                                    category=fields["category"], description=fields["description"], window=window,
                                    operator=fields["operator"] or None, **scope)
    except DomainError as exc:
        session.rollback()
        return _list_page(request, session, user, form=fields, extra=explain(request, exc),
                          status_code=exc.status_code)
    flash(request, "inc_flash_opened", reference=row.reference)
    return redirect(_where(row.reference))


def _confirm_open(request: Request, fields: dict[str, str], scope: dict[str, list[str]]) -> HTMLResponse:
    t = i18n.translator(i18n.choose_language(request))
    question = t("inc_confirm_open")
    if scope["api_keys"]:
        question = f"{question} {t('inc_confirm_open_keys')}"
    kinds = {"accounts": "account", "api_keys": "api-key", "certificates": "certificate", "two_factor": "two-factor"}
    details = [(t(f"inc_kind_{kinds[name]}"), ", ".join(values)) for name, values in scope.items() if values]
    return confirm_page(request, title=t("inc_confirm_open_title"), question=question, details=details,
                        action=PAGE, fields=fields, button=t("inc_confirm_open_button"), back=PAGE)


@router.get("/{reference}", response_class=HTMLResponse)
def incident_page(reference: str, request: Request, session: DbSession, runtime: RuntimeDep,
                  user: IncidentManager) -> HTMLResponse:
    """One incident: scope and freezes, affected holders (masked), steps, and what can be done next."""
    return _incident_page(request, session, runtime, user, reference=reference)


@router.get("/{reference}/affected.csv", response_class=Response)
def affected_csv(reference: str, session: DbSession, runtime: RuntimeDep, user: IncidentManager) -> Response:
    """The affected list as CSV for notification: masked values only."""
    row = service.get_incident(session, user=user, reference=reference)
    body = affected_list.as_csv(affected_list.affected(session, vault=runtime.vault, incident=row))
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{row.reference}-affected.csv"', "Cache-Control": "no-store"})


@router.post("/{reference}/steps", response_class=HTMLResponse, dependencies=INCIDENT_CHANGE)
def add_step(reference: str, request: Request, session: DbSession, runtime: RuntimeDep, user: IncidentManager,
             form: Form) -> Response:
    """Add a remedy step with its owner and due time."""
    try:
        service.add_step(session, clock=runtime.clock, user=user, reference=reference, text=text(form, "text"),
                         due_at=_instant(text(form, "due_at"), what=i18n.translator(
                             i18n.choose_language(request))("inc_due")),
                         owner=text(form, "owner") or None)
    except DomainError as exc:
        return _refused(request, session, runtime, user, exc, reference=reference)
    flash(request, "inc_flash_step_added")
    return redirect(_where(reference.upper()) + "#steps")


@router.post("/{reference}/steps/{step_id}/done", response_class=HTMLResponse, dependencies=INCIDENT_CHANGE)
def complete_step(reference: str, step_id: int, request: Request, session: DbSession, runtime: RuntimeDep,
                  user: IncidentManager, form: Form) -> Response:
    """Mark a step done, with a note."""
    try:
        service.complete_step(session, clock=runtime.clock, user=user, reference=reference, step_id=step_id,
                              note=text(form, "note") or None)
    except DomainError as exc:
        return _refused(request, session, runtime, user, exc, reference=reference)
    flash(request, "inc_flash_step_done")
    return redirect(_where(reference.upper()) + "#steps")


@router.post("/{reference}/contain", response_class=HTMLResponse, dependencies=INCIDENT_CHANGE)
def contain(reference: str, request: Request, session: DbSession, runtime: RuntimeDep, user: IncidentManager,
            form: Form) -> Response:
    """Mark the incident contained (after a confirmation step)."""
    if not confirmed(text(form, "confirm")):
        t = i18n.translator(i18n.choose_language(request))
        return confirm_page(request, title=t("inc_confirm_contain_title"), question=t("inc_confirm_contain"),
                            action=f"{_where(reference)}/contain", button=t("inc_confirm_contain_button"),
                            back=_where(reference))
    try:
        row = service.contain(session, clock=runtime.clock, user=user, reference=reference)
    except DomainError as exc:
        return _refused(request, session, runtime, user, exc, reference=reference)
    flash(request, "inc_flash_contained", reference=row.reference)
    return redirect(_where(row.reference))


@router.post("/{reference}/unfreeze", response_class=HTMLResponse, dependencies=INCIDENT_CHANGE)
def unfreeze(reference: str, request: Request, session: DbSession, runtime: RuntimeDep, user: IncidentManager,
             form: Form) -> Response:
    """Undo one freeze once the incident is contained."""
    try:
        item = service.unfreeze(session, clock=runtime.clock, user=user, reference=reference,
                                kind=text(form, "kind"), identifier=text(form, "identifier"))
    except DomainError as exc:
        return _refused(request, session, runtime, user, exc, reference=reference)
    flash(request, "inc_flash_unfrozen", identifier=item.identifier)
    return redirect(_where(reference.upper()))


@router.post("/{reference}/close", response_class=HTMLResponse, dependencies=INCIDENT_CHANGE)
def close(reference: str, request: Request, session: DbSession, runtime: RuntimeDep, user: IncidentManager,
          form: Form) -> Response:
    """Close the incident with its summary (after a confirmation step)."""
    summary = text(form, "summary")
    if summary and not confirmed(text(form, "confirm")):
        t = i18n.translator(i18n.choose_language(request))
        return confirm_page(request, title=t("inc_confirm_close_title"), question=t("inc_confirm_close"),
                            action=f"{_where(reference)}/close", fields={"summary": summary},
                            button=t("inc_confirm_close_button"), back=_where(reference))
    try:
        row = service.close(session, clock=runtime.clock, user=user, reference=reference, summary=summary)
    except DomainError as exc:
        return _refused(request, session, runtime, user, exc, reference=reference)
    flash(request, "inc_flash_closed", reference=row.reference)
    return redirect(_where(row.reference))


