"""Calling lists and instructions files shaped as senders really have them, for bench/scrub.py.

A CRM export as Excel writes "CSV UTF-8": a BOM, CRLF line endings, the header ``name,phone,segment``, names in
English and Chinese (some quoted because they hold a comma), numbers written as people write them (a share of
them formatted: ``9593 8530``, ``+852 9672 0084``, ``852-9672-0084``, quoted, and the spellings core/phone.py
refuses: ``9593.8530``, ``(852) 9593 8530``, ``00852 9593 8530``), 1% garbage (``N/A``, ``TBC``, typos).
Instructions files: ``number,instruction,at`` with ISO 8601 times carrying ``+08:00`` (some ``Z``, some fractions),
numbers repeating so that the latest instruction decides.

Lines are assembled with whole-array operations (50 million lines in about a minute): every line is pieces drawn from
small tables (the pieces' bytes scattered into one buffer), and the digits are written into the ``#`` slots after.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

NAMES = [b"Chan Tai Man", b'"Chan, Tai Man"', "陳大文".encode(), b"Wong Siu Ming", b'"Lee, Ka Yan"',
         "李嘉欣".encode(), b"Cheung Wing Kei", b"Ho Chi Wai", "張偉強".encode(), b"Lam Mei Ling", b"Ng Ka Ho",
         b"Leung Pui Yee", "黃志明".encode(), b'"Tsang, Kwok Wai (Ken)"', b"Yip Sze Man", b"Kwok Hoi Yan"]
SEGMENTS = [b"retail", b"vip", b"sme", b'"lapsed, 2025"', b"", "零售".encode()]
PLAIN = b"########"
FORMATTED = [b"#### ####", b"####-####", b"+852 #### ####", b"852-####-####", b"+852########", b"852 ########",
             b'"#### ####"', b'"+852 #### ####"', b"####.####", b"(852) #### ####", b"00852 #### ####"]
GARBAGE = [b"N/A", b"", b"TBC", b"#######", b"##-###", b"########x", b"tel", b"#### ###", b"?", b"#### / ####"]
EXOTIC = ["６１２３４５６７".encode(), "+８５２ ９１２３ ４５６７".encode(), b'"####\r\n####"']
HEADER = b"\xef\xbb\xbfname,phone,segment\r\n"


def _table(pieces: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    width = max(1, max(len(p) for p in pieces))
    table = np.zeros((len(pieces), width), dtype=np.uint8)
    for i, piece in enumerate(pieces):
        table[i, : len(piece)] = np.frombuffer(piece, dtype=np.uint8)
    return table, np.array([len(p) for p in pieces], dtype=np.int64)


def assemble(parts: list[tuple[list[bytes], np.ndarray]]) -> np.ndarray:
    """Lines made of pieces: parts[j] = (table of pieces, which piece each line takes), in order; one byte buffer."""
    tables = [_table(pieces) for pieces, _ in parts]
    lengths = np.stack([lens[which] for (_, lens), (_, which) in zip(tables, parts, strict=True)], axis=1)
    line_len = lengths.sum(axis=1)
    line_start = np.cumsum(line_len) - line_len
    out = np.empty(int(line_len.sum()), dtype=np.uint8)
    at = line_start.copy()
    for (table, lens), (_, which) in zip(tables, parts, strict=True):
        size = lens[which]
        for k in range(table.shape[1]):  # column k of every piece long enough: one scatter per column
            has = size > k
            out[at[has] + k] = table[which[has], k]
        at += size
    return out


def fill_digits(buf: np.ndarray, numbers: np.ndarray, slots_per_line: np.ndarray) -> None:
    """Write each line's number into its ``#`` slots, the first slots first (fewer slots: a leading part of it)."""
    digits = np.empty((len(numbers), 8), dtype=np.uint8)
    for col in range(8):
        digits[:, 7 - col] = ord("0") + (numbers // 10**col) % 10
    keep = np.arange(8)[None, :] < slots_per_line[:, None]
    slots = np.flatnonzero(buf == ord("#"))
    buf[slots] = digits[keep]


def crm_lines(numbers: np.ndarray, rng: np.random.Generator, *, formatted: float, garbage: float = 0.01,
              exotic: float = 0.0) -> bytes:
    """The lines of a CRM export (no header) holding ``numbers``, one a line."""
    n = len(numbers)
    pick = rng.random(n)
    phones = [PLAIN] + FORMATTED + GARBAGE + EXOTIC
    which = np.zeros(n, dtype=np.int64)
    formatted_rows = pick < formatted
    which[formatted_rows] = 1 + rng.integers(0, len(FORMATTED), int(formatted_rows.sum()))
    bad = pick > 1 - garbage
    which[bad] = 1 + len(FORMATTED) + rng.integers(0, len(GARBAGE), int(bad.sum()))
    odd = (pick > 1 - garbage - exotic) & ~bad
    which[odd] = 1 + len(FORMATTED) + len(GARBAGE) + rng.integers(0, len(EXOTIC), int(odd.sum()))
    names = rng.integers(0, len(NAMES), n)
    segments = rng.integers(0, len(SEGMENTS), n)
    comma, ending = [b","], [b"\r\n"]
    zero = np.zeros(n, dtype=np.int64)
    buf = assemble([(NAMES, names), (comma, zero), (phones, which), (comma, zero), (SEGMENTS, segments),
                    (ending, zero)])
    slots = np.array([p.count(b"#") for p in phones], dtype=np.int64)[which]
    fill_digits(buf, numbers, slots)
    return buf.tobytes()


def write_crm_list(path: Path, lines: int, numbers_for_block, *, formatted: float, exotic: float = 0.0,  # type: ignore[no-untyped-def]
                   seed: int = 0) -> None:
    """Write a CRM export of ``lines`` lines; numbers_for_block(at, n, rng) gives the numbers of lines at..at+n."""
    rng = np.random.default_rng(seed)
    block = 1_000_000
    with open(path, "wb") as out:
        out.write(HEADER)
        for at in range(0, lines, block):
            n = min(block, lines - at)
            out.write(crm_lines(numbers_for_block(at, n, rng), rng, formatted=formatted, exotic=exotic))


def write_instructions(path: Path, rows: int, register: np.ndarray, *, seed: int = 7) -> None:
    """An instructions file of ``rows`` lines with ISO 8601 times carrying offsets; numbers repeat (a third of
    them have several instructions), half of them on the register."""
    rng = np.random.default_rng(seed)
    distinct = max(1, rows * 2 // 3)
    pool = np.concatenate([register[rng.integers(0, len(register), distinct // 2)],
                           rng.integers(20_000_000, 99_999_999, distinct - distinct // 2)])
    numbers = pool[rng.integers(0, len(pool), rows)]
    kinds = [b"consent", b"unsubscribe"]
    kind = rng.integers(0, 2, rows)
    month, day, hour, minute, second = (rng.integers(1, 12, rows), rng.integers(1, 29, rows), rng.integers(0, 24, rows),
                                        rng.integers(0, 60, rows), rng.integers(0, 60, rows))
    zones = [b"+08:00", b"+08:00", b"+08:00", b"Z", b".250+08:00", b"+0800"]
    zone = rng.integers(0, len(zones), rows)
    stamp = [b"2026-##-##T##:##:##"]
    zero = np.zeros(rows, dtype=np.int64)
    buf = assemble([([b"########"], zero), ([b","], zero), (kinds, kind), ([b","], zero), (stamp, zero),
                    (zones, zone), ([b"\n"], zero)])
    # The '#' slots, in order: the number's 8 digits, then MM, DD, HH, MM, SS of the time.
    values = np.stack([numbers // 10**(7 - c) % 10 for c in range(8)] +
                      [v // 10**(1 - c) % 10 for v in (month, day, hour, minute, second) for c in range(2)], axis=1)
    slots = np.flatnonzero(buf == ord("#"))
    buf[slots] = (ord("0") + values).astype(np.uint8).reshape(-1)
    path.write_bytes(b"number,instruction,at\n" + buf.tobytes())
