"""Errors of enforcement.

    DomainError (core/errors.py)
    ├── ReportInvalid (422 enforcement_report_invalid) — a report the rules refuse: a number that is not a Hong Kong
    │                                       number, a time in the future or before the registers existed, an
    │                                       attachment of the wrong type, size or shape
    ├── ReportNotFound (404 enforcement_report_not_found) — no such reference, or the access code does not match
    │                                       (the two look the same, so a reference cannot be probed)
    ├── CodeRefused (422 enforcement_code_refused) — a wrong, expired or used-up one-time code
    ├── CaseNotFound (404 enforcement_case_not_found)
    ├── StepRefused (409 enforcement_step_refused) — the case, document or notice is not in the state the step
    │                                       needs (serving twice, changing a served document, checking compliance
    │                                       before the deadline)
    ├── AmbiguousSender (409 enforcement_ambiguous_sender) — the identification matches several accounts; the
    │                                       officer chooses (the candidates are in the error's values)
    ├── SeedRefused (422 enforcement_seed_refused) — a seed number that is listed, not a Hong Kong number, or in use
    └── DocumentAltered (409 enforcement_document_altered) — a case document's stored file no longer has the
                                            SHA-256 recorded for it (altered on disk): reported, never served

Each is raised with its sentence marked for the catalogs (``N_``) and the offending values as parameters.
"""

from __future__ import annotations

from telreg.core.errors import Conflict, InvalidInput, NotFound

__all__ = ["AmbiguousSender", "CaseNotFound", "CodeRefused", "DocumentAltered", "ReportInvalid", "ReportNotFound",
           "SeedRefused", "StepRefused"]


class ReportInvalid(InvalidInput):
    code = "enforcement_report_invalid"


class ReportNotFound(NotFound):
    code = "enforcement_report_not_found"


class CodeRefused(InvalidInput):
    code = "enforcement_code_refused"


class CaseNotFound(NotFound):
    code = "enforcement_case_not_found"


class StepRefused(Conflict):
    code = "enforcement_step_refused"


class AmbiguousSender(Conflict):
    code = "enforcement_ambiguous_sender"


class SeedRefused(InvalidInput):
    code = "enforcement_seed_refused"


class DocumentAltered(Conflict):  # cases work (issue 17 §3): documents are verified whenever they are opened
    code = "enforcement_document_altered"
