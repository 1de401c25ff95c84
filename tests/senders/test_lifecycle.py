import datetime as dt

import pytest

from telreg.core import audit, mail
from telreg.core.clock import HK
from telreg.senders import lifecycle, profile, renewals, repository
from telreg.senders.errors import AccountCancelled, DuplicatePayment, OrderNotPayable, RegisterNotHeld, RenewalPending
from telreg.senders.jobs import run_daily
from telreg.senders.vocabulary import AccountState, Plan, Register

from .helpers import apply, make_active, make_officer, pay


def _on(clock, day):
    clock.set(dt.datetime.combine(day, dt.time(10, 0), tzinfo=HK))


def _access(session, runtime, account):
    return lifecycle.access(session, clock=runtime.clock, settings=runtime.settings, account_id=account.id)


def _renew(session, runtime, account, plans):
    return renewals.request_renewal(session, clock=runtime.clock, settings=runtime.settings, account_id=account.id,
                                    plans=plans, actor="sender")


def _periods(session, account, register="sms"):
    return [(p.starts_on, p.ends_on) for p in repository.subscriptions(session, account.id) if p.register == register]


def test_expiry_grace_and_cancellation_follow_the_dates(session, runtime, clock):
    make_officer(session, clock)
    account = make_active(session, runtime)  # sms, 12 months from 2026-03-02
    _on(clock, dt.date(2027, 3, 1))
    assert _access(session, runtime, account).registers == {"sms"}
    _on(clock, dt.date(2027, 3, 2))  # the expiry date: not covered any more
    grace = _access(session, runtime, account)
    assert grace.state is AccountState.expired and grace.can_log_in and grace.registers == frozenset()
    assert "renew before 2027-05-02" in grace.reason
    _on(clock, dt.date(2027, 5, 1))
    assert _access(session, runtime, account).can_log_in
    _on(clock, dt.date(2027, 5, 2))
    cancelled = _access(session, runtime, account)
    assert cancelled.state is AccountState.cancelled and not cancelled.can_log_in


def test_the_daily_run_records_state_changes_once(session, runtime, clock):
    make_officer(session, clock)
    account = make_active(session, runtime)
    _on(clock, dt.date(2027, 3, 2))
    assert run_daily(session, clock=clock, settings=runtime.settings)["state_changes"] == {"expired": 1}
    assert run_daily(session, clock=clock, settings=runtime.settings)["state_changes"] == {}
    assert account.state == "expired"
    _on(clock, dt.date(2027, 5, 2))
    assert run_daily(session, clock=clock, settings=runtime.settings)["state_changes"] == {"cancelled": 1}
    assert account.login_name is None and account.username == "chan.taiman"
    actions = [e.action for e in audit.history(session, subject_type="sender", subject_key=str(account.id))]
    assert actions[-2:] == ["sender-account-expired", "sender-account-cancelled"]
    subjects = [m.subject for m in mail.outbox(session, to="chan@example.com")]
    assert "Do-not-call Registers: your subscription has expired" in subjects
    assert subjects[-1] == "Do-not-call Registers: your subscription account is cancelled"


def test_early_renewal_starts_at_the_old_expiry_without_overlap(session, runtime, clock):
    make_officer(session, clock)
    account = make_active(session, runtime)
    _on(clock, dt.date(2026, 11, 20))
    order = _renew(session, runtime, account, {Register.sms: Plan.three_months})
    assert order.total_cents == 42_500
    pay(session, runtime, order, reference="PPS-1")
    assert _periods(session, account) == [(dt.date(2026, 3, 2), dt.date(2027, 3, 2)),
                                          (dt.date(2027, 3, 2), dt.date(2027, 6, 2))]
    assert _access(session, runtime, account).held["sms"].expires_on == dt.date(2027, 6, 2)


