"""Logging: configured once (one key=value line per event, level from settings) by `telreg serve` and `telreg
worker`; worker jobs, outbox attempts and failures, and the demo adapters' sends are logged as events."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy.orm import Session

from telreg.core import audit, jobs, logs, mail
from telreg.core.db import unit_of_work
from telreg.core.logs import KeyValueFormatter, configure_logging
from telreg.core.notify import DemoLines, DemoSms
from telreg.runtime import Runtime


@pytest.fixture
def root_logging() -> Iterator[logging.Logger]:
    """Give configure_logging a root logger to change, and put the test run's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    # A test that ran `telreg worker` or `serve` earlier in this process installed the handler already; take it
    # off for this test, so configure_logging installs one on the test's own stream.
    for handler in handlers:
        if handler.get_name() == logs._HANDLER_NAME:
            root.removeHandler(handler)
    yield root
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("mail.log").setLevel(logging.NOTSET)


def _events(caplog: pytest.LogCaptureFixture, event: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == event]


def test_an_event_is_one_key_value_line(root_logging):
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    logging.getLogger("telreg.test").warning("mail %s parked", "k:1", extra={
        "event": "mail.parked", "to": "a@b.invalid", "error": 'refused "no"\nline two', "attempt": 3})
    [line] = stream.getvalue().splitlines()
    assert line.startswith("ts=")
    assert ' level=WARNING logger=telreg.test event=mail.parked msg="mail k:1 parked" ' in line
    assert 'to=a@b.invalid error="refused \\"no\\"\\nline two" attempt=3' in line


def test_configured_once_with_the_level_from_settings(root_logging):
    first = configure_logging("WARNING", stream=io.StringIO())
    again = configure_logging("DEBUG")
    assert first is again
    assert [h for h in root_logging.handlers if h.get_name() == "telreg"] == [first]
    assert root_logging.level == logging.DEBUG
    assert isinstance(first.formatter, KeyValueFormatter)
    with pytest.raises(ValueError, match="'LOUD' is not a log level"):
        configure_logging("LOUD")


def test_the_handler_writes_to_the_standard_error_of_the_moment(root_logging, capsys):
    configure_logging("INFO")
    logging.getLogger("telreg.test").info("hello", extra={"event": "test.hello"})
    assert "level=INFO logger=telreg.test event=test.hello msg=hello" in capsys.readouterr().err


def test_telreg_worker_configures_logging_from_settings(root_logging, cli, runtime):
    runtime.settings = runtime.settings.model_copy(update={"log_level": "WARNING"})
    code, out, _ = cli("worker", "--once")
    assert code == 0 and "ran 0 job(s)" in out
    assert [h.get_name() for h in root_logging.handlers].count("telreg") == 1
    assert root_logging.level == logging.WARNING


@jobs.handler("test.log.ok")
def _ok(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    pass


@jobs.handler("test.log.broken")
def _broken(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    raise RuntimeError("the handler broke")


def test_worker_jobs_are_logged(runtime, caplog):
    caplog.set_level(logging.INFO, logger="telreg.jobs")
    with unit_of_work(runtime.session_factory) as session:
        ok = jobs.enqueue(session, clock=runtime.clock, kind="test.log.ok", payload={}).id
        broken = jobs.enqueue(session, clock=runtime.clock, kind="test.log.broken", payload={}).id
    assert jobs.run_one(runtime, worker="w1", kinds=["test.log.ok"]).status == "done"
    assert jobs.run_one(runtime, worker="w1", kinds=["test.log.broken"]).status == "retry"

    started = _events(caplog, "job.started")
    assert [(r.job_id, r.kind, r.attempt) for r in started] == [(ok, "test.log.ok", 1),
                                                                  (broken, "test.log.broken", 1)]
    [finished] = _events(caplog, "job.finished")
    assert finished.job_id == ok and finished.levelno == logging.INFO and finished.seconds >= 0
    [failed] = _events(caplog, "job.failed")
    assert (failed.job_id, failed.levelno, failed.outcome, failed.error) == (
        broken, logging.WARNING, "retry", "RuntimeError")


class _Refusing:
    def send(self, message: EmailMessage) -> None:
        raise mail.TemporaryFailure("421 try again later")


class _Accepting:
    def send(self, message: EmailMessage) -> None:
        pass


def test_outbox_attempts_are_logged_and_repeated_failures_warn(runtime, caplog):
    caplog.set_level(logging.INFO, logger="telreg.mail")
    runtime.settings = runtime.settings.model_copy(update={"mail_warn_attempts": 3, "mail_max_attempts": 4})
    with unit_of_work(runtime.session_factory) as session:
        message_id = mail.enqueue(session, clock=runtime.clock, key="test:log:1", to="amy@example.com",
                                  subject="Hello", body="Body").id
    outcomes = []
    for _ in range(4):
        with unit_of_work(runtime.session_factory) as session:
            outcomes.append(mail.deliver(session, clock=runtime.clock, settings=runtime.settings,
                                         transport=_Refusing(), message_id=message_id))
    assert outcomes == ["retry", "retry", "retry", "failed"]

    attempts = _events(caplog, "mail.attempt_failed")
    assert [(r.attempt, r.levelno) for r in attempts] == [
        (1, logging.INFO), (2, logging.INFO), (3, logging.WARNING)]
    assert all(r.key == "test:log:1" and r.error == "421 try again later" for r in attempts)
    [parked] = _events(caplog, "mail.parked")
    assert (parked.attempt, parked.levelno) == (4, logging.WARNING)

    with unit_of_work(runtime.session_factory) as session:
        assert mail.requeue_failed(session, clock=runtime.clock, actor="officer") == 1
        assert mail.deliver(session, clock=runtime.clock, settings=runtime.settings, transport=_Accepting(),
                            message_id=message_id) == "sent"
    [requeued] = _events(caplog, "mail.requeued")
    assert (requeued.count, requeued.actor) == (1, "officer")
    with unit_of_work(runtime.session_factory) as session:  # an officer's requeue is on the record too
        [event] = audit.history(session, subject_type="mail_outbox", subject_key="failed")
        assert (event.actor, event.action, event.details["count"]) == ("officer", "mail.requeued", 1)
    [sent] = _events(caplog, "mail.sent")
    assert (sent.key, sent.to, sent.attempt, sent.levelno) == (
        "test:log:1", "amy@example.com", 5, logging.INFO)


def test_demo_adapters_log_what_they_send(caplog):
    caplog.set_level(logging.INFO, logger="telreg.notify")
    DemoSms(DemoLines()).send_sms("61234567", "Your code is 123456")
    [record] = [r for r in caplog.records if r.name == "telreg.notify"]
    assert record.getMessage() == "SMS to 61234567: Your code is 123456"
