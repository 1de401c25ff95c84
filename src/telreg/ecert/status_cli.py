"""`telreg ecert crl` and `telreg ecert ocsp-refresh`: the status services by hand (the worker runs them on its
schedule and at every status change)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from telreg.core.cli_support import AsOfOption, print_json, runtime, session_scope
from telreg.core.clock import hk_iso
from telreg.ecert import crl, status_jobs

__all__ = ["register"]

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def issue_crl_command(
    out: Annotated[Path | None, typer.Option("--out", help="Also write the CRL (DER) to this file")] = None,
    as_json: JsonOption = False,
    as_of: AsOfOption = None,
) -> None:
    """Issue the issuing CA's CRL now; print its number and dates."""
    rt = runtime(as_of)
    hierarchy = crl.hierarchy_of(rt)
    with session_scope(rt) as session:
        issued = crl.issue_crl(session, clock=rt.clock, settings=rt.settings, hierarchy=hierarchy, actor="cli")
    if out is not None:
        out.write_bytes(issued.der)
    summary = {"number": issued.number, "this_update": hk_iso(issued.this_update),
               "next_update": hk_iso(issued.next_update), "entries": issued.entries,
               "out": str(out) if out else None}
    if as_json:
        print_json(summary)
        return
    typer.echo(f"CRL {issued.number}: this update {summary['this_update']}, next update {summary['next_update']}, "
               f"{issued.entries} revoked or suspended certificate(s)" + (f", written to {out}" if out else ""))


def ocsp_refresh_command(as_json: JsonOption = False, as_of: AsOfOption = None) -> None:
    """Re-sign the pre-signed OCSP responses that are missing, stale or due for refresh."""
    rt = runtime(as_of)
    crl.hierarchy_of(rt)  # CaNotReady before `telreg ecert init`, before a session is opened
    with session_scope(rt) as session:
        signed = status_jobs.refresh_all(session, rt)
    if as_json:
        print_json({"signed": signed})
        return
    typer.echo(f"{signed} OCSP response(s) signed")


def register(app: typer.Typer) -> None:
    app.command("crl")(issue_crl_command)
    app.command("ocsp-refresh")(ocsp_refresh_command)
