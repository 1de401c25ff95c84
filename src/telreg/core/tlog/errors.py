"""The audit log's errors (DomainError subclasses, each sentence marked for the catalogs)."""

from __future__ import annotations

from telreg.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied


class AuditKeyRefused(DomainError):
    """The log's (or the witness's) signing key is missing or malformed."""

    status_code = 500
    code = "audit_key_refused"


class AuditEntryNotFound(NotFound):
    code = "audit_entry_not_found"


class TileNotFound(NotFound):
    code = "audit_tile_not_found"


class WitnessBadRequest(DomainError):
    code = "witness_bad_request"


class WitnessUnknownLog(NotFound):
    code = "witness_unknown_log"


class WitnessBadSignature(PermissionDenied):
    code = "witness_bad_signature"


class WitnessInconsistent(InvalidInput):
    code = "witness_inconsistent"


class WitnessSizeConflict(Conflict):
    """The old size the log sent is not the size we last cosigned; carries that size (``latest_size``)."""

    code = "witness_size_conflict"
