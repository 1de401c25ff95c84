"""Errors of the senders context; each carries the offending values for the API's error body.

    InvalidInput (422)
    ├── UnknownRegister (unknown_register)
    ├── WrongDocumentType (wrong_document_type)
    ├── MissingDocuments (missing_documents)
    ├── WeakPassword (weak_password)
    ├── Overpayment (overpayment)
    ├── WrongCurrentPassword (wrong_current_password)
    ├── TooManyNumbers (too_many_numbers)
    └── BadFileName (bad_file_name)
    NotFound (404)
    ├── AccountNotFound, DocumentNotFound, OrderNotFound
    ├── PublicationNotFound (publication_not_found)
    └── ApiKeyNotFound (api_key_not_found)
    PermissionDenied (403)
    ├── RegisterNotUsable (register_not_usable)
    ├── PasswordChangeRequired (password_change_required)
    └── ApiAccessDisabled (api_access_disabled)
    NotAuthenticated (401)
    ├── LoginFailed (login_failed), AccountLocked (account_locked), OneTimePasswordExpired
    └── ResetFailed (reset_failed), ApiKeyRejected (api_key_rejected)
    Conflict (409)
    ├── UsernameTaken (username_taken)
    ├── DuplicatePayment (duplicate_payment)
    ├── OrderNotPayable (order_not_payable)
    ├── RenewalPending (renewal_pending)
    ├── AccountCancelled (account_cancelled)
    ├── RegisterNotHeld (register_not_held)
    ├── WrongState (wrong_state)
    └── TooManyApiKeys (too_many_api_keys)
    Washing service: WashRefused (422), WashNotFound (404), WashReferenceReused and WashNotReady (409),
    WashExpired (410 wash_expired)
"""

from __future__ import annotations

from telreg.core.errors import Conflict, DomainError, InvalidInput, NotAuthenticated, NotFound, PermissionDenied


class UnknownRegister(InvalidInput):
    code = "unknown_register"


class WrongDocumentType(InvalidInput):
    code = "wrong_document_type"


class MissingDocuments(InvalidInput):
    code = "missing_documents"


class WeakPassword(InvalidInput):
    code = "weak_password"


class Overpayment(InvalidInput):
    code = "overpayment"


class AccountNotFound(NotFound):
    code = "account_not_found"


class DocumentNotFound(NotFound):
    code = "document_not_found"


class OrderNotFound(NotFound):
    code = "order_not_found"


class UsernameTaken(Conflict):
    code = "username_taken"


class DuplicatePayment(Conflict):
    code = "duplicate_payment"


class OrderNotPayable(Conflict):
    code = "order_not_payable"


class RenewalPending(Conflict):
    code = "renewal_pending"


class AccountCancelled(Conflict):
    code = "account_cancelled"


class RegisterNotHeld(Conflict):
    code = "register_not_held"


class WrongState(Conflict):
    code = "wrong_state"


class TooManyNumbers(InvalidInput):
    code = "too_many_numbers"


class BadFileName(InvalidInput):
    code = "bad_file_name"


class PublicationNotFound(NotFound):
    code = "publication_not_found"


class RegisterNotUsable(PermissionDenied):
    """The account may not download or check this register now; ``reason`` says why in one word."""

    code = "register_not_usable"


# ---- signing in and API keys (senders.signin, senders.api_keys) ---------------------------------------------------

class LoginFailed(NotAuthenticated):
    """Unknown username or wrong password: one message for both, so usernames cannot be probed."""

    code = "login_failed"


class AccountLocked(NotAuthenticated):
    code = "account_locked"


class OneTimePasswordExpired(NotAuthenticated):
    code = "one_time_password_expired"


class ResetFailed(NotAuthenticated):
    """Unknown username or wrong answer to the security question (one message for both)."""

    code = "reset_failed"


class WrongCurrentPassword(InvalidInput):
    code = "wrong_current_password"


class PasswordChangeRequired(PermissionDenied):
    code = "password_change_required"


class ApiAccessDisabled(PermissionDenied):
    code = "api_access_disabled"


class ApiKeyRejected(NotAuthenticated):
    code = "api_key_rejected"


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"


class TooManyApiKeys(Conflict):
    code = "too_many_api_keys"


# ---- the sender's own consent and unsubscribe lists (senders.lists) -----------------------------------------------

class InstructionRefused(InvalidInput):
    """One consent/unsubscribe instruction that cannot be recorded (bad number, kind, time or field)."""

    code = "instruction_refused"


class InstructionsFileRefused(InvalidInput):
    """An instructions file with bad lines: refused whole; ``errors`` lists them with their line numbers."""

    code = "instructions_file_refused"


# ---- the washing service (senders.washing) ------------------------------------------------------------------------

class WashRefused(InvalidInput):
    """An upload to wash that cannot be taken: empty, too large, a send date in the past, a bad field."""

    code = "wash_refused"


class WashNotFound(NotFound):
    """No such wash on this account (another account's washes are not found either)."""

    code = "wash_not_found"


class WashReferenceReused(Conflict):
    """A client reference already names a wash of a different file or settings."""

    code = "wash_reference_reused"


class WashNotReady(Conflict):
    """The wash has no results (yet): queued, running or failed."""

    code = "wash_not_ready"


class WashExpired(DomainError):
    """The wash's results were kept for their retention period and are gone."""

    status_code = 410
    code = "wash_expired"
