"""Two officers at once, in two threads with their own transactions, on SQLite and PostgreSQL."""

import threading

from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent
from telreg.core import mail
from telreg.senders import documents, repository
from telreg.senders.errors import DuplicatePayment, OrderNotPayable, Overpayment
from telreg.senders.models import SenderSubscription
from telreg.senders.vocabulary import Plan, Register

from .helpers import application_order, apply, make_officer, pay


def _race(*actions):
    """Run the actions at the same moment, each in its own unit of work; return what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(index, action):
        barrier.wait()
        try:
            results[index] = action()
        except Exception as exc:  # noqa: BLE001 — the race's loser is part of the result
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _setup(runtime, **overrides):
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock, "olivia")
        make_officer(session, runtime.clock, "oscar")
        account = apply(session, runtime, **overrides)
        return account.id, application_order(session, account).id


def test_documents_and_the_last_payment_at_once_activate_exactly_once(runtime):
    account_id, order_id = _setup(runtime, plans={Register.fax: Plan.twelve_months, Register.sms: Plan.three_months})

    def accept():
        with unit_of_work(runtime.session_factory) as session:
            documents.accept_documents(session, clock=runtime.clock, settings=runtime.settings,
                                       account_id=account_id, officer_name="olivia")

    def settle():
        with unit_of_work(runtime.session_factory) as session:
            pay(session, runtime, repository.get_order(session, order_id), reference="CHQ-7", officer="oscar")

    assert _race(accept, settle) == [None, None]
    with unit_of_work(runtime.session_factory) as session:
        assert repository.get_account(session, account_id).state == "active"
        activations = session.scalar(select(func.count()).select_from(AuditEvent)
                                     .where(AuditEvent.action == "sender-account-active"))
        assert activations == 1
        assert session.scalar(select(func.count()).select_from(SenderSubscription)) == 2
        active_mails = [m for m in mail.outbox(session) if m.key == f"senders:{account_id}:activated"]
        assert len(active_mails) == 1


def test_two_officers_settling_the_same_order_count_one_payment(runtime):
    account_id, order_id = _setup(runtime)

    def settle(officer, reference):
        def action():
            with unit_of_work(runtime.session_factory) as session:
                return pay(session, runtime, repository.get_order(session, order_id), reference=reference,
                           officer=officer, amount_cents=160_000).outstanding_cents
        return action

    results = _race(settle("olivia", "CHQ-1"), settle("oscar", "PPS-1"))
    winners = [r for r in results if r == 0]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0], (OrderNotPayable, Overpayment))  # the second sees the order paid
    with unit_of_work(runtime.session_factory) as session:
        assert repository.paid_cents(session, order_id) == 160_000


def test_the_same_cheque_keyed_twice_at_once_is_recorded_once(runtime):
    account_id, order_id = _setup(runtime, plans={Register.fax: Plan.three_months, Register.sms: Plan.three_months})

    def key(officer):
        def action():
            with unit_of_work(runtime.session_factory) as session:
                return pay(session, runtime, repository.get_order(session, order_id), reference="CHQ-55",
                           officer=officer, amount_cents=42_500).outstanding_cents
        return action

    results = _race(key("olivia"), key("oscar"))
    assert 42_500 in results
    assert any(isinstance(r, DuplicatePayment) for r in results)
    with unit_of_work(runtime.session_factory) as session:
        assert repository.paid_cents(session, order_id) == 42_500
