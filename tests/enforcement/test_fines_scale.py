"""The fine scale: the row in force on a day, revisions as new rows from today on, and their effect on
referrals made after (not before) them."""

from __future__ import annotations

import datetime as dt

import pytest

from telreg.core.audit import history
from telreg.core.errors import InvalidInput
from telreg.enforcement import cases, fines, notices
from telreg.enforcement.errors import StepRefused
from tests.enforcement.helpers import make_report


def test_the_starting_scale_is_in_force(session, clock):
    scale = fines.scale_on(session, clock.now().date())
    assert {k: v.amount_cents for k, v in scale.items()} == {
        "notice-first": 100_000_00, "notice-subsequent": 500_000_00, "notice-continuing": 1_000_00,
        "register-misuse": 1_000_000_00}
    assert fines.rate_on(session, "notice-first", dt.date(2007, 12, 21)) is None


def test_a_revision_is_a_new_row_from_today_or_later(session, clock):
    today = clock.now().date()
    with pytest.raises(InvalidInput):
        fines.add_rate(session, clock=clock, offence="notice-first", amount_cents=1, legal_reference="x",
                       effective_from=today - dt.timedelta(days=1), officer="olivia")
    with pytest.raises(InvalidInput):
        fines.add_rate(session, clock=clock, offence="speeding", amount_cents=1, legal_reference="x",
                       effective_from=today, officer="olivia")
    with pytest.raises(InvalidInput):
        fines.add_rate(session, clock=clock, offence="notice-first", amount_cents=0, legal_reference="x",
                       effective_from=today, officer="olivia")
    row = fines.add_rate(session, clock=clock, offence="notice-continuing", amount_cents=2_000_00, officer="olivia",
                         effective_from=today + dt.timedelta(days=10), legal_reference="Cap. 593 as amended")
    assert row.unit == "per-day"
    with pytest.raises(StepRefused):
        fines.add_rate(session, clock=clock, offence="notice-continuing", amount_cents=3_000_00, officer="olivia",
                       effective_from=today + dt.timedelta(days=10), legal_reference="again")
    assert fines.rate_on(session, "notice-continuing", today + dt.timedelta(days=9)).amount_cents == 1_000_00
    assert fines.rate_on(session, "notice-continuing", today + dt.timedelta(days=10)).amount_cents == 2_000_00
    assert len([r for r in fines.list_rates(session) if r.offence == "notice-continuing"]) == 2
    assert history(session, subject_type="enforcement-fine-scale", subject_key="notice-continuing")


def _breached(session, clock, settings, sender):
    case = cases.file_report(session, clock=clock, report=make_report(session, clock, sender_identification=sender),
                             actor="intake")
    cases.open_investigation(session, clock=clock, case=case, officer="olivia")
    cases.decide(session, clock=clock, case=case, officer="olivia", decision="enforcement-notice", reason="r")
    notice = notices.issue_notice(session, clock=clock, settings=settings, case=case, officer="olivia",
                                  deadline=clock.now().date() + dt.timedelta(days=7))
    notices.serve_notice(session, clock=clock, notice=notice, officer="olivia", method="post")
    return notice


def test_a_revision_changes_referrals_after_its_date_and_not_before(session, clock, settings):
    start = clock.now()
    before, after = _breached(session, clock, settings, "1111 1111"), _breached(session, clock, settings, "2222 2222")
    fines.add_rate(session, clock=clock, offence="notice-subsequent", amount_cents=600_000_00, officer="olivia",
                   effective_from=start.date() + dt.timedelta(days=20), legal_reference="Revised by Cap. 593A")
    clock.set(start + dt.timedelta(days=8))
    for notice, sender in ((before, "1111 1111"), (after, "2222 2222")):
        cases.file_report(session, clock=clock, report=make_report(session, clock, sender_identification=sender),
                          actor="intake")
        notices.check_compliance(session, clock=clock, notice=notice, officer="olivia")
    notices.refer(session, clock=clock, notice=before, officer="olivia", prior_convictions=2, reason="r")
    clock.set(start + dt.timedelta(days=21))
    notices.refer(session, clock=clock, notice=after, officer="olivia", prior_convictions=1, reason="r")
    assert before.referral["fine_cents"] == 500_000_00 and before.referral["conviction"] == "subsequent"
    assert after.referral["fine_cents"] == 600_000_00
    assert after.referral["fine"]["legal_reference"] == "Revised by Cap. 593A"
    assert after.referral["continuing"]["days"] == 14
