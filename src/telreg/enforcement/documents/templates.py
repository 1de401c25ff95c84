"""The letters and notices of a case as blocks for the PDF renderer (pdf.py), filled from their ``params``.

The words are the regulator's fixed forms, not interface sentences: an information request is in English with
its Chinese title; an enforcement notice is in English and Traditional Chinese in full. ``params`` hold every
value filled in (stored on the document row), so a document can be rendered again from its row and compared.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from telreg.enforcement.documents.pdf import Block

__all__ = ["INFORMATION_REQUEST_TITLE", "NOTICE_TITLE", "REPLY_TITLE", "enforcement_notice", "information_request",
           "reply_record", "date_en", "date_zh", "REGISTER_NAMES"]

AUTHORITY_EN = "Office of the Communications Authority — Unsolicited Electronic Messages"
AUTHORITY_ZH = "通訊事務管理局辦公室 — 非應邀電子訊息"
INFORMATION_REQUEST_TITLE = ("Request for Information", "要求提供資料通知")
NOTICE_TITLE = ("Enforcement Notice", "執行通知")
REPLY_TITLE = ("Reply Recorded", "回覆紀錄")

REGISTER_NAMES = {"fax": ("fax", "傳真"), "sms": ("SMS/MMS", "短訊／多媒體訊息"),
                  "prerecorded": ("pre-recorded voice/video", "預錄電話／視像訊息"),
                  "unsure": ("not stated", "未有說明")}


def date_en(value: str | dt.date) -> str:
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {day.strftime('%B')} {day.year}"


def date_zh(value: str | dt.date) -> str:
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日"


def _register(code: str, *, zh: bool = False) -> str:
    names = REGISTER_NAMES.get(code, (code, code))
    return names[1] if zh else names[0]


def _addressee(params: dict[str, Any]) -> list[Block]:
    sender = params["sender"]
    return [("para", "To: " + "\n".join([sender["name"], *sender.get("address_lines", [])]))]


def _reports_table(params: dict[str, Any]) -> list[Block]:
    rows = [["Report", "Arrived", "Register", "Receiving number"]]
    rows += [[r["reference"], r["arrived"], _register(r["register"]), r["receiving_number"]]
             for r in params["reports"]]
    return [("table", rows)] if len(rows) > 1 else [("para", "(No report is listed.)")]


def information_request(params: dict[str, Any]) -> list[Block]:
    """A dated letter asking the sender to answer questions about the reports by a date."""
    en, zh = INFORMATION_REQUEST_TITLE
    return [
        ("para", AUTHORITY_EN), ("para_zh", AUTHORITY_ZH),
        ("title", en), ("title_zh", zh),
        ("para", f"Our reference: {params['reference']} (case {params['case_reference']})"),
        ("para", f"Date: {date_en(params['dated'])}"),
        *_addressee(params),
        ("heading", "Reports in question"),
        ("para", "The Authority has received the following reports of commercial electronic messages sent to "
                 "numbers listed on a do-not-call register:"),
        *_reports_table(params),
        ("heading", "Information required"),
        ("para", "Please answer each of the following questions in writing:"),
        ("list", params["questions"]),
        ("heading", "Reply deadline"),
        ("para", f"Your reply must reach the Authority by {date_en(params['reply_due'])}, quoting the reference "
                 f"{params['reference']}."),
        ("heading", "Legal basis"),
        ("para", params["legal_basis"]),
        ("space", 6),
        ("para", f"Issued by {params['officer']} for the Communications Authority."),
    ]


def enforcement_notice(params: dict[str, Any]) -> list[Block]:
    """The bilingual notice: the contravention, the steps required, the deadline, the consequences."""
    en, zh = NOTICE_TITLE
    deadline = params["deadline"]
    sender = params["sender"]
    blocks: list[Block] = [
        ("para", AUTHORITY_EN), ("para_zh", AUTHORITY_ZH),
        ("title", en), ("title_zh", zh),
        ("para", f"Notice number: {params['reference']} (case {params['case_reference']})"),
        ("para_zh", f"通知編號：{params['reference']}（個案 {params['case_reference']}）"),
        ("para", f"Date: {date_en(params['dated'])}"),
        ("para_zh", f"日期：{date_zh(params['dated'])}"),
        *_addressee(params),
        ("para_zh", "致：" + sender["name"]),
        ("heading", "1. The contravention"),
        ("para", params["contravention"]),
        *_reports_table(params),
        ("heading", "2. Steps you are required to take"),
        ("list", params["steps"]),
        ("heading", "3. Deadline"),
        ("para", f"You must take these steps by {date_en(deadline)} and continue to comply afterwards. Messages "
                 "sent to listed numbers after that date will be treated as a contravention of this notice."),
        ("heading", "4. Consequences"),
        ("para", params["consequences"]),
        ("heading", "5. Legal basis"),
        ("para", params["legal_basis"]),
        ("space", 4),
        ("heading_zh", "一、違規事項"),
        ("para_zh", params["contravention_zh"]),
        ("heading_zh", "二、你須採取的步驟"),
        ("list_zh", params["steps_zh"]),
        ("heading_zh", "三、限期"),
        ("para_zh", f"你須於{date_zh(deadline)}或之前採取上述步驟，並於其後持續遵從。該日期後向已登記號碼發出的訊息，"
                    "將被視為違反本通知。"),
        ("heading_zh", "四、後果"),
        ("para_zh", params["consequences_zh"]),
        ("heading_zh", "五、法律依據"),
        ("para_zh", params["legal_basis_zh"]),
        ("space", 6),
        ("para", f"Issued by {params['officer']} for the Communications Authority."),
        ("para_zh", f"通訊事務管理局　{params['officer']}　簽發"),
    ]
    return blocks


def reply_record(params: dict[str, Any]) -> list[Block]:
    """A reply received without a file (by phone, or typed in): its text on record, dated."""
    en, zh = REPLY_TITLE
    return [
        ("para", AUTHORITY_EN), ("title", en), ("title_zh", zh),
        ("para", f"Reference: {params['reference']} (case {params['case_reference']})"),
        ("para", f"Received on: {date_en(params['received_on'])}; recorded by {params['officer']}."),
        ("heading", "Text of the reply"),
        ("para", params["text"]),
    ]
