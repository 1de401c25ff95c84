"""The online application for a subscription account, and the officers' list of applications.

An application records the applicant (capacity, name, contact email), the registers with a plan each
("subscription of multiple registers" is one application), the credentials to sign in with, and optionally the
documentary proof at once (more can be uploaded later). It creates the account in state ``applied``, an
application order priced at the fees in force that day, and queues the email that lists the documents needed
and the payment instructions (FAQ Q2.1, Q2.5).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import cast

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock, today
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.senders import credentials, emails, fees, lifecycle, repository
from telreg.senders.documents import DocumentUpload, add_document, document_summary
from telreg.senders.errors import UsernameTaken
from telreg.senders.models import SenderAccount, SenderOrder, SenderOrderLine
from telreg.senders.payments import order_summary
from telreg.senders.vocabulary import (
    PENDING_STATES,
    REQUIRED_DOCUMENTS,
    AccountState,
    Plan,
    Register,
    parse_capacity,
)

__all__ = ["apply", "application_view", "count_applications", "list_applications"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    address = value.strip()
    if len(address) > 254 or not _EMAIL.match(address):
        raise InvalidInput(N_("%(value)s is not an email address such as name@example.com."),
                           contact_email=value, value=repr(value))
    return address


def _free_username(session: Session, *, clock: Clock, settings: Settings, username: str) -> None:
    found = repository.account_by_login(session, username)
    holder = repository.lock_account(session, found.id) if found is not None else None
    if holder is None:
        return
    # A cancelled account frees its name; the daily job may simply not have noticed yet.
    if lifecycle.settle(session, clock=clock, settings=settings, account=holder) is not AccountState.cancelled:
        raise UsernameTaken(N_("The username %(quoted)s is taken; choose another."), username=username,
                            quoted=repr(username))


def apply(
    session: Session,
    *,
    clock: Clock,
    settings: Settings,
    capacity: str,
    name: str,
    contact_email: str,
    plans: dict[Register, Plan],
    username: str,
    password: str,
    security_question: str,
    security_answer: str,
    documents: Sequence[DocumentUpload] = (),
) -> SenderAccount:
    """Open a subscription account from the online form; it waits for documents and payment."""
    kind = parse_capacity(capacity)
    applicant = " ".join(name.split())
    if not applicant:
        raise InvalidInput(N_("Give the applicant's name (the company's name for a company)."))
    if len(applicant) > 200:
        raise InvalidInput(N_("The applicant's name is longer than 200 characters."))
    address = _email(contact_email)
    if not plans:
        raise InvalidInput(N_("Choose at least one register (fax, sms or prerecorded) and a plan for each."))
    login = credentials.normalise_username(username)
    credentials.validate_password(password, username=login)
    question = " ".join(security_question.split())
    if len(question) < 5 or len(question) > 200:
        raise InvalidInput(N_("Write a security question of 5 to 200 characters."))
    answer_hash = credentials.hash_answer(security_answer)
    _free_username(session, clock=clock, settings=settings, username=login)

    now, on = clock.now(), today(clock)
    account = SenderAccount(
        username=login, login_name=login, password_hash=credentials.hash_password(password),
        security_question=question, security_answer_hash=answer_hash, capacity=kind.value, name=applicant,
        contact_email=address, state=AccountState.applied.value, applied_at=now, applied_on=on,
        state_changed_at=now, password_changed_at=now,
    )
    if not repository.try_add(session, account):
        raise UsernameTaken(N_("The username %(quoted)s is taken; choose another."), username=login,
                            quoted=repr(login))
    lines = [SenderOrderLine(register=r.value, plan=p.value, months=p.months,
                             fee_cents=fees.fee_for(session, settings=settings, plan=p, on=on))
             for r, p in sorted(plans.items(), key=lambda item: item[0].value)]
    order = SenderOrder(account_id=account.id, kind="application", state="awaiting-payment", ordered_on=on,
                        total_cents=sum(line.fee_cents for line in lines), created_at=now)
    repository.add(session, order)
    for line in lines:
        line.order_id = order.id
        repository.add(session, line)
    actor = f"sender:{account.id}"
    audit.record(session, clock=clock, actor=actor, action="sender-applied", subject_type="sender",
                 subject_key=str(account.id),
                 details={"capacity": kind.value, "plans": {line.register: line.plan for line in lines},
                          "order": order.id, "total_cents": order.total_cents})
    for upload in documents:
        add_document(session, clock=clock, settings=settings, account=account, upload=upload, actor=actor)
    emails.application_received(session, clock=clock, account=account, order=order, lines=lines,
                                required=REQUIRED_DOCUMENTS[kind])
    return account


def application_view(session: Session, account: SenderAccount) -> dict[str, object]:
    """An application as an officer reviews it: applicant, documents, the application order, and every order
    still waiting for payment (the application's or a renewal's) with the total outstanding."""
    application = repository.orders(session, account.id, kind="application")
    due = [order_summary(session, order)
           for order in repository.orders(session, account.id, state="awaiting-payment")]
    return {
        "id": account.id, "username": account.username, "name": account.name, "capacity": account.capacity,
        "contact_email": account.contact_email, "state": account.state, "applied_on": account.applied_on.isoformat(),
        "documents": document_summary(session, account),
        "order": order_summary(session, application[0]) if application else None,
        "orders_due": due,
        "outstanding_cents": sum(cast(int, order["outstanding_cents"]) for order in due),
    }


def _known_state(state: str | None) -> None:
    if state is not None and state not in {s.value for s in AccountState}:
        raise InvalidInput(N_("%(value)s is not an account state; use one of %(choices)s."),
                           value=repr(state), choices=", ".join(s.value for s in AccountState))


def list_applications(session: Session, *, state: str | None = None, limit: int | None = None,
                      offset: int = 0) -> list[dict[str, object]]:
    """Applications newest first: by default those waiting for documents or payment (applied, awaiting
    documents or payment, or any account with a renewal order not yet paid); a page of them with LIMIT and
    OFFSET."""
    _known_state(state)
    found = (repository.accounts(session, states=[state], limit=limit, offset=offset) if state
             else repository.accounts_waiting(session, states=[s.value for s in PENDING_STATES], limit=limit,
                                              offset=offset))
    return [application_view(session, account) for account in found]


def count_applications(session: Session, *, state: str | None = None) -> int:
    """How many accounts list_applications lists in all."""
    _known_state(state)
    if state:
        return repository.count_accounts(session, states=[state])
    return repository.count_accounts_waiting(session, states=[s.value for s in PENDING_STATES])
