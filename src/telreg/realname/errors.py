"""Errors of the real-name registration context.

    DomainError (core/errors.py)
    ├── PolicyError (500 invalid_policy) — the configured policy file is missing, not TOML, or breaks the
    │                                     schema; carries the file and its problems, each with its line
    ├── OperatorExists (409 operator_exists) — `operator add` with a code already taken
    ├── OperatorNotFound (404 unknown_operator)
    ├── NumberNotFound (404 unknown_number) — no such number with this operator
    ├── NotRegistered (409 not_registered) — the number has no current registration to end or change
    ├── AlreadyTerminated (409 already_terminated)
    └── porting (porting.py; seed 004 Q4.3)
        ├── PortNotFound (404 unknown_port)
        ├── PortOpen (409 port_open) — the number has an open port request already
        ├── PortClosed (409 port_closed) — the request was decided already (completed, rejected, cancelled)
        ├── PortOutdated (409 port_outdated) — the number changed (operator, holder, state) since the request
        ├── SameOperator (409 same_operator) — the number is with the receiving operator already
        ├── NumberNotActive (409 number_not_active) — barred, suspended, terminated… numbers do not port
        ├── QuotaReached (409 quota_reached) — the holder's quota at the receiving operator is full
        ├── NotHolder (422 not_holder) — the document given is not the registered holder's
        └── NotYourPort (403 not_donor | not_recipient) — only the donor decides, only the recipient cancels

A registration or transfer that the rules refuse is not an error but an answer: the service returns an
Outcome with status "refused", a stable code and a sentence, and records it (see service.py). Each error
carries the offending values so a person can act on the message, and is raised with its sentence marked for
the catalogs (``N_``) and those values as parameters, so it reads in the page's or request's language;
a value that is itself words (a document type, a state, a nested reason) is a ``Message`` (words.py).
"""

from __future__ import annotations

from typing import Any

from telreg.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied


class PolicyError(DomainError):
    """A real-name policy cannot be used; telreg refuses to start with it."""

    # A broken policy is the deployment's fault, never the caller's: 500, not 4xx.
    status_code = 500
    code = "invalid_policy"

    def __init__(self, message: str, *, source: str, problems: list[dict[str, Any]] | None = None,
                 **params: Any) -> None:
        super().__init__(message, source=source, problems=problems or [], **params)
        self.source = source
        self.problems = problems or []


class OperatorExists(Conflict):
    code = "operator_exists"


class OperatorNotFound(NotFound):
    code = "unknown_operator"


class NumberNotFound(NotFound):
    code = "unknown_number"


class NotRegistered(Conflict):
    code = "not_registered"


class AlreadyTerminated(Conflict):
    code = "already_terminated"


# ---- porting (porting.py) --------------------------------------------------------------------------------


class PortNotFound(NotFound):
    code = "unknown_port"


class PortOpen(Conflict):
    code = "port_open"


class PortClosed(Conflict):
    code = "port_closed"


class PortOutdated(Conflict):
    code = "port_outdated"


class SameOperator(Conflict):
    code = "same_operator"


class NumberNotActive(Conflict):
    code = "number_not_active"


class QuotaReached(Conflict):
    code = "quota_reached"


class NotHolder(InvalidInput):
    code = "not_holder"


class NotYourPort(PermissionDenied):
    """A decision by the wrong side of a port; ``code`` says which side it needed."""

    def __init__(self, message: str, *, side: str, **extra: Any) -> None:
        super().__init__(message, **extra)
        self.code = f"not_{side}"
