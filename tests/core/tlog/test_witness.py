"""Two deployments on two databases: one's audit log asks the other to witness it (C2SP tlog-witness), and a
checkpoint is published only once cosigned."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from telreg.core.clock import FixedClock
from telreg.core.db import unit_of_work
from telreg.core.tlog import service, store
from telreg.core.tlog.keys import log_signer, witness_signer
from telreg.core.tlog.merkle import EMPTY_ROOT
from telreg.core.tlog.note import Checkpoint, b64, generate_signer, verify_note
from telreg.core.tlog.witness import Cosigned, SizeConflict, add_checkpoint
from telreg.runtime import Runtime
from tests.waiting import wait_until_blocked

from .conftest import build_second_runtime, second_settings
from .helpers import checkpoint, record


@pytest.fixture
def pair(runtime: Runtime, second_engine: Engine, second_clock: FixedClock, tmp_path: Path):  # type: ignore[no-untyped-def]
    """(the log's runtime, the witness's runtime, a client of the witness's app)."""
    from telreg.app import create_app

    log_vkey = log_signer(runtime.settings).verifier.vkey
    witness = build_second_runtime(second_settings(second_engine, tmp_path, audit_witnessed_logs=[log_vkey]),
                                   second_engine, second_clock)
    witness_vkey = witness_signer(witness.settings).verifier.vkey
    runtime.settings = runtime.settings.model_copy(
        update={"audit_witnesses": [f"http://testserver/audit {witness_vkey}"]})
    with TestClient(create_app(witness)) as client:
        runtime.extras[service.HTTP_CLIENT] = client
        yield runtime, witness, client


def _published(runtime: Runtime) -> str:
    from telreg.app import create_app

    with TestClient(create_app(runtime)) as client:
        response = client.get("/audit/checkpoint")
        return response.text if response.status_code == 200 else ""


def test_a_checkpoint_is_published_once_the_witness_cosigned_it(pair) -> None:  # type: ignore[no-untyped-def]
    log, witness, _ = pair
    record(log, 3)
    checkpoint(log)
    note = _published(log)
    _, good = verify_note(note, [witness_signer(witness.settings).verifier])
    verify_note(note, [log_signer(log.settings).verifier])
    assert note.startswith("telreg.localhost/audit\n3\n") and len(good) == 1
    record(log, 4)
    checkpoint(log)  # the witness gets old 3 and a consistency proof 3 -> 7
    assert _published(log).startswith("telreg.localhost/audit\n7\n")
    with unit_of_work(witness.session_factory) as session:
        from telreg.core.tlog.witness import latest_witnessed

        seen = latest_witnessed(session, "telreg.localhost/audit")
        assert seen is not None and seen.tree_size == 7 and seen.cosigned_count == 2


def test_without_the_witness_the_published_checkpoint_stays_behind(pair) -> None:  # type: ignore[no-untyped-def]
    log, witness, _ = pair
    record(log, 2)
    checkpoint(log)
    witness.settings = witness.settings.model_copy(update={"audit_witnessed_logs": []})  # it stops witnessing us
    record(log, 2)
    checkpoint(log)
    assert _published(log).startswith("telreg.localhost/audit\n2\n")
    with unit_of_work(log.session_factory) as session:
        assert store.latest_checkpoint(session).tree_size == 4  # type: ignore[union-attr]


def test_the_witness_answers_409_with_its_size_and_the_log_catches_up(pair) -> None:  # type: ignore[no-untyped-def]
    log, _, client = pair
    record(log, 3)
    checkpoint(log)
    with unit_of_work(log.session_factory) as session:
        note = store.latest_checkpoint(session).note  # type: ignore[union-attr]
    response = client.post("/audit/add-checkpoint", content=f"old 0\n\n{note}".encode())
    assert response.status_code == 409 and response.headers["content-type"].startswith("text/x.tlog.size")
    assert response.text == "3\n"


def _post(client: TestClient, body: str) -> int:
    return client.post("/audit/add-checkpoint", content=body.encode()).status_code


def test_the_witness_refuses_what_the_protocol_refuses(pair) -> None:  # type: ignore[no-untyped-def]
    log, _, client = pair
    signer = log_signer(log.settings)
    two = signer.sign(Checkpoint("telreg.localhost/audit", 2, bytes(32)).text)
    stranger = generate_signer("elsewhere.example/log")
    assert _post(client, "old 0\n\n" + stranger.sign(Checkpoint("elsewhere.example/log", 1, bytes(32)).text)) == 404
    impostor = generate_signer("telreg.localhost/audit")
    assert _post(client, "old 0\n\n" + impostor.sign(Checkpoint("telreg.localhost/audit", 1, bytes(32)).text)) == 403
    assert _post(client, "old 0\n\n" + two.replace("\n2\n", "\n3\n", 1)) == 403  # a changed size
    assert _post(client, "old 3\n\n" + two) == 400  # old beyond the size
    assert _post(client, "old 01\n\n" + two) == 400
    assert _post(client, "nonsense") == 400
    assert _post(client, "old 0\nnot-a-hash\n\n" + two) == 400
    assert _post(client, f"old 0\n{b64(bytes(32))}\n\n" + two) == 422  # a proof where none may be
    empty_wrong = signer.sign(Checkpoint("telreg.localhost/audit", 0, bytes(32)).text)
    assert _post(client, "old 0\n\n" + empty_wrong) == 422
    assert _post(client, "old 0\n\n" + two) == 200
    three = signer.sign(Checkpoint("telreg.localhost/audit", 3, bytes(32)).text)
    assert _post(client, f"old 2\n{b64(bytes(32))}\n\n" + three) == 422  # a proof that does not verify
    other_two = signer.sign(Checkpoint("telreg.localhost/audit", 2, EMPTY_ROOT).text)
    assert _post(client, "old 2\n\n" + other_two) == 422  # same size, other root


def test_two_racing_submissions_cannot_roll_the_witness_back(pair, backend: str) -> None:  # type: ignore[no-untyped-def]
    log, witness, _ = pair
    signer = log_signer(log.settings)
    five = signer.sign(Checkpoint("telreg.localhost/audit", 5, bytes(32)).text)
    seven = signer.sign(Checkpoint("telreg.localhost/audit", 7, b"\x01" * 32).text)
    first = witness.session_factory()
    outcome: list[object] = []
    try:
        assert isinstance(add_checkpoint(first, settings=witness.settings, clock=witness.clock,
                                         body="old 0\n\n" + five), Cosigned)

        def second() -> None:
            with unit_of_work(witness.session_factory) as session:
                outcome.append(add_checkpoint(session, settings=witness.settings, clock=witness.clock,
                                              body="old 0\n\n" + seven))

        thread = threading.Thread(target=second)
        thread.start()
        wait_until_blocked(witness, backend, what="the second submission")
        first.commit()
    finally:
        first.close()
    thread.join()
    assert outcome == [SizeConflict(5)]
    with unit_of_work(witness.session_factory) as session:
        from telreg.core.tlog.witness import latest_witnessed

        assert latest_witnessed(session, "telreg.localhost/audit").tree_size == 5  # type: ignore[union-attr]


def test_racing_updates_of_a_known_log_cannot_roll_the_witness_back(pair, backend: str) -> None:  # type: ignore[no-untyped-def]
    from telreg.core.tlog.merkle import consistency_proof, leaf_hash, memory_subtree, root_of

    log, witness, _ = pair
    signer = log_signer(log.settings)
    leaves = [leaf_hash(bytes([i])) for i in range(9)]
    sub = memory_subtree(leaves)

    def body(old: int, size: int) -> str:
        proof = "".join(b64(h) + "\n" for h in consistency_proof(sub, old, size))
        return f"old {old}\n{proof}\n" + signer.sign(Checkpoint("telreg.localhost/audit", size,
                                                                root_of(leaves[:size])).text)

    with unit_of_work(witness.session_factory) as session:
        assert isinstance(add_checkpoint(session, settings=witness.settings, clock=witness.clock,
                                         body=body(0, 5)), Cosigned)
    first = witness.session_factory()
    outcome: list[object] = []
    try:
        assert isinstance(add_checkpoint(first, settings=witness.settings, clock=witness.clock, body=body(5, 9)),
                          Cosigned)

        def second() -> None:
            with unit_of_work(witness.session_factory) as session:
                outcome.append(add_checkpoint(session, settings=witness.settings, clock=witness.clock,
                                              body=body(5, 7)))

        thread = threading.Thread(target=second)
        thread.start()
        wait_until_blocked(witness, backend, what="the second submission")
        first.commit()
    finally:
        first.close()
    thread.join()
    assert outcome == [SizeConflict(9)]
    with unit_of_work(witness.session_factory) as session:
        from telreg.core.tlog.witness import latest_witnessed

        assert latest_witnessed(session, "telreg.localhost/audit").tree_size == 9  # type: ignore[union-attr]
