"""The vectorised field parser accepts exactly what core/phone.py accepts (8-digit numbers), with its reasons."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from telreg.core.errors import InvalidNumber
from telreg.core.phone import parse_number
from telreg.senders.scrub.numbers import SLACK, invalid_reason, parse_fields, scalar_number
from telreg.senders.scrub.outputs import OutputWriter

from .messy import messy_numbers

BLANKS = b" \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"  # what str.strip() takes off an ASCII field

ODD = list("0123456789 -+\t\r\x0b\x0c\x1c\x1f\x00.()/abcXZ８５２＋\u3000\xa0'\"\\é")


def parse_all(values: list[bytes]) -> list[int | None]:
    joined = b"\n".join(values) + b"\n"
    buf = np.zeros(len(joined) + SLACK, dtype=np.uint8)
    buf[: len(joined)] = np.frombuffer(joined, dtype=np.uint8)
    lengths = np.array([len(v) for v in values], dtype=np.int64)
    ends = np.cumsum(lengths + 1) - 1
    numbers, valid = parse_fields(buf, ends - lengths, ends)
    return [int(n) if ok else None for n, ok in zip(numbers.tolist(), valid.tolist(), strict=True)]


def spelled(draw_number: int, style: int) -> str:
    n = f"{draw_number:08d}"
    return [n, f"{n[:4]} {n[4:]}", f"{n[:4]}-{n[4:]}", f"+852 {n}", f"852{n}", f"+852-{n[:4]}-{n[4:]}",
            f" {n}\t", f"852 {n[:4]} {n[4:]}", f"+852{n}", f"{n[:2]}-{n[2:5]}-{n[5:]}", f"+ 852 {n}",
            f"{n}-", f"{n[:4]}  {n[4:]}", f"00852{n}", f"+44{n}", f"{n}9", f"8 52{n}"][style]


valid_spellings = st.builds(spelled, st.integers(0, 99_999_999), st.integers(0, 16))
anything = st.text(alphabet=st.sampled_from(ODD), max_size=24)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(valid_spellings, anything), min_size=1, max_size=40))
def test_the_vectorised_parser_agrees_with_core_phone(texts):
    values = [t.replace("\n", " ").encode("utf-8") for t in texts]
    assert parse_all(values) == [scalar_number(v) for v in values]


def test_accepted_spellings_and_refusals():
    values = [b"21234567", b"2123 4567", b"2123-4567", b"+852 2123 4567", b"852-21234567", b"+85221234567",
              b"  61234567\t", "６１２３４５６７".encode(), b"2123--4567", b"2123 4567-", b"+44 2123 4567",
              b"0085221234567", b"1234567", b"800123456", b"abc", b"", b"21234567x", b"+852+21234567"]
    assert parse_all(values) == [21234567] * 6 + [61234567, 61234567] + [None] * 10


def test_reasons_are_core_phones_words():
    for raw in ["abc", "2123--4567", "+44 2123 4567", "1083", "", "2123.4567"]:
        try:
            parse_number(raw)
        except InvalidNumber as exc:
            assert invalid_reason(raw.encode()) == exc.message
    assert "toll-free" in invalid_reason(b"800 123 456")
    assert "UTF-8" in invalid_reason(b"\xff\xfe21")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(messy_numbers(), messy_numbers(st.sampled_from([21234567, 80012345, 85212345])),
                          anything), min_size=1, max_size=60))
def test_a_reason_worded_once_per_shape_is_each_fields_own_reason(texts):
    """The scrub words one reason per reason key and puts each line's field into it: it must read exactly as
    core/phone.py words that field."""
    values = [t.replace("\n", " ").encode("utf-8") for t in texts]
    refused = [v for v in values if scalar_number(v) is None]
    if not refused:
        return
    joined = b"\n".join(refused) + b"\n"
    buf = np.zeros(len(joined) + SLACK, dtype=np.uint8)
    buf[: len(joined)] = np.frombuffer(joined, dtype=np.uint8)
    lengths = np.array([len(v) for v in refused], dtype=np.int64)
    ends = np.cumsum(lengths + 1) - 1
    texts_, splits, which = OutputWriter._invalid_reasons(buf, ends - lengths, ends)
    for value, k in zip(refused, which.tolist(), strict=True):
        text, split = texts_[k], splits[k]
        if split >= 0:
            text = text[:split] + value.strip(BLANKS).replace(b'"', b'""') + text[split:]
        assert text == b'",rejected_invalid,"' + invalid_reason(value).encode().replace(b'"', b'""') + b'"\r\n'


def test_refused_shapes_share_one_worded_reason():
    values = [f"{n}.{n + 1000}".encode() for n in range(2000, 2100)] + [b"800 123 456", b"800 654 321"]
    joined = b"\n".join(values) + b"\n"
    buf = np.frombuffer(joined + bytes(SLACK), dtype=np.uint8)
    lengths = np.array([len(v) for v in values], dtype=np.int64)
    ends = np.cumsum(lengths + 1) - 1
    texts, _, which = OutputWriter._invalid_reasons(buf, ends - lengths, ends)
    assert len(set(which[:100].tolist())) == 1  # one worded reason for a hundred numbers written with a dot
    assert which[100] != which[101]  # a toll-free number's reason names its digits: each worded on its own
    assert b"800123456" in texts[which[100]] and b"800654321" in texts[which[101]]
