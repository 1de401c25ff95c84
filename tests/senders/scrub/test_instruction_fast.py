"""The numpy reader of plain instructions files agrees with the general reader whenever it answers."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from telreg.senders.scrub.instruction_fast import read_plain
from telreg.senders.scrub.instruction_rows import read_instruction_rows
from telreg.senders.scrub.instructions import _latest, latest_instructions

NUMBERS = ["21234567", "61234567", "91234567", "2123 4567", "+852 6123 4567", "1234", "2123456a"]
KINDS = ["consent", "unsubscribe", "Consent", " unsubscribe", "maybe"]
TIMES = ["2026-03-01", "2026-03-01T10:00", "2026-03-01T10:00:59", "2026-03-01T10:00:00+08:00",
         "2026-03-01T02:00:00Z", "2026-02-29T10:00", "2024-02-29T23:59", "2026-13-01", "1979-06-01T10:00",
         "1980-01-01T00:00", "2026-03-01 10:00", "2026-03-01T24:00", "yesterday", "2000-02-29", "2100-02-29"]
PLAIN_TIMES = ["2026-03-01", "2026-03-01T10:00", "2026-03-01T10:00:59", "2024-02-29T23:59", "1980-01-01T00:00",
               "2000-02-29", "2099-12-31T23:59:59"]


def _file(header: list[str], rows: list[list[str]], ending: str, bom: bool, last_ended: bool) -> bytes:
    text = ending.join([",".join(header)] + [",".join(row) for row in rows]) + (ending if last_ended else "")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def _row(header: list[str], number: str, kind: str, at: str) -> list[str]:
    values = {"number": number, "instruction": kind, "at": at}
    return [values.get(name.strip().lower(), "web") for name in header]


headers = st.permutations(["number", "instruction", "at"]).flatmap(
    lambda names: st.sampled_from([names, names + ["channel"], [n.upper() for n in names], ["ref"] + names]))


def _mostly(plain: list[str], every: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(plain), st.sampled_from(plain), st.sampled_from(plain), st.sampled_from(every))


@settings(max_examples=300, deadline=None)
@given(headers, st.lists(st.tuples(_mostly(NUMBERS[:3], NUMBERS), _mostly(KINDS[:2], KINDS),
                                   _mostly(PLAIN_TIMES, TIMES)), max_size=6),
       st.sampled_from(["\n", "\r\n"]), st.booleans(), st.booleans(),
       st.sampled_from(["", "", "", "blank", "quote", "short"]))
def test_the_plain_reader_agrees_with_the_general_one_whenever_it_answers(header, lines, ending, bom, last_ended,
                                                                        oddity):
    rows = [_row(header, *line) for line in lines]
    if oddity == "blank" and rows:
        rows.insert(len(rows) // 2, [""] * 0)
    elif oddity == "quote" and rows:
        rows[0][0] = '"' + rows[0][0] + '"'
    elif oddity == "short" and rows:
        rows[-1] = rows[-1][:-1]
    raw = _file(header, rows, ending, bom, last_ended)
    plain = read_plain(raw)
    if plain is None:
        return
    general = read_instruction_rows(raw)
    assert general.errors == ()
    expected, got = latest_instructions(general), _latest(*plain, sha256=None, source=None)
    assert got.numbers.tolist() == expected.numbers.tolist()
    assert got.kinds.tolist() == expected.kinds.tolist()
    assert got.given_micros.tolist() == expected.given_micros.tolist()
    assert got.lines == expected.lines
    assert got.given_at == expected.given_at


@settings(max_examples=100, deadline=None)
@given(headers, st.lists(st.tuples(st.sampled_from(NUMBERS[:3]), st.sampled_from(KINDS[:2]),
                                   st.sampled_from(PLAIN_TIMES)), min_size=1, max_size=12),
       st.sampled_from(["\n", "\r\n"]), st.booleans(), st.booleans())
def test_a_plain_file_is_read_by_the_plain_reader(header, lines, ending, bom, last_ended):
    raw = _file(header, [_row(header, *line) for line in lines], ending, bom, last_ended)
    plain = read_plain(raw)
    assert plain is not None
    numbers, kinds, _ = plain
    assert numbers.tolist() == [int(n) for n, _, _ in lines]
    assert kinds.tolist() == [1 if k == "consent" else 2 for _, k, _ in lines]
    assert np.array_equal(numbers, read_instruction_rows(raw).numbers)
