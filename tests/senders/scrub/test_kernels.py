"""The C loops refuse arrays of the wrong size with an error instead of reading or writing past them, and the
fused pass-1 loop agrees with the general one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telreg.senders.scrub import _kernels
from telreg.senders.scrub.bitset import Bitset
from telreg.senders.scrub.engine import Lookup


def _members(words: np.ndarray) -> list[int]:
    """The numbers whose bits are set in a bitset's words (only the non-zero words are looked at)."""
    return [64 * int(w) + bit for w in np.flatnonzero(words).tolist() for bit in range(64)
            if (int(words[w]) >> bit) & 1]


def _buf(text: bytes) -> np.ndarray:
    return np.frombuffer(text + b"\0" * 64, dtype=np.uint8)


def test_scan_refuses_arrays_too_small_for_the_lines() -> None:
    data = b"21234567\n61234567\n91234567\n"
    arrays = [np.empty(2, dtype=np.uint32) for _ in range(6)]
    with pytest.raises(ValueError, match="more lines than the arrays hold"):
        _kernels.scan(_buf(data), len(data), -1, 0, *arrays, np.empty(2, dtype=np.uint8))


def test_scan_refuses_a_size_beyond_the_buffer() -> None:
    arrays = [np.empty(8, dtype=np.uint32) for _ in range(6)]
    with pytest.raises(ValueError, match="buf"):
        _kernels.scan(np.zeros(4, dtype=np.uint8), 100, -1, 0, *arrays, np.empty(8, dtype=np.uint8))


def test_count_lines_counts_a_last_line_without_a_line_feed() -> None:
    assert _kernels.count_lines(_buf(b"a\nb\nc"), 5) == 3
    assert _kernels.count_lines(_buf(b"a\nb\n"), 4) == 2
    assert _kernels.count_lines(_buf(b""), 0) == 0


def test_mark_refuses_a_repeated_number_outside_its_table() -> None:
    decision = np.full(4, 6, dtype=np.int8)
    again = np.array([0, 5], dtype=np.int64)  # line 0, the 6th repeated number: the table holds 2
    with pytest.raises(ValueError, match="out of range"):
        _kernels.mark(1, 1, decision, again, np.zeros(2, dtype=np.int64), np.zeros(4, dtype=np.int64))


def test_format_rejected_refuses_an_output_buffer_too_small() -> None:
    data = b"2123456x\n"
    n = 1
    starts, ends = np.array([0], dtype=np.uint32), np.array([8], dtype=np.uint32)
    decision = np.zeros(n, dtype=np.int8)  # rejected_invalid
    special = np.zeros(n, dtype=np.int32)  # its reason is extra[0]
    reason = b'",rejected_invalid,"not a number"\r\n'
    tails = np.zeros(1, dtype=np.uint8)
    with pytest.raises(ValueError, match="too small"):
        _kernels.format_rejected(_buf(data), n, 1, 0, starts, ends, starts, ends, decision,
                                 np.full(n, -1, dtype=np.int32), np.zeros(n, dtype=np.int64), special, tails,
                                 np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                                 np.frombuffer(reason, dtype=np.uint8), np.array([0], dtype=np.int64),
                                 np.array([len(reason)], dtype=np.int64), np.array([-1], dtype=np.int64),
                                 np.empty(10, dtype=np.uint8))
    out = np.empty(200, dtype=np.uint8)
    size = _kernels.format_rejected(_buf(data), n, 1, 0, starts, ends, starts, ends, decision,
                                    np.full(n, -1, dtype=np.int32), np.zeros(n, dtype=np.int64), special, tails,
                                    np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                                    np.frombuffer(reason, dtype=np.uint8), np.array([0], dtype=np.int64),
                                    np.array([len(reason)], dtype=np.int64), np.array([-1], dtype=np.int64), out)
    assert out[:size].tobytes() == b'1,"2123456x",rejected_invalid,"not a number"\r\n'


def test_the_lookup_table_answers_like_the_bitsets() -> None:
    rng = np.random.default_rng(7)
    listed = np.unique(rng.integers(0, 100_000_000, 50_000))
    repeated = np.unique(rng.integers(0, 100_000_000, 20_000))
    lookup = Lookup.build(Bitset.of(listed), Bitset.of(repeated))
    probe = np.concatenate([listed[:1000], repeated[:1000], rng.integers(0, 100_000_000, 2000)]).astype(np.uint32)
    n = len(probe)
    decision = np.empty(n, dtype=np.int8)
    date_index = np.empty(n, dtype=np.int32)
    again = np.empty(2 * n, dtype=np.int64)
    date_of_member = (np.arange(len(listed)) % 7).astype(np.uint16)  # the member's rank, folded to a date index
    in_force = np.array([1, 0, 1, 0, 1, 0, 1], dtype=np.uint8)
    sieve = np.zeros((1 << 20) // 8, dtype=np.uint8)
    pairs = _kernels.decide(n, probe, np.zeros(n, dtype=np.uint8), lookup.table, date_of_member, in_force, sieve,
                            np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8), decision, date_index, again)
    on_list = np.searchsorted(listed, probe)
    is_listed = (on_list < len(listed)) & (listed[np.minimum(on_list, len(listed) - 1)] == probe)
    assert np.array_equal(date_index[is_listed], (on_list[is_listed] % 7))
    assert (date_index[~is_listed] == -1).all()
    expected = np.where(is_listed, np.where(in_force[on_list % 7] == 1, 4, 5), 6)  # blocked_dnc, not yet, allowed
    assert np.array_equal(decision, expected)
    rows, ranks = again[: 2 * pairs : 2], again[1 : 2 * pairs : 2]
    where = np.searchsorted(repeated, probe)
    is_repeated = (where < len(repeated)) & (repeated[np.minimum(where, len(repeated) - 1)] == probe)
    assert np.array_equal(rows, np.flatnonzero(is_repeated))
    assert np.array_equal(ranks, where[is_repeated])


