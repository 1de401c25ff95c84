"""C2SP signed notes and checkpoints: the spec's example, our own signatures, and notes that must be refused."""

from __future__ import annotations

import base64

import pytest

from telreg.core.tlog.merkle import EMPTY_ROOT, leaf_hash
from telreg.core.tlog.note import (
    COSIGNATURE_V1,
    Checkpoint,
    NoteError,
    generate_signer,
    parse_checkpoint,
    parse_private_key,
    parse_vkey,
    verify_note,
)

SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = ("This is an example message.\n\n"
             "\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwH"
             "jG1Yu72IneyaQM=\n")


def test_the_signed_note_specs_example_verifies() -> None:
    note, good = verify_note(SPEC_NOTE, [parse_vkey(SPEC_VKEY)])
    assert note.text == "This is an example message.\n" and good[0].name == "example.com/foo"


def test_a_checkpoint_round_trips_and_the_key_id_follows_the_spec() -> None:
    signer = generate_signer("dnc.example.hk/audit")
    checkpoint = Checkpoint("dnc.example.hk/audit", 3, leaf_hash(b"x"))
    note = signer.sign(checkpoint.text)
    assert note.startswith("dnc.example.hk/audit\n3\n") and "\n\n\u2014 dnc.example.hk/audit " in note
    parsed, _ = verify_note(note, [parse_vkey(signer.verifier.vkey)])
    assert parse_checkpoint(parsed.text) == checkpoint
    assert parse_private_key(signer.private_line()).verifier == signer.verifier


def test_a_checkpoint_signed_by_an_unknown_key_is_refused() -> None:
    ours, theirs = generate_signer("log.example/a"), generate_signer("log.example/a")
    note = theirs.sign(Checkpoint("log.example/a", 1, leaf_hash(b"x")).text)
    with pytest.raises(NoteError, match="not signed by any trusted key"):
        verify_note(note, [ours.verifier])


def test_a_note_with_a_changed_origin_is_refused() -> None:
    signer = generate_signer("log.example/a")
    note = signer.sign(Checkpoint("log.example/a", 1, leaf_hash(b"x")).text)
    with pytest.raises(NoteError, match="does not verify"):
        verify_note(note.replace("log.example/a\n1", "log.example/b\n1", 1), [signer.verifier])


def test_a_changed_size_or_root_is_refused() -> None:
    signer = generate_signer("log.example/a")
    note = signer.sign(Checkpoint("log.example/a", 1, EMPTY_ROOT).text)
    with pytest.raises(NoteError):
        verify_note(note.replace("\n1\n", "\n2\n", 1), [signer.verifier])


@pytest.mark.parametrize("text", ["a\n01\n" + "A" * 43 + "=\n", "a\n1\n", "a\n1\nnot-base64\n", "a\n-1\nAAAA\n",
                                  "a\n\n1\n" + "A" * 43 + "=\n"])
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(NoteError):
        parse_checkpoint(text)


def test_a_cosignature_is_timestamped_and_verifies_only_with_the_cosigner_key() -> None:
    log, witness = generate_signer("log.example/a"), generate_signer("w.example/w", COSIGNATURE_V1)
    text = Checkpoint("log.example/a", 5, leaf_hash(b"y")).text
    note = log.sign(text) + witness.sign_line(text, timestamp=1_700_000_000)
    _, good = verify_note(note, [witness.verifier])
    assert [s.name for s in good] == ["w.example/w"]
    assert good[0].signature[:8] == (1_700_000_000).to_bytes(8, "big")
    assert base64.b64decode(witness.verifier.vkey.split("+", 2)[2])[0] == 0x04  # the type byte in the vkey
    forged = note.replace(note.splitlines()[-1], note.splitlines()[-1][:-6] + "AAAAA=")
    with pytest.raises(NoteError):
        verify_note(forged, [witness.verifier])


def test_keys_whose_base64_holds_a_plus_sign_are_read_back() -> None:
    """Base64 uses '+': the name+id+key split must stop at the second '+' (a test once split them all, and
    failed whenever the random key's base64 held one)."""
    signers = [generate_signer(f"log.example/{i}") for i in range(64)]
    with_plus = [s for s in signers if "+" in s.verifier.vkey.split("+", 2)[2]]
    assert with_plus  # 64 random keys: the chance that none has a '+' in 44 base64 characters is negligible
    for signer in with_plus:
        text = Checkpoint(signer.name, 1, leaf_hash(b"z")).text
        verify_note(signer.sign(text), [parse_vkey(signer.verifier.vkey)])
        assert parse_private_key(signer.private_line()).verifier.vkey == signer.verifier.vkey
