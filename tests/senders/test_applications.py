from pathlib import Path

import pytest

from telreg.core import audit, mail
from telreg.core.errors import InvalidInput
from telreg.core.files import UnacceptableFile
from telreg.senders import credentials, lifecycle
from telreg.senders.documents import DocumentUpload
from telreg.senders.errors import UnknownRegister, UsernameTaken, WeakPassword, WrongDocumentType
from telreg.senders.vocabulary import AccountState, Plan, Register, parse_plans

from .helpers import PASSWORD, PDF, PNG, application_order, apply


def test_an_application_for_several_registers_is_one_order_at_todays_fees(session, runtime):
    account = apply(session, runtime, plans={Register.fax: Plan.twelve_months, Register.sms: Plan.three_months,
                                             Register.prerecorded: Plan.twelve_months})
    assert account.state == AccountState.applied.value
    order = application_order(session, account)
    assert order.kind == "application" and order.state == "awaiting-payment"
    assert order.total_cents == 160_000 + 42_500 + 160_000
    [notice] = mail.outbox(session, to="chan@example.com")
    assert "copy of the Hong Kong identity card" in notice.body
    assert f"order {order.id}" in notice.body and "HK$3,625.00" in notice.body
    assert "Payment-by-Phone" in notice.body
    assert [e.action for e in audit.history(session, subject_type="sender", subject_key=str(account.id))] == [
        "sender-applied", "sender-document-uploaded"]


def test_plans_can_be_given_as_register_colon_plan(session, runtime):
    assert parse_plans(["fax:12-months", "sms:3"]) == {Register.fax: Plan.twelve_months, Register.sms: Plan.three_months}
    with pytest.raises(UnknownRegister, match="'email' is not a register"):
        parse_plans(["email:12-months"])
    with pytest.raises(InvalidInput, match="not a plan"):
        parse_plans(["fax:6-months"])


def test_credentials_are_stored_only_as_hashes_and_the_answer_is_normalised(session, runtime):
    account = apply(session, runtime, security_answer="  St.  Paul's ")
    assert PASSWORD not in account.password_hash and account.password_hash.startswith("$argon2")
    assert "paul" not in account.security_answer_hash.lower()
    assert credentials.check_password(session, username="CHAN.TAIMAN", password=PASSWORD).id == account.id
    assert credentials.check_password(session, username="chan.taiman", password="wrong password!") is None
    assert credentials.check_security_answer(session, account_id=account.id, answer="st. paul's")
    assert not credentials.check_security_answer(session, account_id=account.id, answer="st. peter's")
    assert credentials.security_question(session, username="chan.taiman") == "Name of my first school?"


def test_a_pending_applicant_may_log_in_but_use_no_register(session, runtime, clock):
    account = apply(session, runtime)
    allowed = lifecycle.access(session, clock=clock, settings=runtime.settings, account_id=account.id)
    assert allowed.can_log_in and allowed.registers == frozenset()
    assert "not active yet" in allowed.reason


def test_a_username_is_taken_once(session, runtime):
    apply(session, runtime)
    with pytest.raises(UsernameTaken, match="'chan.taiman' is taken"):
        apply(session, runtime, username="Chan.TaiMan", contact_email="other@example.com")


@pytest.mark.parametrize(("overrides", "error", "message"), [
    ({"plans": {}}, InvalidInput, "at least one register"),
    ({"capacity": "partnership"}, InvalidInput, "not a capacity"),
    ({"contact_email": "chan.example.com"}, InvalidInput, "not an email address"),
    ({"username": "ab"}, InvalidInput, "4 to 32 characters"),
    ({"password": "short"}, WeakPassword, "at least 10 characters"),
    ({"password": "chan.taiman-2026"}, WeakPassword, "must not contain the username"),
    ({"name": "   "}, InvalidInput, "applicant's name"),
    ({"security_answer": " "}, InvalidInput, "too short"),
])
def test_form_mistakes_are_explained(session, runtime, overrides, error, message):
    with pytest.raises(error, match=message):
        apply(session, runtime, **overrides)


def test_documents_must_be_those_of_the_capacity(session, runtime):
    # Each failed application is rolled back whole (the edge does this; a savepoint stands in for it here).
    with pytest.raises(WrongDocumentType, match="certificate of incorporation is not needed when applying as individual"), \
            session.begin_nested():
        apply(session, runtime, documents=[DocumentUpload("certificate-of-incorporation", "ci.pdf", PDF)])
    with pytest.raises(WrongDocumentType, match="'passport' is not a document type"), session.begin_nested():
        apply(session, runtime, documents=[DocumentUpload("passport", "p.pdf", PDF)])
    company = apply(session, runtime, capacity="hk-company", username="acme.ltd", name="ACME Limited",
                    documents=[DocumentUpload("certificate-of-incorporation", "ci.pdf", PDF),
                               DocumentUpload("business-registration", "br.png", PNG)])
    assert company.capacity == "hk-company"


def test_uploads_are_checked_by_content_and_size_and_stored_under_their_checksum(session, runtime):
    with pytest.raises(UnacceptableFile, match="not a PDF, PNG or JPEG"), session.begin_nested():
        apply(session, runtime, documents=[DocumentUpload("hkid-copy", "hkid.pdf", b"just text, named .pdf")])
    too_big = PDF + b"0" * runtime.settings.max_upload_bytes
    with pytest.raises(UnacceptableFile, match="the limit is"), session.begin_nested():
        apply(session, runtime, documents=[DocumentUpload("hkid-copy", "hkid.pdf", too_big)])
    account = apply(session, runtime)
    from telreg.senders import repository

    [document] = repository.documents(session, account.id)
    assert not Path(document.path).exists()  # kept only when the application is committed
    session.commit()
    assert Path(document.path).read_bytes() == PDF
    assert Path(document.path).name == document.sha256
    assert Path(document.path).is_relative_to(runtime.settings.data_dir)
