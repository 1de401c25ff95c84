"""The assessment's sender lines: who the sender is (given, the case's, a unique match, ambiguous), its
subscription, download log, online checks, washes and own consent/unsubscribe instructions ("latest wins", an
unsubscribe winning a tie at the same second); the register when the reporter was not sure; seed numbers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event

from telreg.enforcement.assessment import assess
from telreg.enforcement.models import Case, ReportAttachment, SeedAssignment, SeedNumber, SenderAlias
from telreg.senders.models import SenderCheck, SenderDownload

from ..senders.helpers import make_active, make_officer
from .assessment_helpers import (
    at,
    instruct,
    make_report,
    make_wash,
    outcome,
    register,
    write_publication,
)

MON = dt.date(2026, 3, 2)
ARRIVAL = at(dt.date(2026, 3, 20), 10)  # protection of a 2 March listing started on 13 March


def _account(session, runtime, name="Acme Offers Ltd", username="acme.offers"):
    runtime.clock.set(at(dt.date(2026, 3, 1), 9))
    if not runtime.extras.get("officer"):
        runtime.extras["officer"] = make_officer(session, runtime.clock)
    return make_active(session, runtime, name=name, username=username)


def _assess(session, runtime, account_id=None, **report):
    report.setdefault("received_at", ARRIVAL)
    return assess(session, clock=runtime.clock, settings=runtime.settings, report=make_report(session, **report),
                  account_id=account_id)


def test_latest_instruction_wins_and_an_unsubscribe_wins_a_tie_at_the_same_second(session, runtime):
    account = _account(session, runtime)
    numbers = {"tie": "91234567", "consent-later": "91234568", "unlisted-unsubscribe": "91234569",
               "after-arrival": "91234570", "client": "91234571"}
    for key, number in numbers.items():
        if key != "unlisted-unsubscribe":
            register(session, runtime, at(MON, 10), number=number)
    noon = at(dt.date(2026, 3, 5), 12)  # binding from 17 March (UEMO s.10's 10 working days), before the arrival
    instruct(session, account_id=account.id, kind="consent", given_at=noon, number=numbers["tie"])
    instruct(session, account_id=account.id, kind="unsubscribe", given_at=noon, number=numbers["tie"])
    instruct(session, account_id=account.id, kind="unsubscribe", given_at=noon, number=numbers["consent-later"])
    instruct(session, account_id=account.id, kind="consent", given_at=noon + dt.timedelta(seconds=1),
             number=numbers["consent-later"])
    instruct(session, account_id=account.id, kind="unsubscribe", given_at=noon, number=numbers["unlisted-unsubscribe"])
    instruct(session, account_id=account.id, kind="consent", given_at=ARRIVAL + dt.timedelta(seconds=1),
             number=numbers["after-arrival"])
    instruct(session, account_id=account.id, kind="consent", given_at=noon, number=numbers["client"],
             client_ref="BigBank")
    results = {key: _assess(session, runtime, number=number) for key, number in numbers.items()}

    assert results["tie"].verdict == "unsubscribe_ignored"
    tie = results["tie"].line("instruction")
    assert (tie.params["instruction"], tie.params["given_at"]) == ("unsubscribe", "2026-03-05 12:00:00+08:00")
    assert results["consent-later"].verdict == "consent_recorded"
    assert results["unlisted-unsubscribe"].verdict == "unsubscribe_ignored"  # s.10: listed or not
    assert outcome(results["unlisted-unsubscribe"], "listed-at-arrival") == "no"
    assert results["after-arrival"].verdict == "apparent_contravention"
    assert outcome(results["after-arrival"], "instruction") == "no"
    client = results["client"]
    assert (client.verdict, client.line("instruction").params["client_ref"]) == ("consent_recorded", "BigBank")
    sender = results["tie"].line("sender-account")
    assert (sender.outcome, sender.params["account_id"], sender.params["account_name"]) == (
        "yes", account.id, "Acme Offers Ltd")


def test_subscription_download_log_and_online_checks(session, runtime):
    settings = runtime.settings
    account = _account(session, runtime)
    register(session, runtime, at(MON, 10))
    for day in (dt.date(2026, 3, 1), dt.date(2026, 3, 3), dt.date(2026, 3, 5)):
        write_publication(settings, day, at(day, 23, 10))

    def download(name, publication, when, register="sms"):
        session.add(SenderDownload(account_id=account.id, register=register, publication_date=publication,
                                   file_name=name, downloaded_at=when))

    download("sms-dated.zip", dt.date(2026, 3, 1), at(dt.date(2026, 3, 2), 8))  # before the listing
    download("sms-changes-000003.zip", dt.date(2026, 3, 3), at(dt.date(2026, 3, 4), 8))  # the first to carry it
    download("sms-numbers.zip", dt.date(2026, 3, 5), at(dt.date(2026, 3, 6), 8, 30))  # carries it: the latest
    download("sms-numbers.zip.sha256", dt.date(2026, 3, 5), at(dt.date(2026, 3, 6), 8, 31))  # a checksum
    download("sms-changes-000005.zip", dt.date(2026, 3, 5), at(dt.date(2026, 3, 6), 8, 32))  # only later changes
    download("fax-dated.zip", dt.date(2026, 3, 5), at(dt.date(2026, 3, 6), 9), register="fax")
    download("sms-dated.zip", dt.date(2026, 3, 5), ARRIVAL + dt.timedelta(minutes=1))  # after the message
    for registers, count, when in (("sms,fax", 50, at(dt.date(2026, 3, 10))), ("fax", 7, at(dt.date(2026, 3, 11))),
                                   ("sms", 9, ARRIVAL + dt.timedelta(hours=1))):
        session.add(SenderCheck(account_id=account.id, registers=registers, numbers_checked=count, checked_at=when))
    session.flush()

    report = make_report(session, received_at=ARRIVAL)
    statements = []

    def listen(connection, cursor, statement, *args):
        statements.append(statement)

    event.listen(session.get_bind(), "before_cursor_execute", listen)
    try:
        result = assess(session, clock=runtime.clock, settings=runtime.settings, report=report,
                        account_id=account.id)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listen)
    unlisted = _assess(session, runtime, account_id=account.id, number="91111111")

    assert len(statements) <= 12  # a handful of set-based queries, none per row
    assert result.verdict == "apparent_contravention"
    assert result.line("sender-account").finding.startswith("The sender is account")
    subscription = result.line("subscription")
    assert (subscription.outcome, subscription.params["starts_on"]) == ("yes", "2026-03-01")
    downloads = result.line("downloads")
    assert downloads.outcome == "yes"
    assert {k: downloads.params[k] for k in ("carrying", "total", "file", "publication", "downloaded_at")} == {
        "carrying": 2, "total": 4, "file": "sms-numbers.zip", "publication": "2026-03-05",
        "downloaded_at": "2026-03-06 08:30"}
    checks = result.line("online-checks")
    assert (checks.outcome, checks.params["checks"], checks.params["numbers"]) == ("info", 1, 50)
    assert outcome(unlisted, "downloads") == "info"
    assert unlisted.line("downloads").params["total"] == 4
    assert outcome(result, "fax-subscription") is None and outcome(result, "subscription", "fax") is None


def test_wash_results_show_whether_the_list_held_the_number_and_what_the_wash_decided(session, runtime):
    settings = runtime.settings
    account = _account(session, runtime)
    register(session, runtime, at(MON, 10))
    blocked = make_wash(session, settings, account_id=account.id, finished_at=at(dt.date(2026, 3, 16), 9),
                        kept=b"number,name\r\n912345670,Longer\r\n",
                        rejected=b'line,original,decision,reason\r\n'
                                 b'4,"+852 9123 4567,Ann",blocked_dnc,listed since 2026-03-02\r\n',
                        publication=dt.date(2026, 3, 15))
    kept = make_wash(session, settings, account_id=account.id, finished_at=at(dt.date(2026, 3, 18), 9),
                     kept=b"number,name\r\n9123-4567,Ann\r\n", rejected=b"line,original,decision,reason\r\n",
                     publication=dt.date(2026, 3, 1))
    expired = make_wash(session, settings, account_id=account.id, finished_at=at(dt.date(2026, 3, 17), 9),
                        kept=b"", rejected=b"", publication=dt.date(2026, 3, 1), held=False)
    make_wash(session, settings, account_id=account.id, finished_at=ARRIVAL + dt.timedelta(minutes=5),
              kept=b"91234567\r\n", rejected=b"", publication=dt.date(2026, 3, 19))
    make_wash(session, settings, account_id=account.id, finished_at=at(dt.date(2026, 3, 12), 9),
              kept=b"number\r\n20260302\r\n", rejected=b"line,original,decision,reason\r\n", publication=MON)

    result = _assess(session, runtime, account_id=account.id)

    summary = result.line("washes")
    assert (summary.outcome, summary.params["total"], summary.params["searched"], summary.params["found"]) == (
        "yes", 4, 4, 2)
    found = {line.params["wash_id"]: line for line in result.lines if line.code == "wash-found"}
    assert set(found) == {blocked.id, kept.id}
    assert (found[blocked.id].params["line"], found[blocked.id].params["decision"]) == (4, "blocked_dnc")
    assert (found[blocked.id].params["publication"], found[blocked.id].params["sha256"]) == ("2026-03-15", "cd" * 32)
    assert "decision" not in found[kept.id].params
    assert found[kept.id].finding.endswith("held the number and kept it for sending. It was washed against the "
                                           "publication of %(publication)s (SHA-256 %(sha256)s).")
    assert result.line("wash-expired").params["washes"] == f"#{expired.id}"


def test_an_ambiguous_sender_the_case_account_and_the_officer_choice(session, runtime):
    first = _account(session, runtime, name="Acme Offers Ltd", username="acme.one")
    second = _account(session, runtime, name="Acme Offers (HK) Ltd", username="acme.two")
    for account in (first, second):
        session.add(SenderAlias(account_id=account.id, kind="name", value="acme offers", added_by="olivia",
                                added_at=at(MON)))
    register(session, runtime, at(MON, 10))
    session.flush()

    no_instruction = _assess(session, runtime, sender="ACME Offers")
    instruct(session, account_id=second.id, kind="unsubscribe", given_at=at(dt.date(2026, 3, 5)))
    ambiguous = _assess(session, runtime, sender="ACME Offers")
    chosen = _assess(session, runtime, sender="ACME Offers", account_id=second.id)
    now = at(MON)
    case = Case(reference="CASE-T1", state="collecting", origin="reports", sender_key_kind="account",
                sender_key=f"account:{first.id}", open_key=f"account:{first.id}", sender_label="Acme",
                account_id=first.id, opened_by="olivia", opened_at=now, updated_at=now)
    session.add(case)
    session.flush()
    of_case = _assess(session, runtime, sender="ACME Offers", case_id=case.id)
    stranger = _assess(session, runtime, sender="Someone Else Ltd")

    line = no_instruction.line("sender-account")
    assert line.outcome == "unknown"
    assert line.params["candidates"] == [{"id": first.id, "name": "Acme Offers Ltd"},
                                         {"id": second.id, "name": "Acme Offers (HK) Ltd"}]
    assert {x.code for x in no_instruction.lines if x.outcome == "unknown"} >= {
        "sender-account", "subscription", "downloads", "washes", "instruction"}
    assert no_instruction.verdict == "apparent_contravention"  # whichever account: no instruction, listed
    assert ambiguous.verdict == "insufficient_information"
    assert ambiguous.line("verdict").params["senders"] == {str(first.id): ["apparent_contravention"],
                                                          str(second.id): ["unsubscribe_ignored"]}
    assert chosen.verdict == "unsubscribe_ignored"
    assert of_case.verdict == "apparent_contravention"
    assert of_case.line("sender-account").params["account_id"] == first.id
    assert (stranger.line("sender-account").outcome, stranger.verdict) == ("no", "apparent_contravention")


def test_a_reporter_not_sure_of_the_register(session, runtime):
    register(session, runtime, at(MON, 10), "sms")
    register(session, runtime, at(MON, 10), "sms", number="92222222")
    register(session, runtime, at(MON, 10), "fax", "prerecorded", number="92222222")
    one_register = _assess(session, runtime, register="unsure")
    every_register = _assess(session, runtime, register="unsure", number="92222222")
    told = make_report(session, received_at=ARRIVAL, register="unsure")
    session.add(ReportAttachment(report_id=told.id, kind="fax-image", filename="fax.png", content_type="image/png",
                                 sha256="e" * 64, size=10, path="/nowhere/fax.png", uploaded_at=ARRIVAL))
    session.flush()
    by_attachment = assess(session, clock=runtime.clock, settings=runtime.settings, report=told)

    assert one_register.verdict == "insufficient_information"
    assert one_register.line("verdict").params["verdicts"] == {"fax": "not_listed", "sms": "apparent_contravention",
                                                              "prerecorded": "not_listed"}
    assert [x.params["register"] for x in one_register.lines if x.code == "listed-at-arrival"] == [
        "fax", "sms", "prerecorded"]
    assert every_register.verdict == "apparent_contravention"
    assert by_attachment.line("register").params == {"register": "fax", "attachment": "fax-image"}
    assert by_attachment.verdict == "not_listed"


def test_a_seed_number_is_named_as_a_leak_trace(session, runtime):
    account = _account(session, runtime)
    seed = SeedNumber(number="93333333", operator="op1", kind="mobile", state="assigned", imported_by="olivia",
                      imported_at=at(dt.date(2025, 6, 1)))
    session.add(seed)
    session.flush()
    session.add(SeedAssignment(seed_id=seed.id, account_id=account.id, register="sms", listed_on=dt.date(2025, 6, 1),
                               assigned_at=at(dt.date(2025, 6, 1))))
    session.flush()
    result = _assess(session, runtime, number="93333333")
    ordinary = _assess(session, runtime)

    line = result.line("seed-number")
    assert line.params == {"number": "93333333", "account_id": account.id, "account_name": "Acme Offers Ltd",
                           "register": "sms", "listed_on": "2025-06-01"}
    assert result.verdict == "not_listed"  # a seed is never a real listing: the trace is the finding
    assert ordinary.line("seed-number") is None


def test_a_list_line_holds_the_number_however_it_is_spelled_but_not_inside_a_longer_number(tmp_path):
    from telreg.enforcement.assessment.sender import _lines_with, _number_pattern

    lines = [b"91234567,a", b"x,9123 4567,b", b"+852 9123-4567,c", b"85291234567,d", b"9 1 2 3 4 5 6 7,e",
             b"912345670,no", b"191234567,no", b"1852 91234567,no", b"1 91234567,no", b"2026-03-02 91234567,no",
             b"91234568,no"]
    path = tmp_path / "kept.csv"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    found = _lines_with(path, _number_pattern("91234567"), 20)
    assert [line.rsplit(b",", 1)[1] for line in found] == [b"a", b"b", b"c", b"d", b"e"]
    assert _lines_with(path, _number_pattern("91234567"), 2) == lines[:2]
    assert _lines_with(tmp_path / "missing.csv", _number_pattern("91234567"), 2) == []


def test_an_unsubscribe_binds_from_the_tenth_working_day_after_it_was_given(session, runtime):
    """UEMO s.10: a sender has 10 working days to honour an unsubscribe; until then the instruction before it
    stands. Given Thursday 5 March 2026 at 12:00, it binds from Tuesday 17 March (Sunday 8 and 15 do not count)."""
    account = _account(session, runtime)
    numbers = {"consent-before": "91234581", "nothing-before": "91234582"}
    for number in numbers.values():
        register(session, runtime, at(MON, 10), number=number)
    given = at(dt.date(2026, 3, 5), 12)
    instruct(session, account_id=account.id, kind="consent", given_at=given - dt.timedelta(days=1),
             number=numbers["consent-before"])
    for number in numbers.values():
        instruct(session, account_id=account.id, kind="unsubscribe", given_at=given, number=number)

    day_before = at(dt.date(2026, 3, 16), 23, 59)
    first_day = at(dt.date(2026, 3, 17), 0, 1)
    pending = _assess(session, runtime, number=numbers["consent-before"], received_at=day_before)
    assert pending.verdict == "consent_recorded"
    line = pending.line("unsubscribe-pending")
    assert (line.params["binds_from"], line.params["given_at"]) == ("2026-03-17", "2026-03-05 12:00:00+08:00")
    assert pending.line("instruction").params["instruction"] == "consent"
    assert _assess(session, runtime, number=numbers["nothing-before"],
                   received_at=day_before).verdict == "apparent_contravention"
    assert _assess(session, runtime, number=numbers["consent-before"],
                   received_at=first_day).verdict == "unsubscribe_ignored"
    assert _assess(session, runtime, number=numbers["nothing-before"],
                   received_at=first_day).verdict == "unsubscribe_ignored"
