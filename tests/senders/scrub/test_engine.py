"""The streamed, vectorised scrub agrees with the one-line-at-a-time reference on random lists (incl. garbage)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telreg.core.calendar import WorkingCalendar
from telreg.core.clock import HK
from telreg.senders.scrub import load_instructions, load_publication, scrub_list
from telreg.senders.scrub.errors import ListRefused

from .helpers import kept_lines, rejected, write_publication
from .messy import messy_numbers
from .reference import reference_scrub
from .test_numbers import ODD, spelled

DAY = dt.date(2026, 3, 20)  # the publication's date; scrubs run the next morning
NOW = dt.datetime(2026, 3, 21, 9, 0, tzinfo=HK)
POOL = [21234567, 61234567, 91234567, 51234567, 31234567, 98765432, 23456789, 67891234, 12345678, 84561234]
LISTED = {21234567: dt.date(2026, 3, 2), 61234567: dt.date(2026, 3, 19), 91234567: dt.date(2026, 3, 12),
          51234567: dt.date(2025, 12, 1), 67891234: dt.date(2026, 3, 10)}

TEXT = [c for c in ODD if c != "\x00"]  # a NUL byte makes the whole file binary: tested in test_cli.py
lines = st.one_of(
    st.builds(spelled, st.sampled_from(POOL), st.integers(0, 9)),
    st.deferred(lambda: messy_numbers(st.sampled_from(POOL))), st.deferred(lambda: messy_numbers()),
    st.text(alphabet=st.sampled_from(TEXT), max_size=16).map(lambda t: t.replace("\n", "").replace("\r", "")),
)
instruction = st.tuples(st.sampled_from(POOL), st.sampled_from(["consent", "unsubscribe"]),
                        st.integers(0, 3).map(lambda h: dt.datetime(2026, 3, 1, 9 + h, tzinfo=HK)))


def scrub_both(tmp: Path, content: bytes, instructions, send_date: dt.date, chunk_bytes: int, column=None):
    publication_path = write_publication(tmp / "pub", {f"{n:08d}": d.isoformat() for n, d in LISTED.items()},
                                         day=DAY)
    calendar = WorkingCalendar()
    publication = load_publication(publication_path, register="sms", calendar=calendar)
    given_instructions = None
    if instructions:
        path = tmp / "instructions.csv"
        path.write_text("number,instruction,at\n" + "".join(f"{n},{k},{a.isoformat()}\n" for n, k, a in
                                                            instructions))
        given_instructions = load_instructions(path)
    (tmp / "list.txt").write_bytes(content)
    result = scrub_list(tmp / "list.txt", publication=publication, instructions=given_instructions,
                        send_date=send_date, now=NOW, out_dir=tmp / "out", chunk_bytes=chunk_bytes,
                        column=None if column is None else "phone")
    expected = reference_scrub(content, listings=LISTED, instructions=instructions or [], send_date=send_date,
                               calendar=calendar, column=column)
    return result, expected


@settings(max_examples=60, deadline=None)
@given(st.lists(lines, max_size=40), st.lists(st.sampled_from(["\n", "\r\n"]), min_size=40, max_size=40),
       st.lists(instruction, max_size=6), st.integers(0, 10), st.sampled_from([24, 64, 1 << 20]), st.booleans())
def test_the_engine_agrees_with_the_reference(texts, endings, instructions, days_ahead, chunk_bytes, last_ended):
    content = "".join(t + e for t, e in zip(texts, endings)).encode("utf-8")
    if texts and not last_ended:
        content = content.rstrip(b"\r\n")
    if not content.strip():
        content = b"21234567\n" + content
    send_date = NOW.date() + dt.timedelta(days=days_ahead)
    with tempfile.TemporaryDirectory() as tmp:
        result, expected = scrub_both(Path(tmp), content, instructions, send_date, chunk_bytes)
        out = Path(tmp) / "out"
        kept_decisions = {"allowed", "allowed_consent", "allowed_not_yet_protected"}
        assert b"".join(kept_lines(out)) == b"".join(e.original for e in expected if e.decision in kept_decisions)
        rows = rejected(out)
        assert [(r["line"], r["decision"]) for r in rows] == \
               [(e.number, e.decision) for e in expected if e.decision not in kept_decisions]
        for row, line in zip(rows, [e for e in expected if e.decision not in kept_decisions], strict=True):
            assert row["original"].encode("utf-8") == line.original.rstrip(b"\n").removesuffix(b"\r")
            if line.reason is not None:
                assert row["reason"] == line.reason
        report = json.loads((out / "report.json").read_text())
        assert sum(report["counts"].values()) == len(expected)
        pending = {n: g["protected_from"] for g in report["allowed_not_yet_protected"] for n in g["lines"]}
        assert pending == {e.number: e.protected_from.isoformat() for e in expected
                           if e.decision == "allowed_not_yet_protected"}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="ab", max_size=3), st.one_of(
    st.builds(spelled, st.sampled_from(POOL), st.integers(0, 9)), st.text(alphabet=st.sampled_from(TEXT[:20]),
                                                                          max_size=10))), min_size=1, max_size=25),
       st.sampled_from([16, 1 << 20]))
def test_a_csv_column_agrees_with_the_reference(rows, chunk_bytes):
    body = "".join(f"{name},{phone.replace(',', '').replace(chr(13), '')},x\r\n" for name, phone in rows)
    content = ("\ufeffname,phone,extra\r\n" + body).encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        _, expected = scrub_both(Path(tmp), content, [], NOW.date(), chunk_bytes, column=1)
        out = Path(tmp) / "out"
        kept = b"".join(kept_lines(out))
        assert kept.startswith(b"\xef\xbb\xbfname,phone,extra\r\n")
        kept_decisions = {"allowed", "allowed_consent", "allowed_not_yet_protected"}
        assert kept[len(b"\xef\xbb\xbfname,phone,extra\r\n"):] == \
            b"".join(e.original for e in expected if e.decision in kept_decisions)
        assert [(r["line"], r["decision"]) for r in rejected(out)] == \
               [(e.number, e.decision) for e in expected if e.decision not in kept_decisions]


@pytest.mark.parametrize("rewrite", [
    lambda text: text.replace(b"21234567\n", b"2123\n4567\n"),  # more lines in the same chunks
    lambda text: text.replace(b"\n", b"  \n"),  # the same lines, cut into more chunks
    lambda text: text[: len(text) // 3],  # cut short: fewer chunks
    lambda text: text.replace(b"21234567", b"29999999"),  # the same length and lines, other numbers
], ids=["more-lines", "more-chunks", "fewer-chunks", "same-length"])
def test_a_list_that_changes_between_the_two_passes_is_refused_and_leaves_no_output(tmp_path, rewrite):
    """Pass 2 numbers its lines with pass 1's counts: a list rewritten meanwhile must not be numbered wrongly."""
    publication = load_publication(write_publication(tmp_path / "pub", {"21234567": "2026-03-02"}, day=DAY),
                                   register="sms", calendar=WorkingCalendar())
    path = tmp_path / "list.txt"
    text = b"".join(b"%08d\n" % POOL[i % len(POOL)] for i in range(200))
    path.write_bytes(text)

    def progress(done: int, total: int) -> None:
        if done == total // 2:  # pass 1 has read every chunk
            path.write_bytes(rewrite(text))

    with pytest.raises(ListRefused, match="changed while it was being scrubbed"):
        scrub_list(path, publication=publication, instructions=None, send_date=DAY + dt.timedelta(days=1),
                   now=NOW, out_dir=tmp_path / "out", chunk_bytes=256, progress=progress)
    assert list((tmp_path / "out").glob("*")) == []  # no partial output (nor a directory with some) left behind


