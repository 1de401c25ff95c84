"""The words of the web pages in English and Traditional Chinese, and how a request's language is chosen.

A page's language comes from ``?lang=en|zh-Hant`` (remembered in the session), else from what the session
remembers, else from the browser's Accept-Language. Domain errors carry English messages; the few a member of
the public meets (an invalid number, an expired form) are explained again in Chinese from their structured
details, never by translating the English text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from telreg.core.errors import DomainError, InvalidNumber
from telreg.realname.policy import get_policy

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "Translator",
    "choose_language",
    "format_date",
    "number_error",
    "translator",
]

EN = "en"
ZH = "zh-Hant"
HANS = "zh-Hans"  # Simplified Chinese: the pages' second language under the mainland-China real-name policy
LANGUAGES = (EN, ZH, HANS)
DEFAULT = EN
SESSION_KEY = "lang"

Translator = Callable[..., str]

# key: (English, Traditional Chinese). Placeholders use str.format names.
MESSAGES: dict[str, tuple[str, str]] = {
    "site_name": ("Do-not-call registers", "拒收訊息登記冊"),
    "skip_link": ("Skip to main content", "跳至主要內容"),
    "language_name": ("English", "中文(繁體)"),
    "language_switch_label": ("Language", "語言"),
    "nav_check": ("Check a number", "查核號碼"),
    "nav_staff": ("Staff", "職員"),
    "nav_dashboard": ("Dashboard", "主頁"),
    "nav_paper": ("Paper applications", "書面申請"),
    "sign_out": ("Sign out", "登出"),
    "signed_in_as": ("Signed in as {name}", "已登入:{name}"),
    # public status page
    "status_title": ("Check whether a number is registered", "查核號碼是否已登記"),
    "status_intro": (
        "Enter a Hong Kong telephone or fax number to see whether it is on the fax, SMS and pre-recorded "
        "telephone message do-not-call registers.",
        "輸入香港電話或傳真號碼,查看該號碼是否已登記在傳真、短訊及預錄電話訊息拒收訊息登記冊。",
    ),
    "number_label": ("Telephone or fax number", "電話或傳真號碼"),
    "number_hint": (
        "8 digits, for example 2123 4567 or +852 2123 4567",
        "8位數字,例如 2123 4567 或 +852 2123 4567",
    ),
    "check_button": ("Check", "查核"),
    "result_for": ("Registration status of {number}", "{number} 的登記狀況"),
    "register_fax": ("Fax", "傳真"),
    "register_sms": ("SMS", "短訊"),
    "register_prerecorded": ("Pre-recorded telephone messages", "預錄電話訊息"),
    "col_register": ("Register", "登記冊"),
    "col_status": ("Status", "狀況"),
    "col_registered_on": ("Registered on", "登記日期"),
    "col_protected_from": ("Protected from", "保障生效日期"),
    "listed_yes": ("Listed", "已登記"),
    "listed_no": ("Not listed", "未登記"),
    "protection_note": (
        "Protection starts on the {days}th working day after registration. Saturdays count as working days; "
        "Sundays, public holidays and black-rainstorm or gale-warning days do not.",
        "保障於登記後第{days}個工作天生效。星期六計算為工作天;星期日、公眾假日及黑色暴雨警告日或烈風警告日則不計算在內。",
    ),
    "invalid_number_title": ("This number cannot be checked", "無法查核此號碼"),
    "how_title": ("How to register", "如何登記"),
    "how_caller_id": (
        "Call the registration hotline from the number you want to register, with caller ID on. The system "
        "reads your number and asks you to confirm; the number is listed the same day.",
        "從擬登記的號碼致電登記熱線,並啟動來電號碼顯示。系統會記錄你的號碼並提示你確認登記,號碼會在同日內列於登記冊。",
    ),
    "how_1357": (
        "If your caller ID is withheld, dial 1357 before the hotline number.",
        "如你的來電號碼已被隱藏,請在撥打登記熱線前先撥「1357」。",
    ),
    "how_callback": (
        "If your line cannot show its number correctly, key in the 8-digit number and the system calls it "
        "back to confirm. Callbacks are offered to fixed numbers starting with 2 or 3 and to personal "
        "numbers starting with 81, 82 or 83 (forward the personal number to a phone you can answer first).",
        "如你的線路不能正確顯示來電號碼,請輸入擬登記的八位數號碼,系統會致電回覆該號碼以作確認。回覆安排只提供予2及3字頭的固網號碼和81、82、83字頭的個人號碼(請先將個人號碼來電轉駁至可接聽的電話)。",
    ),
    "how_fax": (
        'For a fax number that cannot make calls, choose "fax callback": the system faxes an authentication '
        "code to the number, which you then key in on the confirmation line from any phone.",
        "如傳真號碼不能打出電話,請選擇「傳真回覆」:系統會發送載有認證碼的傳真到該號碼,然後請用任何電話致電確認熱線輸入認證碼。",
    ),
    "how_paper": (
        "Mobile numbers that cannot show caller ID, and lines without tone dialling, are registered by a "
        "written application with a recent phone bill showing that you are the number's user.",
        "如流動電話號碼不能顯示正確的來電號碼,或沒有音頻電話,請填寫申請表格,並附上可證明你是該號碼登記使用者的近期電話費單。",
    ),
    "how_deregister": (
        'To remove a number, call the hotline from it with caller ID on and choose "deregister"; it is '
        "removed the same day.",
        "如要取消登記,請從該號碼致電登記熱線並啟動來電號碼顯示,然後選擇「取消已登記號碼」;號碼會在同日內被刪除。",
    ),
    # staff
    "login_title": ("Staff sign-in", "職員登入"),
    "username": ("Username", "用戶名稱"),
    "password": ("Password", "密碼"),
    "sign_in": ("Sign in", "登入"),
    "login_wrong": ("The username or password is not correct.", "用戶名稱或密碼不正確。"),
    "login_locked": (
        "This account is locked after too many failed attempts; ask an administrator to unlock it.",
        "此帳戶因多次登入失敗已被鎖定,請聯絡管理員解鎖。",
    ),
    "dashboard_title": ("Officer dashboard", "職員主頁"),
    "counts_title": ("Numbers listed per register", "各登記冊已登記號碼數目"),
    "col_count": ("Numbers listed", "已登記號碼數目"),
    "pending_count": ("Paper applications waiting for a decision: {count}", "待處理的書面申請:{count}"),
    "lookup_title": ("Look up a number's history", "查閱號碼紀錄"),
    "lookup_button": ("Look up", "查閱"),
    "history_title": ("History of {number}", "{number} 的紀錄"),
    "current_status": ("Current status", "現時狀況"),
    "col_at": ("When (Hong Kong time)", "時間(香港時間)"),
    "col_event": ("Event", "事件"),
    "col_actor": ("By", "執行者"),
    "col_details": ("Details", "詳情"),
    "no_history": ("No events are recorded for this number.", "此號碼沒有任何紀錄。"),
    "event_registered": ("Registered", "登記"),
    "event_registration-repeated": ("Registration repeated", "重複登記"),
    "event_deregistered": ("Deregistered", "取消登記"),
    "event_removed-terminated": ("Removed (service terminated)", "因服務終止而剔除"),
    "event_paper-application-recorded": ("Paper application recorded", "已記錄書面申請"),
    "event_paper-application-rejected": ("Paper application rejected", "書面申請被拒"),
    # paper applications
    "paper_title": ("Paper applications", "書面申請"),
    "paper_pending": ("Waiting for a decision", "待處理"),
    "paper_decided": ("Recently decided", "最近已處理"),
    "paper_none": ("No applications are waiting for a decision.", "沒有待處理的申請。"),
    "paper_new": ("Record a paper application", "記錄書面申請"),
    "applicant_name": ("Applicant's name", "申請人姓名"),
    "action": ("Application for", "申請類別"),
    "action_register": ("Register", "登記"),
    "action_deregister": ("Deregister", "取消登記"),
    "registers": ("Registers", "登記冊"),
    "bill": ("Recent phone bill (PDF, PNG or JPEG)", "近期電話費單(PDF、PNG 或 JPEG)"),
    "record_button": ("Record application", "記錄申請"),
    "approve": ("Approve", "批准"),
    "reject": ("Reject", "拒絕"),
    "reject_reason": ("Reason for rejecting application {id}", "拒絕申請 {id} 的原因"),
    "col_id": ("No.", "編號"),
    "col_number": ("Number", "號碼"),
    "col_applicant": ("Applicant", "申請人"),
    "col_submitted": ("Recorded", "記錄時間"),
    "col_decision": ("Decision", "決定"),
    "col_bill": ("Phone bill", "電話費單"),
    "status_pending": ("pending", "待處理"),
    "status_approved": ("approved", "已批准"),
    "status_rejected": ("rejected", "已拒絕"),
    "flash_recorded": ("Application {id} for {number} was recorded.", "已記錄 {number} 的申請 {id}。"),
    "flash_approved": (
        "Application {id} was approved; {number} is updated.",
        "已批准申請 {id};{number} 已更新。",
    ),
    "flash_rejected": ("Application {id} was rejected.", "已拒絕申請 {id}。"),
    "form_problem": ("The application was not recorded", "申請未有記錄"),
    # errors
    "error_heading": ("Error {status}", "錯誤 {status}"),
    "error_400": ("The request could not be handled", "無法處理此要求"),
    "error_401": ("Please sign in", "請先登入"),
    "error_403": ("Not allowed", "不獲准許"),
    "error_404": ("Not found", "找不到"),
    "error_405": ("This address does not accept that kind of request", "此網址不接受這類要求"),
    "error_409": ("This conflicts with what is already recorded", "與現有紀錄有衝突"),
    "error_422": ("The information given is not valid", "輸入的資料無效"),
    "error_503": ("Temporarily unavailable", "暫時未能提供服務"),
    "error_csrf_rejected": (
        "This form has expired or did not come from this site. Reload the page and try again.",
        "此表格已過期或並非來自本網站。請重新載入頁面再試。",
    ),
    "error_not_authenticated": ("Please sign in to see this page.", "請先登入以查看此頁。"),
    "error_update_window": (
        "The registers are being updated; no changes are accepted now. Please try again after midnight.",
        "登記冊正在更新,現時不接受任何更改。請於午夜後再試。",
    ),
    "error_page_not_found": ("There is no page at this address.", "此網址沒有任何頁面。"),
    "error_method_not_allowed": ("This address cannot be used that way.", "此網址不能以這種方式使用。"),
    "error_original": ("Details: {message}", "詳情:{message}"),
    "back_home": ("Back to the start page", "返回首頁"),
    "go_sign_in": ("Go to staff sign-in", "前往職員登入"),
}

# Simplified Chinese, key -> text. A key missing here is shown in Traditional Chinese (readable, and visible).
HANS_MESSAGES: dict[str, str] = {
    "site_name": "拒收讯息登记册",
    "nav_check": "查核号码",
    "nav_paper": "书面申请",
    "language_name": "中文(简体)",
    "language_switch_label": "语言",
    "skip_link": "跳至主要内容",
    "sign_out": "登出",
    "signed_in_as": "已登录:{name}",
    "nav_staff": "职员",
    "nav_dashboard": "主页",
    "login_title": "职员登录",
    "username": "用户名",
    "password": "密码",
    "sign_in": "登录",
}

_NUMBER_KINDS_ZH = {
    "toll-free": "免費電話",
    "premium-rate": "收費服務",
    "service-code": "服務代碼",
    "unassigned": "未編配",
}


def translator(lang: str) -> Translator:
    """Return t(key, **values) for a language; an unknown key shows itself, so a gap is visible, not fatal."""
    index = 1 if lang in (ZH, HANS) else 0
    simplified = HANS_MESSAGES if lang == HANS else {}

    def t(key: str, **values: Any) -> str:
        pair = MESSAGES.get(key)
        if pair is None:
            return key
        text = simplified.get(key, pair[index])
        return text.format(**values) if values else text

    return t


def _from_accept_language(header: str) -> str:
    best, best_q = DEFAULT, -1.0
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        # Chinese gets Traditional Chinese (the registers serve Hong Kong), except explicitly Simplified tags.
        simplified = tag.startswith("zh-hans") or tag in ("zh-cn", "zh-sg")
        lang = (HANS if simplified else ZH) if tag.startswith("zh") else EN if tag.startswith("en") else None
        if lang is not None and q > best_q:
            best, best_q = lang, q
    return best


def choose_language(request: Request) -> str:
    """Return the page language, remembering an explicit ``?lang=`` choice in the session."""
    asked = request.query_params.get("lang")
    session = request.scope.get("session")
    if asked in LANGUAGES:
        if session is not None:
            session[SESSION_KEY] = asked
        return asked  # type: ignore[return-value]
    if session is not None and session.get(SESSION_KEY) in LANGUAGES:
        return str(session[SESSION_KEY])
    return _from_accept_language(request.headers.get("accept-language", ""))


def format_date(value: dt.date | str | None, lang: str) -> str:
    """Show a date the way the language writes it: 2 March 2026 or 2026年3月2日."""
    if not value:  # None, "" or a missing key in a template
        return ""
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    if lang in (ZH, HANS):
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {day:%B} {day.year}"


def format_instant(value: dt.datetime | str, lang: str) -> str:
    """Show an instant as Hong Kong wall-clock time (the value is already converted by the service)."""
    when = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{format_date(when.date(), lang)} {when:%H:%M}"


def second_language(request: Request) -> str:
    """Return the pages' language besides English: the real-name policy's (zh-Hans under the mainland one)."""
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        return ZH
    return get_policy(runtime.settings).language


def number_error(exc: InvalidNumber, lang: str) -> str:
    """Explain why a number was refused, in the page's language, from the error's structured details."""
    if lang != ZH:
        return exc.message
    raw = str(exc.extra.get("number") or "").strip()
    if not raw:
        return "沒有輸入號碼。"
    if "digits" in exc.extra:
        message = f"「{raw}」有 {exc.extra['digits']} 位數字;香港號碼有 8 位。"
        if "kind" in exc.extra:
            message += "這看來是服務代碼(例如 1083 或 999),不能登記。"
        return message
    if "kind" in exc.extra:
        kind = _NUMBER_KINDS_ZH.get(str(exc.extra["kind"]), str(exc.extra["kind"]))
        return f"{raw} 是{kind}號碼,不能登記。"
    if raw.startswith("+") and not raw.startswith("+852"):
        return f"「{raw}」不是香港號碼:只有 +852 號碼可以登記。"
    return f"「{raw}」不是電話號碼:請輸入 8 位數字,可加上 +852、空格或連字號。"


def error_message(exc: DomainError, lang: str) -> str:
    """Return the message for an error page: a localised explanation for known codes, else the message."""
    if isinstance(exc, InvalidNumber):
        return number_error(exc, lang)
    key = f"error_{exc.code}"
    if lang == ZH and key in MESSAGES:
        return translator(lang)(key)
    if exc.code == "csrf_rejected":
        return translator(lang)(key)
    return exc.message


# The sender portal's words live in their own module; merged here so every page has one translator.
from telreg.web.sender_messages import SENDER_MESSAGES  # noqa: E402

MESSAGES.update({key: pair for key, pair in SENDER_MESSAGES.items() if key not in MESSAGES})

# The real-name pages' words (shop, queues, public lookup), in all three languages.
from telreg.web.realname_messages import REALNAME_MESSAGES  # noqa: E402

MESSAGES.update({key: (en, hant) for key, (en, hant, _) in REALNAME_MESSAGES.items() if key not in MESSAGES})
HANS_MESSAGES.update({key: hans for key, (_, _, hans) in REALNAME_MESSAGES.items() if key not in HANS_MESSAGES})

# The regulator's compliance dashboard, in all three languages.
from telreg.web.realname_dashboard_messages import DASHBOARD_MESSAGES  # noqa: E402

for _key, (_en, _hant, _hans) in DASHBOARD_MESSAGES.items():
    MESSAGES.setdefault(_key, (_en, _hant))
    HANS_MESSAGES.setdefault(_key, _hans)

# The operators' porting page, in all three languages.
from telreg.web.realname_porting_messages import PORTING_MESSAGES  # noqa: E402

for _key, (_en, _hant, _hans) in PORTING_MESSAGES.items():
    MESSAGES.setdefault(_key, (_en, _hant))
    HANS_MESSAGES.setdefault(_key, _hans)
