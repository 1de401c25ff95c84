"""`telreg scrub` end to end: a publication made by the real publisher, then every kind of bad input."""

from __future__ import annotations

import datetime as dt
import json
import os
import zipfile
from pathlib import Path

import pytest

from telreg.dnc.vocabulary import Register

from ...dnc.publish_helpers import at, publish, register
from .helpers import kept_lines, rejected, run_cli, write_publication

MON = dt.date(2026, 3, 2)
AS_OF = "2026-03-03T09:00"


def scrub(list_path: Path, publication: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    return run_cli("scrub", str(list_path), "--register", "sms", "--publication", str(publication), "--out", str(out),
                   "--as-of", AS_OF, *extra)


@pytest.fixture
def publication(tmp_path: Path) -> Path:
    return write_publication(tmp_path / "pub", {"21234567": "2026-02-02", "61234567": "2026-03-02"}, day=MON)


def test_scrubbing_against_a_real_publication(runtime, clock, tmp_path):
    register(runtime, "21234567", Register.sms, Register.fax)
    register(runtime, "61234567", Register.fax)
    clock.set(at(MON, 23))
    zip_path = publish(runtime, MON).path / "sms-dated.zip"
    listing = tmp_path / "list.csv"
    listing.write_bytes(b"\xef\xbb\xbfname,phone\r\nAda,2123 4567\r\nBo,+852 6123 4567\r\nCy,junk\r\nDi,21234567\r\n")
    instructions = tmp_path / "instructions.csv"
    instructions.write_text("number,instruction,at,channel\n61234567,unsubscribe,2026-03-01T12:00,reply STOP\n")

    code, out, err = scrub(listing, zip_path, tmp_path / "soon", "--column", "phone", "--instructions",
                           str(instructions), "--send-date", "2026-03-03")
    assert code == 0, err
    assert kept_lines(tmp_path / "soon") == [b"\xef\xbb\xbfname,phone\r\n", b"Ada,2123 4567\r\n"]
    rows = rejected(tmp_path / "soon")
    assert [(r["line"], r["original"], r["decision"]) for r in rows] == [
        (3, "Bo,+852 6123 4567", "blocked_unsubscribed"), (4, "Cy,junk", "rejected_invalid"),
        (5, "Di,21234567", "duplicate")]
    report = json.loads((tmp_path / "soon" / "report.json").read_text())
    assert report["allowed_not_yet_protected"] == [
        {"registered_on": "2026-03-02", "protected_from": "2026-03-13", "lines": [2]}]

    code, out, err = scrub(listing, zip_path, tmp_path / "later", "--column", "phone", "--send-date", "2026-03-13")
    assert code == 0, err
    assert kept_lines(tmp_path / "later") == [b"\xef\xbb\xbfname,phone\r\n", b"Bo,+852 6123 4567\r\n"]
    assert rejected(tmp_path / "later")[0]["decision"] == "blocked_dnc"
    receipt = json.loads((tmp_path / "later" / "receipt.json").read_text())
    assert receipt["publication"] == {
        "file": "sms-dated.zip", "register": "sms", "date": "2026-03-02", "numbers": 1,
        "sha256": (zip_path.parent / "sms-dated.zip.sha256").read_text().split()[0]}
    import hashlib
    assert receipt["list"]["sha256"] == hashlib.sha256(listing.read_bytes()).hexdigest()
    assert receipt["send_date"] == "2026-03-13" and receipt["counts"]["blocked_dnc"] == 1
    assert "blocked_dnc" in out and "1 kept" in out


def test_the_send_date_defaults_to_today_in_hong_kong(tmp_path, publication):
    (tmp_path / "l.txt").write_text("61234567\n")
    code, _, err = scrub(tmp_path / "l.txt", publication, tmp_path / "out")
    assert code == 0, err
    assert json.loads((tmp_path / "out" / "receipt.json").read_text())["send_date"] == "2026-03-03"


def test_a_zipped_list_with_crlf_and_a_last_line_without_ending(tmp_path, publication):
    with zipfile.ZipFile(tmp_path / "l.zip", "w") as archive:
        archive.writestr("calls.txt", "98765432\r\n21234567\r\n2123-9999")
    code, _, err = scrub(tmp_path / "l.zip", publication, tmp_path / "out", "--send-date", "2026-03-16")
    assert code == 0, err
    assert kept_lines(tmp_path / "out") == [b"98765432\r\n", b"2123-9999"]


def test_ten_percent_garbage_is_rejected_line_by_line_with_reasons(tmp_path, publication):
    good = [f"9{i:07d}" for i in range(90)]
    bad = ["(2123) 4567", "2123..4567", "tel: 21234567", "+44 20 7946 0000", "1083", "",
           "2123  4567", "２１２３４５６７８", "21234567;61234567", "+852+21234567"]
    (tmp_path / "l.txt").write_text("\n".join(good[:45] + bad + good[45:]) + "\n")
    code, out, err = scrub(tmp_path / "l.txt", publication, tmp_path / "out")
    assert code == 0, err
    rows = rejected(tmp_path / "out")
    assert [r["line"] for r in rows] == list(range(46, 56))
    assert all(r["decision"] == "rejected_invalid" and r["reason"] for r in rows)
    assert "service code" in rows[4]["reason"] and rows[5]["reason"] == "No number was given."
    assert len(kept_lines(tmp_path / "out")) == 90


def test_a_publication_that_does_not_match_its_checksum_is_refused(tmp_path, publication):
    (tmp_path / "l.txt").write_text("61234567\n")
    data = bytearray(publication.read_bytes())
    data[-30] ^= 1
    publication.write_bytes(bytes(data))
    code, _, err = scrub(tmp_path / "l.txt", publication, tmp_path / "out")
    assert code == 1 and "does not match its checksum file" in err and "download it again" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize(("setup", "message"), [
    (lambda p: p.with_name(p.name + ".sha256").unlink(), "was not found beside"),
    (lambda p: p.with_name(p.name + ".sha256").write_text("not a checksum\n"), "does not hold a SHA-256"),
])
def test_a_publication_without_a_usable_checksum_file_is_refused(tmp_path, publication, setup, message):
    (tmp_path / "l.txt").write_text("61234567\n")
    setup(publication)
    code, _, err = scrub(tmp_path / "l.txt", publication, tmp_path / "out")
    assert code == 1 and message in err


def test_the_wrong_register_or_a_past_send_date_is_refused(tmp_path, publication):
    (tmp_path / "l.txt").write_text("61234567\n")
    code, _, err = run_cli("scrub", str(tmp_path / "l.txt"), "--register", "fax", "--publication", str(publication),
                           "--out", str(tmp_path / "o"), "--as-of", AS_OF)
    assert code == 1 and "is the sms register, but --register fax" in err
    code, _, err = scrub(tmp_path / "l.txt", publication, tmp_path / "o", "--send-date", "2026-03-02")
    assert code == 1 and "is in the past" in err
    code, _, err = scrub(tmp_path / "l.txt", publication, tmp_path / "o", "--send-date", "3/3/2026")
    assert code == 1 and "not an ISO date" in err


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is empty"),
    (b"\n \r\n\n", "no lines"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
    ("21234567\n".encode("utf-16"), "UTF-16"),
    (b"21234567\r61234567\r", "CR only"),
])
def test_unusable_lists_are_refused_with_the_reason(tmp_path, publication, content, message):
    (tmp_path / "l.txt").write_bytes(content)
    code, _, err = scrub(tmp_path / "l.txt", publication, tmp_path / "out")
    assert code == 1 and message in err
    assert not (tmp_path / "out" / "kept.csv").exists()


