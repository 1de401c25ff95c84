"""Small builders for the senders tests: make_*(session, runtime, **overrides)."""

from __future__ import annotations

from typing import Any

from telreg.core import users
from telreg.senders import applications, documents, payments, repository
from telreg.senders.documents import DocumentUpload
from telreg.senders.vocabulary import PaymentMethod, Plan, Register

PDF = b"%PDF-1.4\n% a scanned document\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PASSWORD = "a long pass phrase"


def make_officer(session: Any, clock: Any, username: str = "olivia") -> str:
    users.create_user(session, clock=clock, username=username, password="correct-horse-battery",
                      roles=["dnc-officer"])
    return username


def apply(session: Any, runtime: Any, **overrides: Any) -> Any:
    args: dict[str, Any] = {
        "clock": runtime.clock,
        "settings": runtime.settings,
        "capacity": "individual",
        "name": "CHAN Tai Man",
        "contact_email": "chan@example.com",
        "plans": {Register.sms: Plan.twelve_months},
        "username": "chan.taiman",
        "password": PASSWORD,
        "security_question": "Name of my first school?",
        "security_answer": "St. Paul's",
        "documents": [DocumentUpload("hkid-copy", "hkid.pdf", PDF)],
    }
    args.update(overrides)
    return applications.apply(session, **args)


def application_order(session: Any, account: Any) -> Any:
    return repository.orders(session, account.id, kind="application")[0]


def pay(session: Any, runtime: Any, order: Any, *, reference: str = "CHQ-1", amount_cents: int | None = None,
        officer: str = "olivia", method: PaymentMethod = PaymentMethod.cheque) -> Any:
    if amount_cents is None:
        amount_cents = order.total_cents - repository.paid_cents(session, order.id)
    return payments.record_payment(session, clock=runtime.clock, settings=runtime.settings, order_id=order.id,
                                   method=method, reference=reference, amount_cents=amount_cents,
                                   officer_name=officer)


def activate(session: Any, runtime: Any, account: Any, *, reference: str = "CHQ-1", officer: str = "olivia") -> Any:
    documents.accept_documents(session, clock=runtime.clock, settings=runtime.settings, account_id=account.id,
                               officer_name=officer)
    return pay(session, runtime, application_order(session, account), reference=reference, officer=officer)


def make_active(session: Any, runtime: Any, **overrides: Any) -> Any:
    """An applicant whose documents are accepted and fees paid: active from today."""
    account = apply(session, runtime, **overrides)
    activate(session, runtime, account, reference=f"CHQ-{account.id}")
    return account
