"""The senders context's errors speak the reader's language: each is raised with a sentence marked for the
catalogs and its parameters, so the same refusal reads in English, Traditional Chinese (Hong Kong) and
Simplified Chinese (mainland) — a list import's bad lines, a wash's and a fee's date, a register's refusal —
and the API answers in the caller's Accept-Language with the error's code and values beside it.

The English stays word for word what it was (the API and the CLI print it); the ast test keeps every refusal
in the converted modules marked, so a new f-string refusal cannot slip past the catalogs.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import io
import re
from pathlib import Path

import pytest

from telreg.core.db import unit_of_work
from telreg.core.errors import DomainError, InvalidInput
from telreg.dnc.vocabulary import Register
from telreg.senders import fees, lifecycle
from telreg.senders.deps import SenderCaller
from telreg.senders.errors import InstructionsFileRefused, RegisterNotUsable, WashRefused
from telreg.senders.lists import service as lists
from telreg.senders.usage import ensure_register_usable
from telreg.senders.vocabulary import Plan
from telreg.senders.washing import service as washing

from .helpers import make_officer
from .usage_helpers import DAY1, DAY2, at, make_accounts, sender_client, sign_in
from .washing.helpers import upload

SRC = Path(__file__).resolve().parents[2] / "src" / "telreg"
# Being changed by another piece of work (sign-in, credentials, password rules): converted there, not here.
LEFT_TO_SIGN_IN = {"senders/signin.py", "senders/credentials.py", "senders/deps.py", "senders/signin_api.py",
                   "web/senders/signin.py"}
CONVERTED = sorted(p for p in [*(SRC / "senders").rglob("*.py"), *(SRC / "web" / "senders").glob("*.py")]
                   if p.relative_to(SRC).as_posix() not in LEFT_TO_SIGN_IN)
# Three English words in a row (numbers, codes like sms or 12-months and quoted values are not words here).
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b")


def _no_english(text: str, codes: tuple[str, ...] = ()) -> str:
    """TEXT, after checking that no English phrase is in it (what a Chinese reader must never get); CODES are
    words that are names in a file (column names), not English."""
    words = text
    for code in codes:
        words = re.sub(rf"\b{re.escape(code)}\b", "#", words)
    found = ENGLISH_RUN.search(words)
    assert found is None, f"English in {text!r}: {found.group(0)!r}"
    return text


# ---- the code: every refusal marked ------------------------------------------------------------------------

def _domain_error(module: object, call: ast.Call) -> bool:
    """Whether CALL constructs a DomainError: its callee, looked up in MODULE, is a DomainError subclass."""
    target: object = module
    names: list[str] = []
    node: ast.expr = call.func
    while isinstance(node, ast.Attribute):
        names.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return False
    for name in [node.id, *names]:
        target = getattr(target, name, None)
        if target is None:
            return False
    return isinstance(target, type) and issubclass(target, DomainError)


def _written_in_place(node: ast.expr) -> bool:
    """An English sentence written into the raise itself: a literal, an f-string, or a sum of strings."""
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return True
    return isinstance(node, ast.BinOp) and (_written_in_place(node.left) or _written_in_place(node.right))


def unmarked_refusals(source: str, module: object) -> list[int]:
    """The lines of SOURCE that raise a DomainError with a sentence written in place instead of N_()."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args \
                and _domain_error(module, node.exc) and _written_in_place(node.exc.args[0]):
            found.append(node.lineno)
    return found


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(("telreg", *(parts[:-1] if parts[-1] == "__init__" else parts)))


@pytest.mark.parametrize("path", CONVERTED, ids=lambda p: p.relative_to(SRC).as_posix())
def test_no_refusal_in_the_senders_modules_is_written_in_place(path: Path) -> None:
    module = importlib.import_module(_module_name(path))
    assert unmarked_refusals(path.read_text(encoding="utf-8"), module) == []


def test_the_check_finds_f_strings_plain_strings_and_sums() -> None:
    module = importlib.import_module("telreg.senders.errors")
    source = ("def f(x):\n"
              "    raise WashRefused(f'{x} is bad')\n"
              "    raise AccountNotFound('There is no such account.')\n"
              "    raise InvalidInput('Missing: ' + x)\n"
              "    raise WashRefused(N_('%(x)s is bad'), x=x)\n"
              "    raise ValueError(f'{x} is not a domain error')\n")
    assert unmarked_refusals(source, module) == [2, 3, 4]
    assert len(CONVERTED) > 40  # the whole context is looked at, not an empty list


