"""The short messages a legacy number's holder receives at lifecycle steps: English and the policy's language.

The holder of an unregistered number is known only by the number, so the message goes to the number itself
(incoming messages still reach a number whose outgoing service is barred).
"""

from __future__ import annotations

import datetime as dt

__all__ = ["notice"]

# step -> (English, Traditional Chinese, Simplified Chinese); {number} and {deadline} are filled in.
_TEXTS: dict[str, tuple[str, str, str]] = {
    "reminder": (
        "Number {number} is not registered under the real-name rules. Register it with your operator: "
        "service is being withdrawn since {deadline}.",
        "號碼 {number} 尚未按實名制登記。請盡快向營辦商登記:服務已自 {deadline} 起逐步暫停。",
        "号码 {number} 尚未实名登记。请尽快向运营商补登记:自 {deadline} 起将逐步停机。",
    ),
    "outgoing_barred": (
        "Outgoing calls and messages from {number} are barred: it is not registered under the real-name "
        "rules. Register with your operator to restore service.",
        "號碼 {number} 未按實名制登記,已暫停撥出電話及發出訊息。請向營辦商登記以恢復服務。",
        "号码 {number} 未实名登记,已单向停机(停止呼出)。请向运营商补登记以恢复服务。",
    ),
    "suspended": (
        "All service of {number} is suspended: it is not registered under the real-name rules. Register with "
        "your operator to restore it before the number is deactivated.",
        "號碼 {number} 未按實名制登記,所有服務已暫停。請在號碼被取消前向營辦商登記以恢復服務。",
        "号码 {number} 未实名登记,已全停。请在号码注销前向运营商补登记以恢复服务。",
    ),
    "deactivated": (
        "Number {number} is deactivated: it was not registered under the real-name rules before {deadline}.",
        "號碼 {number} 因未於 {deadline} 前按實名制登記,已被取消。",
        "号码 {number} 因未于 {deadline} 前实名登记,已被注销。",
    ),
}
_LANGUAGE_INDEX = {"zh-Hant": 1, "zh-Hans": 2}


def notice(step: str, *, number: str, deadline: dt.date | None, language: str) -> str:
    """Return the message for a step, in English followed by the policy's other language."""
    texts = _TEXTS[step]
    values = {"number": number, "deadline": deadline.isoformat() if deadline else "-"}
    english = texts[0].format(**values)
    other = texts[_LANGUAGE_INDEX.get(language, 1)].format(**values)
    return f"{english}\n{other}"