def test_a_wrong_column_name_says_which_columns_there_are(tmp_path, publication):
    (tmp_path / "l.csv").write_text("Name;Phone;City\nAda;21234567;HK\n")
    code, _, err = scrub(tmp_path / "l.csv", publication, tmp_path / "out", "--column", "phone")
    assert code == 1 and "no column 'phone' (did you mean 'Phone'?)" in err and "'City'" in err
    code, _, err = scrub(tmp_path / "l.csv", publication, tmp_path / "out", "--column", "Phone",
                         "--send-date", "2026-03-16")
    assert code == 0, err  # the header's separator (;) is the file's
    assert rejected(tmp_path / "out")[0]["decision"] == "blocked_dnc"


def test_mixed_separators_and_quoted_fields_in_a_csv(tmp_path, publication):
    (tmp_path / "l.csv").write_text('name,phone\n"Lee, Ada","6123 4567"\nBo;98765432\nCy,"9876 ""5432"""\n'
                                    'Di,9876-5432\n')
    code, _, err = scrub(tmp_path / "l.csv", publication, tmp_path / "out", "--column", "phone")
    assert code == 0, err
    assert kept_lines(tmp_path / "out") == [b"name,phone\n", b'"Lee, Ada","6123 4567"\n', b"Di,9876-5432\n"]
    rows = rejected(tmp_path / "out")
    assert [(r["line"], r["original"], r["decision"]) for r in rows] == [
        (3, "Bo;98765432", "rejected_invalid"), (4, 'Cy,"9876 ""5432"""', "rejected_invalid")]
    assert "the line has 1 column(s); 'phone' is column 2" == rows[0]["reason"]


