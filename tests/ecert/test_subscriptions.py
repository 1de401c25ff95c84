"""Subscriptions separate from validity, on SQLite and PostgreSQL: the start (unpaid, or free under a free-use
rule such as the 2007 Smart ID one), payments at the fee in force, reminders through the mail outbox, the hold on
lapse and its release on payment — and never the release of a hold an officer placed for another cause."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from telreg.config import Settings
from telreg.core import jobs, mail
from telreg.core.audit import history
from telreg.core.clock import HK, FixedClock, to_hk, today
from telreg.core.db import unit_of_work
from telreg.core.errors import Conflict, InvalidInput
from telreg.core.models import Job
from telreg.ecert import fees, revocation, subscription_jobs, subscriptions
from telreg.ecert.models import Certificate, StatusEvent
from telreg.ecert.subscription_jobs import DAILY_JOB, ensure_daily_job
from telreg.ecert.subscription_models import EcertPayment, EcertSubscription
from telreg.runtime import Runtime
from tests.senders.conftest import SmtpSink, _free_port
from tests.web.conftest import make_officer

EMAIL = "chan.taiman@example.test"
OFFICER = "staff:ca.wong"


@pytest.fixture
def smtp_port() -> int:
    return _free_port()


@pytest.fixture
def settings(settings: Settings, smtp_port: int) -> Settings:
    # Mail goes to a loopback port of this test's own: a real server there only when a test asks for ``smtp``.
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_timeout_seconds": 5.0,
                                       "smtp_from": "e-Cert <ecert@test.invalid>"})


@pytest.fixture
def smtp(smtp_port: int) -> Any:
    sink = SmtpSink(smtp_port)
    sink.start()
    yield sink
    sink.stop()


# ---- helpers (the API and fee tests use them too) -------------------------------------------------------------------

def make_ca_officer(runtime: Runtime, username: str = "ca.wong") -> str:
    return make_officer(runtime, username=username, roles=("ca-officer",))


def make_certificate(runtime: Runtime, *, profile: str = "personal", issued_at: dt.datetime | None = None,
                     years: int = 3, email: str | None = EMAIL, renewal_of_id: int | None = None) -> tuple[int, str]:
    """Record a signed subscriber certificate (the row only: subscriptions never read the DER) and start its
    subscription as the lifecycle does right after issuing; return (id, serial)."""
    issued = to_hk(issued_at) if issued_at is not None else runtime.clock.now()
    not_after = issued.replace(year=issued.year + years)
    serial = secrets.token_hex(16)
    with unit_of_work(runtime.session_factory) as session:
        row = Certificate(serial=serial, profile=profile, subject_kind="person", subject="CN=CHAN Tai Man",
                          key_origin="csr", key_algorithm="ec-p256", public_key_sha256=secrets.token_hex(32),
                          fingerprint_sha256=secrets.token_hex(32), der=b"0", not_before=issued, not_after=not_after,
                          state="good", issued_at=issued, issued_by="staff:ca.wong", status_changed_at=issued,
                          created_at=issued, renewal_of_id=renewal_of_id)
        session.add(row)
        session.flush()
        subscriptions.start_subscription(session, clock=FixedClock(issued), settings=runtime.settings,
                                         certificate=row, email=email)
        return row.id, serial


def subscription(runtime: Runtime, certificate_id: int) -> EcertSubscription:
    with unit_of_work(runtime.session_factory) as session:
        return subscriptions.subscription_of(session, certificate_id)


def certificate(runtime: Runtime, certificate_id: int) -> Certificate:
    with unit_of_work(runtime.session_factory) as session:
        return session.get_one(Certificate, certificate_id)


def pay(runtime: Runtime, certificate_id: int, *, years: int = 1, cents: int | None = None, method: str = "cash",
        reference: str | None = None) -> subscriptions.PaymentOutcome:
    with unit_of_work(runtime.session_factory) as session:
        return subscriptions.record_payment(
            session, clock=runtime.clock, settings=runtime.settings, certificate_id=certificate_id, years=years,
            amount_cents=5_000 * years if cents is None else cents, method=method, reference=reference,
            actor=OFFICER)


def run_daily(runtime: Runtime) -> dict[str, int]:
    with unit_of_work(runtime.session_factory) as session:
        return subscription_jobs.run_daily(session, clock=runtime.clock, settings=runtime.settings)


def status_events(runtime: Runtime, certificate_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    with unit_of_work(runtime.session_factory) as session:
        rows = session.scalars(select(StatusEvent).where(StatusEvent.certificate_id == certificate_id)
                               .order_by(StatusEvent.id))
        return [(e.action, e.actor, e.details) for e in rows]


def reminders(runtime: Runtime) -> list[mail.OutboxMessage]:
    with unit_of_work(runtime.session_factory) as session:
        return list(session.scalars(select(mail.OutboxMessage).where(mail.OutboxMessage.key.like("ecert:%"))
                                    .order_by(mail.OutboxMessage.id)))


def at(clock: FixedClock, day: dt.date, hour: int = 0, minute: int = 30) -> None:
    clock.set(dt.datetime.combine(day, dt.time(hour, minute), HK))


# ---- start ------------------------------------------------------------------------------------------------------

def test_a_new_subscription_is_due_at_issuance(runtime: Runtime, clock: FixedClock) -> None:
    cert_id, serial = make_certificate(runtime)
    sub = subscription(runtime, cert_id)
    issued_on = today(clock)
    assert sub.started_on == issued_on
    assert sub.paid_until == issued_on - dt.timedelta(days=1)  # the first year is paid at the counter
    assert sub.ends_on == dt.date(issued_on.year + 3, issued_on.month, issued_on.day) - dt.timedelta(days=1)
    assert sub.free_until is None
    with unit_of_work(runtime.session_factory) as session:
        view = subscriptions.subscription_view(session, clock=clock, settings=runtime.settings, serial=serial)
        started = history(session, subject_type="ecert_certificate", subject_key=serial)
    assert view["status"] == "lapsed" and view["years_to_end"] == 3 and view["annual_fee"] == "HK$50.00"
    assert view["email"] == "c**********@example.test"  # masked for the CA's staff
    assert [e.action for e in started] == ["ecert.subscription-started"]
    assert EMAIL not in str(started[0].details)
    # Started twice (a retried issuance): the same subscription.
    with unit_of_work(runtime.session_factory) as session:
        row = session.get_one(Certificate, cert_id)
        assert subscriptions.start_subscription(session, clock=clock, settings=runtime.settings, certificate=row,
                                                email=None) == sub.paid_until
        assert session.scalar(select(func.count()).select_from(EcertSubscription)) == 1


def test_the_2007_smart_id_rule_frees_certificates_issued_on_or_before_31_march_2007(
        runtime: Runtime, clock: FixedClock) -> None:
    with unit_of_work(runtime.session_factory) as session:
        fees.add_free_period(session, clock=clock, profile="smart-id", kind="validity",
                             issued_until=dt.date(2007, 3, 31), note="Smart ID e-Cert offer (seed 002 Q9)",
                             actor=OFFICER)
    on_the_day, _ = make_certificate(runtime, profile="smart-id", issued_at=dt.datetime(2007, 3, 31, 16, 0))
    earlier, _ = make_certificate(runtime, profile="smart-id", issued_at=dt.datetime(2006, 1, 9, 10, 0))
    the_day_after, _ = make_certificate(runtime, profile="smart-id", issued_at=dt.datetime(2007, 4, 1, 10, 0))
    personal, _ = make_certificate(runtime, profile="personal", issued_at=dt.datetime(2007, 3, 31, 10, 0))
    free = subscription(runtime, on_the_day)
    assert free.free_until == free.paid_until == free.ends_on == dt.date(2010, 3, 30)  # to the validity's end
    assert subscription(runtime, earlier).paid_until == dt.date(2009, 1, 8)
    paid = subscription(runtime, the_day_after)
    assert paid.free_until is None and paid.paid_until == dt.date(2007, 3, 31)  # HK$50 a year from issue
    assert subscription(runtime, personal).free_until is None  # another profile
    # A free subscription needs nothing: no payment, no reminder, no hold, for the whole validity.
    at(clock, dt.date(2010, 3, 1))
    assert run_daily(runtime) == {"reminded": 0, "held": 2}  # the two never paid for
    assert certificate(runtime, on_the_day).state == certificate(runtime, earlier).state == "good"
    assert certificate(runtime, the_day_after).state == certificate(runtime, personal).state == "hold"
    with pytest.raises(subscriptions.NothingDue):
        pay(runtime, on_the_day)


def test_a_months_rule_frees_the_first_months_and_the_most_generous_rule_wins(
        runtime: Runtime, clock: FixedClock) -> None:
    with unit_of_work(runtime.session_factory) as session:
        fees.add_free_period(session, clock=clock, profile="*", kind="months", months=6, actor=OFFICER)
        fees.add_free_period(session, clock=clock, profile="organisational", kind="months", months=12, actor=OFFICER)
    personal, _ = make_certificate(runtime, issued_at=dt.datetime(2026, 3, 2, 10, 0))
    organisational, _ = make_certificate(runtime, profile="organisational", issued_at=dt.datetime(2026, 3, 2, 10, 0))
    assert subscription(runtime, personal).paid_until == dt.date(2026, 9, 1)
    assert subscription(runtime, organisational).paid_until == dt.date(2027, 3, 1)
    # After the free months, whole years follow on.
    assert pay(runtime, personal).subscription.paid_until == dt.date(2027, 9, 1)


def test_a_renewal_carries_over_what_was_paid_for_the_certificate_it_replaces(
        runtime: Runtime, clock: FixedClock) -> None:
    old, _ = make_certificate(runtime)
    pay(runtime, old, years=2)  # paid until 2028-03-01
    renewed, _ = make_certificate(runtime, issued_at=dt.datetime(2027, 6, 1, 10, 0), renewal_of_id=old)
    assert subscription(runtime, renewed).paid_until == dt.date(2028, 3, 1)
    late, _ = make_certificate(runtime, issued_at=dt.datetime(2028, 6, 1, 10, 0), renewal_of_id=old)
    assert subscription(runtime, late).paid_until == dt.date(2028, 5, 31)  # nothing left to carry: due


# ---- payments ---------------------------------------------------------------------------------------------------

def test_a_payment_extends_by_whole_years_at_the_fee_in_force(runtime: Runtime, clock: FixedClock) -> None:
    cert_id, serial = make_certificate(runtime)
    outcome = pay(runtime, cert_id, reference="R-1")
    assert outcome.subscription.paid_until == dt.date(2027, 3, 1) and not outcome.released
    assert (outcome.payment.period_from, outcome.payment.period_until) == (dt.date(2026, 3, 2), dt.date(2027, 3, 1))
    with unit_of_work(runtime.session_factory) as session:
        fees.revise_fee(session, clock=clock, profile="*", amount_cents=6_000,
                        effective_from=dt.date(2026, 6, 1), actor=OFFICER)
    clock.set(dt.datetime(2026, 6, 1, 10, 0))
    with pytest.raises(subscriptions.WrongAmount):
        pay(runtime, cert_id, years=2, cents=10_000)  # the old fee
    assert pay(runtime, cert_id, years=2, cents=12_000).subscription.paid_until == dt.date(2029, 3, 1)
    with pytest.raises(subscriptions.NothingDue):  # paid to the end of the validity
        pay(runtime, cert_id, cents=6_000)
    with unit_of_work(runtime.session_factory) as session:
        view = subscriptions.subscription_view(session, clock=clock, settings=runtime.settings, serial=serial)
        events = history(session, subject_type="ecert_certificate", subject_key=serial)
    assert view["status"] == "complete" and view["years_to_end"] == 0
    assert [(p["years"], p["amount"]) for p in view["payments"]] == [(1, "HK$50.00"), (2, "HK$120.00")]
    paid = [e for e in events if e.action == "ecert.subscription-paid"]
    assert [(e.actor, e.details["years"], e.details["amount_cents"]) for e in paid] == [
        (OFFICER, 1, 5_000), (OFFICER, 2, 12_000)]


def test_a_wrong_amount_is_refused_with_a_clear_message_and_nothing_recorded(runtime: Runtime) -> None:
    cert_id, serial = make_certificate(runtime)
    with pytest.raises(subscriptions.WrongAmount) as refused:
        pay(runtime, cert_id, years=2, cents=5_000, reference="R-9")
    assert refused.value.message == ("The subscription fee for 2 year(s) is HK$100.00 (HK$50.00 a year), but "
                                     "HK$50.00 was given; nothing was recorded.")
    assert refused.value.status_code == 422 and refused.value.code == "wrong_amount"
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(EcertPayment)) == 0
        assert [e.action for e in history(session, subject_type="ecert_certificate", subject_key=serial)] == [
            "ecert.subscription-started"]
    assert subscription(runtime, cert_id).paid_until == dt.date(2026, 3, 1)
    pay(runtime, cert_id, years=2, reference="R-9")  # the same receipt, now right
    with pytest.raises(Conflict):  # …and not twice
        pay(runtime, cert_id, years=1, reference="R-9")


@pytest.mark.parametrize(("years", "method"), [(0, "cash"), (11, "cash"), (4, "cash"), (1, "bitcoin")])
def test_bad_payments_are_refused(runtime: Runtime, years: int, method: str) -> None:
    cert_id, _ = make_certificate(runtime)
    with pytest.raises(InvalidInput):
        pay(runtime, cert_id, years=years, method=method)
    assert subscription(runtime, cert_id).paid_until == dt.date(2026, 3, 1)


def test_a_revoked_or_expired_certificate_takes_no_payment(runtime: Runtime, clock: FixedClock) -> None:
    revoked, _ = make_certificate(runtime)
    with unit_of_work(runtime.session_factory) as session:
        revocation.revoke(session, clock=clock, certificate=session.get_one(Certificate, revoked),
                          reason="keyCompromise", actor=OFFICER)
    with pytest.raises(subscriptions.SubscriptionEnded) as refused:
        pay(runtime, revoked)
    assert "revoked" in refused.value.message
    expired, _ = make_certificate(runtime, years=1)
    clock.set(dt.datetime(2027, 3, 3, 10, 0))
    with pytest.raises(subscriptions.SubscriptionEnded):
        pay(runtime, expired)
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(EcertPayment)) == 0
    # An ended subscription gets no reminder and no hold.
    assert run_daily(runtime) == {"reminded": 0, "held": 0}


# ---- the daily run: reminders, lapse, release ---------------------------------------------------------------------

def test_reminders_go_once_each_at_the_configured_days(runtime: Runtime, clock: FixedClock) -> None:
    assert runtime.settings.ecert_reminder_days == [30, 7]
    cert_id, serial = make_certificate(runtime)
    silent, _ = make_certificate(runtime, email=None)
    pay(runtime, cert_id)
    pay(runtime, silent)
    paid_until = dt.date(2027, 3, 1)
    at(clock, paid_until - dt.timedelta(days=31))
    assert run_daily(runtime) == {"reminded": 0, "held": 0}
    at(clock, paid_until - dt.timedelta(days=30))
    assert run_daily(runtime)["reminded"] == 1
    assert run_daily(runtime)["reminded"] == 0  # the same day again
    for day in range(29, 7, -1):  # every day until the next one
        at(clock, paid_until - dt.timedelta(days=day))
        assert run_daily(runtime)["reminded"] == 0
    at(clock, paid_until - dt.timedelta(days=7))
    assert run_daily(runtime)["reminded"] == 1
    at(clock, paid_until)
    assert run_daily(runtime) == {"reminded": 0, "held": 0}
    sent = reminders(runtime)
    sub_id = subscription(runtime, cert_id).id
    assert [m.key for m in sent] == [f"ecert:subscription:{sub_id}:reminder:2027-03-01:30",
                                     f"ecert:subscription:{sub_id}:reminder:2027-03-01:7"]
    assert {m.to_address for m in sent} == {EMAIL}
    assert all(m.state == "pending" for m in sent)
    assert sent[0].subject.startswith("Your e-Cert subscription is due for renewal")
    assert f"(serial number {serial}) is paid until 2027-03-01" in sent[0].body
    assert "HK$50.00" in sent[0].body and "suspended from 2027-03-02" in sent[0].body
    # Paying opens a new period, which has reminders of its own.
    pay(runtime, cert_id)
    at(clock, dt.date(2028, 3, 1) - dt.timedelta(days=30))
    assert run_daily(runtime)["reminded"] == 1
    assert reminders(runtime)[-1].key.endswith(":reminder:2028-03-01:30")


def test_a_missed_day_sends_the_latest_reminder_only(runtime: Runtime, clock: FixedClock) -> None:
    cert_id, _ = make_certificate(runtime)
    pay(runtime, cert_id)
    at(clock, dt.date(2027, 3, 1) - dt.timedelta(days=5))  # the worker was down from 31 to 6 days before
    assert run_daily(runtime)["reminded"] == 1
    assert [m.key.rsplit(":", 1)[1] for m in reminders(runtime)] == ["7"]


def test_reminders_are_delivered_over_smtp(runtime: Runtime, clock: FixedClock, smtp: Any) -> None:
    cert_id, serial = make_certificate(runtime)
    pay(runtime, cert_id)
    at(clock, dt.date(2027, 2, 22))
    run_daily(runtime)
    assert mail.deliver_due(runtime)["sent"] == 1
    [message] = smtp.to(EMAIL)
    assert str(message["Subject"]).startswith("Your e-Cert subscription is due for renewal")
    assert serial in message.get_content()


def test_a_lapse_holds_the_certificate_and_a_payment_releases_it(runtime: Runtime, clock: FixedClock) -> None:
    cert_id, serial = make_certificate(runtime)
    pay(runtime, cert_id)
    at(clock, dt.date(2027, 3, 1), hour=23, minute=59)  # the last paid day: still good
    assert run_daily(runtime)["held"] == 0
    at(clock, dt.date(2027, 3, 2))  # the day after paid_until
    assert run_daily(runtime) == {"reminded": 0, "held": 1}
    held = certificate(runtime, cert_id)
    assert held.state == "hold" and held.revocation_reason == "certificateHold"
    assert held.revoked_at == clock.now()
    assert status_events(runtime, cert_id) == [
        ("hold", "ecert.subscriptions", {"cause": "subscription_lapsed", "paid_until": "2027-03-01"})]
    with unit_of_work(runtime.session_factory) as session:
        changed = session.scalars(select(Job).where(Job.kind == revocation.STATUS_CHANGED_JOB)).all()
        assert [j.payload for j in changed] == [{"certificate_id": cert_id, "action": "hold"}]  # CRL and OCSP
        lapsed = subscriptions.list_subscriptions(session, clock=clock, settings=runtime.settings, which="lapsed")
    assert [(row["serial"], row["status"], row["held_for_lapse"]) for row in lapsed] == [(serial, "lapsed", True)]
    # The next days change nothing.
    clock.advance(days=1)
    assert run_daily(runtime) == {"reminded": 0, "held": 0}
    outcome = pay(runtime, cert_id)
    assert outcome.released and outcome.subscription.paid_until == dt.date(2028, 3, 1)
    released = certificate(runtime, cert_id)
    assert released.state == "good" and released.revoked_at is None and released.revocation_reason is None
    assert [e[0] for e in status_events(runtime, cert_id)] == ["hold", "release"]
    assert status_events(runtime, cert_id)[1][1:] == (
        OFFICER, {"cause": "subscription_paid", "payment_id": outcome.payment.id})
    assert run_daily(runtime) == {"reminded": 0, "held": 0}


def test_an_officers_hold_is_not_released_by_a_payment(runtime: Runtime, clock: FixedClock) -> None:
    cert_id, _ = make_certificate(runtime)
    pay(runtime, cert_id)
    with unit_of_work(runtime.session_factory) as session:
        revocation.hold(session, clock=clock, certificate=session.get_one(Certificate, cert_id), actor=OFFICER,
                        details={"cause": "suspected key compromise"})
    at(clock, dt.date(2027, 3, 5))  # lapsed while on the officer's hold: the run leaves it alone
    assert run_daily(runtime) == {"reminded": 0, "held": 0}
    outcome = pay(runtime, cert_id)
    assert not outcome.released
    assert certificate(runtime, cert_id).state == "hold"
    assert [e[0] for e in status_events(runtime, cert_id)] == ["hold"]


def test_a_payment_that_leaves_arrears_does_not_release(runtime: Runtime, clock: FixedClock) -> None:
    cert_id, _ = make_certificate(runtime)  # never paid: held the day after issue
    at(clock, dt.date(2026, 3, 3))
    assert run_daily(runtime)["held"] == 1
    at(clock, dt.date(2027, 3, 10))  # a year on, one year paid: still behind
    outcome = pay(runtime, cert_id)
    assert outcome.subscription.paid_until == dt.date(2027, 3, 1) and not outcome.released
    assert certificate(runtime, cert_id).state == "hold"
    assert pay(runtime, cert_id).released
    assert certificate(runtime, cert_id).state == "good"


def test_the_daily_job_runs_once_a_day_and_a_second_run_changes_nothing(runtime: Runtime, clock: FixedClock) -> None:
    from telreg.core.job_handlers import load_handlers

    load_handlers()  # what a worker does: the schedule and the handler are found there
    assert DAILY_JOB in jobs.SCHEDULES and DAILY_JOB in jobs.HANDLERS
    due, _ = make_certificate(runtime)
    lapsing, _ = make_certificate(runtime)
    pay(runtime, due)
    at(clock, dt.date(2027, 2, 1), hour=0, minute=0)
    with unit_of_work(runtime.session_factory) as session:
        pay_lapsing_until = subscriptions.subscription_of(session, lapsing).paid_until
        assert pay_lapsing_until < today(clock)
        ensure_daily_job(session, clock=clock, settings=runtime.settings)
        ensure_daily_job(session, clock=clock, settings=runtime.settings)
        [job] = session.scalars(select(Job).where(Job.kind == DAILY_JOB)).all()
        assert job.unique_key == "ecert.subscriptions:2027-02-01"
        assert job.run_at == dt.datetime(2027, 2, 1, 0, 30, tzinfo=HK)  # ecert_daily_at, HK time
    assert jobs.run_worker(runtime, once=True) >= 0
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalars(select(Job.status).where(Job.kind == DAILY_JOB)).one() == "queued"  # not yet due
    at(clock, dt.date(2027, 2, 1), hour=0, minute=31)
    jobs.run_worker(runtime, once=True)
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalars(select(Job.status).where(Job.kind == DAILY_JOB)).one() == "done"

    def snapshot() -> tuple[Any, ...]:
        with unit_of_work(runtime.session_factory) as session:
            return (session.scalar(select(func.count()).select_from(mail.OutboxMessage)),
                    session.scalar(select(func.count()).select_from(StatusEvent)),
                    tuple(session.scalars(select(Certificate.state).order_by(Certificate.id))))

    first = snapshot()
    assert first == (1, 1, ("good", "hold"))
    # The job again (a second worker, a re-run by hand): nothing more.
    with unit_of_work(runtime.session_factory) as session:
        jobs.enqueue(session, clock=clock, kind=DAILY_JOB, payload={"date": "2027-02-01"})
    jobs.run_worker(runtime, once=True)
    assert snapshot() == first


def test_concurrent_payments_extend_by_exactly_their_years(runtime: Runtime, clock: FixedClock) -> None:
    cert_id, _ = make_certificate(runtime, years=10)
    at(clock, dt.date(2026, 3, 10))
    assert run_daily(runtime)["held"] == 1  # so both payments race to release it too
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []
    years = [1, 2, 1, 3]

    def one(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            pay(runtime, cert_id, years=years[n], reference=f"R-{n}")
        except BaseException as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    sub = subscription(runtime, cert_id)
    assert sub.paid_until == dt.date(2033, 3, 1)  # 7 years from 2026-03-02
    with unit_of_work(runtime.session_factory) as session:
        payments = session.scalars(select(EcertPayment).order_by(EcertPayment.period_from)).all()
    assert sum(p.years for p in payments) == 7
    # The periods follow one another without gap or overlap.
    for before, after in itertools.pairwise(payments):
        assert after.period_from == before.period_until + dt.timedelta(days=1)
    assert certificate(runtime, cert_id).state == "good"
    assert [e[0] for e in status_events(runtime, cert_id)] == ["hold", "release"]  # released once


def test_two_daily_runs_at_once_hold_once_and_remind_once(runtime: Runtime, clock: FixedClock) -> None:
    lapsing, _ = make_certificate(runtime)
    due, _ = make_certificate(runtime)
    pay(runtime, due)
    at(clock, dt.date(2027, 2, 25))
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(run_daily(runtime))
        except BaseException as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(r["held"] for r in results) == 1
    assert [e[0] for e in status_events(runtime, lapsing)] == ["hold"]
    assert len(reminders(runtime)) == 1  # the outbox key: one message however the runs interleave
