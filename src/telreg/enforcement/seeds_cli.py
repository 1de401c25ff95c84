"""`telreg enforcement seeds …`: the seed-number pool from an officer's terminal (role regulator). Same services
as the API: ``import FILE --by OFFICER``, ``list``, ``retire ASSIGNMENT_ID --by OFFICER [--on DATE]``,
``hit NUMBER --at WHEN --sender ID --text TEXT --by OFFICER`` (a message at a seed number, operator feed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from telreg.core.cli_support import parse_date, print_json, runtime, session_scope
from telreg.core.files import read_capped
from telreg.core.users import officer
from telreg.enforcement.deps import REGULATOR
from telreg.enforcement.seeds import assign, hits, pool

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Seed numbers: the pool, retirements, hits")

ByOption = Annotated[str, typer.Option("--by", help="Username of the officer acting (role regulator)")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


@app.command("import")
def import_file(
    csv_path: Annotated[Path, typer.Argument(metavar="FILE", help="CSV number,operator")],
    by: ByOption,
    as_json: JsonOption = False,
) -> None:
    """Import seed numbers into the pool: all of the file, or, on any bad line, none of it."""
    rt = runtime()
    content = read_capped(csv_path, limit=pool.MAX_IMPORT_BYTES)
    with session_scope(rt) as session:
        clerk = officer(session, by, role=REGULATOR)
        added = pool.import_seeds(session, clock=rt.clock, content=content, actor=clerk.username,
                                  source=csv_path.name)
        counts = pool.pool_counts(session)
    if as_json:
        print_json({"added": len(added), "pool": counts})
        return
    typer.echo(f"imported {len(added)} seed number(s); the pool has {counts['by_state']['free']} free")


@app.command("list")
def list_pool(as_json: JsonOption = False) -> None:
    """The pool's counts by state, kind and operator."""
    rt = runtime()
    with session_scope(rt) as session:
        counts = pool.pool_counts(session)
    if as_json:
        print_json(counts)
        return
    typer.echo("  ".join(f"{state}: {count}" for state, count in counts["by_state"].items()))
    for kind, states in counts["by_kind"].items():
        typer.echo(f"  {kind}: " + ", ".join(f"{s} {c}" for s, c in states.items()))
    for operator_name, states in counts["by_operator"].items():
        typer.echo(f"  {operator_name}: " + ", ".join(f"{s} {c}" for s, c in states.items()))


@app.command("retire")
def retire(
    assignment_id: Annotated[int, typer.Argument(help="The assignment's id")],
    by: ByOption,
    on: Annotated[str | None, typer.Option("--on", help="First publication day without it (default today)")] = None,
) -> None:
    """Take a seed out of the account's publications from a day on (hits still trace to the account)."""
    rt = runtime()
    with session_scope(rt) as session:
        clerk = officer(session, by, role=REGULATOR)
        found = assign.retire(session, clock=rt.clock, assignment_id=assignment_id,
                              on=parse_date(on, what="--on") if on else None, actor=clerk.username)
        typer.echo(f"assignment {found.id} retired from {found.retired_on}")


@app.command("hit")
def hit(
    number: Annotated[str, typer.Argument(help="The seed number the message arrived at")],
    at: Annotated[str, typer.Option("--at", help="When it arrived (ISO; Hong Kong time if no offset)")],
    sender: Annotated[str, typer.Option("--sender", help="The sender's identification as shown")],
    by: ByOption,
    text: Annotated[str, typer.Option("--text", help="The message text")] = "",
    as_json: JsonOption = False,
) -> None:
    """Record a message at a seed number (operator feed): a report, traced to the account, and its case."""
    rt = runtime()
    with session_scope(rt) as session:
        clerk = officer(session, by, role=REGULATOR)
        result = hits.record_seed_hit(session, runtime=rt, officer_username=clerk.username, number=number,
                                      arrived_at=at, sender_identification=sender, message_text=text)
    if as_json:
        print_json(result)
        return
    typer.echo(f"report {result['report']}; case {result['case'] or '-'}")
