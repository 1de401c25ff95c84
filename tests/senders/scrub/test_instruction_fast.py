"""The C reader of instructions files agrees with the general reader on every file: values, and bad lines with their
line numbers and words; its time parser agrees with parse_at whenever it answers, and answers every common form."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telreg.senders.scrub import _kernels
from telreg.senders.scrub.errors import InstructionsRefused
from telreg.senders.scrub.instruction_fast import read_fast
from telreg.senders.scrub.instruction_rows import UnreadableInstructions, parse_at, read_instruction_rows
from telreg.senders.scrub.instructions import _latest, latest_instructions, load_instructions, micros

NUMBERS = ["21234567", "61234567", "91234567", "2123 4567", "+852 6123 4567", '"9123 4567"', "852-6123-4567",
           "1234", "2123456a", "2123.4567", "６１２３４５６７", '"21""234567"', ""]
KINDS = ["consent", "unsubscribe", "Consent", " UNSUBSCRIBE ", "maybe", '"consent"', "ｃonsent", ""]

# ISO 8601 times built from parts, so the common forms and their near misses are all drawn.
dates = st.one_of(
    st.dates(dt.date(1975, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat),
    st.sampled_from(["2026-02-29", "2024-02-29", "2026-13-01", "2026-04-31", "2026-W09-7", "20260301", "2026-061",
                     "1979-12-31", "0000-01-01", "2026-3-1"]),
)
clock = st.one_of(
    st.builds(lambda h, m, s: f"{h:02d}:{m:02d}:{s:02d}", st.integers(0, 25), st.integers(0, 61), st.integers(0, 61)),
    st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 24), st.integers(0, 60)),
    st.builds(lambda h: f"{h:02d}", st.integers(0, 24)),
    st.sampled_from(["1000", "100000", "10:0", "1:00", "10:00:00."]),
)
fractions = st.one_of(st.just(""), st.builds(lambda sep, digits: sep + digits, st.sampled_from([".", ","]),
                                             st.text(alphabet="0123456789", min_size=1, max_size=11)))
offsets = st.one_of(
    st.just(""), st.just(""), st.sampled_from(["Z", "z", "+08:00", "-00:00", "+0800", "+08", "-05:30", "+24:00",
                                               "+08:60", "+8:00", "+08:00:30", "+08:00Z", " +08:00"]),
    st.builds(lambda sign, h, m: f"{sign}{h:02d}:{m:02d}", st.sampled_from("+-"), st.integers(0, 23),
              st.integers(0, 59)),
)
times = st.one_of(
    dates,
    st.builds(lambda d, sep, c, f, o: d + sep + c + (f if c.count(":") == 2 else "") + o, dates,
              st.sampled_from(["T", "T", " ", "t", "x"]), clock, fractions, offsets),
).map(lambda t: t)
blanks = st.sampled_from(["", "", " ", "\t"])


def _buf(text: bytes) -> np.ndarray:
    return np.frombuffer(text, dtype=np.uint8)


def _c_time(text: str) -> int | None:
    """The C parser's answer for one time (None: it leaves the time to Python)."""
    body = f"21234567,consent,\"{text}\"\n".encode()  # quoted: a decimal comma is no separator
    arrays = [np.zeros(2, dtype=np.int64) for _ in range(3)]
    kinds, ok, starts, ends = (np.zeros(2, dtype=np.int8), np.zeros(2, dtype=np.uint8), np.zeros(2, dtype=np.int64),
                               np.zeros(2, dtype=np.int64))
    n = _kernels.parse_instructions(_buf(body), len(body), 2, 0, 1, 2, 3, True, arrays[0], arrays[1], kinds, arrays[2],
                                    ok, starts, ends)
    assert n == 1
    return int(arrays[2][0]) if ok[0] else None


def _python_time(text: str) -> int | None:
    try:
        return micros(parse_at(text))
    except ValueError:
        return None


@settings(max_examples=1500, deadline=None)
@given(times, blanks, blanks)
def test_the_c_time_parser_answers_as_parse_at_whenever_it_answers(text, before, after):
    got = _c_time(before + text + after)
    if got is not None:
        assert got == _python_time(before + text + after)


@pytest.mark.parametrize("text", [
    "2026-03-01", "2026-03-01T10", "2026-03-01T10:00", "2026-03-01 10:00:59", "2026-03-01T10:00:00+08:00",
    "2026-03-01T02:00:00Z", "2026-03-01T10:00:00.5+08:00", "2026-03-01T10:00:00,123456789-05:30",
    "2026-03-01T10:00:00.123+0800", "2026-03-01T10:00+08", "2024-02-29T23:59:59.999999Z", " 2026-03-01T10:00 ",
    "1980-01-01T00:00", "2100-02-28T00:00:00-00:00",
])
def test_the_common_forms_are_read_in_c(text):
    assert _c_time(text) == _python_time(text) is not None