# ---- the sentences, in each language -----------------------------------------------------------------------

def test_a_fee_from_a_past_date_is_refused_in_each_language(session, runtime, clock) -> None:
    make_officer(session, clock)
    with pytest.raises(InvalidInput) as refused:
        fees.revise_fee(session, clock=clock, plan=Plan.three_months, amount_cents=50_000,
                        effective_from=dt.date(2026, 3, 1), officer_name="olivia")
    error = refused.value
    assert error.message == ("A fee cannot be revised from a past date (2026-03-01): orders made since then "
                             "were already charged. Choose today or a later date.")
    assert error.extra == {"effective_from": "2026-03-01"}  # the API's body: the same key as before
    assert _no_english(error.message_in("zh-Hant")) == (
        "不能由過去的日期(2026-03-01)起修訂收費:自該日起的訂單已按原有收費計算。請選擇今天或以後的日期。")
    assert _no_english(error.message_in("zh-Hans")) == (
        "不能从过去的日期(2026-03-01)起修订收费:自该日起的订单已按原收费计费。请选择今天或之后的日期。")


def _caller(runtime, account_id: int) -> SenderCaller:
    with unit_of_work(runtime.session_factory) as session:
        access = lifecycle.access(session, clock=runtime.clock, settings=runtime.settings,
                                  account_id=account_id)
    return SenderCaller(access)


def test_a_wash_for_a_past_send_date_is_refused_in_each_language(runtime, clock) -> None:
    ids = make_accounts(runtime)
    clock.set(at(DAY2, 9))
    caller = _caller(runtime, ids["sms"])
    with unit_of_work(runtime.session_factory) as session, pytest.raises(WashRefused) as refused:
        washing.submit(session, clock=clock, settings=runtime.settings, caller=caller, register="sms",
                       send_date=DAY1, stream=io.BytesIO(b"91234567\n"), filename="l.txt")
    error = refused.value
    assert error.message == ("The send date 2026-03-02 is in the past (today is 2026-03-03 in Hong Kong); "
                             "scrub for the day the messages will be sent.")
    assert error.extra["send_date"] == "2026-03-02"
    assert _no_english(error.message_in("zh-Hant")) == (
        "發送日期 2026-03-02 已經過去(香港今天是 2026-03-03);請按訊息實際發送的日子清洗。")
    assert _no_english(error.message_in("zh-Hans")) == (
        "发送日期 2026-03-02 已经过去(香港今天是 2026-03-03);请按信息实际发送的日期清洗。")


BAD_FILE = (b"number,instruction,at,channel\n"
            b"91234567,consent,2026-02-01T09:00,sms\n"
            b"61234567,maybe,2026-02-01,fax\n"
            b"51234567,unsubscribe,yesterday,sms\n")


def test_a_list_import_says_each_bad_line_in_the_readers_language(runtime, clock) -> None:
    ids = make_accounts(runtime)
    with unit_of_work(runtime.session_factory) as session:
        access = lifecycle.access(session, clock=clock, settings=runtime.settings, account_id=ids["sms"])
        key = lists.open_list(access, register="sms")
        with pytest.raises(InstructionsFileRefused) as refused:
            lists.import_csv(session, clock=clock, key=key, data=BAD_FILE, source="mine.csv", recorded_by="t")
    error = refused.value
    # English, as the API and the CLI always gave it: the count, then each line.
    assert error.message == (
        "mine.csv: 2 bad line(s); nothing was recorded.\n"
        "  line 3: instruction 'maybe' is neither 'consent' nor 'unsubscribe'; channel 'fax' is not the "
        "register being imported (sms)\n"
        "  line 4: at 'yesterday' is not an ISO date-time such as 2026-03-02T10:00")
    assert error.extra["errors"] == [  # the API's list: English, with the line numbers
        {"line": 3, "problem": "instruction 'maybe' is neither 'consent' nor 'unsubscribe'; channel 'fax' is "
                               "not the register being imported (sms)"},
        {"line": 4, "problem": "at 'yesterday' is not an ISO date-time such as 2026-03-02T10:00"}]
    assert _no_english(error.message_in("zh-Hant")) == (
        "mine.csv:有 2 行有誤;未有記錄任何指示。\n"
        "  第 3 行:instruction 欄的值 'maybe' 既不是 'consent' 也不是 'unsubscribe';channel 欄的值 'fax' "
        "不是正在匯入的登記冊(sms)\n"
        "  第 4 行:at 欄的值 'yesterday' 不是 ISO 日期時間,例如 2026-03-02T10:00")
    hans = _no_english(error.message_in("zh-Hans"))
    assert hans.startswith("mine.csv:有 2 行有误;未记录任何指示。\n  第 3 行:instruction 列的值 'maybe'")
    assert [line for line, _ in error.line_problems] == [3, 4]