def test_instructions_with_bad_lines_are_refused_whole(tmp_path, publication):
    (tmp_path / "l.txt").write_text("61234567\n")
    (tmp_path / "i.csv").write_text("number,instruction,at\n61234567,consent,2026-03-01\nabc,maybe,yesterday\n"
                                    "21234567,unsubscribe\n")
    code, _, err = scrub(tmp_path / "l.txt", publication, tmp_path / "out", "--instructions", str(tmp_path / "i.csv"))
    assert code == 1 and "2 bad line(s)" in err and "line 3:" in err and "contains letters" in err
    assert "'maybe' is neither" in err and "line 4: has 2 columns" in err
    (tmp_path / "i.csv").write_text("phone,what\n")
    code, _, err = scrub(tmp_path / "l.txt", publication, tmp_path / "out", "--instructions", str(tmp_path / "i.csv"))
    assert code == 1 and "missing: number, instruction, at" in err


def test_warning_days_file(tmp_path, publication):
    (tmp_path / "l.txt").write_text("61234567\n")
    (tmp_path / "w.txt").write_text("# gale\n2026-03-05\n")
    code, _, err = scrub(tmp_path / "l.txt", publication, tmp_path / "out", "--warning-days", str(tmp_path / "w.txt"))
    assert code == 0, err
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["allowed_not_yet_protected"][0]["protected_from"] == "2026-03-14" and not report["warnings"]
    (tmp_path / "w.txt").write_text("5 March\n")
    code, _, err = scrub(tmp_path / "l.txt", publication, tmp_path / "out", "--warning-days", str(tmp_path / "w.txt"))
    assert code == 1 and "line 1: '5 March' is not an ISO date" in err


def test_the_scrub_reads_dated_lines_of_the_width_the_publisher_writes():
    import numpy as np

    from telreg.dnc.publish import formats
    from telreg.senders.scrub.publication import DATED_WIDTH

    line = formats.format_dated(np.array([21234567], dtype=np.uint64), np.array([20260302], dtype=np.uint64))
    assert len(line) == DATED_WIDTH == formats.DATED_WIDTH


@pytest.mark.parametrize(("lines", "message"), [
    ([b"21234567,20260202", b"61234567,20260302", b"31234567,20260302"],
     "does not list its numbers in ascending order once each (line 3)"),
    ([b"21234567,20260202", b"21234567,20260302"], "does not list its numbers in ascending order once each (line 2)"),
    ([b"21234567,20260202", b"6123456X,20260302"], "line 2 is not 'NNNNNNNN,YYYYMMDD'"),
    ([b"21234567,20260202", b"61234567,20261302"], "line 2 is not 'NNNNNNNN,YYYYMMDD'"),
])
def test_a_publication_whose_lines_are_not_a_register_is_refused_with_the_line(tmp_path, lines, message):
    # The checksum matches (the file is what the publisher signed), yet its content is not a dated register.
    from telreg.core.clock import HK
    from telreg.dnc.publish import formats

    bad = tmp_path / "pub" / "sms-dated.zip"
    bad.parent.mkdir()
    formats.write_zip(bad, entry="sms-dated.txt", data=b"".join(line + b"\r\n" for line in lines), lines=len(lines),
                      stamp=dt.datetime.combine(MON, dt.time(23, 0), HK))
    (tmp_path / "l.txt").write_text("61234567\n")
    code, _, err = scrub(tmp_path / "l.txt", bad, tmp_path / "out")
    assert code == 1 and message in err, err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_refused_rerun_leaves_the_previous_outputs_and_a_good_one_replaces_them(tmp_path, publication):
    out = tmp_path / "out"
    (tmp_path / "first.txt").write_text("61234567\n31234567\n")
    assert scrub(tmp_path / "first.txt", publication, out)[0] == 0
    before = {name: (out / name).read_bytes() for name in ("kept.csv", "rejected.csv", "report.json", "receipt.json")}

    (tmp_path / "empty.txt").write_text("")
    code, _, err = scrub(tmp_path / "empty.txt", publication, out)  # refused before anything is written
    assert code == 1 and "empty" in err
    assert {name: (out / name).read_bytes() for name in before} == before

    (tmp_path / "second.txt").write_text("91234567\n")
    assert scrub(tmp_path / "second.txt", publication, out)[0] == 0
    assert kept_lines(out) == [b"91234567\n"]
    assert sorted(p.name for p in out.iterdir()) == sorted(before)  # no partial files left behind


