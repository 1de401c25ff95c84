"""To a sender, a listed number that is protected on the day asked about reads "Listed — do not send" (the
colour of a refusal, class "stop"); before its protection starts it is listed without the warning. Over
HTTP."""

from __future__ import annotations

import re
from typing import Any

from telreg.dnc.vocabulary import Register
from tests.web.conftest import form_token, list_number
from tests.web.test_sender_pages import _active, _log_in, known_captcha  # noqa: F401 - a fixture

LISTED = "21234567"


def _cell(page: str) -> tuple[str, str]:
    cell = re.search(r'<td data-register="sms" data-status="listed" class="([^"]+)">(.*?)</td>', page, re.S)
    assert cell, "no listed cell"
    return cell.group(1), " ".join(re.sub(r"<[^>]+>", " ", cell.group(2)).split())


def test_a_protected_listed_number_says_do_not_send(client: Any, runtime: Any, known_captcha: str) -> None:
    list_number(runtime, LISTED, (Register.sms,))
    _active(runtime)
    _log_in(client)
    token = form_token(client.get("/senders/check").text)
    later = client.post("/senders/check", data={"csrf_token": token, "numbers": LISTED, "registers": ["sms"],
                                                "on": "2026-04-30"})
    assert _cell(later.text)[0] == "listed stop" and _cell(later.text)[1].startswith("Listed — do not send")
    today = client.post("/senders/check", data={"csrf_token": token, "numbers": LISTED, "registers": ["sms"]})
    assert _cell(today.text)[0] == "listed" and "do not send" not in _cell(today.text)[1]
    assert "protection not yet in force" in _cell(today.text)[1]
    zh = client.post("/senders/check?lang=zh-Hant", data={"csrf_token": token, "numbers": LISTED,
                                                         "registers": ["sms"], "on": "2026-04-30"})
    assert "請勿發送" in _cell(zh.text)[1] and "do not send" not in zh.text