_LINE = st.one_of(
    st.integers(0, 99_999_999).map(lambda n: b"%08d" % n),
    st.sampled_from([b"", b"2123 4567", b"+852 2123 4567", b"2123456", b"212345678", b"2123456a", b"/1234567",
                     b":1234567", b"21234567 ", b"\xef\xbc\x92\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94"
                     b"\xef\xbc\x95\xef\xbc\x96\xef\xbc\x97"]),  # the last is full-width: status PYTHON
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_LINE, st.sampled_from([b"\n", b"\r\n"])), max_size=30), st.booleans())
def test_observe_lines_notes_what_scan_and_observe_note_and_stops_at_a_line_for_python(lines, last_ended):
    """Pass 1's fused loop agrees with the general one (scan, then observe) up to the first line left to Python."""
    data = b"".join(text + end for text, end in lines)
    if lines and not last_ended:
        data = data[: -len(lines[-1][1])]
    pairs = np.zeros(2 * len(Bitset().words), dtype=np.uint64)
    counted, stop = _kernels.observe_lines(_buf(data), len(data), -1, 0, pairs)

    arrays = [np.empty(len(lines) + 1, dtype=np.uint32) for _ in range(6)]
    status = np.empty(len(lines) + 1, dtype=np.uint8)
    n = _kernels.scan(_buf(data), len(data), -1, 0, *arrays, status)
    python = np.flatnonzero(status[:n] == 2)
    expected_lines = int(python[0]) if len(python) else n
    assert counted == expected_lines
    assert stop == (int(arrays[0][expected_lines]) if len(python) else len(data))
    want = np.zeros_like(pairs)
    _kernels.observe(arrays[5][:expected_lines].copy(), status[:expected_lines].copy(), want)
    assert np.array_equal(pairs, want)
    # and the pairs hold what a set of the valid numbers says
    valid = [int(x) for x, st_ in zip(arrays[5][:expected_lines].tolist(), status[:expected_lines].tolist(),
                                      strict=True) if st_ == 0]
    seen, repeated = _members(pairs[0::2]), _members(pairs[1::2])
    assert seen == sorted(set(valid)) and repeated == sorted({x for x in valid if valid.count(x) > 1})


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.integers(0, 99_999_999) | st.sampled_from([64, 65, 127, 1 << 20]), max_size=20),
                min_size=1, max_size=3))
def test_merge_pairs_finds_numbers_repeated_within_or_across_threads(per_thread):
    words = len(Bitset().words)
    rows = np.zeros((len(per_thread), 2 * words), dtype=np.uint64)
    for k, numbers in enumerate(per_thread):
        _kernels.observe(np.array(numbers, dtype=np.uint32), np.zeros(len(numbers), dtype=np.uint8), rows[k])
    _kernels.merge_pairs(rows, len(per_thread))
    merged = _members(rows.reshape(-1)[:words])
    everything = [x for numbers in per_thread for x in numbers]
    assert merged == sorted({x for x in everything if everything.count(x) > 1})


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=6).filter(lambda b: b"\n" not in b), max_size=60))
def test_group_fields_groups_equal_bytes_in_order_of_first_appearance(fields):
    data = b"\n".join(fields)
    at = np.cumsum([0] + [len(f) + 1 for f in fields])[: len(fields)].astype(np.int64)
    length = np.array([len(f) for f in fields], dtype=np.int64)
    which, first = np.empty(len(fields), dtype=np.int64), np.empty(len(fields), dtype=np.int64)
    groups = _kernels.group_fields(_buf(data), at, at + length, which, first)

    expected: dict[bytes, int] = {}
    for field in fields:
        expected.setdefault(field, len(expected))
    assert groups == len(expected)
    assert which.tolist() == [expected[f] for f in fields]
    assert [fields[i] for i in first[:groups].tolist()] == list(expected)


def test_group_fields_refuses_a_field_outside_the_buffer() -> None:
    one = np.zeros(1, dtype=np.int64)
    with pytest.raises(ValueError, match="outside the buffer"):
        _kernels.group_fields(np.zeros(4, dtype=np.uint8), np.array([2]), np.array([7]), one, one.copy())
