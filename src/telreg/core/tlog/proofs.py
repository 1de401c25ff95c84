"""Verification of inclusion and consistency proofs: RFC 9162 §2.1.3.2 and §2.1.4.2, written out step by step.

Both functions return a bool and never raise on hostile input (wrong lengths, sizes out of range, paths of the
wrong length): a verifier that can be made to crash is a verifier that can be made to skip a check.
"""

from __future__ import annotations

from collections.abc import Sequence

from telreg.core.tlog.merkle import HASH_SIZE, node_hash


def _hashes_ok(*hashes: object) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(leaf_index: int, tree_size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> bool:
    """True when PATH proves that LEAF (a leaf hash) is entry LEAF_INDEX of the tree of TREE_SIZE with ROOT."""
    if not (0 <= leaf_index < tree_size) or not _hashes_ok(leaf, root, *path):
        return False
    fn, sn = leaf_index, tree_size - 1
    r = leaf
    for p in path:
        if sn == 0:
            return False  # the path is longer than the tree is deep
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """True when PROOF shows that the tree of size SECOND (SECOND_ROOT) extends that of size FIRST (FIRST_ROOT).

    The empty tree is consistent with every tree, with an empty proof (C2SP tlog-witness); equal sizes need
    equal roots and an empty proof.
    """
    if not (0 <= first <= second) or not _hashes_ok(first_root, second_root, *proof):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: its root is itself a node of the new tree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root
