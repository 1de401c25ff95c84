"""The demo subscription account: a Hong Kong company holding every register, active, with API access on.

It is made the way a real one is — applied for online with its documents, documents accepted and fees paid by the
demo officer, API access turned on by that officer — so its states, periods, orders, audit events and emails are
the genuine article. Its activation email is queued in the outbox like any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import Clock
from telreg.senders import api_keys, applications, documents, payments, repository
from telreg.senders.documents import DocumentUpload
from telreg.senders.vocabulary import REQUIRED_DOCUMENTS, Capacity, PaymentMethod, Plan, Register

# The smallest file the upload check accepts as a PDF (it looks at the first bytes, not the name).
_PDF = b"%PDF-1.4\n% telreg demonstration document\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass(frozen=True)
class DemoSender:
    username: str
    password: str
    capacity: Capacity
    name: str
    contact_email: str
    plan: Plan
    officer: str  # the demo officer who accepts the documents, records the fees and turns API access on

    @property
    def registers(self) -> tuple[Register, ...]:
        return tuple(Register)


# Documented on purpose, like the staff passwords: it exists only in demonstration databases.
DEMO_SENDER = DemoSender(
    username="demo-sender",
    password="sender-demo-2026",
    capacity=Capacity.hk_company,
    name="Demo Telemarketing Company Limited",
    contact_email="demo-sender@example.com",  # example.com never receives mail: the activation notice goes nowhere
    plan=Plan.twelve_months,
    officer="officer",
)


def load_sender(session: Session, *, clock: Clock, settings: Settings, demo: DemoSender = DEMO_SENDER) -> bool:
    """Create and activate the demo sender unless an account already signs in with its username.

    Returns whether it was created. An existing account is left exactly as it is (even if an officer has since
    turned its API access off), so a second load adds nothing to the audit trail.
    """
    if repository.account_by_login(session, demo.username) is not None:
        return False
    account = applications.apply(
        session,
        clock=clock,
        settings=settings,
        capacity=demo.capacity.value,
        name=demo.name,
        contact_email=demo.contact_email,
        plans={register: demo.plan for register in demo.registers},
        username=demo.username,
        password=demo.password,
        security_question="Which register does this demo account not hold?",
        security_answer="none of them",
        documents=[DocumentUpload(doc_type.value, f"{doc_type.value}.pdf", _PDF)
                   for doc_type in REQUIRED_DOCUMENTS[demo.capacity]],
    )
    documents.accept_documents(session, clock=clock, settings=settings, account_id=account.id,
                               officer_name=demo.officer)
    order = repository.orders(session, account.id, kind="application")[0]
    payments.record_payment(session, clock=clock, settings=settings, order_id=order.id, method=PaymentMethod.cheque,
                            reference=f"DEMO-CHEQUE-{account.id}", amount_cents=order.total_cents,
                            officer_name=demo.officer)
    api_keys.set_api_access(session, clock=clock, settings=settings, account_id=account.id, enabled=True,
                            officer=demo.officer)
    return True