def test_no_more_threads_than_cores(tmp_path, monkeypatch):
    """Each scrub thread holds 25 MB in pass 1: asking for 64 on a 2-core machine must not take 1.6 GB."""
    from telreg.senders.scrub import service

    made: list[int] = []
    real = service.DuplicateFinder
    monkeypatch.setattr(service, "DuplicateFinder", lambda threads: made.append(threads) or real(threads))
    monkeypatch.setattr(service.os, "cpu_count", lambda: 2)
    publication = load_publication(write_publication(tmp_path / "pub", {"21234567": "2026-03-02"}, day=DAY),
                                   register="sms", calendar=WorkingCalendar())
    (tmp_path / "list.txt").write_bytes(b"21234567\n61234567\n")
    result = scrub_list(tmp_path / "list.txt", publication=publication, instructions=None,
                        send_date=DAY + dt.timedelta(days=1), now=NOW, out_dir=tmp_path / "out", threads=64)
    assert made == [2] and result.report["kept"] == 1


def _csv_field(value: str, quote: bool) -> str:
    return '"' + value.replace('"', '""') + '"' if quote or any(c in value for c in ',"') else value


names = st.sampled_from(["Chan Tai Man", "Chan, Tai Man", "陳大文", 'Wong "Ah" Ming', "", "李, 小明", "Lee"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(names, st.one_of(st.builds(spelled, st.sampled_from(POOL), st.integers(0, 9)),
                                           messy_numbers(st.sampled_from(POOL)), messy_numbers()),
                          st.booleans(), st.booleans()), min_size=1, max_size=30),
       st.sampled_from(["\r\n", "\n"]), st.booleans(), st.sampled_from([32, 200, 1 << 20]))
