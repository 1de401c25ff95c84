"""The word-at-a-time digit kernels, the formats built on them, and the change diff, against plain Python."""

from __future__ import annotations

import datetime as dt
import zipfile

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from telreg.dnc.publish import formats
from telreg.dnc.publish.build import diff_states
from telreg.dnc.publish.digits import ascii8, first_not_ascii8, is_ascii8, parse8, words8

values = st.lists(st.integers(0, 99_999_999), max_size=200)


@given(values)
def test_ascii8_writes_and_parse8_reads_eight_zero_padded_digits(numbers):
    array = np.array(numbers, dtype=np.uint32)
    words = ascii8(array)
    assert words.view("S8").tolist() == [f"{n:08d}".encode() for n in numbers]
    assert is_ascii8(words)
    assert parse8(words).tolist() == numbers


def test_the_kernels_span_their_blocks():
    numbers = np.random.default_rng(3).integers(0, 10**8, 100_001).astype(np.uint64)  # three blocks and a bit
    words = ascii8(numbers)
    assert parse8(words).tolist() == numbers.tolist()
    words[70_000] += np.uint64(10 << 8)  # the second digit becomes ':'
    assert not is_ascii8(words) and first_not_ascii8(words) == 70_000


@given(st.binary(min_size=8, max_size=8), st.lists(st.binary(min_size=8, max_size=8), max_size=20))
def test_is_ascii8_accepts_exactly_the_words_of_eight_digits(odd, others):
    fields = [*others, odd]
    words = np.frombuffer(b"".join(fields), dtype="<u8")
    digit = [all(48 <= b <= 57 for b in field) for field in fields]
    assert is_ascii8(words) == all(digit)
    assert first_not_ascii8(words) == (digit.index(False) if not all(digit) else -1)
    if all(digit):
        assert parse8(words).tolist() == [int(field) for field in fields]


@given(st.lists(st.tuples(st.integers(0, 99_999_999), st.integers(0, 99_999_999)), max_size=100))
def test_a_dated_text_reads_back_and_each_field_matches_python(pairs):
    numbers = np.array([p[0] for p in pairs], dtype=np.uint64)
    dates = np.array([p[1] for p in pairs], dtype=np.uint64)
    text = formats.format_dated(numbers, dates)
    assert text == "".join(f"{n:08d},{d:08d}\r\n" for n, d in pairs).encode()
    got_n, got_d = formats.parse_dated(text)
    assert got_n.tolist() == numbers.tolist() and got_d.tolist() == dates.tolist()
    assert formats.digits_to_int(formats.parse_fixed(text, formats.DATED_WIDTH)[:, 9:17]).tolist() == dates.tolist()


@pytest.mark.parametrize("broken", [b"21234567;20260302\r\n", b"21234567,20260302\n\n", b"21234567,2026030\r\n",
                                    b"2123456 ,20260302\r\n"])
def test_a_damaged_dated_line_is_refused(broken):
    with pytest.raises(ValueError):
        formats.parse_dated(b"61234567,20260302\r\n" + broken)


@given(st.dictionaries(st.integers(20_000_000, 99_999_999), st.integers(20080101, 20261231), max_size=60),
       st.dictionaries(st.integers(20_000_000, 99_999_999), st.integers(20080101, 20261231), max_size=60))
@hypothesis_settings(max_examples=200)
@example({20000001: 20260301, 20000002: 20260301, 99999999: 20080101},  # a date changed, one gone, one new
         {20000001: 20260302, 20000003: 20260301, 99999999: 20080101})
def test_the_diff_turns_the_previous_state_into_the_current(previous, current):
    def arrays(state):
        keys = sorted(state)
        return np.array(keys, dtype=np.uint32), np.array([state[k] for k in keys], dtype=np.uint32)

    removed, added, added_dates = diff_states(*arrays(previous), *arrays(current))
    gone = sorted(n for n in previous if current.get(n) != previous[n])
    new = sorted(n for n in current if previous.get(n) != current[n])
    assert removed.tolist() == gone and added.tolist() == new
    assert added_dates.tolist() == [current[n] for n in new]
    text = formats.format_changes(removed, added, added_dates).decode()
    assert text == "".join(f"-{n:08d}\r\n" for n in gone) + "".join(f"+{n:08d},{current[n]:08d}\r\n" for n in new)


def test_a_zip_whose_content_does_not_match_its_crc_is_refused(tmp_path):
    text = formats.format_dated(np.arange(20_000_000, 20_010_000, dtype=np.uint64),
                                np.full(10_000, 20260302, dtype=np.uint64))
    path = tmp_path / "sms-dated.zip"
    formats.write_zip(path, entry="sms-dated.txt", data=np.frombuffer(text, np.uint8), lines=10_000,
                      stamp=dt.datetime(2026, 3, 2, 23))
    assert formats.read_zip_entry(path) == text
    with zipfile.ZipFile(path) as archive:
        assert archive.read("sms-dated.txt") == text  # zipfile agrees: a buffer is written as its bytes
    content = bytearray(path.read_bytes())
    crc_at = 14  # the local header's CRC-32
    content[crc_at] ^= 0xFF
    content[content.rindex(b"PK\x01\x02") + 16] ^= 0xFF  # and the central directory's
    with pytest.raises(zipfile.BadZipFile):
        formats.read_zip_entry(bytes(content))
    assert words8(np.frombuffer(b"12345678", np.uint8).reshape(1, 8)).tolist() == [int.from_bytes(b"12345678",
                                                                                                  "little")]


@pytest.mark.parametrize(("numbers", "dates"), [([20000002, 20000001], [20260302, 20260302]),
                                                ([20000001, 20000001], [20260302, 20260301])])
def test_a_state_out_of_number_order_is_refused_not_diffed(numbers, dates):
    ordered = (np.array([20000001], np.uint32), np.array([20260302], np.uint32))
    for sides in ((*ordered, np.array(numbers, np.uint32), np.array(dates, np.uint32)),
                  (np.array(numbers, np.uint32), np.array(dates, np.uint32), *ordered)):
        with pytest.raises(ValueError, match="number order"):
            diff_states(*sides)
