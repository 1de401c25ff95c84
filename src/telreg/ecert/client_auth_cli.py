"""`telreg senders client-cert list|bind|unbind`: a sender account's client certificates for mutual TLS.

Officers look for a sender's automation under `telreg senders` (``api-access`` is there), so these commands sit
beside it. They call the services of telreg.ecert.client_auth, as the JSON API and the officer's account page do,
acting as the do-not-call officer named by ``--officer`` (role dnc-officer or admin: binding is the officer's
decision that a sender's scripts may sign in, recorded in the audit log under that name). ``bind --csr`` issues
the certificate now and prints it, followed by the issuing CA's certificate, in PEM; ``--out`` writes them to a
file instead, before the commit, so a file that cannot be written leaves nothing issued. ``unbind`` takes the
certificate's serial (what the sender quotes), not the binding's number.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives import serialization

from telreg.core.cli_support import AsOfOption, print_json, runtime, session_scope
from telreg.core.clock import to_hk
from telreg.core.errors import InvalidInput
from telreg.core.files import read_capped
from telreg.core.i18n import N_
from telreg.ecert import client_auth
from telreg.ecert.requests import MAX_CSR_BYTES
from telreg.senders import signin

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Client certificates of a sender account (mutual TLS)")

AccountArgument = Annotated[str, typer.Argument(metavar="ACCOUNT_ID",
                                                help="Account id, or the username of a live account")]
OfficerOption = Annotated[str, typer.Option("--officer", help="Username of the do-not-call officer acting")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


@app.command("list")
def list_certificates(account: AccountArgument, as_json: JsonOption = False, as_of: AsOfOption = None) -> None:
    """The account's client certificates, newest binding first, ended ones included."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        views = client_auth.list_bindings(session, account_id=signin.resolve_account(session, account))
    if as_json:
        print_json([{**vars(v), "active": v.active} for v in views])
        return
    for v in views:
        ended = f"  unbound {_when(v.unbound_at)} by {v.unbound_by}" if v.unbound_at is not None else ""
        typer.echo(f"{v.serial}  {v.state:<7}  {_when(v.not_before)[:10]} to {_when(v.not_after)[:10]}  "
                   f"bound {_when(v.bound_at)} by {v.bound_by}{ended}")
    if not views:
        typer.echo("no client certificate bound")


@app.command("bind")
def bind(
    account: AccountArgument,
    officer_name: OfficerOption,
    serial: Annotated[str | None, typer.Option("--serial", help="Serial (hex) of an issued client-automation "
                                                "certificate")] = None,
    csr: Annotated[Path | None, typer.Option("--csr", help="The sender's CSR (PEM or DER): issue one now")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="With --csr: write the certificate and chain (PEM) "
                                             "here instead of printing them")] = None,
    as_of: AsOfOption = None,
) -> None:
    """Bind a client certificate to ACCOUNT_ID (which needs API access): by --serial, or issued from --csr."""
    if (serial is None) == (csr is None):
        raise InvalidInput(N_("Give either --serial or --csr, not both."))
    if out is not None and csr is None:
        raise InvalidInput(N_("--out writes a certificate issued from --csr; a certificate bound by --serial was "
                              "delivered when it was issued."))
    rt = runtime(as_of)
    csr_bytes = read_capped(csr, limit=MAX_CSR_BYTES + 1) if csr is not None else None
    pem: str | None = None
    with session_scope(rt) as session:
        account_id = signin.resolve_account(session, account)
        if serial is not None:
            view = client_auth.bind_existing(session, clock=rt.clock, account_id=account_id, serial=serial,
                                             officer=officer_name)
        else:
            from telreg.ecert.hierarchy import load_hierarchy

            hierarchy = load_hierarchy(rt.settings)
            assert csr_bytes is not None
            view, certificate = client_auth.issue_and_bind(session, runtime=rt, hierarchy=hierarchy,
                                                           account_id=account_id, csr=csr_bytes,
                                                           officer=officer_name)
            encoding = serialization.Encoding.PEM
            pem = (certificate.public_bytes(encoding) + hierarchy.issuing.certificate.public_bytes(encoding)).decode()
            if out is not None:
                out.write_text(pem, encoding="ascii")  # before the commit: no file, nothing issued
    typer.echo(f"client certificate {view.serial} bound to account {view.account_id} (binding {view.id})")
    if pem is not None and out is None:
        typer.echo(pem, nl=False)
    elif out is not None:
        typer.echo(f"certificate and chain written to {out}")


@app.command("unbind")
def unbind(
    account: AccountArgument,
    serial: Annotated[str, typer.Argument(metavar="SERIAL", help="The bound certificate's serial (hex)")],
    officer_name: OfficerOption,
    as_of: AsOfOption = None,
) -> None:
    """End the binding of certificate SERIAL to ACCOUNT_ID: it no longer signs the sender's scripts in."""
    rt = runtime(as_of)
    wanted = serial.strip().lower().replace(":", "")
    with session_scope(rt) as session:
        account_id = signin.resolve_account(session, account)
        found = [v for v in client_auth.list_bindings(session, account_id=account_id)
                 if v.serial == wanted and v.active]
        if not found:
            raise client_auth.BindingNotFound(N_("No client certificate with serial %(serial)s is bound to account "
                                                 "%(account_id)s."), serial=serial[:64], account_id=account_id)
        view = client_auth.unbind(session, clock=rt.clock, account_id=account_id, binding_id=found[0].id,
                                  officer=officer_name)
    typer.echo(f"client certificate {view.serial} unbound from account {view.account_id}")


def _when(moment: dt.datetime | None) -> str:
    return to_hk(moment).isoformat(timespec="minutes") if moment is not None else ""
