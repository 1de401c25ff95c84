"""Errors speak the reader's language: an API client's Accept-Language, a page's chosen language.

The errors of core, dnc and the app carry a marked English template and their values; the API renders
``detail`` from the catalogs (zh-HK: Traditional Chinese, zh-CN: Simplified Chinese) and a Chinese page shows
no English sentence. An ast check keeps f-strings and unmarked sentences out of the errors these modules
raise.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from telreg.app import create_app
from telreg.core.clock import HK
from telreg.core.errors import DomainError
from telreg.core.i18n import language_from_header
from telreg.core.i18n_catalogs import extract
from telreg.core.i18n_catalogs import _po as catalog_path
from telreg.runtime import Runtime
from tests.dnc.helpers import PDF_BILL
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, form_token, make_officer

HANT = {"Accept-Language": "zh-HK,zh;q=0.9,en;q=0.8"}
HANS = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}
# Three or more Latin-letter words in a row: an English sentence (codes, numbers and names are single words).
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,;:'’-]+[A-Za-z]{2,}){2,}")


def _no_english(text: str) -> None:
    found = ENGLISH_RUN.findall(text)
    assert not found, f"English on a Chinese page: {found} in {text!r}"


def _api_sign_in(client: Any, runtime: Runtime) -> dict[str, str]:
    make_officer(runtime)
    response = client.post("/api/v1/auth/login", json={"username": OFFICER, "password": OFFICER_PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


# ---- the Accept-Language parser ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("", "en"),
        ("fr-FR,de;q=0.8", "en"),
        ("zh-HK", "zh-Hant"),
        ("zh-TW,en;q=0.5", "zh-Hant"),
        ("zh", "zh-Hant"),  # Chinese unqualified: the registers serve Hong Kong
        ("zh-CN", "zh-Hans"),
        ("zh-SG", "zh-Hans"),
        ("zh-Hans-CN", "zh-Hans"),
        ("en;q=0.4, zh-CN;q=0.6", "zh-Hans"),
        ("zh-CN;q=0.3, en-GB;q=0.7", "en"),
        ("zh-HK;q=nonsense, en;q=0.1", "en"),  # a broken weight counts for nothing
    ],
)
def test_the_accept_language_header_picks_one_of_our_languages(header: str, lang: str) -> None:
    assert language_from_header(header) == lang


def test_the_pages_read_the_same_header_as_the_api(client: Any) -> None:
    page = client.get("/", headers=HANS)
    assert '<html lang="zh-Hans">' in page.text


# ---- the API answers in the request's language -------------------------------------------------------------


def test_a_dnc_number_error_is_answered_in_the_request_language(client: Any) -> None:
    answers = {lang: client.get("/api/v1/dnc/status/12345", headers=headers)
               for lang, headers in (("en", EN), ("zh-Hant", HANT), ("zh-Hans", HANS))}
    for lang, response in answers.items():
        assert response.status_code == 422 and response.json()["error"] == "invalid_number"
        assert response.headers["content-language"] == lang
        assert response.json()["number"] == "12345" and response.json()["digits"] == 5  # the values stay
    assert answers["en"].json()["detail"] == (
        "'12345' has 5 digits; a Hong Kong number has 8. It looks like a service code (such as 1083 or 999), "
        "which cannot be registered.")
    assert answers["zh-Hant"].json()["detail"] == (
        "「12345」有 5 位數字;香港號碼有 8 位。這看來是服務代碼(例如 1083 或 999),不能登記。")
    assert answers["zh-Hans"].json()["detail"] == (
        "“12345”有 5 位数字;香港号码有 8 位。这看来是服务代码(例如 1083 或 999),不能登记。")


def test_an_unregistrable_number_names_its_kind_in_each_language(client: Any) -> None:
    hant = client.get("/api/v1/dnc/status/800123456", headers=HANT).json()
    hans = client.get("/api/v1/dnc/status/800123456", headers=HANS).json()
    english = client.get("/api/v1/dnc/status/800123456").json()
    assert english["detail"].startswith("800123456 cannot be registered: it is a toll-free (800) number")
    assert hant["detail"] == "800123456 不能登記:這是免費電話(800)號碼,屬於企業而非個別用戶。"
    assert hans["detail"] == "800123456 不能登记:这是免费电话(800)号码,属于企业而非个人用户。"
    assert hant["kind"] == hans["kind"] == "toll-free"


def test_an_ivr_error_is_answered_in_the_request_language(ivr_client: Any) -> None:
    from tests.dnc.ivr_calls import signed_post

    turn = {"call_id": "c-1", "line": "sms", "event": "keys", "seq": 1, "keys": "1"}
    english = signed_post(ivr_client, turn, headers=EN)
    hant = signed_post(ivr_client, turn, headers=HANT)
    hans = signed_post(ivr_client, turn, headers=HANS)
    assert english.status_code == 404 and english.json()["error"] == "unknown_call"
    assert english.json()["detail"] == "There is no call 'c-1'; a call begins with a 'start' event."
    assert hant.json()["detail"] == "沒有通話「c-1」;通話以「start」事件開始。"
    assert hans.json()["detail"] == "没有通话“c-1”;通话以“start”事件开始。"
    assert hant.json()["call_id"] == "c-1"


def test_the_update_window_is_explained_in_the_request_language(
    client: Any, runtime: Runtime, clock: Any
) -> None:
    headers = _api_sign_in(client, runtime)
    clock.set(dt.datetime(2026, 3, 2, 23, 0, tzinfo=HK))
    feed = "/api/v1/dnc/feeds/terminated"
    files = {"file": ("terminated.csv", b"number,terminated_on\n61234567,2026-03-02\n", "text/csv")}
    english = client.post(feed, data={"operator": "op1"}, files=files, headers=headers)
    hans = client.post(feed, data={"operator": "op1"}, files=files, headers={**headers, **HANS})
    assert english.status_code == hans.status_code == 503
    assert english.json()["detail"] == ("The registers are being updated until 00:00 Hong Kong time; no "
                                        "changes are accepted now. Please try again after 00:00.")
    assert hans.json()["detail"] == "登记册正在更新,直至香港时间 00:00;目前不接受任何更改。请于 00:00 后再试。"
    assert hans.json()["retry_after"] == 3600 and hans.headers["retry-after"] == "3600"


def test_a_core_permission_error_is_answered_in_the_request_language(client: Any, runtime: Runtime) -> None:
    headers = _api_sign_in(client, runtime)  # an officer, not an administrator
    unlock = "/api/v1/auth/users/somebody/unlock"
    english = client.post(unlock, headers=headers)
    hant = client.post(unlock, headers={**headers, **HANT})
    hans = client.post(unlock, headers={**headers, **HANS})
    assert english.status_code == 403 and english.json()["detail"] == "This needs the 'admin' role."
    # The role is named in words in Chinese; the English keeps the code API clients match on, as does "role".
    assert hant.json() == {"error": "permission_denied", "detail": "此操作需要「系統管理員」角色。", "role": "admin"}
    assert hans.json()["detail"] == "此操作需要“系统管理员”角色。"


def test_routing_errors_are_answered_in_the_request_language(client: Any) -> None:
    missing = client.get("/api/v1/no-such-thing", headers=HANT)
    assert missing.status_code == 404
    assert missing.json() == {"error": "page_not_found", "detail": "/api/v1/no-such-thing 沒有任何內容。"}
    wrong = client.put("/api/v1/dnc/status/21234567", headers=HANS)
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET"
    assert wrong.json()["detail"] == "/api/v1/dnc/status/21234567 不接受 PUT 请求;只接受 GET。"


def test_a_malformed_request_is_summed_up_in_the_request_language(client: Any) -> None:
    english = client.post("/api/v1/auth/login", json={}, headers=EN)
    hant = client.post("/api/v1/auth/login", json={}, headers=HANT)
    assert english.status_code == hant.status_code == 422
    assert english.json()["detail"].startswith("The request is not valid: username: ")
    # The sentence around the problems is translated; pydantic's own words for each field stay English.
    assert hant.json()["detail"].startswith("請求無效:username: ")
    assert hant.json()["problems"] == english.json()["problems"]


def test_an_unexpected_error_is_apologised_for_in_the_request_language(runtime: Runtime) -> None:
    app = create_app(runtime)

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/test-boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        english = client.get("/api/v1/test-boom")
        hans = client.get("/api/v1/test-boom", headers=HANS)
    assert english.status_code == hans.status_code == 500
    assert english.json()["detail"] == "Something went wrong on our side; nothing was changed."
    assert hans.json() == {"error": "internal_error", "detail": "我们这边出了问题;没有更改任何数据。"}


# ---- pages show no English sentence in Chinese -------------------------------------------------------------


def _problem(html: str) -> str:
    match = re.search(r'<p class="problem"[^>]*>([^<]*)</p>', html)
    assert match, "the page shows no problem"
    return unescape(match.group(1)).strip()


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("zh-Hant", "「2123--4567」有重複的分隔符號;數字組之間只可用一個空格或連字號。"),
     ("zh-Hans", "“2123--4567”有重复的分隔符;数字组之间只能用一个空格或连字符。")],
)
def test_a_number_error_on_a_chinese_status_page_is_all_chinese(
    client: Any, lang: str, expected: str
) -> None:
    response = client.get(f"/status?number=2123--4567&lang={lang}")
    assert response.status_code == 422 and f'<html lang="{lang}">' in response.text
    assert _problem(response.text) == expected
    _no_english(_problem(response.text))
    english = client.get("/status?number=2123--4567&lang=en")
    assert "'2123--4567' has doubled separators" in _problem(english.text)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("zh-Hant", "必須填寫申請人姓名。"), ("zh-Hans", "必须填写申请人姓名。")],
)
def test_a_dnc_refusal_on_a_chinese_form_is_all_chinese(
    client: Any, runtime: Runtime, lang: str, expected: str
) -> None:
    make_officer(runtime)
    token = form_token(client.get("/staff/login").text)
    client.post("/staff/login", data={"username": OFFICER, "password": OFFICER_PASSWORD, "csrf_token": token})
    token = form_token(client.get(f"/staff/paper/new?lang={lang}").text)
    response = client.post(
        "/staff/paper/new",
        data={"number": "61234567", "registers": ["sms"], "action": "register", "applicant_name": " ",
              "csrf_token": token},
        files={"bill": ("bill.pdf", PDF_BILL, "application/pdf")},
    )
    assert response.status_code == 422 and f'<html lang="{lang}">' in response.text
    box = response.text.split('id="form-error"', 1)[1].split("</div>", 1)[0]
    assert _problem(box) == expected
    assert 'class="original"' not in box  # no English "details" beside a translated sentence
    _no_english(re.sub(r"<[^>]+>", " ", box))


@pytest.mark.parametrize(
    ("lang", "expected"), [("zh-Hant", "沒有書面申請 999。"), ("zh-Hans", "没有书面申请 999。")]
)
def test_a_dnc_error_page_in_chinese_is_all_chinese(
    client: Any, runtime: Runtime, lang: str, expected: str
) -> None:
    make_officer(runtime)
    token = form_token(client.get("/staff/login").text)
    client.post("/staff/login", data={"username": OFFICER, "password": OFFICER_PASSWORD, "csrf_token": token})
    token = form_token(client.get(f"/staff/paper?lang={lang}").text)
    response = client.post("/staff/paper/999/approve", data={"csrf_token": token})
    assert response.status_code == 404 and f'<html lang="{lang}">' in response.text
    assert _problem(response.text) == expected
    section = response.text.split('<section class="error"', 1)[1].split("</section>", 1)[0]
    assert 'class="original"' not in section
    _no_english(re.sub(r"<[^>]+>", " ", section))


# ---- no unmarked sentence in the errors of core, dnc and the app -------------------------------------------

SRC = Path(__file__).resolve().parents[2] / "src" / "telreg"
# Modules other people are converting right now (passwords, captcha, security, dev inbox, mail, jobs, logging,
# metrics); every other module of core, all of dnc, the app, its dependencies, the CLI and the dnc pages.
NOT_OURS = {"passwords.py", "captcha.py", "security.py", "dev_api.py", "dev_inbox.py", "mail.py", "jobs.py",
            "logs.py"}
MESSAGE_ARGUMENT = {"_RoutingError": 2}  # (status, code, message); every other error takes its message first
MARKERS = {"N_", "NP_", "Message"}  # and Message.join / Message.term


def _checked_files() -> list[Path]:
    core = [p for p in (SRC / "core").glob("*.py")
            if p.name not in NOT_OURS and not p.name.startswith(("logging", "metrics"))]
    return sorted([*core, *(SRC / "dnc").rglob("*.py"), SRC / "app.py", SRC / "deps.py", SRC / "cli.py",
                   SRC / "web" / "dnc" / "paper.py"])


def _module(path: Path) -> str:
    return ".".join(path.relative_to(SRC.parent).with_suffix("").parts)


def _error_classes() -> set[str]:
    for path in _checked_files():
        if path.name != "__main__.py":
            importlib.import_module(_module(path))
    found: set[str] = set()
    todo = [DomainError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found


def _marked(node: ast.expr, builders: set[str]) -> bool:
    """A message that is marked for the catalogs: N_(…), a Message, a call of a function of the module that
    returns a Message (BUILDERS), a variable holding one, or a choice of those."""
    if isinstance(node, ast.IfExp):
        return _marked(node.body, builders) and _marked(node.orelse, builders)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):  # Message.join(…), Message.term(…); not " ".join(…)
            return isinstance(func.value, ast.Name) and func.value.id == "Message"
        return isinstance(func, ast.Name) and (func.id in MARKERS or func.id in builders)
    return isinstance(node, (ast.Name, ast.Subscript, ast.Attribute))


def unmarked_errors(source: str, classes: set[str], filename: str = "<source>") -> list[str]:
    """Return where SOURCE builds one of CLASSES from an f-string, a plain string or other unmarked text."""
    tree = ast.parse(source)
    builders = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
                and node.returns is not None and ast.unparse(node.returns) == "Message"}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name not in classes:
            continue
        index = MESSAGE_ARGUMENT.get(name, 0)
        if len(node.args) > index and not _marked(node.args[index], builders):
            found.append(f"{filename}:{node.lineno}: {name}({ast.unparse(node.args[index])[:60]})")
    return found


def test_the_checker_catches_unmarked_messages() -> None:
    classes = {"InvalidInput", "_RoutingError"}
    source = (
        'raise InvalidInput(f"{day} is in the past.")\n'
        'raise InvalidInput("The name is required.")\n'
        'raise InvalidInput("line " + str(n))\n'
        'raise InvalidInput(" ".join(problems))\n'
        'def _said() -> str: ...\n'
        'raise InvalidInput(_said())\n'
        'def _refusal() -> Message: ...\n'
        'raise InvalidInput(_refusal())\n'
        '_RoutingError(404, "page_not_found", f"There is nothing at {path}.")\n'
        'raise InvalidInput(N_("The name is required."))\n'
        'raise InvalidInput(Message.join(problems), kind=kind)\n'
        'raise InvalidInput(N_("a") if x else N_("b"))\n'
        'raise InvalidInput(_WHY[kind], kind=kind)\n'
        '_RoutingError(404, "page_not_found", N_("There is nothing at %(path)s."), path=path)\n'
    )
    assert sorted(int(line.split(":")[1]) for line in unmarked_errors(source, classes)) == [1, 2, 3, 4, 6, 9]


def test_no_error_of_core_dnc_or_the_app_is_raised_with_an_unmarked_sentence() -> None:
    classes = _error_classes()
    assert {"InvalidNumber", "UpdateWindowClosed", "TurnRejected", "PiiKeysRefused", "_RoutingError"} \
        <= classes
    problems = [problem for path in _checked_files()
                for problem in unmarked_errors(path.read_text(encoding="utf-8"), classes,
                                               str(path.relative_to(SRC)))]
    assert problems == []


def test_every_sentence_of_core_dnc_and_the_app_is_translated_in_both_chinese_variants() -> None:
    ours = {str(p.relative_to(SRC)) for p in _checked_files()}
    sentences = [m for m in extract() if m.id and any(f in ours for f, _ in m.locations)]
    assert len(sentences) > 100
    from babel.messages.pofile import read_po

    for folder in ("zh_Hant", "zh_Hans"):
        with catalog_path(folder).open("rb") as handle:
            catalog = read_po(handle, locale=folder)
        missing = [m.id for m in sentences
                   if (found := catalog.get(m.id, context=m.context)) is None or not found.string]
        assert missing == [], folder


def test_a_staff_sign_in_failure_and_a_missing_role_in_chinese(client, runtime) -> None:  # type: ignore[no-untyped-def]
    from tests.web.conftest import OFFICER_PASSWORD, make_officer

    make_officer(runtime, username="clerk.wong", roles=("dnc-officer",))
    wrong = client.post("/api/v1/auth/login", json={"username": "clerk.wong", "password": "not-it"},
                        headers={"Accept-Language": "zh-HK"})
    assert wrong.status_code == 401 and wrong.json()["detail"] == "用戶名稱或密碼不正確。"
    assert client.post("/api/v1/auth/login", json={"username": "clerk.wong", "password": "not-it"}).json()[
        "detail"] == "The username or password is not correct."
    client.post("/api/v1/auth/login", json={"username": "clerk.wong", "password": OFFICER_PASSWORD})
    refused = client.post("/api/v1/auth/users/nobody/unlock", headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 403
    assert "系统管理员" in refused.json()["detail"] and "admin" not in refused.json()["detail"]
    assert refused.json()["role"] == "admin"
