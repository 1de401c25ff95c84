"""What the hotlines say, in Cantonese (written in Traditional Chinese) and English.

Every prompt is a pair; the engine sends both and says the one the caller chose. Numbers are read back digit by
digit, dates in the way each language says them. Texts are written for the ear: short sentences, the key last.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from telreg.dnc.vocabulary import Register

YUE = "yue"
EN = "en"
LANGUAGES = (YUE, EN)

_YUE_DIGITS = "零一二三四五六七八九"
_REGISTER_NAMES = {
    Register.fax: ("傳真登記冊", "fax register"),
    Register.sms: ("短訊登記冊", "SMS register"),
    Register.prerecorded: ("預錄電話訊息登記冊", "pre-recorded telephone message register"),
}


@dataclass(frozen=True)
class Prompt:
    yue: str
    en: str

    def __add__(self, other: Prompt) -> Prompt:
        return Prompt(_join(self.yue, other.yue, ""), _join(self.en, other.en, " "))

    def say(self, lang: str | None) -> str:
        """The text in the caller's language; before a language is chosen, both."""
        if lang == YUE:
            return self.yue
        if lang == EN:
            return self.en
        return _join(self.yue, self.en, " ")

    def as_dict(self) -> dict[str, str]:
        return {"yue": self.yue, "en": self.en}


def _join(a: str, b: str, sep: str) -> str:
    return a + sep + b if a and b else a or b


EMPTY = Prompt("", "")


def digits(number: str) -> Prompt:
    """Read a number back one digit at a time."""
    return Prompt(" ".join(_YUE_DIGITS[int(d)] for d in number), ", ".join(number))


def day(value: dt.date | str) -> Prompt:
    d = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return Prompt(f"{d.year}年{d.month}月{d.day}日", f"{d.day} {d:%B} {d.year}")


def register_name(register: Register | str) -> Prompt:
    yue, en = _REGISTER_NAMES[Register(register)]
    return Prompt(yue, "the " + en)


# --- the dialog -------------------------------------------------------------------------------------------

LANGUAGE_MENU = Prompt("廣東話請按1。", "For English, press 2.")
WELCOME = Prompt("歡迎致電拒收訊息登記冊。", "Welcome to the Do-not-call Registers.")


def main_menu(register: Register) -> Prompt:
    name = register_name(register)
    return Prompt(
        f"如要將你的來電號碼登記在{name.yue},請按1。取消已登記號碼,請按2。查詢號碼登記狀況,請按3。"
        "登記81、82或83字頭的個人號碼,請按4。",
        f"To register the number you are calling from on {name.en}, press 1. To cancel a registration, press 2. "
        "To check the status of a number, press 3. To register a personal number starting with 81, 82 or 83, "
        "press 4.",
    )


# action: (Cantonese words around the register's name, English verb phrase)
_ACTION = {
    "register": (("登記在", ""), "register it on"),
    "deregister": (("從", "取消登記"), "cancel its registration on"),
}


def confirm_caller(number: str, action: str, register: Register) -> Prompt:
    (yue_pre, yue_post), en_verb = _ACTION[action]
    n, name = digits(number), register_name(register)
    return Prompt(
        f"你的號碼是{n.yue}。如要將此號碼{yue_pre}{name.yue}{yue_post},請按1。返回主目錄,請按2。",
        f"Your number is {n.en}. To {en_verb} {name.en}, press 1. To go back to the main menu, press 2.",
    )


def enter_number(*, personal: bool, no_caller_id: bool) -> Prompt:
    if personal:
        return Prompt("請輸入你要登記的8位數字個人號碼,號碼以81、82或83字頭。",
                      "Please key the 8-digit personal number you want to register, starting with 81, 82 or 83.")
    lead = Prompt("系統未能讀取你的來電號碼。", "We could not read the number you are calling from.") if no_caller_id \
        else EMPTY
    return lead + Prompt("請輸入8位數字的電話或傳真號碼。", "Please key the 8-digit telephone or fax number.")


def confirm_keyed(number: str) -> Prompt:
    n = digits(number)
    return Prompt(f"你輸入的號碼是{n.yue}。正確請按1,重新輸入請按2。",
                  f"You keyed {n.en}. If this is correct, press 1. To key it again, press 2.")


