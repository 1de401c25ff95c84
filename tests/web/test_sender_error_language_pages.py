"""The senders' pages say a refusal whole in the page's language: a list import's bad lines, a wash's past
send date and a fee's past date read in Traditional Chinese (Hong Kong) and in Simplified Chinese (mainland),
with no English sentence under them; the English page reads as it always did."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest

from telreg.core.clock import HK
from telreg.dnc.vocabulary import Register
from telreg.senders.vocabulary import Plan
from tests.web.conftest import form_token
from tests.web.test_sender_lists_pages import (WASH_LIST, _recorded, _upload, _wash_upload,  # noqa: F401
                                               sender, washer)  # sender, washer: fixtures
from tests.web.test_sender_pages import (_active, _alert, _log_in, known_captcha,  # noqa: F401 - fixtures
                                         officer)

BAD = (b"number,instruction,at,channel\n"
       b"61234567,consent,2026-01-05T09:00,sms\n"
       b"91234567,maybe,2026-01-05,fax\n"
       b"51234567,unsubscribe,yesterday,sms\n")
# Three English words in a row: what a Chinese page must never show (codes such as sms, quoted values and
# column names of the file are single words).
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b")

LINES = {
    "zh-Hant": {"3": "instruction 欄的值 'maybe' 既不是 'consent' 也不是 'unsubscribe';channel 欄的值 'fax' "
                     "不是正在匯入的登記冊(sms)",
                "4": "at 欄的值 'yesterday' 不是 ISO 日期時間,例如 2026-03-02T10:00"},
    "zh-Hans": {"3": "instruction 列的值 'maybe' 既不是 'consent' 也不是 'unsubscribe';channel 列的值 'fax' "
                     "不是正在导入的登记册(sms)",
                "4": "at 列的值 'yesterday' 不是 ISO 日期时间,例如 2026-03-02T10:00"},
}
HEADLINE = {"zh-Hant": "instructions.csv:有 2 行有誤;未有記錄任何指示。",
            "zh-Hans": "instructions.csv:有 2 行有误;未记录任何指示。"}


def _bad_lines(page: str, lang: str) -> dict[str, str]:
    found = re.findall(rf'<li data-line="(\d+)">[^<]*<span lang="{lang}">([^<]*)</span></li>', page)
    return {line: html.unescape(text) for line, text in found}


def _problem_box(page: str) -> str:
    box = re.search(r'<div class="problem-box" id="form-error"[^>]*>(.*?)</div>', page, re.S)
    assert box, "the page shows no problem"
    return html.unescape(re.sub(r"<[^>]+>", " ", box.group(1)))


def _no_english(text: str) -> None:
    found = ENGLISH_RUN.search(text)
    assert found is None, f"English on a Chinese page: {found.group(0)!r} in {text!r}"


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_a_list_import_lists_its_bad_lines_in_the_pages_chinese(client: Any, runtime: Any, sender: int,
                                                                lang: str) -> None:
    refused = _upload(client, BAD, lang=lang)
    assert refused.status_code == 422 and f'<html lang="{lang}">' in refused.text
    assert html.unescape(_alert(refused.text)) == HEADLINE[lang]
    assert _bad_lines(refused.text, lang) == LINES[lang]
    assert 'class="original"' not in refused.text  # no English under the Chinese
    _no_english(_problem_box(refused.text))
    assert _recorded(runtime, sender) == 0


def test_the_english_page_lists_the_same_bad_lines_in_english(client: Any, sender: int) -> None:
    refused = _upload(client, BAD)
    assert _alert(refused.text) == "instructions.csv: 2 bad line(s); nothing was recorded."
    assert _bad_lines(refused.text, "en") == {
        "3": "instruction 'maybe' is neither 'consent' nor 'unsubscribe'; channel 'fax' is not the register "
             "being imported (sms)",
        "4": "at 'yesterday' is not an ISO date-time such as 2026-03-02T10:00"}


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_a_bad_number_in_a_file_is_explained_in_the_pages_chinese(client: Any, sender: int,
                                                                  lang: str) -> None:
    refused = _upload(client, b"number,instruction,at\n12345,consent,2026-01-05\n", lang=lang)
    lines = _bad_lines(refused.text, lang)
    assert list(lines) == ["2"] and "12345" in lines["2"]
    _no_english(_problem_box(refused.text))


WASH_PAST = {
    "zh-Hant": "發送日期 2026-03-01 已經過去(香港今天是 2026-03-03);請按訊息實際發送的日子清洗。",
    "zh-Hans": "发送日期 2026-03-01 已经过去(香港今天是 2026-03-03);请按信息实际发送的日期清洗。",
    "en": "The send date 2026-03-01 is in the past (today is 2026-03-03 in Hong Kong); scrub for the day the "
          "messages will be sent.",
}


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans", "en"])
def test_a_wash_for_a_past_day_is_refused_in_the_pages_language(client: Any, washer: int, lang: str) -> None:
    past = _wash_upload(client, WASH_LIST, lang=lang, send_date="2026-03-01")
    assert past.status_code == 422 and f'<html lang="{lang}">' in past.text
    assert html.unescape(_alert(past.text)) == WASH_PAST[lang]
    assert 'class="original"' not in past.text
    assert re.search(r'id="send_date"[^>]*aria-invalid="true"', past.text, re.S)  # the field it is about
    if lang != "en":
        _no_english(_problem_box(past.text))


FEE_PAST = {
    "zh-Hant": "不能由過去的日期(2026-03-01)起修訂收費:自該日起的訂單已按原有收費計算。請選擇今天或以後的日期。",
    "zh-Hans": "不能从过去的日期(2026-03-01)起修订收费:自该日起的订单已按原收费计费。请选择今天或之后的日期。",
}


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_a_fee_from_a_past_date_is_refused_in_the_pages_chinese(officer: Any, lang: str) -> None:
    token = form_token(officer.get(f"/staff/senders/fees?lang={lang}").text)
    past = officer.post("/staff/senders/fees", data={"csrf_token": token, "plan": "12-months",
                                                     "amount": "1700", "effective_from": "2026-03-01"})
    assert past.status_code == 422 and f'<html lang="{lang}">' in past.text
    assert html.unescape(_alert(past.text)) == FEE_PAST[lang]
    assert 'class="original"' not in past.text and "past date" not in past.text
    assert re.search(r'id="effective_from"[^>]*aria-invalid="true"', past.text, re.S)
    assert 'value="1700"' in past.text  # what was typed is kept


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_why_a_register_is_closed_is_said_in_the_pages_chinese(client: Any, runtime: Any, clock: Any,
                                                               known_captcha: str, lang: str) -> None:
    _active(runtime, plans={Register.sms: Plan.twelve_months, Register.fax: Plan.three_months})
    clock.set(dt.datetime(2026, 6, 10, 9, 0, tzinfo=HK))  # fax expired on 2 June; sms still active
    _log_in(client)
    page = client.get(f"/senders/downloads?lang={lang}")
    note = re.search(r'<p class="note" data-unusable="fax">([^<]*)</p>', page.text)
    assert note, "the page does not say why fax is closed"
    text = html.unescape(note.group(1))
    assert "2026-06-02" in text and "2026-08-02" in text
    _no_english(text)

    clock.set(dt.datetime(2027, 3, 10, 9, 0, tzinfo=HK))  # sms expired too: the whole page is refused
    refused = client.get(f"/senders/downloads?lang={lang}")
    _no_english(_problem_box(refused.text))
    assert 'class="original"' not in refused.text
