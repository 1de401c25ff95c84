"""Issue 13's demo journeys, read on the development inbox as a person running `make run` would: a sender's
activation mail (queued, delivered over real SMTP to the in-process sink, shown on /dev/inbox) and the mainland
one-identity lookup, whose SMS code is read off /dev/inbox and typed in. SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
import socket
from typing import Any

import pytest

from telreg.core import mail
from telreg.core.db import unit_of_work
from telreg.core.dev_inbox import start_smtp_sink
from telreg.runtime import Runtime, build_runtime
from tests.realname.lookup.helpers import CARD, ZHANG_AT_CMCC, holdings
from tests.senders.helpers import make_active, make_officer
from tests.web.conftest import form_token


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    # As `make run` has them: the demo telephone lines and SMTP to this machine (a free port per test).
    return settings.model_copy(update={"telephony_adapter": "demo", "smtp_host": "127.0.0.1",
                                       "smtp_port": _free_port(), "smtp_timeout_seconds": 5.0})


@pytest.fixture
def runtime(settings, engine, clock):  # type: ignore[no-untyped-def]
    return build_runtime(settings, clock=clock, engine=engine)


def _inbox_text(client: Any) -> str:
    page = client.get("/dev/inbox")
    assert page.status_code == 200
    return html.unescape(re.sub(r"<[^>]+>", " ", page.text))


def test_the_activation_mail_is_read_on_the_dev_inbox(client: Any, runtime: Runtime) -> None:
    sink = start_smtp_sink(runtime)
    assert sink is not None
    try:
        with unit_of_work(runtime.session_factory) as session:
            make_officer(session, runtime.clock)
            make_active(session, runtime)
        assert "your subscription account is active" not in _inbox_text(client)  # queued, not yet delivered
        delivered = mail.deliver_due(runtime)  # what the worker does, over SMTP to the sink
        assert delivered.get("sent", 0) >= 2  # the application's receipt and the activation
        text = _inbox_text(client)
        assert "Do-not-call Registers: your subscription account is active" in text
        assert "chan@example.com" in text
    finally:
        sink.stop()


def test_the_mainland_lookup_is_finished_with_the_code_from_the_dev_inbox(client: Any, runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"realname_policy": "mainland-china"})
    holdings(runtime)
    token = form_token(client.get("/realname/lookup?lang=zh-Hans").text)
    sent = client.post("/realname/lookup/code", data={"doc_type": "cn-resident-id", "document": CARD,
                                                      "number": ZHANG_AT_CMCC[0], "csrf_token": token})
    assert 'id="code-form"' in sent.text
    text = _inbox_text(client)
    assert ZHANG_AT_CMCC[0] in text
    codes = re.findall(r"(?<!\d)(\d{6})(?!\d)", text)
    assert codes, text[:500]
    shown = client.post("/realname/lookup/verify", data={"code": codes[0], "csrf_token": token})
    assert shown.status_code == 200 and 'data-operator="cmcc"' in shown.text
