"""Mail over real SMTP (aiosmtpd on loopback), driven by the real worker and the FixedClock."""

import datetime as dt

from telreg.core import jobs, mail
from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.senders import renewals, repository
from telreg.senders.vocabulary import Plan, Register

from .helpers import apply, make_active, make_officer, pay

REMINDER = "Do-not-call Registers: your subscription expires on"


def _work(runtime):
    return jobs.run_worker(runtime, once=True)


def _activate_quarterly(runtime):
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
        account = make_active(session, runtime, plans={Register.sms: Plan.three_months})
        return account.id


def _days(runtime, smtp, start, end):
    """Run the worker shortly after midnight of each day from start to end; return the reminders by day."""
    arrived = {}
    day = start
    while day <= end:
        runtime.clock.set(dt.datetime.combine(day, dt.time(0, 30), tzinfo=HK))
        before = len(smtp.messages)
        _work(runtime)
        new = [str(m["Subject"]) for m in smtp.messages[before:]]
        if new:
            arrived[day] = new
        day += dt.timedelta(days=1)
    return arrived


def test_the_application_and_activation_emails_arrive_over_smtp(runtime, smtp):
    _activate_quarterly(runtime)
    _work(runtime)
    assert smtp.subjects() == [
        "Do-not-call Registers: application received — documents and payment needed",
        "Do-not-call Registers: your subscription account is active",
    ]
    activation = smtp.messages[1]
    assert activation["To"] == "chan@example.com"
    assert activation["From"] == "DNC Registers <dnc@test.invalid>"
    assert "sms register: 2026-03-02 to 2026-06-02" in activation.get_content()
    _work(runtime)
    assert len(smtp.messages) == 2  # nothing is sent twice
    with unit_of_work(runtime.session_factory) as session:
        assert {m.state for m in mail.outbox(session)} == {"sent"}


def test_reminders_come_weekly_from_a_month_before_expiry_until_it(runtime, smtp):
    _activate_quarterly(runtime)  # expires at the start of 2026-06-02
    arrived = _days(runtime, smtp, dt.date(2026, 4, 25), dt.date(2026, 6, 12))
    reminders = {day: s for day, subjects in arrived.items() for s in subjects if s.startswith(REMINDER)}
    assert sorted(reminders) == [dt.date(2026, 5, 2), dt.date(2026, 5, 9), dt.date(2026, 5, 16),
                                 dt.date(2026, 5, 23), dt.date(2026, 5, 30)]
    assert set(reminders.values()) == {f"{REMINDER} 2026-06-02"}
    assert "Do-not-call Registers: your subscription has expired" in arrived[dt.date(2026, 6, 2)]


def test_no_reminder_after_renewal(runtime, smtp):
    account_id = _activate_quarterly(runtime)
    arrived = _days(runtime, smtp, dt.date(2026, 4, 28), dt.date(2026, 5, 10))
    assert [d for d, subjects in arrived.items() if any(s.startswith(REMINDER) for s in subjects)] == [
        dt.date(2026, 5, 2), dt.date(2026, 5, 9)]
    runtime.clock.set(dt.datetime(2026, 5, 10, 11, 0, tzinfo=HK))
    with unit_of_work(runtime.session_factory) as session:
        order = renewals.request_renewal(session, clock=runtime.clock, settings=runtime.settings,
                                         account_id=account_id, plans={Register.sms: Plan.three_months},
                                         actor="sender")
        pay(session, runtime, order, reference="PPS-RENEW")
    arrived = _days(runtime, smtp, dt.date(2026, 5, 11), dt.date(2026, 6, 20))
    subjects = [s for day in arrived.values() for s in day]
    assert "Do-not-call Registers: subscription renewed" in subjects
    assert not [s for s in subjects if s.startswith(REMINDER)]
    with unit_of_work(runtime.session_factory) as session:
        periods = repository.subscriptions(session, account_id)
        assert periods[-1].starts_on == dt.date(2026, 6, 2) and periods[-1].ends_on == dt.date(2026, 9, 2)


def test_a_message_is_retried_after_the_server_was_down_and_sent_once(runtime, smtp_down):
    with unit_of_work(runtime.session_factory) as session:
        apply(session, runtime)
    _work(runtime)  # connection refused
    with unit_of_work(runtime.session_factory) as session:
        [message] = mail.outbox(session)
        assert message.state == "pending" and message.attempts == 1
        assert "Refused" in message.last_error or "refused" in message.last_error
    smtp_down.start()
    _work(runtime)
    assert smtp_down.messages == []  # not due yet: the retry waits for its time
    runtime.clock.advance(minutes=2)
    _work(runtime)
    runtime.clock.advance(hours=3)
    _work(runtime)
    assert len(smtp_down.messages) == 1
    with unit_of_work(runtime.session_factory) as session:
        [message] = mail.outbox(session)
        assert message.state == "sent" and message.attempts == 2


def test_a_crash_after_the_server_accepted_resends_the_same_message_id(runtime, smtp):
    """At-least-once: a rollback after SMTP accepted leaves the message pending; the retry carries the same ID."""
    with unit_of_work(runtime.session_factory) as session:
        apply(session, runtime)
        message_id = mail.outbox(session)[0].id
    transport = mail.transport_for(runtime.settings)
    try:
        with unit_of_work(runtime.session_factory) as session:
            assert mail.deliver(session, clock=runtime.clock, settings=runtime.settings, transport=transport,
                                message_id=message_id) == "sent"
            raise RuntimeError("the worker died before committing")
    except RuntimeError:
        pass
    assert mail.deliver_due(runtime) == {"sent": 1}
    assert mail.deliver_due(runtime) == {}
    first, second = smtp.messages
    assert first["Message-ID"] == second["Message-ID"]


def test_a_permanent_refusal_is_parked_not_retried_and_can_be_requeued(runtime, smtp):
    smtp.refuse.add("chan@example.com")
    with unit_of_work(runtime.session_factory) as session:
        apply(session, runtime)
    _work(runtime)
    runtime.clock.advance(hours=2)
    _work(runtime)
    with unit_of_work(runtime.session_factory) as session:
        [message] = mail.outbox(session)
        assert message.state == "failed" and message.attempts == 1 and "550" in message.last_error
    smtp.refuse.clear()
    with unit_of_work(runtime.session_factory) as session:
        assert mail.requeue_failed(session, clock=runtime.clock) == 1
    _work(runtime)
    assert len(smtp.messages) == 1
