"""The incident as the API and the pages show it: plain values, no personal data (scope items are usernames,
key numbers and serials; the affected list is masked by affected.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from telreg.incidents import repository
from telreg.incidents.models import Incident

__all__ = ["incident_view", "summary_view"]


def summary_view(row: Incident) -> dict[str, Any]:
    return {"reference": row.reference, "title": row.title, "category": row.category, "state": row.state,
            "operator": row.operator_code, "window_start": row.window_start, "window_end": row.window_end,
            "opened_by": row.opened_by, "opened_at": row.opened_at}


def incident_view(session: Session, row: Incident) -> dict[str, Any]:
    scope = [{"kind": s.kind, "identifier": s.identifier, "frozen_at": s.frozen_at, "frozen_by": s.frozen_by,
              "outcome": s.outcome, "unfrozen_at": s.unfrozen_at, "unfrozen_by": s.unfrozen_by}
             for s in repository.scope_of(session, row.id)]
    steps = [{"id": s.id, "position": s.position, "text": s.text, "owner": s.owner, "due_at": s.due_at,
              "done_at": s.done_at, "done_by": s.done_by, "note": s.note}
             for s in repository.steps_of(session, row.id)]
    return {**summary_view(row), "description": row.description, "contained_at": row.contained_at,
            "contained_by": row.contained_by, "closed_at": row.closed_at, "closed_by": row.closed_by,
            "closing_summary": row.closing_summary, "scope": scope, "steps": steps}
