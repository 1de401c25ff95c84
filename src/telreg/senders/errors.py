"""Errors of the senders context; each carries the offending values for the API's error body.

    InvalidInput (422)
    ├── UnknownRegister (unknown_register)
    ├── WrongDocumentType (wrong_document_type)
    ├── MissingDocuments (missing_documents)
    ├── WeakPassword (weak_password)
    └── Overpayment (overpayment)
    NotFound (404)
    ├── AccountNotFound, DocumentNotFound, OrderNotFound
    Conflict (409)
    ├── UsernameTaken (username_taken)
    ├── DuplicatePayment (duplicate_payment)
    ├── OrderNotPayable (order_not_payable)
    ├── RenewalPending (renewal_pending)
    ├── AccountCancelled (account_cancelled)
    ├── RegisterNotHeld (register_not_held)
    └── WrongState (wrong_state)
"""

from __future__ import annotations

from telreg.core.errors import Conflict, InvalidInput, NotFound


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