def test_an_unreadable_file_says_why_in_the_readers_language(runtime, clock) -> None:
    ids = make_accounts(runtime)
    with unit_of_work(runtime.session_factory) as session:
        access = lifecycle.access(session, clock=clock, settings=runtime.settings, account_id=ids["sms"])
        with pytest.raises(InstructionsFileRefused) as refused:
            lists.import_csv(session, clock=clock, key=lists.open_list(access, register="sms"),
                             data=b"phone,when\n91234567,2026-02-01\n", source="mine.csv", recorded_by="t")
    error = refused.value
    assert error.message == ("mine.csv: the header must name the columns number,instruction,at (missing: "
                             "number, instruction, at; found: phone, when); nothing was recorded.")
    assert "problem" not in error.extra and error.extra["missing"] == ["number", "instruction", "at"]
    columns = ("number", "instruction", "at", "phone", "when")
    assert _no_english(error.message_in("zh-Hant"), codes=columns) == (
        "mine.csv:標題列必須列明 number,instruction,at 各欄(欠缺:number, instruction, at;現有:phone, when);"
        "未有記錄任何指示。")


def test_a_register_refusal_names_the_register_in_the_readers_language(runtime, clock) -> None:
    ids = make_accounts(runtime)
    with pytest.raises(RegisterNotUsable) as refused:
        ensure_register_usable(_caller(runtime, ids["sms"]), Register.fax.value)
    error = refused.value
    assert error.message == "Your account does not subscribe to the Fax Register (fax); it subscribes to sms."
    assert (error.extra["reason"], error.extra["register"], error.extra["name"]) == (
        "not-subscribed", "fax", "Fax Register (fax)")
    assert _no_english(error.message_in("zh-Hant")) == "你的帳戶沒有訂用傳真登記冊(fax);帳戶訂用的是 sms。"
    assert _no_english(error.message_in("zh-Hans")) == "你的账户未订用传真登记册(fax);账户订用的是 sms。"


# ---- over the API -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "detail"), [
    ("zh-Hans", "发送日期 2026-03-02 已经过去(香港今天是 2026-03-03);请按信息实际发送的日期清洗。"),
    ("zh-HK,zh;q=0.9", "發送日期 2026-03-02 已經過去(香港今天是 2026-03-03);請按訊息實際發送的日子清洗。"),
    ("en-GB", "The send date 2026-03-02 is in the past (today is 2026-03-03 in Hong Kong); scrub for the day "
              "the messages will be sent."),
])
def test_an_api_refusal_reads_in_the_callers_language_with_its_code_and_values(runtime, clock, accept,
                                                                               detail) -> None:
    ids = make_accounts(runtime)
    clock.set(at(DAY2, 9))
    with sender_client(runtime) as client:
        csrf = sign_in(client, ids["sms"])
        past = upload(client, {**csrf, "Accept-Language": accept}, b"91234567\n", send_date=DAY1)
    body = past.json()
    assert past.status_code == 422 and body["error"] == "wash_refused"
    assert (body["send_date"], body["today"]) == ("2026-03-02", "2026-03-03")  # the values, for a script
    assert body["detail"] == detail


def test_an_api_list_import_keeps_its_bad_lines_in_english_beside_a_translated_detail(runtime, clock) -> None:
    ids = make_accounts(runtime)
    with sender_client(runtime) as client:
        csrf = sign_in(client, ids["sms"])
        refused = client.post("/api/v1/senders/me/lists/sms/import", files={"file": ("mine.csv", BAD_FILE)},
                              headers={**csrf, "Accept-Language": "zh-Hant"})
    body = refused.json()
    assert refused.status_code == 422 and body["error"] == "instructions_file_refused"
    assert [(e["line"], e["problem"][:12]) for e in body["errors"]] == [(3, "instruction "),
                                                                        (4, "at 'yesterda")]
    assert body["detail"].startswith("mine.csv:有 2 行有誤;未有記錄任何指示。\n  第 3 行:instruction 欄的值")
