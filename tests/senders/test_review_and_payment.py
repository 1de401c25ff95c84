import pytest

from telreg.core import audit, mail
from telreg.core.errors import InvalidInput, PermissionDenied
from telreg.senders import documents, lifecycle, repository
from telreg.senders.documents import DocumentUpload
from telreg.senders.errors import DuplicatePayment, MissingDocuments, OrderNotPayable, Overpayment, WrongState
from telreg.senders.vocabulary import AccountState, PaymentMethod, Plan, Register

from .helpers import PDF, application_order, apply, make_officer, pay


def _accept(session, runtime, account, officer="olivia"):
    return documents.accept_documents(session, clock=runtime.clock, settings=runtime.settings,
                                      account_id=account.id, officer_name=officer)


def test_documents_then_payment_activates_with_periods_from_today(session, runtime, clock):
    make_officer(session, clock)
    account = apply(session, runtime, plans={Register.fax: Plan.twelve_months, Register.sms: Plan.three_months})
    _accept(session, runtime, account)
    assert account.state == AccountState.awaiting_payment.value
    clock.advance(days=3)
    outcome = pay(session, runtime, application_order(session, account))
    assert account.state == AccountState.active.value
    assert "now active" in outcome.message
    periods = {p.register: (p.starts_on.isoformat(), p.ends_on.isoformat())
               for p in repository.subscriptions(session, account.id)}
    assert periods == {"fax": ("2026-03-05", "2027-03-05"), "sms": ("2026-03-05", "2026-06-05")}
    allowed = lifecycle.access(session, clock=clock, settings=runtime.settings, account_id=account.id)
    assert allowed.registers == {"fax", "sms"}
    subjects = [m.subject for m in mail.outbox(session, to="chan@example.com")]
    assert subjects[-1] == "Do-not-call Registers: your subscription account is active"


def test_payment_then_documents_activates_too(session, runtime, clock):
    make_officer(session, clock)
    account = apply(session, runtime)
    pay(session, runtime, application_order(session, account))
    assert account.state == AccountState.awaiting_documents.value
    _accept(session, runtime, account)
    assert account.state == AccountState.active.value
    actions = [e.action for e in audit.history(session, subject_type="sender", subject_key=str(account.id))]
    assert actions.count("sender-account-active") == 1
    assert "sender-account-awaiting-documents" in actions


def test_missing_documents_are_named_and_nothing_is_accepted(session, runtime, clock):
    make_officer(session, clock)
    account = apply(session, runtime, capacity="hk-company", username="acme.ltd",
                    documents=[DocumentUpload("business-registration", "br.pdf", PDF)])
    with pytest.raises(MissingDocuments, match="certificate of incorporation"):
        _accept(session, runtime, account)
    assert account.documents_accepted_at is None
    assert {d.status for d in repository.documents(session, account.id)} == {"submitted"}


def test_a_rejected_document_is_emailed_and_must_be_replaced(session, runtime, clock):
    make_officer(session, clock)
    account = apply(session, runtime)
    [document] = repository.documents(session, account.id)
    documents.reject_document(session, clock=clock, document_id=document.id, reason="The copy is unreadable.",
                              officer_name="olivia")
    notice = mail.outbox(session, to="chan@example.com")[-1]
    assert "The copy is unreadable." in notice.body
    with pytest.raises(MissingDocuments, match="missing or were rejected"):
        _accept(session, runtime, account)
    documents.upload_document(session, clock=clock, settings=runtime.settings, account_id=account.id,
                              upload=DocumentUpload("hkid-copy", "hkid-2.pdf", PDF + b"%2"), actor="sender:1")
    _accept(session, runtime, account)
    assert [d.status for d in repository.documents(session, account.id)] == ["rejected", "accepted"]
    with pytest.raises(WrongState, match="already accepted"):
        documents.upload_document(session, clock=clock, settings=runtime.settings, account_id=account.id,
                                  upload=DocumentUpload("hkid-copy", "again.pdf", PDF), actor="sender:1")


def test_part_payments_add_up_and_overpayment_is_refused(session, runtime, clock):
    make_officer(session, clock)
    account = apply(session, runtime, plans={Register.fax: Plan.three_months, Register.sms: Plan.three_months})
    order = application_order(session, account)
    first = pay(session, runtime, order, reference="chq 001", amount_cents=50_000)
    assert first.outstanding_cents == 35_000
    assert "HK$350.00 is still outstanding" in first.message
    assert first.payment.reference == "CHQ 001"
    with pytest.raises(Overpayment, match=r"HK\$400.00 is more than the HK\$350.00 outstanding"):
        pay(session, runtime, order, reference="PPS-9", amount_cents=40_000, method=PaymentMethod.payment_by_phone)
    with pytest.raises(DuplicatePayment, match="already recorded"):
        pay(session, runtime, order, reference="CHQ  001", amount_cents=35_000)
    pay(session, runtime, order, reference="R-77", amount_cents=35_000, method=PaymentMethod.cash)
    assert order.state == "paid"
    with pytest.raises(OrderNotPayable, match="already paid in full"):
        pay(session, runtime, order, reference="R-78", amount_cents=100)
    assert repository.paid_cents(session, order.id) == 85_000


def test_payment_mistakes_are_explained(session, runtime, clock):
    make_officer(session, clock)
    order = application_order(session, apply(session, runtime))
    with pytest.raises(InvalidInput, match="reference"):
        pay(session, runtime, order, reference="   ")
    with pytest.raises(InvalidInput, match="more than HK\\$0"):
        pay(session, runtime, order, amount_cents=0)


def test_only_officers_review_and_record(session, runtime, clock):
    from telreg.core import users

    users.create_user(session, clock=clock, username="somebody", password="correct-horse-battery", roles=["admin"])
    make_officer(session, clock)
    account = apply(session, runtime)
    from telreg.core.models import User
    from sqlalchemy import update

    session.execute(update(User).where(User.username == "somebody").values(roles=["dnc-officer"], is_active=False))
    session.expire_all()
    with pytest.raises(PermissionDenied):
        _accept(session, runtime, account, officer="somebody")
