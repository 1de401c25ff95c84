"""The decision rules of issue 4 §2, one at a time, through the same path as the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from telreg.core.calendar import WorkingCalendar
from telreg.core.clock import HK
from telreg.core.errors import InvalidInput
from telreg.senders.scrub import load_instructions, load_publication, scrub_list

from .helpers import kept_lines, rejected, write_publication

DAY = dt.date(2026, 3, 20)
NOW = dt.datetime(2026, 3, 21, 9, 0, tzinfo=HK)


def scrub(tmp_path: Path, lines: list[str], *, listings: dict[str, str], instructions: str | None = None,
          send_date: dt.date = NOW.date(), warning_days: frozenset[dt.date] = frozenset()) -> dict:
    publication = load_publication(write_publication(tmp_path / "pub", listings, day=DAY), register="sms",
                                   calendar=WorkingCalendar(warning_days))
    given = None
    if instructions is not None:
        (tmp_path / "instructions.csv").write_text(instructions)
        given = load_instructions(tmp_path / "instructions.csv")
    (tmp_path / "list.txt").write_text("".join(f"{line}\n" for line in lines))
    result = scrub_list(tmp_path / "list.txt", publication=publication, instructions=given, send_date=send_date,
                        now=NOW, out_dir=tmp_path / "out")
    return result.report


def decisions(tmp_path: Path) -> dict[int, str]:
    return {row["line"]: row["decision"] for row in rejected(tmp_path / "out")}


def test_protection_starts_on_the_tenth_working_day(tmp_path):
    # Registered Monday 2 March 2026 → protected from Friday 13 March (Saturdays count, Sundays do not).
    listings = {"21234567": "2026-03-02"}
    report = scrub(tmp_path, ["21234567"], listings=listings, send_date=dt.date(2026, 3, 21))
    assert report["counts"]["blocked_dnc"] == 1
    assert rejected(tmp_path / "out")[0]["reason"] == "listed 2026-03-02; protected from 2026-03-13"


def test_listed_but_not_yet_protected_is_kept_with_the_day_protection_starts(tmp_path):
    # Registered Friday 20 March 2026: ten working days later is Wednesday 1 April (no holiday in between).
    report = scrub(tmp_path, ["61234567", "98765432"], listings={"61234567": "2026-03-20"},
                   send_date=dt.date(2026, 3, 31))
    assert report["counts"]["allowed_not_yet_protected"] == 1 and report["counts"]["allowed"] == 1
    assert report["allowed_not_yet_protected"] == [
        {"registered_on": "2026-03-20", "protected_from": "2026-04-01", "lines": [1]}]
    assert kept_lines(tmp_path / "out") == [b"61234567\n", b"98765432\n"]
    again = scrub(tmp_path, ["61234567"], listings={"61234567": "2026-03-20"}, send_date=dt.date(2026, 4, 1))
    assert again["counts"]["blocked_dnc"] == 1  # from that day on it is blocked


def test_a_warning_day_moves_protection_later(tmp_path):
    listings = {"21234567": "2026-03-12"}  # protected from Tuesday 24 March without a warning day
    scrub(tmp_path, ["21234567"], listings=listings, send_date=dt.date(2026, 3, 24))
    assert kept_lines(tmp_path / "out") == []
    scrub(tmp_path, ["21234567"], listings=listings, send_date=dt.date(2026, 3, 24),
          warning_days=frozenset({dt.date(2026, 3, 16)}))
    assert kept_lines(tmp_path / "out") == [b"21234567\n"]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["allowed_not_yet_protected"][0]["protected_from"] == "2026-03-25"


def test_consent_overrides_the_register_and_unsubscribe_overrides_consent(tmp_path):
    instructions = ("number,instruction,at,reference\n"
                    "21234567,consent,2026-03-01T10:00,web form\n"
                    "61234567,consent,2026-03-01T10:00,\n"
                    "61234567,unsubscribe,2026-03-02T10:00,STOP\n"
                    "91234567,unsubscribe,2026-03-01T10:00,\n"
                    "91234567,consent,2026-03-03,written\n")
    report = scrub(tmp_path, ["21234567", "61234567", "91234567", "51234567"],
                   listings={"21234567": "2025-01-02", "51234567": "2025-01-02"}, instructions=instructions)
    assert decisions(tmp_path) == {2: "blocked_unsubscribed", 4: "blocked_dnc"}
    assert report["counts"]["allowed_consent"] == 2
    assert kept_lines(tmp_path / "out") == [b"21234567\n", b"91234567\n"]


def test_an_unsubscribe_wins_a_tie_with_a_consent(tmp_path):
    instructions = ("number,instruction,at\n"
                    "21234567,unsubscribe,2026-03-01T10:00\n"
                    "21234567,consent,2026-03-01T10:00:00+08:00\n"
                    "61234567,consent,2026-03-01T02:00:00Z\n"  # the same instant, written in UTC
                    "61234567,unsubscribe,2026-03-01T10:00\n")
    scrub(tmp_path, ["21234567", "61234567"], listings={}, instructions=instructions)
    assert decisions(tmp_path) == {1: "blocked_unsubscribed", 2: "blocked_unsubscribed"}


def test_duplicates_are_reported_with_their_first_line_and_not_kept_twice(tmp_path):
    report = scrub(tmp_path, ["2123 4567", "61234567", "+852 2123-4567", "junk", "21234567"], listings={})
    assert kept_lines(tmp_path / "out") == [b"2123 4567\n", b"61234567\n"]
    rows = rejected(tmp_path / "out")
    assert [(r["line"], r["decision"], r["reason"]) for r in rows if r["decision"] == "duplicate"] == [
        (3, "duplicate", "duplicate of line 1"), (5, "duplicate", "duplicate of line 1")]
    assert report["duplicates"]["lines"] == 2 and report["duplicates"]["numbers"] == 1


def test_a_send_date_in_the_past_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match="in the past"):
        scrub(tmp_path, ["21234567"], listings={}, send_date=dt.date(2026, 3, 20))
    assert not (tmp_path / "out" / "kept.csv").exists()
