"""C2SP tlog-tiles over HTTP: the checkpoint, tiles (full and partial) and entry bundles verify on their own."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient

from telreg.core.tlog.keys import log_signer
from telreg.core.tlog.merkle import leaf_hash, node_hash, root_of, tile_path
from telreg.core.tlog.note import parse_checkpoint, verify_note
from telreg.runtime import Runtime

from .helpers import checkpoint, record


def _client(runtime: Runtime) -> TestClient:
    from telreg.app import create_app

    return TestClient(create_app(runtime))


def test_the_checkpoint_and_tiles_let_anyone_rebuild_the_root(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"audit_entries_public": True})
    record(runtime, 300)
    checkpoint(runtime)
    with _client(runtime) as client:
        response = client.get("/audit/checkpoint")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
        note, _ = verify_note(response.text, [log_signer(runtime.settings).verifier])
        signed = parse_checkpoint(note.text)
        assert signed.size == 300

        full = client.get("/audit/tile/0/000")
        partial = client.get("/audit/tile/0/001.p/44")
        assert full.status_code == 200 and len(full.content) == 256 * 32
        assert partial.status_code == 200 and len(partial.content) == 44 * 32
        level0 = [full.content[i:i + 32] for i in range(0, len(full.content), 32)]
        level0 += [partial.content[i:i + 32] for i in range(0, len(partial.content), 32)]
        top = client.get("/audit/tile/1/000.p/1")
        assert top.status_code == 200 and top.content == root_of(level0[:256])
        assert node_hash(top.content, root_of(level0[256:])) == signed.root == root_of(level0)

        bundle = client.get("/audit/tile/entries/001.p/44").content
        entries, at = [], 0
        while at < len(bundle):
            size = int.from_bytes(bundle[at:at + 2], "big")
            entries.append(bundle[at + 2:at + 2 + size])
            at += 2 + size
        assert [leaf_hash(e) for e in entries] == level0[256:]
        assert b'"action":"registered-256"' in entries[0]

        for missing in ("/audit/tile/0/001", "/audit/tile/0/001.p/45", "/audit/tile/1/000", "/audit/tile/0/1",
                        "/audit/tile/0/x000/001", "/audit/tile/0/001.p/0", "/audit/tile/entries/002"):
            assert client.get(missing).status_code == 404, missing


def test_entry_bundles_are_not_public_unless_enabled(runtime: Runtime) -> None:
    record(runtime, 3)
    checkpoint(runtime)
    with _client(runtime) as client:
        assert client.get("/audit/tile/0/000.p/3").status_code == 200
        assert client.get("/audit/tile/entries/000.p/3").status_code == 404


def test_no_checkpoint_yet_is_a_404(runtime: Runtime) -> None:
    with _client(runtime) as client:
        assert client.get("/audit/checkpoint").status_code == 404


def test_tile_paths_use_the_spec_encoding() -> None:
    assert tile_path(1234067) == "x001/x234/067"
    assert base64.b64encode(b"\x00").decode() == "AA=="
