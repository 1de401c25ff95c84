"""Grouping reports into cases per sender: same sender → same case, an account match, ambiguity shown, an
officer's link (re-key, alias, merge), the seed-number case with the download log, the PostgreSQL race."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from telreg.core.audit import history
from telreg.core.clock import FixedClock
from telreg.enforcement import cases
from telreg.enforcement.errors import StepRefused
from telreg.enforcement.models import Case, CaseEvent, Report, SeedAssignment, SeedNumber, SenderAlias
from telreg.senders.models import SenderDownload
from tests.enforcement.helpers import make_account, make_report


def _events(session, case, kind=None):
    stmt = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    return [e for e in session.scalars(stmt) if kind is None or e.kind == kind]


def test_the_same_sender_goes_to_the_same_case_and_another_to_another(session, clock):
    first = cases.file_report(session, clock=clock, report=make_report(session, clock), actor="intake")
    again = cases.file_report(session, clock=clock, report=make_report(
        session, clock, sender_identification="3111-2222"), actor="intake")
    other = cases.file_report(session, clock=clock, report=make_report(
        session, clock, sender_identification="Lucky Loans Co."), actor="intake")
    assert first.id == again.id != other.id
    assert (first.reference, first.state, first.origin) == (f"C-{clock.now().year}-0001", "collecting", "reports")
    assert first.sender_key == "number:31112222" and other.sender_key == "name:lucky loans co"
    assert first.register == "sms"
    assert [e.kind for e in _events(session, first)] == ["opened", "report-added", "report-added"]
    assert {e.action for e in history(session, subject_type="enforcement-case", subject_key=first.reference)} == {
        "enforcement-case-opened", "enforcement-case-report-added"}


def test_filing_a_filed_report_again_changes_nothing(session, clock):
    report = make_report(session, clock)
    case = cases.file_report(session, clock=clock, report=report, actor="intake")
    assert cases.file_report(session, clock=clock, report=report, actor="intake").id == case.id
    assert len(_events(session, case, "report-added")) == 1


def test_a_unique_account_match_keys_the_case_by_account(session, clock):
    account = make_account(session, clock, name="ABC Telemarketing Ltd")
    case = cases.file_report(session, clock=clock, report=make_report(
        session, clock, sender_identification="ABC TELEMARKETING, LTD."), actor="intake")
    assert (case.sender_key, case.account_id) == (f"account:{account.id}", account.id)


def test_an_ambiguous_identification_is_keyed_by_name_and_lists_the_candidates(session, clock):
    one = make_account(session, clock, name="Best Offers Ltd")
    two = make_account(session, clock, name="Best Offers Ltd")
    case = cases.file_report(session, clock=clock, report=make_report(
        session, clock, sender_identification="Best Offers Ltd"), actor="intake")
    assert case.sender_key == "name:best offers ltd" and case.account_id is None
    [added] = _events(session, case, "report-added")
    assert added.details["candidate_accounts"] == sorted([one.id, two.id])


def test_linking_an_account_rekeys_the_case_and_future_reports_match(session, clock):
    account = make_account(session, clock, name="Quiet Holdings")
    case = cases.file_report(session, clock=clock, report=make_report(session, clock), actor="intake")
    linked = cases.link_account(session, clock=clock, case=case.reference, account_id=account.id, officer="olivia")
    assert linked.id == case.id and linked.sender_key == f"account:{account.id}" and linked.account_id == account.id
    assert session.scalar(select(SenderAlias.value).where(SenderAlias.account_id == account.id)) == "31112222"
    later = cases.file_report(session, clock=clock, report=make_report(session, clock), actor="intake")
    assert later.id == case.id
    assert _events(session, case, "sender-linked")[0].details["previous_key"] == "number:31112222"


def test_linking_to_an_account_with_an_open_case_merges_and_closes_this_one(session, clock):
    account = make_account(session, clock, name="Merge Target Ltd")
    target = cases.file_report(session, clock=clock, report=make_report(
        session, clock, sender_identification="Merge Target Ltd"), actor="intake")
    stray = cases.file_report(session, clock=clock, report=make_report(
        session, clock, sender_identification="6000 1234"), actor="intake")
    result = cases.link_account(session, clock=clock, case=stray, account_id=account.id, officer="olivia")
    assert result.id == target.id
    assert session.scalar(select(func.count()).select_from(Report).where(Report.case_id == target.id)) == 2
    assert (stray.state, stray.open_key) == ("closed", None)
    assert _events(session, stray, "note")[0].details["merged_into"] == target.reference
    with pytest.raises(StepRefused):
        cases.link_account(session, clock=clock, case=stray, account_id=account.id, officer="olivia")


def test_a_seed_number_hit_opens_the_accounts_case_with_its_download_log(session, clock):
    account = make_account(session, clock, name="Leaky Lists Ltd")
    seed = SeedNumber(number="51234567", operator="op", kind="mobile", state="assigned", imported_by="olivia",
                      imported_at=clock.now())
    session.add(seed)
    session.flush()
    assignment = SeedAssignment(seed_id=seed.id, account_id=account.id, register="sms",
                                listed_on=dt.date(2025, 5, 1), assigned_at=clock.now() - dt.timedelta(days=30))
    session.add(assignment)
    for days, address in ((40, "10.0.0.1"), (20, "10.0.0.2"), (10, "10.0.0.3")):
        session.add(SenderDownload(account_id=account.id, register="sms", publication_date=clock.now().date(),
                                   file_name=f"sms-{days}.zip", api_key_id=None, client_address=address,
                                   downloaded_at=clock.now() - dt.timedelta(days=days)))
    session.flush()
    report = make_report(session, clock, receiving_number="51234567", sender_identification="Unknown Promo")
    case = cases.open_seed_case(session, clock=clock, report=report, assignment=assignment, actor="intake")
    assert (case.origin, case.account_id, report.case_id) == ("seed-number", account.id, case.id)
    [hit] = _events(session, case, "seed-hit")
    log = hit.details["download_log"]
    assert log["count"] == 2 and log["addresses"] == ["10.0.0.2", "10.0.0.3"]
    assert hit.details["seed_number"] == "51234567" and hit.details["report"] == report.reference


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_first_reports_at_once_make_one_case(runtime, clock):
    factory = runtime.session_factory
    with factory() as setup:
        first, second = (make_report(setup, clock, message_text=f"race {i}") for i in range(2))
        ids = (first.id, second.id)
        setup.commit()
    barrier = threading.Barrier(2)
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def file(report_id: int) -> None:
        try:
            with factory() as session:
                report = session.get(Report, report_id)
                barrier.wait(timeout=10)
                case = cases.file_report(session, clock=FixedClock(clock.now()), report=report, actor="intake")
                session.commit()
                results[report_id] = case.reference
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=file, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert len(set(results.values())) == 1
    with factory() as check:
        assert check.scalar(select(func.count()).select_from(Case)) == 1
        assert {r.case_id for r in check.scalars(select(Report))} == {check.scalar(select(Case.id))}
