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
        ├── UpdateWindowClosed (503 update_window)
        └── DatabaseBusy (503 database_busy) — locked past its timeout; core/db_busy.py

The web layer has one handler that renders ``{"error": code, "detail": message, ...extra}``; the CLI prints the
message and exits 1. Nothing below ``api.py`` raises HTTPException.

An error is raised with its sentence marked for the catalogs and its parameters, e.g.
``InvalidInput(N_("The deadline %(deadline)s is in the past."), deadline="2026-03-01")``: ``message`` is the
English, ``message_in(lang)`` the same sentence from the language's catalog (core/i18n.py) — the API answers in
the request's ``Accept-Language``, a page in its chosen language. A plain string is still accepted (shown as
it is in every language) for sentences that have not been moved to the catalogs.
"""

from __future__ import annotations

from typing import Any

from telreg.core.i18n import Message, Msgid, format_message


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, **extra: Any) -> None:
        # A marked template is filled from EXTRA; a Message (core/i18n.py: several sentences, each with its
        # own values, such as a file's problems) is already whole in every language.
        self.template = message if isinstance(message, (Msgid, Message)) else None
        text = format_message("en", message, extra) if isinstance(message, Msgid) else str(message)
        super().__init__(text)
        self.message = text
        self.extra = extra

    def message_in(self, lang: str) -> str:
        """Return the sentence in LANG: from the catalog when it was marked, else as it was written."""
        if self.template is None:
            return self.message
        if isinstance(self.template, Message):
            return self.template.in_language(lang)
        return format_message(lang, self.template, self.extra)

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


class DatabaseBusy(ServiceUnavailable):
    """The database stayed locked past its timeout (SQLite "database is locked"; PostgreSQL lock timeout,
    serialization failure, deadlock): nothing was changed, and the same request may simply be sent again."""

    code = "database_busy"
