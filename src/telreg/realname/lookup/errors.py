"""Errors of the one-identity lookup.

    DomainError (core/errors.py)
    ├── LookupNotOffered (404 lookup_not_offered) — the deployment's policy has no one-identity lookup
    ├── LookupRateLimited (429 lookup_rate_limited) — too many codes for this document or number; retry_after
    ├── CodeRejected (422 code_rejected) — wrong, expired, used or locked code; says which, and attempts left
    ├── LookupAccessEnded (401 lookup_access_ended) — no proof in this session, or it has run out
    ├── NotYourNumber (422 not_your_number) — a flag for a number not registered under the proved identity
    ├── FlagNotFound (404 unknown_flag)
    └── FlagClosed (409 flag_closed) — closing a flag that is closed already

A wrong code is answered the same way whether the identity exists or not: the answer never tells.
"""

from __future__ import annotations

from typing import Any

from telreg.core.errors import Conflict, DomainError, InvalidInput, NotAuthenticated, NotFound

__all__ = ["CodeRejected", "FlagClosed", "FlagNotFound", "LookupAccessEnded", "LookupNotOffered",
           "LookupRateLimited", "NotYourNumber"]


class LookupNotOffered(NotFound):
    code = "lookup_not_offered"


class LookupRateLimited(DomainError):
    status_code = 429
    code = "lookup_rate_limited"

    def __init__(self, message: str, *, retry_after: int, **extra: Any) -> None:
        super().__init__(message, retry_after=retry_after, **extra)
        self.retry_after = retry_after


class CodeRejected(InvalidInput):
    """``reason`` is one of wrong, expired, used, locked, unknown; ``attempts_left`` when it is wrong."""

    code = "code_rejected"


class LookupAccessEnded(NotAuthenticated):
    code = "lookup_access_ended"


class NotYourNumber(InvalidInput):
    code = "not_your_number"


class FlagNotFound(NotFound):
    code = "unknown_flag"


class FlagClosed(Conflict):
    code = "flag_closed"
