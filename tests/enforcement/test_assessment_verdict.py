"""The verdict's precedence (verdict.py), each verdict class, and the lines described in the reader's language."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from telreg.core.i18n import format_message
from telreg.enforcement.assessment import assess, describe
from telreg.enforcement.assessment.verdict import LISTED, NOT_LISTED, NOT_YET, UNKNOWN, decide, verdict_for
from telreg.enforcement.vocabulary import VERDICTS
from telreg.senders.models import SenderDownload

from ..senders.helpers import make_active, make_officer
from .assessment_helpers import at, deregister, instruct, make_report, make_wash, register, write_publication


@pytest.mark.parametrize(("listing", "instruction", "verdict"), [
    (NOT_LISTED, "unsubscribe", "unsubscribe_ignored"),  # s.9: an unsubscribe binds whether listed or not
    (UNKNOWN, "unsubscribe", "unsubscribe_ignored"),
    (NOT_YET, "unsubscribe", "unsubscribe_ignored"),
    (LISTED, "unsubscribe", "unsubscribe_ignored"),
    (UNKNOWN, None, "insufficient_information"),
    (UNKNOWN, "consent", "insufficient_information"),
    (NOT_LISTED, None, "not_listed"),
    (NOT_LISTED, "consent", "not_listed"),
    (NOT_YET, None, "not_yet_protected"),
    (NOT_YET, "consent", "not_yet_protected"),
    (LISTED, "consent", "consent_recorded"),
    (LISTED, None, "apparent_contravention"),
])
def test_the_precedence_of_verdicts(listing, instruction, verdict):
    assert verdict_for(listing, instruction) == verdict


def test_the_report_verdict_stands_only_when_every_register_and_every_candidate_agree():
    agree = decide({"sms": LISTED, "fax": LISTED}, {}, (None,))
    registers = decide({"sms": LISTED, "fax": NOT_LISTED}, {}, (None,))
    senders = decide({"sms": LISTED}, {(1, "sms"): "consent", (2, "sms"): None}, (1, 2))
    same_for_both = decide({"sms": NOT_LISTED}, {(1, "sms"): "consent"}, (1, 2))
    history = decide({"sms": UNKNOWN}, {}, (None,))

    assert (agree.verdict, agree.why) == ("apparent_contravention", "single")
    assert (registers.verdict, registers.why) == ("insufficient_information", "registers")
    assert registers.per_register == {"sms": "apparent_contravention", "fax": "not_listed"}
    assert (senders.verdict, senders.why) == ("insufficient_information", "senders")
    assert senders.per_sender == {"1": ["consent_recorded"], "2": ["apparent_contravention"]}
    assert (same_for_both.verdict, same_for_both.why) == ("not_listed", "single")
    assert (history.verdict, history.why) == ("insufficient_information", "history")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_verdict_class_from_the_records_and_its_lines_in_every_language(session, runtime):
    make_officer(session, runtime.clock)
    runtime.clock.set(at(dt.date(2026, 3, 1), 9))
    account = make_active(session, runtime, name="Acme Offers Ltd", username="acme.offers")
    mon = dt.date(2026, 3, 2)
    arrival = at(dt.date(2026, 3, 20), 10)
    numbers = {"not_listed": "91000001", "not_yet_protected": "91000002", "consent_recorded": "91000003",
               "apparent_contravention": "91000004", "unsubscribe_ignored": "91000005",
               "insufficient_information": "91000006"}
    for verdict, number in numbers.items():
        if verdict == "not_yet_protected":
            register(session, runtime, at(dt.date(2026, 3, 16), 10), number=number)
        elif verdict == "insufficient_information":
            register(session, runtime, at(mon, 10), "sms", number=number)
        else:
            register(session, runtime, at(mon, 10), "sms", "fax", number=number)
    deregister(session, runtime, at(dt.date(2026, 3, 19), 10), "sms", number=numbers["not_listed"])
    register(session, runtime, at(dt.date(2026, 3, 21), 10), "fax", number=numbers["insufficient_information"])
    instruct(session, account_id=account.id, kind="consent", given_at=at(mon, 12), number=numbers["consent_recorded"])
    instruct(session, account_id=account.id, kind="unsubscribe", given_at=at(mon, 12),
             number=numbers["unsubscribe_ignored"])
    write_publication(runtime.settings, mon, at(mon, 23, 5))
    session.add(SenderDownload(account_id=account.id, register="sms", publication_date=mon,
                               file_name="sms-dated.zip", downloaded_at=at(dt.date(2026, 3, 3), 8)))
    make_wash(session, runtime.settings, account_id=account.id, finished_at=at(dt.date(2026, 3, 16), 9),
              kept=b"91000004\r\n", rejected=b'line,original,decision,reason\r\n2,91000003,blocked_dnc,x\r\n',
              publication=mon)
    make_wash(session, runtime.settings, account_id=account.id, finished_at=at(dt.date(2026, 3, 17), 9),
              kept=b"", rejected=b"", publication=mon, held=False)

    results = {}
    for verdict, number in numbers.items():
        report = make_report(session, received_at=arrival, number=number,
                             register="unsure" if verdict == "insufficient_information" else "sms")
        results[verdict] = assess(session, clock=runtime.clock, settings=runtime.settings, report=report,
                                  account_id=account.id)

    assert {v: r.verdict for v, r in results.items()} == {v: v for v in numbers}
    assert set(numbers) == set(VERDICTS)
    stored = [json.loads(json.dumps(r.as_dict())) for r in results.values()]  # as kept on the report (JSON)
    codes = {line["code"] for a in stored for line in a["lines"]}
    assert codes >= {"register", "listed-at-arrival", "protection", "non-working-days", "first-publication",
                     "sender-account", "subscription", "downloads", "online-checks", "washes", "wash-found",
                     "wash-expired", "instruction", "verdict", "registered-after-arrival",
                     "removal-before-arrival"}
    english = describe(stored[2], "en")
    assert any("on the SMS register" in line["finding"] for line in english)
    for lang in ("zh-Hant", "zh-Hans"):
        for assessment in stored:
            for line in describe(assessment, lang):
                for text in (line["finding"], line["rule"]):
                    assert "%(" not in text
                    assert re.search(r"[\u4e00-\u9fff]", text), (lang, line["code"], text)
                    words = re.sub(r"\S+\.(?:zip|csv)", "", text)  # file names are shown as they are
                    assert not re.search(r"\b(?:sms|prerecorded|blocked_dnc|caller-id)\b", words), text
                assert line["params"] == next(x for x in assessment["lines"] if x["code"] == line["code"]
                                              and x["params"] == line["params"])["params"]
    # An older stored assessment whose sentence is unknown to the catalogs still reads (in English).
    assert describe({"lines": [{"code": "x", "outcome": "info", "finding": "Seen %(n)s times.", "rule": "R.",
                                "params": {"n": 2}}]}, "zh-Hant")[0]["finding"] == "Seen 2 times."
    assert format_message("zh-Hant", "Seen %(n)s times.", {"n": 3}) == "Seen 3 times."
