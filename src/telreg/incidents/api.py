"""HTTP API of incident response, ``/api/v1/incidents`` (administrator, regulator, an operator's compliance
officer for their own operator's incidents). Changes send ``X-CSRF-Token``.

- ``GET /`` lists incidents (``?state=``); ``POST /`` (201) opens one and freezes its scope at once.
- ``GET /{reference}``; ``GET /{reference}/affected`` the affected holders and operators (masked);
  ``GET /{reference}/affected.csv`` the same for notification.
- ``POST /{reference}/steps`` (201) adds a remedy step; ``POST /{reference}/steps/{step_id}/done``.
- ``POST /{reference}/contain``; ``POST /{reference}/unfreeze`` ``{"kind", "identifier"}``;
  ``POST /{reference}/close`` ``{"summary"}`` (refused while a step is open).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from telreg.deps import DbSession, RuntimeDep
from telreg.incidents import affected as affected_list
from telreg.incidents import service, views
from telreg.incidents.deps import INCIDENT_CHANGE, IncidentManager
from telreg.incidents.schemas import (
    AffectedOut,
    CloseIn,
    IncidentIn,
    IncidentOut,
    IncidentSummaryOut,
    StepDoneIn,
    StepIn,
    StepOut,
    UnfreezeIn,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/incidents", tags=["Incidents"])
State = Literal["open", "contained", "closed"]


@router.get("", response_model=list[IncidentSummaryOut])
def list_incidents(session: DbSession, user: IncidentManager, state: State | None = None,
                   limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    """List incidents, newest first (an operator's officer sees their operator's only)."""
    return [views.summary_view(row) for row in service.list_incidents(session, user=user, state=state, limit=limit)]


@router.post("", response_model=IncidentOut, status_code=201, dependencies=INCIDENT_CHANGE)
def open_incident(body: IncidentIn, session: DbSession, runtime: RuntimeDep, user: IncidentManager) -> dict[str, Any]:
    """Open an incident: record its scope and freeze it at once (accounts deactivated and signed out, API keys
    revoked — for good —, certificates put on hold); the remedy steps of seed 003 are added with due times."""
    row = service.open_incident(
        session, runtime=runtime, user=user, title=body.title, category=body.category, description=body.description,
        window=service.Window(body.window_start, body.window_end), accounts=body.accounts, api_keys=body.api_keys,
        certificates=body.certificates, two_factor=body.two_factor, operator=body.operator)
    return views.incident_view(session, row)


@router.get("/{reference}", response_model=IncidentOut)
def get_incident(reference: str, session: DbSession, user: IncidentManager) -> dict[str, Any]:
    """One incident: its scope and what freezing did, its steps."""
    return views.incident_view(session, service.get_incident(session, user=user, reference=reference))


@router.get("/{reference}/affected", response_model=AffectedOut)
def affected(reference: str, session: DbSession, runtime: RuntimeDep, user: IncidentManager) -> dict[str, Any]:
    """The holders and operators the scope touched in the window, masked, one row per holder."""
    row = service.get_incident(session, user=user, reference=reference)
    result = affected_list.affected(session, vault=runtime.vault, incident=row)
    return {"reference": row.reference, "holders": [vars(h) for h in result.holders],
            "numbers_without_holder": result.numbers_without_holder, "operators": result.operators,
            "events": result.events}


@router.get("/{reference}/affected.csv", response_class=Response)
def affected_csv(reference: str, session: DbSession, runtime: RuntimeDep, user: IncidentManager) -> Response:
    """The affected list as CSV, for notification (masked values only)."""
    row = service.get_incident(session, user=user, reference=reference)
    text = affected_list.as_csv(affected_list.affected(session, vault=runtime.vault, incident=row))
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{row.reference}-affected.csv"', "Cache-Control": "no-store"})


@router.post("/{reference}/steps", response_model=StepOut, status_code=201, dependencies=INCIDENT_CHANGE)
def add_step(reference: str, body: StepIn, session: DbSession, runtime: RuntimeDep,
             user: IncidentManager) -> Any:
    """Add a remedy step with its owner and due time."""
    return service.add_step(session, clock=runtime.clock, user=user, reference=reference, text=body.text,
                            due_at=body.due_at, owner=body.owner)


@router.post("/{reference}/steps/{step_id}/done", response_model=StepOut, dependencies=INCIDENT_CHANGE)
def complete_step(reference: str, step_id: int, body: StepDoneIn, session: DbSession, runtime: RuntimeDep,
                  user: IncidentManager) -> Any:
    """Mark a step done, with a note of what was done."""
    return service.complete_step(session, clock=runtime.clock, user=user, reference=reference, step_id=step_id,
                                 note=body.note)


@router.post("/{reference}/contain", response_model=IncidentOut, dependencies=INCIDENT_CHANGE)
def contain(reference: str, session: DbSession, runtime: RuntimeDep, user: IncidentManager) -> dict[str, Any]:
    """Record that the leak, damage or loss has stopped."""
    row = service.contain(session, clock=runtime.clock, user=user, reference=reference)
    return views.incident_view(session, row)


@router.post("/{reference}/unfreeze", response_model=IncidentOut, dependencies=INCIDENT_CHANGE)
def unfreeze(reference: str, body: UnfreezeIn, session: DbSession, runtime: RuntimeDep,
             user: IncidentManager) -> dict[str, Any]:
    """Undo one freeze after containment (an account reactivated, a certificate released)."""
    service.unfreeze(session, clock=runtime.clock, user=user, reference=reference, kind=body.kind,
                     identifier=body.identifier)
    return views.incident_view(session, service.get_incident(session, user=user, reference=reference))


@router.post("/{reference}/close", response_model=IncidentOut, dependencies=INCIDENT_CHANGE)
def close(reference: str, body: CloseIn, session: DbSession, runtime: RuntimeDep,
          user: IncidentManager) -> dict[str, Any]:
    """Close a contained incident with a summary; refused while a step is open."""
    row = service.close(session, clock=runtime.clock, user=user, reference=reference, summary=body.summary)
    return views.incident_view(session, row)
