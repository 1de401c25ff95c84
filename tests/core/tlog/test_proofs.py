"""The proof verifier against adversarial inputs, and properties over random trees (RFC 9162 §2.1.3–2.1.4)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from telreg.core.tlog.merkle import (
    EMPTY_ROOT,
    compact_range,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    memory_subtree,
    node_hash,
    parse_tile_path,
    root_of,
    tile_path,
    tree_root,
)
from telreg.core.tlog.proofs import verify_consistency, verify_inclusion


def leaves(n: int) -> list[bytes]:
    return [leaf_hash(f"entry {i}".encode()) for i in range(n)]


def test_hashing_is_rfc6962() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    # RFC 6962 test vectors (certificate-transparency-go merkle tests): leaf of the empty string, and of 0x00.
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert leaf_hash(b"\x00").hex() == "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
    two = [leaf_hash(b""), leaf_hash(b"\x00")]
    assert root_of(two) == node_hash(*two)
    # The reference root of the CT test tree's first 8 inputs (RFC 6962 reference vectors).
    inputs = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
              b"\x50\x51\x52\x53\x54\x55\x56\x57", b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"]
    roots = {1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
             3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
             8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"}
    hashed = [leaf_hash(x) for x in inputs]
    for n, expected in roots.items():
        assert root_of(hashed[:n]).hex() == expected


def test_the_stored_subtree_route_agrees_with_the_direct_root() -> None:
    for n in range(1, 70):
        ls = leaves(n)
        assert tree_root(memory_subtree(ls), n) == root_of(ls)
        covered = sum(1 << level for level, _ in compact_range(n))
        assert covered == n


def test_tile_paths() -> None:
    assert tile_path(1234067) == "x001/x234/067"
    assert tile_path(0) == "000" and tile_path(1000) == "x001/000"
    assert parse_tile_path("x001/x234/067") == 1234067
    for bad in ("1234067", "x001/234/067", "01", "x000/001", "067/x001", "x01/067", "0a1"):
        with pytest.raises(ValueError):
            parse_tile_path(bad)


TREE = leaves(13)
SUB = memory_subtree(TREE)
ROOT = root_of(TREE)


def test_a_valid_inclusion_proof_verifies() -> None:
    for i in range(13):
        assert verify_inclusion(i, 13, TREE[i], inclusion_proof(SUB, i, 13), ROOT)


@pytest.mark.parametrize("case", ["swapped", "truncated", "extended", "other_size", "index_beyond",
                                  "other_index", "other_leaf", "empty_tree", "short_hash"])
def test_adversarial_inclusion_proofs_fail(case: str) -> None:
    i, size = 5, 13
    path = inclusion_proof(SUB, i, size)
    leaf, root, index = TREE[i], ROOT, i
    if case == "swapped":
        path[0], path[1] = path[1], path[0]
    elif case == "truncated":
        path = path[:-1]
    elif case == "extended":
        path = path + [hashlib.sha256(b"x").digest()]
    elif case == "other_size":
        size = 12
        root = root_of(TREE[:12])
    elif case == "index_beyond":
        index = 13
    elif case == "other_index":
        index = 4
    elif case == "other_leaf":
        leaf = TREE[6]
    elif case == "empty_tree":
        size, root, path = 0, EMPTY_ROOT, []
    elif case == "short_hash":
        path[0] = path[0][:31]
    assert not verify_inclusion(index, size, leaf, path, root)


def test_a_valid_consistency_proof_verifies() -> None:
    for old in range(14):
        proof = consistency_proof(SUB, old, 13)
        assert verify_consistency(old, 13, root_of(TREE[:old]), ROOT, proof)


@pytest.mark.parametrize("case", ["swapped", "truncated", "extended", "other_old_size", "old_beyond_new",
                                  "wrong_old_root", "nonempty_for_zero", "equal_sizes_other_root", "empty"])
def test_adversarial_consistency_proofs_fail(case: str) -> None:
    old, new = 6, 13
    proof = consistency_proof(SUB, old, new)
    old_root, new_root = root_of(TREE[:old]), ROOT
    if case == "swapped":
        proof[0], proof[1] = proof[1], proof[0]
    elif case == "truncated":
        proof = proof[:-1]
    elif case == "extended":
        proof = proof + [hashlib.sha256(b"x").digest()]
    elif case == "other_old_size":
        old_root = root_of(TREE[:5])
        old = 5
    elif case == "old_beyond_new":
        old, new = 14, 13
    elif case == "wrong_old_root":
        old_root = root_of(TREE[:7])
    elif case == "nonempty_for_zero":
        old, old_root = 0, EMPTY_ROOT
    elif case == "equal_sizes_other_root":
        old, old_root, proof = 13, root_of(TREE[:12]), []
    elif case == "empty":
        proof = []
    assert not verify_consistency(old, new, old_root, new_root, proof)


sizes = st.integers(min_value=1, max_value=300)


@hyp_settings(max_examples=60, deadline=None)
@given(size=sizes, data=st.data())
def test_every_inclusion_proof_verifies_and_any_flipped_byte_fails(size: int, data: st.DataObject) -> None:
    tree = leaves(size)
    sub, root = memory_subtree(tree), root_of(tree)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    path = inclusion_proof(sub, index, size)
    assert verify_inclusion(index, size, tree[index], path, root)
    pieces = [tree[index], root, *path]
    which = data.draw(st.integers(min_value=0, max_value=len(pieces) - 1))
    byte = data.draw(st.integers(min_value=0, max_value=31))
    bit = data.draw(st.integers(min_value=0, max_value=7))
    flipped = bytearray(pieces[which])
    flipped[byte] ^= 1 << bit
    pieces[which] = bytes(flipped)
    assert not verify_inclusion(index, size, pieces[0], pieces[2:], pieces[1])


@hyp_settings(max_examples=60, deadline=None)
@given(size=sizes, data=st.data())
def test_every_consistency_proof_verifies_and_any_flipped_byte_fails(size: int, data: st.DataObject) -> None:
    tree = leaves(size)
    sub = memory_subtree(tree)
    old = data.draw(st.integers(min_value=1, max_value=size))
    proof = consistency_proof(sub, old, size)
    old_root, new_root = root_of(tree[:old]), root_of(tree)
    assert verify_consistency(old, size, old_root, new_root, proof)
    pieces = [old_root, new_root, *proof]
    which = data.draw(st.integers(min_value=0, max_value=len(pieces) - 1))
    flipped = bytearray(pieces[which])
    flipped[data.draw(st.integers(min_value=0, max_value=31))] ^= 1 << data.draw(st.integers(0, 7))
    pieces[which] = bytes(flipped)
    assert not verify_consistency(old, size, pieces[0], pieces[1], pieces[2:])
