"""`telreg ecert init` is all or nothing: a failure at any step leaves no usable CA, and a second init succeeds.

Failures are injected where the work could stop: signing the issuing CA, signing the root CRL, flushing the rows,
the final rename (or link, into a directory that exists), the commit, the caller's rollback and the marker itself.
After each, there is no ``hierarchy.json``, ``load_hierarchy`` says "not initialised", and a second init gives a CA
whose chain and root CRL OpenSSL accepts. A finished CA is refused and its files are left byte for byte.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.db import unit_of_work
from telreg.ecert import hierarchy as hierarchy_module
from telreg.ecert.errors import CaNotReady
from telreg.ecert.hierarchy import MARKER, ca_dir, forget_hierarchy, init_hierarchy, load_hierarchy
from telreg.ecert.keys import Hierarchy
from telreg.ecert.models import Certificate
from telreg.runtime import Runtime

from .conftest import ROOT_PASSPHRASE
from .softhsm import SoftHsm, token_session


class Injected(RuntimeError):
    """The failure a test injects."""


def _openssl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)


def _init(runtime: Runtime, settings: Settings | None = None) -> Hierarchy:
    with unit_of_work(runtime.session_factory) as session:
        return init_hierarchy(settings or runtime.settings, clock=runtime.clock,
                              root_passphrase=None if settings else ROOT_PASSPHRASE, session=session,
                              actor="test-ceremony")


def _rows(runtime: Runtime) -> set[str]:
    with unit_of_work(runtime.session_factory) as session:
        return set(session.scalars(select(Certificate.serial).where(Certificate.subject_kind == "platform")))


def _serials(made: Hierarchy) -> set[str]:
    return {format(c.serial_number, "x") for c in (made.root, made.issuing.certificate, made.ocsp.certificate,
                                                   made.documents.certificate)}


def _snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(directory)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in directory.rglob("*") if p.is_file()}


def _building_dirs(directory: Path) -> list[Path]:
    return [*directory.parent.glob(f".{directory.name}.init-*"), *directory.glob(".init-*")]


def _assert_not_initialised(runtime: Runtime, settings: Settings | None = None) -> None:
    settings = settings or runtime.settings
    directory = ca_dir(settings)
    assert not (directory / MARKER).exists()
    forget_hierarchy(settings)
    with pytest.raises(CaNotReady) as refused:
        load_hierarchy(settings)
    assert refused.value.message == (f"There is no certification authority in {directory} yet: an operator "
                                     "creates it with `telreg ecert init`.")
    assert _building_dirs(directory) == []  # the failed run cleaned up what it was building


def _assert_usable(runtime: Runtime, made: Hierarchy, settings: Settings | None = None) -> None:
    """The CA on disk is the one made, loads, and OpenSSL accepts its chain and its root CRL."""
    settings = settings or runtime.settings
    directory = ca_dir(settings)
    forget_hierarchy(settings)
    loaded = load_hierarchy(settings)
    assert loaded.root == made.root and loaded.issuing.certificate == made.issuing.certificate
    at = str(int(runtime.clock.now().timestamp()) + 60)
    root, issuing = str(directory / "root.pem"), str(directory / "issuing.pem")
    for target in ("issuing.pem", "ocsp.pem", "documents.pem"):
        done = _openssl("verify", "-x509_strict", "-attime", at, "-CAfile", root, "-untrusted", issuing,
                        str(directory / target))
        assert done.returncode == 0 and done.stdout.strip() == f"{directory / target}: OK", done.stdout + done.stderr
    crl = _openssl("crl", "-inform", "DER", "-in", str(directory / "root.crl"), "-CAfile", root, "-noout",
                   "-verify")
    assert crl.returncode == 0 and "verify OK" in crl.stdout + crl.stderr, crl.stderr
    assert _serials(made) <= _rows(runtime)
    assert _building_dirs(directory) == []


@pytest.fixture(params=["absent", "empty"])
def layout(request: pytest.FixtureRequest, runtime: Runtime) -> str:
    """The CA directory does not exist yet (built beside it, renamed), or exists empty (a mount point)."""
    if request.param == "empty":
        ca_dir(runtime.settings).mkdir(parents=True, mode=0o700)
    return str(request.param)


def _fail_on_call(monkeypatch: pytest.MonkeyPatch, name: str, call: int) -> None:
    real = getattr(hierarchy_module, name)
    calls = [0]

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == call:
            raise Injected(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(hierarchy_module, name, failing)


def _fail_moving_into_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """The last move fails: the directory's rename (absent) or the first link into it (empty)."""
    real_rename, real_link = os.rename, os.link

    def building(src: Any) -> bool:
        return Path(src).name.startswith(".ecert.init-") or Path(src).parent.name.startswith(".init-")

    def rename(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if Path(src).name.startswith(".ecert.init-"):
            raise OSError(errno.EIO, "injected rename failure")
        real_rename(src, dst, *args, **kwargs)

    def link(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if building(src) and Path(dst).parent != Path(src).parent:  # write_once links inside the build directory
            raise OSError(errno.EIO, "injected link failure")
        real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", rename)
    monkeypatch.setattr(os, "link", link)


FAILURES: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "issuing-ca": lambda mp: _fail_on_call(mp, "_certify", 2),  # the root is certified first, then the issuing CA
    "root-crl": lambda mp: _fail_on_call(mp, "_root_crl", 1),
    "move-into-place": _fail_moving_into_place,
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_a_failure_while_building_leaves_nothing_and_init_runs_again(
        runtime: Runtime, layout: str, failure: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patched:
        FAILURES[failure](patched)
        with pytest.raises((Injected, CaNotReady)) as failed:
            _init(runtime)
    if failure == "move-into-place":
        assert isinstance(failed.value, CaNotReady) and "the init did not finish" in failed.value.message
    _assert_not_initialised(runtime)
    assert _rows(runtime) == set()
    if layout == "empty":
        assert [p.name for p in ca_dir(runtime.settings).iterdir()] == []  # nothing linked in stays
    else:
        assert not ca_dir(runtime.settings).exists()
    _assert_usable(runtime, _init(runtime))


def test_a_refused_flush_leaves_nothing(runtime: Runtime, layout: str) -> None:
    def refuse(*_: Any, **__: Any) -> None:
        raise Injected("flush")

    with pytest.raises(Injected), unit_of_work(runtime.session_factory) as session:
        session.flush = refuse  # type: ignore[method-assign]
        init_hierarchy(runtime.settings, clock=runtime.clock, root_passphrase=ROOT_PASSPHRASE, session=session)
    _assert_not_initialised(runtime)
    assert _rows(runtime) == set()
    _assert_usable(runtime, _init(runtime))


def test_a_failed_commit_leaves_no_marker(runtime: Runtime, layout: str) -> None:
    def refuse_commit(_: Session) -> None:
        raise Injected("commit")

    with pytest.raises(Injected), unit_of_work(runtime.session_factory) as session:
        made = init_hierarchy(runtime.settings, clock=runtime.clock, root_passphrase=ROOT_PASSPHRASE,
                              session=session)
        event.listen(session, "before_commit", refuse_commit)
    _assert_not_initialised(runtime)
    assert _rows(runtime) == set()
    # The files of the unfinished init are in the directory, without their marker: moved aside by the next init.
    directory = ca_dir(runtime.settings)
    left = _snapshot(directory)
    assert {"root.pem", "telreg-root.key.pem"} <= set(left)
    again = _init(runtime)
    _assert_usable(runtime, again)
    assert again.root != made.root
    (aside,) = directory.glob(".unfinished-init-*")
    assert {name: data for name, (data, _) in _snapshot(aside).items()} == {
        name: data for name, (data, _) in left.items()}  # kept, not deleted: telreg destroys no key


def test_a_caller_that_rolls_back_leaves_no_ca(runtime: Runtime) -> None:
    """As a crash after the move and before the commit: the files are there, unmarked, and not a CA."""
    with pytest.raises(Injected), unit_of_work(runtime.session_factory) as session:
        init_hierarchy(runtime.settings, clock=runtime.clock, root_passphrase=ROOT_PASSPHRASE, session=session)
        raise Injected("the caller's next step")
    _assert_not_initialised(runtime)
    with unit_of_work(runtime.session_factory) as session:  # a later commit of the same kind is not the init's
        session.execute(select(func.count()).select_from(Certificate))
    assert not (ca_dir(runtime.settings) / MARKER).exists()
    _assert_usable(runtime, _init(runtime))


def test_a_session_that_commits_a_savepoint_only_is_not_a_finished_init(runtime: Runtime, session: Session) -> None:
    init_hierarchy(runtime.settings, clock=runtime.clock, root_passphrase=ROOT_PASSPHRASE, session=session)
    session.begin_nested().commit()
    assert not (ca_dir(runtime.settings) / MARKER).exists()
    session.commit()
    assert (ca_dir(runtime.settings) / MARKER).exists()


def test_a_marker_that_cannot_be_written_after_the_commit(runtime: Runtime, layout: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The one trace an interruption leaves: the committed rows of a CA that never went into service."""
    with monkeypatch.context() as patched:
        _fail_on_call(patched, "_publish_marker", 1)
        with pytest.raises(Injected):
            _init(runtime)
    _assert_not_initialised(runtime)
    orphans = _rows(runtime)
    assert len(orphans) == 4
    again = _init(runtime)
    _assert_usable(runtime, again)
    assert _rows(runtime) == orphans | _serials(again)


def test_the_empty_directory_is_kept(runtime: Runtime) -> None:
    directory = ca_dir(runtime.settings)
    directory.mkdir(parents=True, mode=0o700)
    (directory / "lost+found").mkdir()
    inode = directory.stat().st_ino
    made = _init(runtime)
    assert directory.stat().st_ino == inode  # filled in place: a mount point cannot be renamed over
    assert (directory / "lost+found").is_dir()
    _assert_usable(runtime, made)


@pytest.fixture
def finished(runtime: Runtime) -> Iterator[Hierarchy]:
    yield _init(runtime)


@pytest.mark.parametrize("with_session", [False, True])
def test_a_finished_ca_refuses_a_second_init_and_is_untouched(runtime: Runtime, finished: Hierarchy,
                                                               with_session: bool) -> None:
    directory = ca_dir(runtime.settings)
    before = _snapshot(directory)
    assert {"telreg-root.key.pem", "telreg-issuing.key.pem", "telreg-ocsp.key.pem",
            "telreg-documents.key.pem", MARKER} <= set(before)
    rows = _rows(runtime)
    with pytest.raises(CaNotReady) as refused:
        if with_session:
            _init(runtime)
        else:
            init_hierarchy(runtime.settings, clock=runtime.clock, root_passphrase=ROOT_PASSPHRASE)
    assert refused.value.message == (f"A certification authority exists already in {directory} ({MARKER}); telreg "
                                     "never overwrites one.")
    assert _snapshot(directory) == before  # bytes and mtimes of every key file, certificate and the marker
    assert sorted(p.name for p in directory.iterdir()) == sorted(before)  # nothing set aside, nothing added
    assert _building_dirs(directory) == []
    assert _rows(runtime) == rows
    _assert_usable(runtime, finished)


def test_the_cli_says_a_failed_init_can_be_run_again(runtime: Runtime, cli: Any, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    passphrase = tmp_path / "root-passphrase"
    passphrase.write_text(ROOT_PASSPHRASE.decode())
    directory = ca_dir(runtime.settings)

    def disk_full(directory: Path, marker: dict[str, Any]) -> None:
        raise hierarchy_module._not_written(directory, OSError(errno.ENOSPC, "No space left on device"))

    with monkeypatch.context() as patched:
        patched.setattr(hierarchy_module, "_publish_marker", disk_full)
        code, _, err = cli("ecert", "init", "--root-passphrase-file", str(passphrase))
    assert code == 1
    assert err == (f"The CA directory {directory} cannot be written: No space left on device; the init did not "
                   "finish and can be run again.")
    _assert_not_initialised(runtime)
    code, out, err = cli("ecert", "init", "--root-passphrase-file", str(passphrase))
    assert code == 0, err
    assert "Certification authority created" in out
    forget_hierarchy(runtime.settings)
    _assert_usable(runtime, load_hierarchy(runtime.settings))


def test_an_hsm_init_that_failed_names_the_labels_to_delete(runtime: Runtime, softhsm: SoftHsm,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys in a token are not rolled back: the next init refuses, naming them, until an operator deletes them."""
    from pkcs11 import Attribute

    token = softhsm.take_token()
    settings = softhsm.settings(runtime.settings, token=token)
    with monkeypatch.context() as patched:
        _fail_on_call(patched, "_root_crl", 1)
        with pytest.raises(Injected):
            _init(runtime, settings)
    _assert_not_initialised(runtime, settings)
    with pytest.raises(CaNotReady) as refused:
        _init(runtime, settings)
    assert refused.value.message == (
        f"The HSM token {token} already holds keys labelled telreg-root, telreg-issuing but there is no "
        "certification authority using them: an earlier init did not finish, or another CA shares the token. "
        "telreg never reuses or replaces a CA key; if they are the unfinished init's, delete them with the "
        "token's tools, then run init again.")
    _assert_not_initialised(runtime, settings)
    with token_session(softhsm, token) as session:
        for label in ("telreg-root", "telreg-issuing"):
            for found in list(session.get_objects({Attribute.LABEL: label})):
                found.destroy()
    made = _init(runtime, settings)
    _assert_usable(runtime, made, settings)
    with pytest.raises(CaNotReady, match="exists already"):  # a finished CA: refused by its marker
        _init(runtime, settings)
