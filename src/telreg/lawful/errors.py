"""Errors of lawful access.

    DomainError (core/errors.py)
    ├── UnsupportedMessageType (415 hi1_unsupported_media_type) — neither XML nor JSON
    ├── MessageTooLarge (413 hi1_message_too_large) — past TELREG_LAWFUL_MESSAGE_MAX_BYTES
    ├── MessageMalformed (422 hi1_malformed) — not an HI-1 message telreg can read: bad XML/JSON, a DTD or entity,
    │                                          a schema violation; names the line (XML) or the JSON path
    ├── RequestInvalid (422 lawful_request_invalid) — a readable message that breaks a rule: no legal basis, a
    │                                          target in the wrong format, a warrant of the wrong type or size…
    ├── ObjectNotFound (404 lawful_object_not_found) — no such object, or not the caller's to see
    ├── StatusNotPermitted (403 lawful_status_not_permitted) — a status the sender may not set
    ├── SeparationOfDuties (403 lawful_separation_of_duties) — approving one's own request, the same person
    │                                          approving and releasing, a supervisor endorsing their own filing
    ├── StepConflict (409 lawful_step_conflict) — the object is not in the state the step needs (approving twice,
    │                                          releasing an expired approval, cancelling what is closed)
    ├── AmbiguousMatch (409 lawful_ambiguous_match) — the target matches more than one holder: refused
    └── ResultUnavailable (410 lawful_result_unavailable) — a download used already, expired or destroyed

Each is raised with its sentence marked for the catalogs (``N_``) and the offending values as parameters. The
HI-1 endpoint turns them into the standard's ErrorInformation (hi1/dictionaries.py ERROR_*), the pages and the
JSON API into the one error handler's answer.
"""

from __future__ import annotations

from telreg.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied


class UnsupportedMessageType(DomainError):
    status_code = 415
    code = "hi1_unsupported_media_type"


class MessageTooLarge(DomainError):
    status_code = 413
    code = "hi1_message_too_large"


class MessageMalformed(InvalidInput):
    code = "hi1_malformed"


class RequestInvalid(InvalidInput):
    code = "lawful_request_invalid"


class ObjectNotFound(NotFound):
    code = "lawful_object_not_found"


class StatusNotPermitted(PermissionDenied):
    code = "lawful_status_not_permitted"


class SeparationOfDuties(PermissionDenied):
    code = "lawful_separation_of_duties"


class StepConflict(Conflict):
    code = "lawful_step_conflict"


class AmbiguousMatch(Conflict):
    code = "lawful_ambiguous_match"


class ResultUnavailable(DomainError):
    status_code = 410
    code = "lawful_result_unavailable"
