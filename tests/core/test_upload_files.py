"""core.files: uploads streamed to a temporary file, kept only when the transaction that recorded them commits."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from telreg.core.files import UnacceptableFile, keep_on_commit, receive_document

PDF = b"%PDF-1.4\n% a scanned document\n%%EOF\n"


def _receive(runtime: Any, content: bytes, name: str = "bill.pdf") -> Any:
    return receive_document(runtime.settings.data_dir, filename=name, stream=io.BytesIO(content),
                            max_bytes=1_000, area="test")


def _files(runtime: Any) -> list[Path]:
    root = Path(runtime.settings.data_dir) / "uploads"
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_a_kept_file_appears_only_when_the_transaction_commits(runtime: Any) -> None:
    with runtime.session_factory() as session:
        pending = _receive(runtime, PDF)
        stored = keep_on_commit(session, pending)
        assert not Path(stored.path).exists()
        session.commit()
    assert Path(stored.path).read_bytes() == PDF and _files(runtime) == [Path(stored.path)]


def test_a_rolled_back_transaction_or_savepoint_keeps_nothing(runtime: Any) -> None:
    with runtime.session_factory() as session:
        keep_on_commit(session, _receive(runtime, PDF + b"rolled back"))
        session.rollback()
        with session.begin_nested():  # released: follows the outer transaction
            kept = keep_on_commit(session, _receive(runtime, PDF + b"kept"))
        with pytest.raises(ValueError), session.begin_nested():  # rolled back: removed at once
            keep_on_commit(session, _receive(runtime, PDF + b"refused"))
            raise ValueError("refused")
        assert len(_files(runtime)) == 1  # only kept's temporary file is left, waiting for the commit
        session.commit()
    assert _files(runtime) == [Path(kept.path)]


def test_a_closed_session_that_never_committed_keeps_nothing(runtime: Any) -> None:
    session = runtime.session_factory()
    keep_on_commit(session, _receive(runtime, PDF))
    session.close()
    assert _files(runtime) == []


@pytest.mark.parametrize(("content", "message"), [
    (b"", "'bill.pdf' is empty."),
    (b"MZ\x90\x00 an executable, not a bill", "'bill.pdf' is not a PDF, PNG or JPEG file."),
    (PDF.ljust(1_001, b"0"), "'bill.pdf' is too large: the limit is 1,000 bytes."),
])
def test_a_refused_file_leaves_nothing_behind(runtime: Any, content: bytes, message: str) -> None:
    with pytest.raises(UnacceptableFile) as refused:
        _receive(runtime, content)
    assert refused.value.message == message
    assert _files(runtime) == []


def test_a_file_that_is_not_a_document_is_refused_from_its_first_bytes(runtime: Any) -> None:
    read = []

    class Endless(io.RawIOBase):
        def read(self, size: int = -1) -> bytes:
            read.append(size)
            return b"GIF89a" + b"\x00" * (size - 6)

    with pytest.raises(UnacceptableFile, match="not a PDF"):
        receive_document(runtime.settings.data_dir, filename="x.gif", stream=Endless(), max_bytes=10**9,
                         area="test")
    assert len(read) == 1  # refused after the first chunk, not after a gigabyte
