"""Errors of the senders context; each carries the offending values for the API's error body.

    InvalidInput (422)
    ├── UnknownRegister (unknown_register)
    ├── WrongDocumentType (wrong_document_type)
    ├── MissingDocuments (missing_documents)
    ├── WeakPassword (weak_password; core.passwords, shared with staff: password_too_short, …)
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

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from telreg.core.errors import Conflict, DomainError, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from telreg.core.i18n import Msgid, format_message, translate
from telreg.core.passwords import WeakPassword as WeakPassword  # re-exported: one policy, staff and senders


class _Composed(DomainError):
    """An error whose sentence holds words said in the reader's language too.

    A parameter that is itself a marked sentence (a register's name) is translated with the sentence;
    ``parts`` are placeholders rendered for a language by a function (a problem a file reader found), and
    ``lines`` is text rendered the same way that follows the sentence, one item a line. The API's body keeps
    the parameters it always had: the rendered parts are in the message only.
    """

    def __init__(self, message: str, *, parts: Mapping[str, Callable[[str], str]] | None = None,
                 lines: Callable[[str], str] | None = None, **extra: Any) -> None:
        self.parts, self.lines = dict(parts or {}), lines
        english = {name: part("en") for name, part in self.parts.items()}
        super().__init__(message, **extra, **english)
        for name in english:
            del self.extra[name]
        if lines is not None:
            self.message = f"{self.message}\n  {lines('en')}"
            self.args = (self.message,)

    def message_in(self, lang: str) -> str:
        if self.template is None:
            return self.message
        params = {key: translate(lang, value) if isinstance(value, Msgid) else value
                  for key, value in self.extra.items()}
        params.update({name: part(lang) for name, part in self.parts.items()})
        text = format_message(lang, self.template, params)
        return f"{text}\n  {self.lines(lang)}" if self.lines is not None else text


class UnknownRegister(InvalidInput):
    code = "unknown_register"


class WrongDocumentType(_Composed, InvalidInput):
    code = "wrong_document_type"


class MissingDocuments(_Composed, InvalidInput):
    code = "missing_documents"


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


class OrderNotPayable(_Composed, Conflict):
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


class RegisterNotUsable(_Composed, PermissionDenied):
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


class InstructionsFileRefused(_Composed, InvalidInput):
    """An instructions file with bad lines: refused whole; ``errors`` lists them with their line numbers.

    ``errors`` (the API's) keeps each line's problems in English with the line number; ``line_problems``
    keeps them as (line, problems), each problem a (template, parameters) pair a page shows in its language.
    """

    code = "instructions_file_refused"

    def __init__(self, message: str, *, line_problems: Sequence[tuple[int, Sequence[Any]]] = (),
                 **extra: Any) -> None:
        super().__init__(message, **extra)
        self.line_problems = tuple(line_problems)


# ---- the washing service (senders.washing) ------------------------------------------------------------------------

class WashRefused(InvalidInput):
    """An upload to wash that cannot be taken: empty, too large, a send date in the past, a bad field."""

    code = "wash_refused"


class WashNotFound(NotFound):
    """No such wash on this account (another account's washes are not found either)."""

    code = "wash_not_found"


class WashReferenceReused(_Composed, Conflict):
    """A client reference already names a wash of a different file or settings."""

    code = "wash_reference_reused"


class WashNotReady(Conflict):
    """The wash has no results (yet): queued, running or failed."""

    code = "wash_not_ready"


class WashExpired(DomainError):
    """The wash's results were kept for their retention period and are gone."""

    status_code = 410
    code = "wash_expired"