def choose_method(*, phone: bool) -> Prompt:
    fax = Prompt("如要系統以傳真發出認證碼到此號碼(傳真回覆),請按2。",
                 "For a fax callback, with an authentication code faxed to this number, press 2.")
    if not phone:
        return fax
    return Prompt("如要系統致電此號碼確認(電話回覆),請按1。", "For a telephone callback to this number, press 1.") + fax


def callback_requested(number: str, *, personal: bool, attempts: int, interval: int) -> Prompt:
    n = digits(number)
    text = Prompt(
        f"系統會於稍後致電{n.yue},請接聽並按1確認。如未能接聽,系統會在大約{interval}分鐘後再試,"
        f"最多{attempts}次。請掛線。",
        f"We will call {n.en} shortly; answer and press 1 to confirm. If nobody answers we will try again about "
        f"{interval} minutes later, up to {attempts} times in all. Please hang up now.",
    )
    if personal:
        text = Prompt("請先將個人號碼的來電轉駁至可接聽的電話。", "Please make sure the personal number is "
                      "forwarded to a telephone you can answer.") + text
    return text


def fax_code_requested(number: str) -> Prompt:
    from telreg.dnc.ivr.lines import FAX_CONFIRM_NUMBER

    n, c = digits(number), digits(FAX_CONFIRM_NUMBER)
    return Prompt(
        f"系統稍後會發送載有認證碼的傳真到{n.yue}。請掛線,然後致電{c.yue},輸入傳真號碼及認證碼。",
        f"We will shortly fax an authentication code to {n.en}. Please hang up, then call {c.en} and key the "
        "fax number and the code.",
    )


PAPER_ADVICE = Prompt(
    "流動電話號碼不設回覆安排。請從該號碼致電並啟動來電號碼顯示,或填寫申請表格,連同近期電話費單遞交通訊辦。",
    "Callbacks are not available for mobile numbers. Please call from that number with caller ID shown, or send "
    "us the paper application form with a recent phone bill for the number.",
)
STATUS_ELSEWHERE = Prompt(
    "系統只會致電2或3字頭的固網號碼及8字頭的個人號碼。請從該號碼致電,或於www.dnc.gov.hk查核。",
    "We can only call back fixed lines starting with 2 or 3 and personal numbers. Please call from that number, "
    "or check at www.dnc.gov.hk.",
)
WINDOW_CLOSED = Prompt("登記冊正在更新,現時不接受登記或取消登記。請於午夜十二時後再致電。",
                       "The registers are being updated and cannot be changed now. Please call again after midnight.")
NO_INPUT = Prompt("系統未收到你的輸入。", "We did not hear a key.")
INVALID_KEY = Prompt("選擇無效。", "That is not one of the choices.")
GOODBYE = Prompt("多謝致電,再見。", "Thank you for calling. Goodbye.")
TOO_MANY_TRIES = Prompt("系統未能完成你的要求,請稍後再致電。", "We could not complete your request. Please call again later.")


def bad_number(problem: str, keyed: str) -> Prompt:
    if problem == "length":
        return Prompt(f"你輸入了{len(keyed)}個數字,號碼須有8位數字。",
                      f"You keyed {len(keyed)} digits; a number has 8 digits.")
    if problem == "personal-only":
        return Prompt("此選項只適用於81、82或83字頭的個人號碼。",
                      "This choice is only for personal numbers starting with 81, 82 or 83.")
    return Prompt("此號碼不能登記在拒收訊息登記冊。", "That number cannot be listed on a do-not-call register.")


# --- outcomes ---------------------------------------------------------------------------------------------

