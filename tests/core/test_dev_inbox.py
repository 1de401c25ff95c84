"""The development inbox: `telreg serve` starts a real SMTP sink outside production, and what it receives,
with the demo's SMS, calls and faxes, is read on GET /api/v1/dev/inbox (404 in production)."""

from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage

import pytest
from fastapi.testclient import TestClient

from telreg.app import create_app
from telreg.config import Environment
from telreg.core import mail
from telreg.core.db import unit_of_work
from telreg.core.dev_inbox import DevInbox, start_smtp_sink
from telreg.runtime import build_runtime

INBOX = "/api/v1/dev/inbox"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    # As `make run` has them: demo lines, SMTP to this machine (on a free port, so tests never collide).
    return settings.model_copy(update={"telephony_adapter": "demo", "smtp_host": "127.0.0.1",
                                       "smtp_port": _free_port(), "smtp_timeout_seconds": 5.0,
                                       "smtp_from": "DNC Registers <dnc@test.invalid>"})


@pytest.fixture
def runtime(settings, engine, clock):  # type: ignore[no-untyped-def]
    return build_runtime(settings, clock=clock, engine=engine)


@pytest.fixture
def sink(runtime):  # type: ignore[no-untyped-def]
    started = start_smtp_sink(runtime)
    assert started is not None, "the sink should start on a free loopback port outside production"
    yield started
    started.stop()


def _accepts_connections(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def test_queued_mail_is_delivered_over_smtp_into_the_inbox(runtime, sink, client, clock):
    with unit_of_work(runtime.session_factory) as session:
        mail.enqueue(session, clock=clock, key="test:activation:1", to="amy@example.com",
                     subject="Your account is active", body="Sign in at /senders.\nReference 7.")
    assert mail.deliver_due(runtime) == {"sent": 1}  # the real SMTP transport, to the sink on loopback

    [received] = runtime.inbox.mails()
    assert received.to == ("amy@example.com",)
    assert received.subject == "Your account is active"
    assert received.text.strip() == "Sign in at /senders.\nReference 7."
    assert received.sender == "DNC Registers <dnc@test.invalid>"
    assert received.received_at == clock.now()  # dated by the runtime's clock

    runtime.sms.send_sms("61234567", "Your code is 123456")
    body = client.get(INBOX).json()
    assert [(m["to"], m["subject"]) for m in body["mails"]] == [
        (["amy@example.com"], "Your account is active")]
    assert "Reference 7." in body["mails"][0]["text"]
    assert [(e["kind"], e["number"], e["text"]) for e in body["lines"]] == [
        ("sms", "61234567", "Your code is 123456")]


def test_the_inbox_lists_newest_first_and_keeps_a_bounded_number(runtime, sink, client, clock):
    for i in range(3):
        clock.advance(minutes=1)
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
            message = EmailMessage()
            message["From"], message["To"] = "a@test.invalid", "b@test.invalid"
            message["Subject"] = f"mail {i}"
            message.set_content(f"body {i}")
            smtp.send_message(message)
    runtime.telephony.call_for_confirmation("21234567", "Press 1 to confirm")
    runtime.fax.send_fax("27654321", "Code 4242")

    body = client.get(INBOX, params={"limit": 2}).json()
    assert [m["subject"] for m in body["mails"]] == ["mail 2", "mail 1"]
    assert [(e["kind"], e["text"]) for e in body["lines"]] == [
        ("fax", "Code 4242"), ("call", "Press 1 to confirm")]

    small = DevInbox(keep=2)
    for i in range(4):
        small.receive(sender="x", to=["y"], content=f"Subject: s{i}\n\nb{i}\n".encode())
    assert [m.subject for m in small.mails()] == ["s3", "s2"]


def test_a_mail_in_chinese_arrives_readable(runtime, sink):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@test.invalid", "b@test.invalid", "帳戶已啟用"
    message.set_content("你好,你的帳戶已啟用。")
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
        smtp.send_message(message)
    [received] = runtime.inbox.mails()
    assert received.subject == "帳戶已啟用" and received.text.strip() == "你好,你的帳戶已啟用。"


def test_no_sink_in_production(runtime):
    runtime.settings = runtime.settings.model_copy(update={"env": Environment.production})
    assert start_smtp_sink(runtime) is None
    assert not _accepts_connections("127.0.0.1", runtime.settings.smtp_port)


@pytest.mark.parametrize("update", [{"smtp_host": "mail.example.org"}, {"mail_adapter": "logging"}])
def test_no_sink_for_a_remote_relay_or_without_smtp(runtime, update):
    runtime.settings = runtime.settings.model_copy(update=update)
    assert start_smtp_sink(runtime) is None
    assert not _accepts_connections("127.0.0.1", runtime.settings.smtp_port)


def test_a_server_already_listening_is_left_alone(runtime):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:  # a Mailpit, say
        other.bind(("127.0.0.1", runtime.settings.smtp_port))
        other.listen()
        assert start_smtp_sink(runtime) is None


@pytest.mark.parametrize("when", ["at start-up", "after start-up"])
def test_the_inbox_does_not_exist_in_production(runtime, client, when):
    runtime.inbox.receive(sender="x", to=["y@test.invalid"], content=b"Subject: secret\n\ncode 1\n")
    runtime.settings = runtime.settings.model_copy(update={"env": Environment.production})
    production = TestClient(create_app(runtime)) if when == "at start-up" else client
    response = production.get(INBOX)
    assert response.status_code == 404
    assert response.json() == {"error": "page_not_found", "detail": f"There is nothing at {INBOX}."}