def test_a_crm_export_agrees_with_the_reference_reasons_and_all(rows, ending, bom, chunk_bytes):
    """Excel's CSV and its kin: a BOM, CRLF, names with commas or in Chinese, fields quoted when they need it or
    always, numbers in every spelling; every reason as core/phone.py words it."""
    body = "".join(f"{_csv_field(name, q)},{_csv_field(phone, q2)},x{ending}" for name, phone, q, q2 in rows)
    content = (("\ufeff" if bom else "") + "name,phone,extra" + ending + body).encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        _, expected = scrub_both(Path(tmp), content, [], NOW.date(), chunk_bytes, column=1)
        out = Path(tmp) / "out"
        kept_decisions = {"allowed", "allowed_consent", "allowed_not_yet_protected"}
        header = ("\ufeff" if bom else "").encode() + b"name,phone,extra" + ending.encode()
        assert b"".join(kept_lines(out)) == header + b"".join(e.original for e in expected
                                                              if e.decision in kept_decisions)
        got = rejected(out)
        wanted = [e for e in expected if e.decision not in kept_decisions]
        assert [(r["line"], r["decision"]) for r in got] == [(e.number, e.decision) for e in wanted]
        for row, line in zip(got, wanted, strict=True):
            assert row["original"].encode("utf-8") == line.original.rstrip(b"\n").removesuffix(b"\r")
            if line.reason is not None:
                assert row["reason"] == line.reason


exotic = st.sampled_from(["６１２３４５６７", "+８５２ ９１２３ ４５６７", "２１２３ ４５６７x", "\u3000２１２３４５６７",
                          '"open quote', 'a,"two', "lonely"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.tuples(names, messy_numbers(st.sampled_from(POOL))).map(
    lambda r: f"{_csv_field(r[0], False)},{_csv_field(r[1], False)},x"), exotic.map(lambda e: f"n,{e},x"),
    exotic), min_size=1, max_size=30), st.sampled_from([24, 1 << 20]))
def test_lines_left_to_python_agree_with_the_reference(rows, chunk_bytes):
    """Full-width digits, quoted fields left open (a field holding a line break), lines with too few columns."""
    content = ("name,phone,extra\n" + "\n".join(rows) + "\n").encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        _, expected = scrub_both(Path(tmp), content, [], NOW.date(), chunk_bytes, column=1)
        out = Path(tmp) / "out"
        kept_decisions = {"allowed", "allowed_consent", "allowed_not_yet_protected"}
        assert b"".join(kept_lines(out)) == b"name,phone,extra\n" + b"".join(
            e.original for e in expected if e.decision in kept_decisions)
        got = rejected(out)
        wanted = [e for e in expected if e.decision not in kept_decisions]
        assert [(r["line"], r["decision"]) for r in got] == [(e.number, e.decision) for e in wanted]
        for row, line in zip(got, wanted, strict=True):
            if line.reason is not None:
                assert row["reason"] == line.reason