def test_renewal_paid_in_grace_closes_the_gap(session, runtime, clock):
    make_officer(session, clock)
    account = make_active(session, runtime)
    _on(clock, dt.date(2027, 4, 10))
    run_daily(session, clock=clock, settings=runtime.settings)
    assert account.state == "expired"
    order = _renew(session, runtime, account, {Register.sms: Plan.twelve_months})
    pay(session, runtime, order, reference="PPS-2")
    assert _periods(session, account)[-1] == (dt.date(2027, 3, 2), dt.date(2028, 3, 2))
    assert account.state == "active"
    assert _access(session, runtime, account).registers == {"sms"}


def test_a_renewal_paid_twice_extends_once(session, runtime, clock):
    make_officer(session, clock)
    account = make_active(session, runtime)
    order = _renew(session, runtime, account, {Register.sms: Plan.twelve_months})
    pay(session, runtime, order, reference="CHQ-900")
    with pytest.raises(DuplicatePayment):
        pay(session, runtime, order, reference="CHQ-900", amount_cents=order.total_cents)
    with pytest.raises(OrderNotPayable, match="already paid in full"):
        pay(session, runtime, order, reference="CHQ-901", amount_cents=order.total_cents)
    assert len(_periods(session, account)) == 2
    assert _access(session, runtime, account).held["sms"].expires_on == dt.date(2028, 3, 2)


def test_renewal_mistakes_are_explained(session, runtime, clock):
    make_officer(session, clock)
    account = make_active(session, runtime)
    with pytest.raises(RegisterNotHeld, match="does not subscribe to the fax register"):
        _renew(session, runtime, account, {Register.fax: Plan.twelve_months})
    first = _renew(session, runtime, account, {Register.sms: Plan.twelve_months})
    with pytest.raises(RenewalPending, match=f"Renewal order {first.id}"):
        _renew(session, runtime, account, {Register.sms: Plan.three_months})
    renewals.cancel_renewal(session, clock=clock, account_id=account.id, order_id=first.id, actor="sender")
    assert first.state == "void"
    _renew(session, runtime, account, {Register.sms: Plan.three_months})


def test_a_cancelled_account_cannot_renew_or_pay_and_frees_its_username(session, runtime, clock):
    make_officer(session, clock)
    account = make_active(session, runtime)
    _on(clock, dt.date(2027, 4, 1))
    order = _renew(session, runtime, account, {Register.sms: Plan.twelve_months})
    _on(clock, dt.date(2027, 5, 3))
    with pytest.raises(AccountCancelled, match="apply again"), session.begin_nested():
        _renew(session, runtime, account, {Register.sms: Plan.twelve_months})
    with pytest.raises(AccountCancelled), session.begin_nested():
        pay(session, runtime, order, reference="LATE-1")
    again = apply(session, runtime)  # same username: the old account is settled as cancelled on the way
    assert again.id != account.id and again.login_name == "chan.taiman"
    session.refresh(account)
    assert account.state == "cancelled" and account.login_name is None
    assert order.state == "void"


def test_the_profile_shows_expiry_and_priced_renewal_options(session, runtime, clock):
    make_officer(session, clock)
    account = make_active(session, runtime, plans={Register.fax: Plan.three_months, Register.sms: Plan.twelve_months})
    data = profile.profile(session, clock=clock, settings=runtime.settings, account_id=account.id)
    by_register = {r["register"]: r for r in data["registers"]}
    assert by_register["fax"]["expires_on"] == "2026-06-02"
    assert by_register["sms"]["expires_on"] == "2027-03-02"
    options = {o["plan"]: o for o in by_register["fax"]["renewal_options"]}
    assert options["12-months"] == {"plan": "12-months", "fee_cents": 160_000, "fee": "HK$1,600.00",
                                    "starts_on": "2026-06-02", "expires_on": "2027-06-02"}
    assert options["3-months"]["expires_on"] == "2026-09-02"
    # A lapsed register of a live account starts again on the day it is paid.
    _on(clock, dt.date(2026, 8, 3))
    data = profile.profile(session, clock=clock, settings=runtime.settings, account_id=account.id)
    fax = next(r for r in data["registers"] if r["register"] == "fax")
    assert fax["status"] == "lapsed" and fax["renewal_options"][0]["starts_on"] == "2026-08-03"