@pytest.mark.parametrize("text", ["1979-06-01T10:00", "2026-W09-7", "2026-03-01T24:00", "2026-02-30",
                                  "2026-03-01T10:00:00+08:00:30", "20260301T100000", "yesterday"])
def test_rare_or_bad_forms_are_left_to_python(text):
    assert _c_time(text) is None


def _row(header: list[str], number: str, kind: str, at: str) -> str:
    values = {"number": number, "instruction": kind, "at": at}
    return ",".join(values.get(name.strip().lower(), '"web,site"' if name == "ref" else "x") for name in header)


headers = st.permutations(["number", "instruction", "at"]).flatmap(
    lambda names: st.sampled_from([names, names + ["channel"], [n.upper() for n in names], ["ref"] + names,
                                   [" Number "] + names[1:] if names[0] == "number" else names]))
odd_lines = st.sampled_from(["", " ", ",,", '"",""', "21234567,consent", '"21234567,consent,2026-03-01',
                             '"""",x,y', "2123\r4567,consent,2026-03-01", "陳大文,小明,x"])


def _file(header, rows, ending, bom, last_ended) -> bytes:
    text = ending.join([",".join(header)] + rows) + (ending if last_ended else "")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def _same(raw: bytes) -> None:
    """read_fast gives what the general reader gives: the same good lines and the same bad lines, worded alike."""
    try:
        general = read_instruction_rows(raw)
    except UnreadableInstructions as exc:
        with pytest.raises(UnreadableInstructions) as caught:
            read_fast(raw)
        assert caught.value.problem == exc.problem
        return
    fast = read_fast(raw)
    if fast is None:
        return
    assert fast.problems == general.problems
    expected, got = latest_instructions(general), _latest(fast.numbers, fast.kinds, fast.micros, sha256=None,
                                                          source=None)
    assert got.numbers.tolist() == expected.numbers.tolist()
    assert got.kinds.tolist() == expected.kinds.tolist()
    assert got.given_micros.tolist() == expected.given_micros.tolist()
    assert got.lines == expected.lines


@settings(max_examples=400, deadline=None)
@given(headers, st.lists(st.one_of(
    st.tuples(st.sampled_from(NUMBERS), st.sampled_from(KINDS), times).map(lambda t: ("row",) + t),
    odd_lines.map(lambda line: ("line", line))), max_size=8),
    st.sampled_from(["\n", "\r\n"]), st.booleans(), st.booleans())
def test_the_c_reader_agrees_with_the_general_one(header, lines, ending, bom, last_ended):
    rows = [_row(header, *line[1:]) if line[0] == "row" else line[1] for line in lines]
    _same(_file(header, rows, ending, bom, last_ended))


@settings(max_examples=100, deadline=None)
@given(headers, st.lists(st.tuples(st.sampled_from(NUMBERS[:7]), st.sampled_from(KINDS[:4]),
                                   st.sampled_from(["2026-03-01", "2026-03-01T10:00:00+08:00", "2026-03-01T02:00Z",
                                                    "2026-03-01 10:00:00.25"])), min_size=1, max_size=12),
       st.sampled_from(["\n", "\r\n"]), st.booleans(), st.booleans())
def test_a_file_of_common_forms_is_read_wholly_in_c(header, lines, ending, bom, last_ended):
    raw = _file(header, [_row(header, *line) for line in lines], ending, bom, last_ended)
    fast = read_fast(raw)
    assert fast is not None and fast.problems == ()
    assert sorted(fast.numbers.tolist()) == sorted(read_instruction_rows(raw).numbers.tolist())


def test_bad_lines_are_named_with_their_line_numbers_as_the_general_reader_words_them(tmp_path):
    good = "21234567,consent,2026-03-01T10:00:00+08:00"
    lines = ["number,instruction,at"] + [good] * 5 + ["", "2123456a,consent,2026-03-01"] + [good] * 3 + \
        ["61234567,maybe,2026-03-01T25:00", "61234567,consent"]
    path = tmp_path / "instructions.csv"
    path.write_text("\r\n".join(lines) + "\r\n")
    with pytest.raises(InstructionsRefused) as caught:
        load_instructions(path)
    message = caught.value.message
    assert "3 bad line(s)" in message
    assert "line 8: " in message and "line 12: " in message and "line 13: has 2 columns" in message
    assert "'maybe'" in message and "'2026-03-01T25:00'" in message
    general = read_instruction_rows(path.read_bytes())
    assert [line for line, _ in general.problems] == [8, 12, 13]


def test_a_quoted_field_holding_a_line_break_sends_the_file_to_the_general_reader():
    raw = b'number,instruction,at,note\n21234567,consent,2026-03-01,"two\nlines"\n61234567,unsubscribe,2026-03-02,x\n'
    assert read_fast(raw) is None
    assert read_instruction_rows(raw).lines.tolist() == [2, 3]
