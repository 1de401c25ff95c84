"""`telreg ecert init`, `ca-info`, `root-sign-crl` and `renew-signer`: the key ceremony's commands.

`init` creates the hierarchy (hierarchy.py) and prints what the ceremony minutes record: each certificate's
subject, serial, validity and SHA-256 fingerprint, and where the keys are. The root passphrase is the
operator's: read from a file (--root-passphrase-file) or typed twice, never echoed, never stored by telreg.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from cryptography import x509

from telreg.config import Settings
from telreg.core.cli_support import AsOfOption, print_json, runtime, session_scope
from telreg.core.i18n import N_
from telreg.ecert.errors import BadRequestData
from telreg.ecert.hierarchy import SIGNER_ROLES, ca_dir, ca_info, init_hierarchy, renew_signer, root_sign_crl

__all__ = ["register"]

MIN_PASSPHRASE = 12  # characters: the root key file is only as strong as this

PassphraseFile = Annotated[Path | None, typer.Option(
    "--root-passphrase-file", help="File holding the root CA key's passphrase (otherwise asked for twice)")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def register(app: typer.Typer) -> None:
    """Add `init`, `ca-info`, `root-sign-crl` and `renew-signer` to `telreg ecert`."""
    app.command("init")(init_command)
    app.command("ca-info")(ca_info_command)
    app.command("root-sign-crl")(root_sign_crl_command)
    app.command("renew-signer")(renew_signer_command)


def init_command(
    root_passphrase_file: PassphraseFile = None,
    hsm: Annotated[bool, typer.Option("--hsm", help="Generate the root and issuing keys in the HSM "
                                      "(TELREG_ECERT_HSM_MODULE)")] = False,
    as_json: JsonOption = False,
    as_of: AsOfOption = None,
) -> None:
    """Create the CA: offline root, issuing CA, OCSP and document signers, first root CRL (refused if one exists)."""
    rt = runtime(as_of)
    use_hsm = hsm or rt.settings.ecert_hsm_module is not None
    passphrase = None if use_hsm else _root_passphrase(root_passphrase_file, confirm=True)
    with session_scope(rt) as session:
        init_hierarchy(rt.settings, clock=rt.clock, root_passphrase=passphrase, hsm=hsm, session=session,
                       actor="cli")
    _print_info(rt.settings, now=rt.clock.now(), as_json=as_json,
                heading="Certification authority created. For the ceremony minutes:")


def ca_info_command(as_json: JsonOption = False, as_of: AsOfOption = None) -> None:
    """Print the CA's certificates: subject, serial, validity, key, SHA-256 fingerprint; a delegated signer ending
    within TELREG_ECERT_SIGNER_RENEW_DAYS is marked (the worker renews it)."""
    rt = runtime(as_of)
    _print_info(rt.settings, now=rt.clock.now(), as_json=as_json, heading=None)


def root_sign_crl_command(
    root_passphrase_file: PassphraseFile = None,
    as_of: AsOfOption = None,
) -> None:
    """Sign the root's next CRL with the offline root key (at a ceremony, before the current one expires)."""
    rt = runtime(as_of)
    passphrase = None
    if rt.settings.ecert_hsm_module is None:
        passphrase = _root_passphrase(root_passphrase_file, confirm=False)
    crl = root_sign_crl(rt.settings, clock=rt.clock, root_passphrase=passphrase)
    number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    typer.echo(f"root CRL {number}: next update {crl.next_update_utc.isoformat()} "
               f"({ca_dir(rt.settings) / 'root.crl'})")


def renew_signer_command(
    role: Annotated[str, typer.Argument(help="ocsp or documents")],
    as_of: AsOfOption = None,
) -> None:
    """Give the OCSP responder or the document signer a new key and certificate (before the current one ends)."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        signer = renew_signer(rt.settings, clock=rt.clock, role=role, session=session, actor="cli")
    assert signer is not None  # None only with only_if_due, for a signer not due yet
    cert = signer.certificate
    typer.echo(f"{role}: serial {format(cert.serial_number, 'x')}, valid until {cert.not_valid_after_utc.isoformat()}")


def _root_passphrase(path: Path | None, *, confirm: bool) -> bytes:
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise BadRequestData(N_("The passphrase file %(path)s cannot be read: %(detail)s."), path=str(path),
                                 detail=str(getattr(exc, "strerror", None) or exc)) from None
    else:
        text = typer.prompt("Root CA key passphrase", hide_input=True, confirmation_prompt=confirm)
    if confirm and len(text) < MIN_PASSPHRASE:
        raise BadRequestData(N_("The root key's passphrase must have at least %(minimum)s characters."),
                             minimum=MIN_PASSPHRASE)
    return text.encode("utf-8")


def _print_info(settings: Settings, *, now: dt.datetime, as_json: bool, heading: str | None) -> None:
    info = ca_info(settings)
    window = dt.timedelta(days=settings.ecert_signer_renew_days)
    # A delegated signer ending within the renewal window: the worker's daily job renews it (signer_jobs.py); an
    # operator who sees this mark for long knows the worker is not running.
    due = {role for role in SIGNER_ROLES
           if dt.datetime.fromisoformat(info.certificates[role]["not_after"]) - now < window}
    if as_json:
        certificates: dict[str, dict[str, object]] = {role: dict(facts) for role, facts in info.certificates.items()}
        for role in SIGNER_ROLES:
            certificates[role]["renewal_due"] = role in due
        print_json({"directory": str(ca_dir(settings)), "keys": info.keys, "certificates": certificates})
        return
    if heading:
        typer.echo(heading)
    typer.echo(f"  directory: {ca_dir(settings)}   keys: {info.keys}")
    for role, facts in info.certificates.items():
        typer.echo(f"  {role}: {facts['subject']}")
        typer.echo(f"    serial {facts['serial']}  key {facts['key']}  valid {facts['not_before']} .. "
                   f"{facts['not_after']}")
        typer.echo(f"    SHA-256 {facts['sha256']}")
        if role in due:
            typer.echo(f"    RENEWAL DUE: ends within {settings.ecert_signer_renew_days} days "
                       f"(the worker renews it; or `telreg ecert renew-signer {role}`)")
