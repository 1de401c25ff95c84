import datetime as dt
from pathlib import Path

import pytest

from telreg.core.clock import HK
from telreg.core.errors import PermissionDenied, UpdateWindowClosed
from telreg.core.files import UnacceptableFile, store_document
from telreg.dnc import paper, service
from telreg.dnc.errors import ApplicationAlreadyDecided
from telreg.dnc.vocabulary import Register

from .helpers import PDF_BILL, make_officer


def _bill(runtime, content=PDF_BILL):
    return store_document(runtime.settings.data_dir, filename="bill.pdf", content=content,
                          max_bytes=runtime.settings.max_upload_bytes, area="dnc-paper")


def _record(session, runtime, number="61234567", registers=(Register.sms,), action="register"):
    return paper.record_application(
        session, clock=runtime.clock, number=number, registers=list(registers), action=action,
        applicant_name="CHAN Tai Man", bill=_bill(runtime), officer_name="olivia",
    )


def test_an_approved_application_lists_the_number_through_the_paper_channel(session, runtime, clock):
    make_officer(session, clock)
    application = _record(session, runtime, registers=(Register.sms, Register.prerecorded))
    assert service.number_status(session, settings=runtime.settings, number="61234567")["registers"]["sms"] == {
        "listed": False}
    clock.advance(days=1)
    outcomes = paper.approve(session, clock=clock, settings=runtime.settings, application_id=application.id,
                             officer_name="olivia")
    assert [(o.register, o.result, o.registered_on) for o in outcomes] == [
        ("sms", "registered", dt.date(2026, 3, 3)), ("prerecorded", "registered", dt.date(2026, 3, 3))]
    history = service.listing_history(session, number="61234567")
    assert [e["event"] for e in history] == ["paper-application-recorded", "registered", "registered"]
    assert history[1]["details"]["channel"] == "paper"
    assert history[1]["details"]["verification"] == "phone-bill"
    assert history[1]["actor"] == "officer:olivia"


def test_the_bill_is_stored_outside_the_database_under_its_checksum(session, runtime, clock):
    make_officer(session, clock)
    application = _record(session, runtime)
    stored = Path(application.bill_path)
    assert stored.read_bytes() == PDF_BILL
    assert stored.name == application.bill_sha256
    assert stored.is_relative_to(runtime.settings.data_dir)


def test_a_rejected_application_lists_nothing_and_cannot_be_approved_later(session, runtime, clock):
    make_officer(session, clock)
    application = _record(session, runtime)
    paper.reject(session, clock=clock, application_id=application.id, officer_name="olivia",
                 reason="The bill is older than three months.")
    with pytest.raises(ApplicationAlreadyDecided, match="already rejected"):
        paper.approve(session, clock=clock, settings=runtime.settings, application_id=application.id,
                      officer_name="olivia")
    assert service.number_status(session, settings=runtime.settings, number="61234567")["registers"]["sms"] == {
        "listed": False}


def test_a_paper_deregistration_removes_the_listing(session, runtime, clock):
    make_officer(session, clock)
    first = _record(session, runtime)
    paper.approve(session, clock=clock, settings=runtime.settings, application_id=first.id, officer_name="olivia")
    second = _record(session, runtime, action="deregister")
    outcomes = paper.approve(session, clock=clock, settings=runtime.settings, application_id=second.id,
                             officer_name="olivia")
    assert outcomes[0].result == "deregistered"


def test_only_officers_decide(session, runtime, clock):
    make_officer(session, clock)
    make_officer(session, clock, username="admin1", roles=["admin"])
    application = _record(session, runtime)
    from telreg.core import users

    user = users.get_user(session, "olivia")
    user.roles = []
    session.flush()
    with pytest.raises(PermissionDenied):
        paper.approve(session, clock=clock, settings=runtime.settings, application_id=application.id,
                      officer_name="olivia")
    assert paper.approve(session, clock=clock, settings=runtime.settings, application_id=application.id,
                         officer_name="admin1")[0].result == "registered"


def test_approval_during_the_update_window_is_refused_and_leaves_it_pending(session, runtime, clock):
    make_officer(session, clock)
    application = _record(session, runtime)
    clock.set(dt.datetime(2026, 3, 2, 23, 15, tzinfo=HK))
    with pytest.raises(UpdateWindowClosed):
        paper.approve(session, clock=clock, settings=runtime.settings, application_id=application.id,
                      officer_name="olivia")
    assert paper.list_applications(session, status="pending")[0].id == application.id


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"MZ\x90\x00 an executable", "not a PDF, PNG or JPEG"), (b"%PDF-" + b"x" * 6_000_000, "limit")],
)
def test_unacceptable_bills_are_refused(runtime, content, message):
    with pytest.raises(UnacceptableFile, match=message):
        _bill(runtime, content)