def change_outcome(outcome: dict[str, Any]) -> Prompt:
    """Say what a register change did: registered / already-listed / deregistered / not-listed."""
    n, name, result = digits(outcome["number"]), register_name(outcome["register"]), outcome["result"]
    if result == "registered":
        since, protected = day(outcome["registered_on"]), day(outcome["protected_from"])
        return Prompt(f"{n.yue}已於今日({since.yue})登記在{name.yue},保障由{protected.yue}起生效。",
                      f"{n.en} is listed on {name.en} from today, {since.en}. Protection starts on {protected.en}.")
    if result == "already-listed":
        since, protected = day(outcome["registered_on"]), day(outcome["protected_from"])
        return Prompt(f"{n.yue}已於{since.yue}登記在{name.yue},保障由{protected.yue}起生效。毋須再次登記。",
                      f"{n.en} has already been listed on {name.en} since {since.en}; protection from "
                      f"{protected.en}. Nothing more is needed.")
    if result == "deregistered":
        return Prompt(f"{n.yue}已於今日從{name.yue}取消登記。", f"{n.en} has been removed from {name.en} today.")
    return Prompt(f"{n.yue}並未登記在{name.yue},毋須取消。", f"{n.en} is not listed on {name.en}; nothing was changed.")


def status(number: str, register: Register | str, entry: dict[str, Any]) -> Prompt:
    """Read one register's entry of the status document."""
    n, name = digits(number), register_name(register)
    if not entry.get("listed"):
        return Prompt(f"{n.yue}並未登記在{name.yue}。", f"{n.en} is not listed on {name.en}.")
    since, protected = day(entry["registered_on"]), day(entry["protected_from"])
    return Prompt(f"{n.yue}自{since.yue}起登記在{name.yue},保障由{protected.yue}起生效。",
                  f"{n.en} has been listed on {name.en} since {since.en}, and is protected from {protected.en}.")


# --- the confirmation line (fax callback) -------------------------------------------------------------------

FC_ENTER_NUMBER = Prompt("請輸入8位數字的傳真號碼。", "Please key the 8-digit fax number.")
FC_ENTER_CODE = Prompt("請輸入傳真上的6位數字認證碼。", "Please key the 6-digit authentication code from the fax.")
FC_NONE_PENDING = Prompt("此號碼沒有等待確認的認證碼。", "No authentication code is waiting for that number.")
FC_EXPIRED = Prompt("認證碼已過期。請再次致電登記熱線並重複登記程序。",
                    "That code has expired. Please call the registration hotline and start again.")
FC_FAILED = Prompt("認證碼錯誤次數太多,是次申請未能完成。請再次致電登記熱線並重複登記程序。",
                   "Too many wrong codes; this request has failed. Please call the registration hotline and start "
                   "again.")
FC_CODE_LENGTH = Prompt("認證碼須有6位數字。", "The code has 6 digits.")


def fc_wrong(remaining: int) -> Prompt:
    return Prompt(f"認證碼錯誤,你還可以再試{remaining}次。", f"That code is not right. You have {remaining} more "
                  f"{'try' if remaining == 1 else 'tries'}.")


# --- what the callback call and the code fax say ------------------------------------------------------------

def callback_message(action: str, number: str, registers: list[str], status_text: Prompt | None = None) -> Prompt:
    n = digits(number)
    names = [register_name(r) for r in registers]
    name = Prompt("、".join(x.yue for x in names), " and ".join(x.en for x in names))
    head = Prompt("拒收訊息登記冊來電。", "This is the Do-not-call Registers.")
    if action == "status" and status_text is not None:
        return head + status_text + Prompt("請按1確認收聽。", "Press 1 to acknowledge.")
    if action == "deregister":
        ask = Prompt(f"有人要求將{n.yue}從{name.yue}取消登記。確認請按1。",
                     f"We were asked to cancel the registration of {n.en} on {name.en}. To confirm, press 1.")
    else:
        ask = Prompt(f"有人要求將{n.yue}登記在{name.yue}。確認請按1。",
                     f"We were asked to list {n.en} on {name.en}. To confirm, press 1.")
    return head + ask


def fax_text(number: str, code: str, expires_at: dt.datetime) -> str:
    from telreg.dnc.ivr.lines import FAX_CONFIRM_NUMBER

    until = f"{expires_at:%Y-%m-%d %H:%M}"
    return (
        f"拒收訊息登記冊 — 認證碼 {code}\n"
        f"請於 {until} 前致電 {FAX_CONFIRM_NUMBER},輸入傳真號碼 {number} 及以上認證碼,以完成申請。\n\n"
        f"Do-not-call Registers — authentication code {code}\n"
        f"Call {FAX_CONFIRM_NUMBER} before {until} (Hong Kong time) and key the fax number {number} and this code "
        "to complete your request. If you did not ask for this, ignore this fax.\n"
    )
