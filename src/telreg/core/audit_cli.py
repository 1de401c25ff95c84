"""`telreg audit …`: sign a checkpoint now, verify the whole log, print an inclusion proof."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from telreg.core.cli_support import print_json, runtime, session_scope
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_

app = typer.Typer(no_args_is_help=True, help="The verifiable audit log (Merkle tree, signed checkpoints)")
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


@app.command("checkpoint")
def checkpoint(as_json: JsonOption = False) -> None:
    """Integrate every committed audit event now, sign a checkpoint and ask the witnesses to cosign it."""
    from telreg.core.tlog import service

    rt = runtime()
    done = service.run_integrator(rt, wait=True, full_scan=True)
    assert done is not None  # wait=True always gets the lock
    result = {"old_size": done.old_size, "size": done.size, "signed": done.checkpoint is not None}
    if as_json:
        print_json(result)
        return
    with session_scope(rt) as session:
        from telreg.core.tlog import store

        latest = store.latest_checkpoint(session)
    typer.echo(f"integrated {done.size - done.old_size} event(s); tree size {done.size}")
    if latest is not None:
        typer.echo(latest.note, nl=False)


@app.command("verify")
def verify(
    from_checkpoint: Annotated[Path | None, typer.Option(
        "--from-checkpoint", help="A checkpoint note kept elsewhere (or cosigned by witnesses) to check the log "
        "against")] = None,
    as_json: JsonOption = False,
) -> None:
    """Recompute every leaf from the event rows, rebuild the tree and check every checkpoint; exit 1 on the
    first entry that differs."""
    from telreg.core.tlog import verify as verifier_module
    from telreg.core.tlog.keys import log_signer

    rt = runtime()
    trusted = None
    if from_checkpoint is not None:
        try:
            trusted = from_checkpoint.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(N_("The checkpoint file %(path)s cannot be read: %(reason)s."),
                               path=str(from_checkpoint), reason=str(exc)) from None
    verifier = log_signer(rt.settings).verifier
    console = Console(stderr=True)
    with Progress(TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True, disable=as_json or not console.is_terminal) as progress:
        task = progress.add_task("entries", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        with session_scope(rt) as session:
            report = verifier_module.verify(session, verifier=verifier, trusted=trusted, progress=advance)
    first = report.first_entry
    if as_json:
        print_json({"ok": report.ok, "size": report.size, "checkpoints": report.checkpoints,
                    "pending": report.pending,
                    "first_entry": None if first is None else {"leaf_index": first.leaf_index,
                                                              "event_id": first.event_id},
                    "problems": [p.message for p in report.problems]})
    else:
        for problem in report.problems:
            typer.echo(f"FAIL {problem.message}")
        if first is not None:
            typer.echo(f"first entry that differs: leaf index {first.leaf_index}"
                       + (f", event {first.event_id}" if first.event_id is not None else ""))
        if report.ok:
            typer.echo(f"ok: {report.size} entries, {report.checkpoints} checkpoint(s) verified; "
                       f"{report.pending} event(s) awaiting integration")
    if not report.ok:
        raise typer.Exit(1)


@app.command("prove")
def prove(entry: Annotated[int, typer.Argument(help="The audit event id")], as_json: JsonOption = False) -> None:
    """Print the inclusion proof of an audit event in the latest checkpoint."""
    from telreg.core.tlog import service
    from telreg.core.tlog.note import b64

    rt = runtime()
    with session_scope(rt) as session:
        proof = service.prove(session, event_id=entry)
    data = {"event_id": proof.event_id, "leaf_index": proof.leaf_index, "tree_size": proof.tree_size,
            "leaf_hash": b64(proof.leaf_hash), "path": [b64(h) for h in proof.path], "root": b64(proof.root),
            "checkpoint": proof.checkpoint}
    if as_json:
        print_json(data)
        return
    typer.echo(f"event {proof.event_id}\nleaf index {proof.leaf_index}\ntree size {proof.tree_size}\n"
               f"leaf hash {data['leaf_hash']}")
    for i, h in enumerate(data["path"]):
        typer.echo(f"path[{i}] {h}")
    typer.echo(f"root {data['root']}\n\n{proof.checkpoint}", nl=False)
