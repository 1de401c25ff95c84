"""RFC 6962 / RFC 9162 Merkle tree hashing, and proofs built from a source of complete-subtree hashes.

A *complete subtree* at ``level`` l and ``index`` n covers the leaves ``[n * 2**l, (n + 1) * 2**l)``; its hash
never changes once its last leaf is appended, so it can be stored once and read back (see store.py). Every
hash a proof or a root needs is the Merkle Tree Hash of a range of leaves, built here from those complete
subtrees.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) — the root of the empty tree

Subtree = Callable[[int, int], bytes]  # (level, index) -> hash of a complete subtree


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than N (N > 1): where RFC 6962 splits a tree of N leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes (in memory; tests and verification)."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    # Bottom-up pairing gives the RFC 6962 tree: an odd node at the right edge is carried up unchanged.
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def range_hash(subtree: Subtree, lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) for a range whose start is aligned as RFC 6962 splits align it."""
    n = hi - lo
    if n <= 0:
        raise ValueError("empty range")
    if n & (n - 1) == 0 and lo % n == 0:
        level = n.bit_length() - 1
        return subtree(level, lo >> level)
    k = split_point(n)
    return node_hash(range_hash(subtree, lo, lo + k), range_hash(subtree, lo + k, hi))


def tree_root(subtree: Subtree, size: int) -> bytes:
    return EMPTY_ROOT if size == 0 else range_hash(subtree, 0, size)


def inclusion_proof(subtree: Subtree, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 6962 §2.1.1."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not below the tree size {size}")
    return _path(subtree, index, 0, size)


def _path(subtree: Subtree, m: int, lo: int, hi: int) -> list[bytes]:
    n = hi - lo
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return _path(subtree, m, lo, lo + k) + [range_hash(subtree, lo + k, hi)]
    return _path(subtree, m - k, lo + k, hi) + [range_hash(subtree, lo, lo + k)]


def consistency_proof(subtree: Subtree, old: int, new: int) -> list[bytes]:
    """PROOF(old, D[0:new]) of RFC 6962 §2.1.2; empty when old is 0 or equals new."""
    if not 0 <= old <= new:
        raise ValueError(f"old size {old} is not between 0 and the new size {new}")
    if old in (0, new):
        return []
    return _subproof(subtree, old, 0, new, True)


def _subproof(subtree: Subtree, m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
    n = hi - lo
    if m == n:
        return [] if whole else [range_hash(subtree, lo, hi)]
    k = split_point(n)
    if m <= k:
        return _subproof(subtree, m, lo, lo + k, whole) + [range_hash(subtree, lo + k, hi)]
    return _subproof(subtree, m - k, lo + k, hi, False) + [range_hash(subtree, lo, lo + k)]


def memory_subtree(leaves: Sequence[bytes]) -> Subtree:
    """A Subtree source over in-memory leaf hashes (tests, verification of a rebuilt tree)."""
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])

    def subtree(level: int, index: int) -> bytes:
        return levels[level][index]

    return subtree


def compact_range(size: int) -> list[tuple[int, int]]:
    """The complete subtrees (level, index) that make up a tree of SIZE leaves, left to right."""
    out = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            out.append((level, start >> level))
            start += 1 << level
    return out


def tile_path(index: int) -> str:
    """C2SP tlog-tiles' encoding of a tile index: 1234067 -> x001/x234/067."""
    parts = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        parts.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(parts))


def parse_tile_path(text: str) -> int:
    """The inverse of tile_path; ValueError unless TEXT is exactly in that form."""
    parts = text.split("/")
    if any(len(p) != (4 if i < len(parts) - 1 else 3) for i, p in enumerate(parts)):
        raise ValueError(text)
    if any(not p.startswith("x") for p in parts[:-1]) or not all(p.lstrip("x").isdigit() for p in parts):
        raise ValueError(text)
    value = 0
    for p in parts:
        value = value * 1000 + int(p.lstrip("x"))
    if tile_path(value) != text:
        raise ValueError(text)
    return value
