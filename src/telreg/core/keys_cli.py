"""`telreg keys`: rotate the personal-data encryption keys and retire old ones (see core/key_rotation.py).

Only key ids are ever printed; the key material stays in the key file.

Rotating and retiring are under the two-person rule (core/dual_control.py): one administrator asks
(``telreg approvals request key-rotation --param key_id=… --reason … --by ALICE``), another approves, and the one
who asked runs the command with ``--approval ID --by ALICE``. The approval is used (once) before the work starts;
an interrupted rotation is finished by ``telreg keys reindex`` / a new approved run. ``reindex`` and ``status``
change no key and need none. The library functions (core/key_rotation.py) stay unguarded: the rule is at the
edges that run them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from telreg.core.cli_support import runtime

app = typer.Typer(no_args_is_help=True, help="Personal-data encryption keys")
ApprovalOption = Annotated[int | None, typer.Option("--approval", help="The approved two-person-rule request "
                                                    "(telreg approvals request …)")]
ByOption = Annotated[str | None, typer.Option("--by", help="Your username: the administrator who asked for it")]


def _use_approval(kind: str, params: dict[str, str | list[str]], approval: int | None, by: str | None) -> None:
    """Consume the approval of this very operation, or refuse with the command that asks for one."""
    from telreg.core import dual_control
    from telreg.core.cli_support import session_scope
    from telreg.core.dual_control_cli import acting_user, how_to_ask
    from telreg.core.i18n import N_

    shown = {name: ",".join(value) if isinstance(value, list) else value for name, value in params.items()}
    if approval is None or not by:
        raise dual_control.DualControlRefused(
            N_("This needs a second administrator's approval (the two-person rule). Ask for it with `%(command)s`, "
               "have another administrator approve it, then run this again with --approval ID --by YOU."),
            command=how_to_ask(kind, shown))
    rt = runtime()
    with session_scope(rt) as session:
        dual_control.consume(session, clock=rt.clock, request_id=approval, kind=kind, params=params,
                             user=acting_user(session, by))

_ROTATE_HELP = """Add a new personal-data key, make it current, and re-seal every sealed value under it.

Values are re-sealed in batches, each committed: if the run is interrupted, run the command again and it
continues where it stopped (values already under the current key are skipped; no second key is added while
values under an older key remain). Restart the servers and workers after the key file changes: a process that
loaded the old ring cannot open values sealed with the new key.

With --index-key, the blind-index key (index_key) is replaced instead, a different operation: that key
encrypts nothing, it keys the HMAC that finds a document number, and no index says which key computed it.
Changing it invalidates every document_index at once, so every one is recomputed from the opened values, and
until that is done lookups by document find nothing. Stop the servers and workers first; if the run is
interrupted, `telreg keys reindex` finishes it. Open lookup challenges are lost (see telreg.core.key_rotation).
"""
ROTATE_HELP = "\n\n".join(" ".join(paragraph.split()) for paragraph in _ROTATE_HELP.split("\n\n"))


@app.command("rotate", help=ROTATE_HELP)
def rotate(
    key_id: Annotated[str | None, typer.Option("--key-id", help="Id of the new key (default: generated)")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Rows re-sealed per transaction")] = 500,
    retire: Annotated[list[str] | None, typer.Option("--retire", help="Then remove this old key from the ring "
                                                     "(refused while a value still uses it); repeatable")] = None,
    index_key: Annotated[bool, typer.Option("--index-key", help="Replace the blind-index key and recompute every "
                                            "index instead (servers and workers stopped)")] = False,
    approval: ApprovalOption = None,
    by: ByOption = None,
) -> None:
    from telreg.core import key_rotation

    if index_key:
        _use_approval("index-key-rotation", {}, approval, by)
    else:
        params: dict[str, str | list[str]] = {"key_id": key_id} if key_id else {}
        if retire:
            params["retire"] = sorted(set(retire))
        _use_approval("key-rotation", params, approval, by)
    rt = runtime()
    console = Console()
    if index_key:
        with _progress(console) as (progress, task):
            changed = key_rotation.rotate_index_key(rt, batch_size=batch_size, on_batch=_advance(progress, task))
        _print_reindexed(console, changed)
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("re-sealing", total=None)

        def started(previous: str | None, current: str, left: int) -> None:
            if previous is None:
                console.print(f"continuing the rotation to key {current}: {left} value(s) left", highlight=False)
            else:
                console.print(f"key {current} added and made current (was {previous})", highlight=False)
            progress.update(task, total=left)

        def batch(table: str, done: int) -> None:
            progress.update(task, advance=done, description=f"re-sealing {table}")

        report = key_rotation.rotate(rt, key_id=key_id, batch_size=batch_size, on_start=started, on_batch=batch)
    for column, count in sorted(report.resealed.items()):
        console.print(f"  {column}: {count}", highlight=False)
    console.print(f"re-sealed {report.total} value(s) under key {report.to_key_id}", highlight=False)
    if report.skipped_changed:
        console.print(f"{report.skipped_changed} row(s) changed meanwhile; run again to check them", highlight=False)
    for old in retire or []:
        key_rotation.retire_key(rt.session_factory, key_rotation.key_file_path(rt.settings), old, clock=rt.clock)
        console.print(f"key {old} retired", highlight=False)


@app.command("reindex")
def reindex(
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Rows recomputed per transaction")] = 500,
) -> None:
    """Recompute every blind index under the current index key (finishes an interrupted --index-key run)."""
    from telreg.core import key_rotation

    rt = runtime()
    console = Console()
    with _progress(console) as (progress, task):
        changed = key_rotation.reindex(rt.session_factory, rt.vault, clock=rt.clock, batch_size=batch_size,
                                       on_batch=_advance(progress, task))
    _print_reindexed(console, changed)


@contextmanager
def _progress(console: Console) -> Iterator[tuple[Progress, TaskID]]:
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        yield progress, progress.add_task("re-indexing", total=None)


def _advance(progress: Progress, task: TaskID) -> Callable[[str, int], None]:
    def advance(table: str, rows: int) -> None:
        progress.update(task, advance=rows, description=f"re-indexing {table}")

    return advance


def _print_reindexed(console: Console, changed: dict[str, int]) -> None:
    for column, count in sorted(changed.items()):
        console.print(f"  {column}: {count}", highlight=False)
    console.print(f"recomputed {sum(changed.values())} blind index(es) under the current index key",
                  highlight=False)


@app.command("retire")
def retire(key_id: Annotated[str, typer.Argument(help="The old key id to remove from the ring")],
           approval: ApprovalOption = None, by: ByOption = None) -> None:
    """Remove an old key from the key ring; refused while any stored value is still sealed with it."""
    from telreg.core import key_rotation

    _use_approval("key-retirement", {"key_id": key_id}, approval, by)
    rt = runtime()
    key_rotation.retire_key(rt.session_factory, key_rotation.key_file_path(rt.settings), key_id, clock=rt.clock)
    typer.echo(f"key {key_id} retired")


@app.command("status")
def status() -> None:
    """Show the key ids of the ring, how many stored values each seals, and which is current."""
    from telreg.core import key_rotation
    from telreg.core.db import unit_of_work
    from telreg.core.pii_keys import load_key_ring

    rt = runtime()
    ring = load_key_ring(rt.settings)
    with unit_of_work(rt.read_session_factory) as session:
        usage = key_rotation.key_usage(session, sorted(ring.keys))
    for key_id, count in usage.items():
        mark = " (current)" if key_id == ring.current_key_id else ""
        typer.echo(f"{key_id}{mark}: {count} value(s)")