def test_the_python_fallback_runs_once_a_chunk_not_once_a_line(tmp_path, monkeypatch):
    from telreg.senders.scrub import engine

    calls: list[int] = []
    real = engine.read_left_lines

    def counted(lines, layout, rows):
        calls.append(len(rows))
        return real(lines, layout, rows)

    monkeypatch.setattr(engine, "read_left_lines", counted)
    rows = [f"n{i},{'６１２３４５６７' if i % 3 else '9123 4567'},x" for i in range(3000)]
    content = ("name,phone,extra\n" + "\n".join(rows) + "\n").encode("utf-8")
    result, expected = scrub_both(tmp_path, content, [], NOW.date(), 1 << 20, column=1)
    assert sum(calls) >= 2000  # every full-width line went through Python (in both passes)...
    assert len(calls) <= 2 * 1 + 1  # ...in one call per chunk and pass (one chunk here), not one per line
    assert result.report["counts"]["duplicate"] == 2998 == sum(e.decision == "duplicate" for e in expected)


def test_a_large_instructions_list_decides_as_a_small_one(tmp_path):
    """Over 32,768 numbers the instructions' bit filter grows (a 2^20-bit one would be half full): same decisions."""
    rng = np.random.default_rng(18)
    listed = [int(n) for n in rng.integers(20_000_000, 99_999_999, 300)]
    others = rng.integers(20_000_000, 99_999_999, 40_000).tolist()
    given = [(n, "consent" if i % 3 else "unsubscribe", dt.datetime(2026, 3, 1, 9 + i % 5, tzinfo=HK))
             for i, n in enumerate(listed[::2] + others)]
    content = "".join(f"{n}\n" for n in listed + POOL).encode()
    result, expected = scrub_both(tmp_path, content, given, NOW.date(), 1 << 20)
    assert len(load_instructions(tmp_path / "instructions.csv").sieve) * 8 > 1 << 20
    counts = {d: sum(e.decision == d for e in expected) for d in result.report["counts"]}
    assert result.report["counts"] == counts
    assert counts["allowed_consent"] > 50 and counts["blocked_unsubscribed"] > 20
    kept = {"allowed", "allowed_consent", "allowed_not_yet_protected"}
    assert b"".join(kept_lines(tmp_path / "out")) == b"".join(e.original for e in expected if e.decision in kept)


@pytest.mark.parametrize("column", [None, 1])
def test_unsubscribed_lines_name_the_time_as_isoformat_writes_it(tmp_path, column):
    """Formatted a chunk at a time by numpy: whole seconds, microseconds, and a time before 1980 (Hong Kong summer
    time, left to Python) each read as datetime.isoformat() writes them in Hong Kong time."""
    times = [dt.datetime(2026, 3, 1, 9, 0, tzinfo=HK), dt.datetime(2026, 3, 1, 9, 0, 0, 250000, tzinfo=HK),
             dt.datetime(1979, 7, 1, 12, 0, tzinfo=HK), dt.datetime(2026, 2, 28, 23, 59, 59, tzinfo=dt.UTC)]
    given = [(n, "unsubscribe", at) for n, at in zip(POOL, times, strict=False)]
    rows = [f"{n}" for n in POOL[:4]]
    content = ("name,phone\n" + "".join(f"x,{r}\n" for r in rows)).encode() if column else \
        "".join(f"{r}\n" for r in rows).encode()
    scrub_both(tmp_path, content, given, NOW.date(), 1 << 20, column=column)
    got = {r["original"].split(",")[-1]: r["reason"] for r in rejected(tmp_path / "out")}
    for n, _, at in given:
        assert got[str(n)] == f"latest instruction is an unsubscribe request given {at.astimezone(HK).isoformat()}"
