"""One error taxonomy. Every error a person can cause is a DomainError with a status and a stable code.

    DomainError (400 bad_request)
    ├── InvalidInput (422 invalid_input)
    │   └── InvalidNumber (422 invalid_number)
    ├── NotFound (404 not_found)
    ├── Conflict (409 conflict)
    ├── NotAuthenticated (401 not_authenticated)
    ├── PermissionDenied (403 permission_denied)
    ├── ProductionGuard (400 not_in_production)
    └── ServiceUnavailable (503 unavailable) — carries retry_after seconds
        └── UpdateWindowClosed (503 update_window)

The web layer has one handler that renders ``{"error": code, "detail": message, ...extra}``; the CLI prints the
message and exits 1. Nothing below ``api.py`` raises HTTPException.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.code, "detail": self.message, **self.extra}


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid_input"


class InvalidNumber(InvalidInput):
    code = "invalid_number"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class NotAuthenticated(DomainError):
    status_code = 401
    code = "not_authenticated"


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"


class ProductionGuard(DomainError):
    code = "not_in_production"


class ServiceUnavailable(DomainError):
    status_code = 503
    code = "unavailable"

    def __init__(self, message: str, *, retry_after: int, **extra: Any) -> None:
        super().__init__(message, retry_after=retry_after, **extra)
        self.retry_after = retry_after


class UpdateWindowClosed(ServiceUnavailable):
    code = "update_window"
