"""Issue 14: the lockout holds under concurrency — of any number of simultaneous guesses exactly MAX are checked.

Twenty threads, each its own session and transaction (real commits), try wrong secrets at once; then the right
secret comes and must be refused. Each secret comparison is counted by wrapping ``passwords.matches``. Runs on
SQLite and PostgreSQL (on SQLite BEGIN IMMEDIATE serialises the writers; on PostgreSQL only the row lock does).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from telreg.core import audit, passwords, users
from telreg.core.db import unit_of_work
from telreg.core.models import User
from telreg.runtime import Runtime
from telreg.senders import signin
from telreg.senders.models import SenderAccount
from tests.senders.helpers import make_active
from tests.senders.helpers import make_officer as make_sender_officer
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, make_officer

THREADS = 20
NEW_PASSWORD = "a brand new pass phrase"


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every secret comparison (argon2 verify) made while the test runs."""
    counted: list[int] = []
    lock = threading.Lock()
    real = passwords.matches

    def counting(stored: str, secret: str) -> bool:
        with lock:
            counted.append(1)
        return real(stored, secret)

    monkeypatch.setattr(passwords, "matches", counting)
    return counted


def _at_once(runtime: Runtime, attempt: Callable[[Any, int], Any]) -> list[Any]:
    barrier = threading.Barrier(THREADS)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            with unit_of_work(runtime.session_factory) as session:  # each guess is its own request
                results.append(attempt(session, n))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(results) == THREADS
    return results


def test_staff_twenty_wrong_passwords_at_once_check_exactly_five(runtime: Runtime, checks: list[int]) -> None:
    make_officer(runtime)

    outcomes = _at_once(runtime, lambda session, n: users.authenticate(
        session, clock=runtime.clock, username=OFFICER, password=f"wrong {n}", settings=runtime.settings))

    assert not any(outcome.ok for outcome in outcomes)
    assert len(checks) == users.MAX_FAILED_LOGINS  # the other fifteen were refused unchecked
    with unit_of_work(runtime.session_factory) as session:
        right = users.authenticate(session, clock=runtime.clock, username=OFFICER, password=OFFICER_PASSWORD,
                                   settings=runtime.settings)
    assert not right.ok and right.locked and "locked until 10:15" in right.message
    assert len(checks) == users.MAX_FAILED_LOGINS  # not even the right password was checked
    with unit_of_work(runtime.session_factory) as session:
        user = users.get_user(session, OFFICER)
        assert user.failed_logins == users.MAX_FAILED_LOGINS
        actions = [e.action for e in audit.history(session, subject_type="user", subject_key=OFFICER)]
    assert actions.count("user-locked") == 1
    assert actions.count("user-login-failed") == THREADS + 1


def test_staff_right_password_racing_wrong_ones_is_never_checked_beyond_the_limit(
        runtime: Runtime, checks: list[int]) -> None:
    make_officer(runtime)

    outcomes = _at_once(runtime, lambda session, n: users.authenticate(
        session, clock=runtime.clock, username=OFFICER, password=OFFICER_PASSWORD if n == 0 else f"wrong {n}",
        settings=runtime.settings))

    # However the race went, at most MAX secrets were compared before the account locked; the right one either
    # got in within those (and cleared the count) or was refused unchecked / refused because the lock came first.
    signed_in = [o for o in outcomes if o.ok]
    assert len(signed_in) <= 1
    assert len(checks) <= users.MAX_FAILED_LOGINS * (1 + len(signed_in))
    with unit_of_work(runtime.session_factory) as session:
        user = session.query(User).filter_by(username=OFFICER).one()
        assert user.failed_logins <= users.MAX_FAILED_LOGINS


def _sender(runtime: Runtime) -> int:
    with unit_of_work(runtime.session_factory) as session:
        make_sender_officer(session, runtime.clock)
        return int(make_active(session, runtime).id)


def test_sender_twenty_wrong_passwords_at_once_check_exactly_five(runtime: Runtime, checks: list[int]) -> None:
    account_id = _sender(runtime)
    checks.clear()

    results = _at_once(runtime, lambda session, n: signin.log_in(
        session, clock=runtime.clock, settings=runtime.settings, username="chan.taiman", password=f"wrong {n}"))

    assert sorted(r.error.code for r in results).count("login_failed") == signin.MAX_FAILURES - 1
    assert len(checks) == signin.MAX_FAILURES
    with unit_of_work(runtime.session_factory) as session:
        right = signin.log_in(session, clock=runtime.clock, settings=runtime.settings, username="chan.taiman",
                              password="a long pass phrase")
    assert right.error is not None and right.error.code == "account_locked"
    assert len(checks) == signin.MAX_FAILURES
    with unit_of_work(runtime.session_factory) as session:
        row = session.get(SenderAccount, account_id)
        assert row.failed_logins == signin.MAX_FAILURES and row.locked_until is not None
        actions = [e.action for e in audit.history(session, subject_type="sender", subject_key=str(account_id))]
    assert actions.count("sender-locked") == 1
    assert actions.count("sender-login-failed") == signin.MAX_FAILURES


def test_sender_twenty_wrong_security_answers_at_once_check_exactly_five(runtime: Runtime, checks: list[int]) -> None:
    account_id = _sender(runtime)
    checks.clear()

    results = _at_once(runtime, lambda session, n: signin.reset_with_security_answer(
        session, clock=runtime.clock, settings=runtime.settings, username="chan.taiman", answer=f"St. John's {n}",
        new_password=NEW_PASSWORD))

    assert all(r.error is not None for r in results)
    assert len(checks) == signin.MAX_FAILURES
    with unit_of_work(runtime.session_factory) as session:
        right = signin.reset_with_security_answer(session, clock=runtime.clock, settings=runtime.settings,
                                                  username="chan.taiman", answer="St. Paul's",
                                                  new_password=NEW_PASSWORD)
    assert right.error is not None and right.error.code == "account_locked"
    assert len(checks) == signin.MAX_FAILURES
    with unit_of_work(runtime.session_factory) as session:
        assert session.get(SenderAccount, account_id).failed_logins == signin.MAX_FAILURES


def test_sender_one_time_password_guesses_at_once_check_exactly_five(runtime: Runtime, checks: list[int]) -> None:
    account_id = _sender(runtime)
    with unit_of_work(runtime.session_factory) as session:
        otp = signin.issue_one_time_password(session, clock=runtime.clock, settings=runtime.settings,
                                             account_id=account_id, officer="olivia")
    checks.clear()

    _at_once(runtime, lambda session, n: signin.log_in(
        session, clock=runtime.clock, settings=runtime.settings, username="chan.taiman", password=f"ABCD-EFGH-{n:04d}"))

    assert len(checks) == signin.MAX_FAILURES
    with unit_of_work(runtime.session_factory) as session:
        right = signin.log_in(session, clock=runtime.clock, settings=runtime.settings, username="chan.taiman",
                              password=otp)
    assert right.error is not None and right.error.code == "account_locked"
