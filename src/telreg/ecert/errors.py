"""Errors of the certification authority.

    DomainError (core/errors.py)
    ├── CaNotReady (503 ca_not_ready) — no CA here yet (`telreg ecert init`), or its keys cannot be opened
    ├── ProfileError (500 invalid_ecert_profiles) — the profile file is not valid; names file and lines
    ├── CertificateNotFound (404 unknown_certificate)
    ├── ApplicationNotFound (404 unknown_application)
    ├── BadRequestData (422 invalid_request) — a CSR, key, name or DER that cannot be used, saying why
    ├── IdentityNotVerified (422 identity_not_verified) — the subject is not a verified real-name identity
    ├── StatusConflict (409 status_conflict) — revoking twice, releasing what is not on hold, …
    └── ApplicationClosed (409 application_closed) — the application was decided already

Each is raised with its sentence marked for the catalogs (``N_``) and the offending values as parameters.
"""

from __future__ import annotations

from telreg.core.errors import Conflict, DomainError, InvalidInput, NotFound


class CaNotReady(DomainError):
    """No CA here yet, or its keys cannot be opened: an operator must act, so no Retry-After."""

    status_code = 503
    code = "ca_not_ready"


class ProfileError(DomainError):
    """The certificate profiles cannot be used; telreg refuses to start with them (the deployment's fault)."""

    status_code = 500
    code = "invalid_ecert_profiles"


class CertificateNotFound(NotFound):
    code = "unknown_certificate"


class ApplicationNotFound(NotFound):
    code = "unknown_application"


class BadRequestData(InvalidInput):
    code = "invalid_request"


class IdentityNotVerified(InvalidInput):
    code = "identity_not_verified"


class StatusConflict(Conflict):
    code = "status_conflict"


class ApplicationClosed(Conflict):
    code = "application_closed"