def test_a_rerun_into_the_same_directory_writes_what_a_fresh_directory_gets(tmp_path, publication):
    """The previous kept.csv and rejected.csv are overwritten in place (their pages reused) and cut to the new length:
    longer or shorter than the new outputs, nothing of them may remain."""
    long_list = "".join(f"{n}\n" for n in (61234567, 31234567, 21234567, 12, 61234567) * 40)
    short_list = "91234567\nabc\n91234567\n"
    (tmp_path / "long.txt").write_text(long_list)
    (tmp_path / "short.txt").write_text(short_list)
    for first, second in (("long.txt", "short.txt"), ("short.txt", "long.txt")):
        reused, fresh = tmp_path / f"reused-{first}", tmp_path / f"fresh-{first}"
        assert scrub(tmp_path / first, publication, reused)[0] == 0
        assert scrub(tmp_path / second, publication, reused)[0] == 0
        assert scrub(tmp_path / second, publication, fresh)[0] == 0
        for name in ("kept.csv", "rejected.csv"):
            assert (reused / name).read_bytes() == (fresh / name).read_bytes(), (first, name)
        assert sorted(p.name for p in reused.iterdir()) == sorted(p.name for p in fresh.iterdir())


def test_a_previous_output_that_is_a_link_is_replaced_not_written_through(tmp_path, publication):
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_bytes(b"somebody else's file\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept.csv").symlink_to(elsewhere)
    (out / "rejected.csv").hardlink_to(elsewhere)
    (tmp_path / "l.txt").write_text("61234567\nabc\n")
    assert scrub(tmp_path / "l.txt", publication, out)[0] == 0
    assert elsewhere.read_bytes() == b"somebody else's file\n"
    assert not (out / "kept.csv").is_symlink() and kept_lines(out) == [b"61234567\n"]
    assert [row["decision"] for row in rejected(out)] == ["rejected_invalid"]


def test_the_progress_bar_is_drawn_only_on_a_terminal_for_a_long_list(monkeypatch):
    import sys

    from telreg.senders.scrub import cli as scrub_cli

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    with scrub_cli._progress(show=True) as advance:
        assert advance is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    with scrub_cli._progress(show=False) as advance:
        assert advance is None
    with scrub_cli._progress(show=True) as advance:
        assert advance is not None
        advance(50, 100)
        advance(100, 100)


def test_as_of_is_refused_in_production_before_anything_is_read(tmp_path, publication, monkeypatch):
    from telreg.config import get_settings

    monkeypatch.setenv("TELREG_ENV", "production")
    get_settings.cache_clear()
    try:
        (tmp_path / "l.txt").write_text("61234567\n")
        for send_date in ("2026-03-03", "2020-01-01"):  # a past send date (by the --as-of clock) too
            code, _, err = scrub(tmp_path / "l.txt", publication, tmp_path / "out", "--send-date", send_date)
            assert code == 1 and "--as-of is refused when TELREG_ENV=production" in err, err
            assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    finally:
        get_settings.cache_clear()


def test_the_scrub_reads_its_two_settings_with_or_without_pydantic_settings(monkeypatch):
    """Without TELREG_ENV and TELREG_PROTECTION_WORKING_DAYS the scrub takes their defaults without importing
    pydantic-settings; those defaults must be the settings model's own, and a variable set in any case is read."""
    from telreg.config import Settings, get_settings
    from telreg.senders.scrub import cli as scrub_cli

    for name in list(os.environ):
        if name.upper().startswith("TELREG_"):
            monkeypatch.delenv(name)
    model = Settings()
    assert scrub_cli._settings(None) == scrub_cli._Settings(model.is_production, model.protection_working_days)
    monkeypatch.setenv("telreg_protection_working_days", "12")
    get_settings.cache_clear()
    try:
        assert scrub_cli._settings(None).protection_working_days == 12
    finally:
        get_settings.cache_clear()
