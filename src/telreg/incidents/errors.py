"""Errors of incident response.

    DomainError (core/errors.py)
    ├── IncidentInvalid (422 incident_invalid) — a bad title, category, window (end before start, or in the
    │                                            future), or a scope naming an unknown account, key or serial
    ├── IncidentNotFound (404 incident_not_found) — no such incident, or not the caller's operator's
    ├── IncidentForbidden (403 incident_forbidden) — outside the caller's operator, or freezing oneself
    └── IncidentStateConflict (409 incident_state) — the incident is not in the state the step needs (closing
                                                     with a step open, unfreezing before containment…)

Each is raised with its sentence marked for the catalogs and the offending values as parameters.
"""

from __future__ import annotations

from telreg.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied

__all__ = ["IncidentForbidden", "IncidentInvalid", "IncidentNotFound", "IncidentStateConflict"]


class IncidentInvalid(InvalidInput):
    code = "incident_invalid"


class IncidentNotFound(NotFound):
    code = "incident_not_found"


class IncidentForbidden(PermissionDenied):
    code = "incident_forbidden"


class IncidentStateConflict(Conflict):
    code = "incident_state"
