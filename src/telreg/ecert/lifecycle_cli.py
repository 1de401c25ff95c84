"""`telreg ecert issue|revoke|hold|release|renew|status|token`: the certificate lifecycle at a counter.

The commands call the same services as ``/api/v1/ecert`` (lifecycle.py). They act as the operator running
them (actor ``cli``) or, with ``--officer``, as that CA officer (role ca-officer or admin). ``issue`` takes an
application's reference, or issues directly at the counter from the document keyed (``--doc-type --number
--name``). A CA-generated key (``--generate-key``) is written once to ``--p12-out`` (mode 0600) under the
password read from ``--p12-password-file`` or, without one, a password generated and printed once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from telreg.core.cli_support import AsOfOption, print_json, runtime, session_scope
from telreg.core.errors import InvalidInput
from telreg.core.files import read_capped
from telreg.core.i18n import N_
from telreg.core.users import officer
from telreg.ecert import applications, lifecycle, views
from telreg.ecert.requests import MAX_CSR_BYTES
from telreg.ecert.subjects import KeyedDocument

__all__ = ["register"]

CA_OFFICER_ROLE = "ca-officer"
_PASSWORD_FILE_BYTES = 1024

OfficerOption = Annotated[str | None, typer.Option(
    "--officer", help="Username of the CA officer acting (role ca-officer or admin); default: the operator (cli)")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]
SerialArgument = Annotated[str, typer.Argument(metavar="SERIAL", help="The certificate's serial number (hex)")]
CsrOption = Annotated[Path | None, typer.Option("--csr", help="The subscriber's CSR (PEM or DER)")]
GenerateOption = Annotated[bool, typer.Option("--generate-key", help="Have the CA generate the key (PKCS#12)")]
P12OutOption = Annotated[Path | None, typer.Option("--p12-out", help="Where to write the PKCS#12 (once)")]
P12PasswordOption = Annotated[Path | None, typer.Option(
    "--p12-password-file", help="File holding the PKCS#12 password (first line); default: generate one")]
EmailOption = Annotated[str | None, typer.Option("--email", help="E-mail for subscription reminders")]
CounterOption = Annotated[str | None, typer.Option("--counter", help="The designated office acting")]
CertOutOption = Annotated[Path | None, typer.Option("--cert-out", help="Write the certificate and chain (PEM)")]


def register(app: typer.Typer) -> None:
    """Add the lifecycle commands to `telreg ecert`."""
    app.command("issue")(issue)
    app.command("revoke")(revoke)
    app.command("hold")(hold)
    app.command("release")(release)
    app.command("renew")(renew)
    app.command("status")(status)
    app.command("token")(token)


def issue(
    reference: Annotated[str | None, typer.Argument(metavar="[REFERENCE]",
                                                    help="An application's reference, e.g. EC-2026-000123")] = None,
    doc_type: Annotated[str | None, typer.Option("--doc-type", help="Direct issue: the document's type")] = None,
    number: Annotated[str | None, typer.Option("--number", help="Direct issue: the number as printed")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Direct issue: the name as printed")] = None,
    ap_doc_type: Annotated[str | None, typer.Option("--ap-doc-type", help="Organisation: the authorised "
                                                    "person's document type")] = None,
    ap_number: Annotated[str | None, typer.Option("--ap-number", help="… their document number")] = None,
    ap_name: Annotated[str | None, typer.Option("--ap-name", help="… their name as printed")] = None,
    profile: Annotated[str, typer.Option("--profile", help="personal, smart-id or organisational")] = "personal",
    csr: CsrOption = None,
    generate_key: GenerateOption = False,
    p12_out: P12OutOption = None,
    p12_password_file: P12PasswordOption = None,
    email: EmailOption = None,
    counter: CounterOption = None,
    consent: Annotated[bool, typer.Option("--value-added-consent/--no-value-added-consent",
                                          help="The subscriber's answer on value-added use (seed 002 Q7)")] = False,
    cert_out: CertOutOption = None,
    officer_name: OfficerOption = None,
    as_json: JsonOption = False,
    as_of: AsOfOption = None,
) -> None:
    """Issue a certificate: for a submitted application, or directly for a verified identity at the counter."""
    rt = runtime(as_of)
    direct = any((doc_type, number, name))
    if bool(reference) == direct:
        raise InvalidInput(N_("Give an application's reference, or the document keyed (--doc-type, --number and "
                              "--name), not both."))
    password = _password(p12_password_file)
    csr_bytes = read_capped(csr, limit=MAX_CSR_BYTES + 1) if csr else None
    if direct:
        _key_choice(csr_bytes, generate_key, p12_out)
    with session_scope(rt) as session:
        actor = _actor(session, officer_name)
        if reference:
            if applications.get_application(session, reference).key_origin == "ca" and p12_out is None:
                raise InvalidInput(N_("The key is generated by the CA: give --p12-out FILE to receive the "
                                      "PKCS#12."))
            issued = lifecycle.issue_application(session, runtime=rt, reference=reference, actor=actor,
                                                 pkcs12_password=password)
        else:
            authorised = (KeyedDocument(doc_type=ap_doc_type or "", number=ap_number or "", name=ap_name or "")
                          if any((ap_doc_type, ap_number, ap_name)) else None)
            issued = lifecycle.issue_direct(
                session, runtime=rt, profile=profile,
                document=KeyedDocument(doc_type=doc_type or "", number=number or "", name=name or ""),
                authorised_person=authorised, key_origin="ca" if generate_key else "csr", csr=csr_bytes,
                email=email, value_added_consent=consent, counter=counter, actor=actor, pkcs12_password=password)
        view = views.certificate_view(session, vault=rt.vault, row=issued.certificate)
        # Written before the commit: if the file cannot be written, nothing is issued.
        _deliver(issued, p12_out=p12_out, cert_out=cert_out)
    _print_issued(view, issued, p12_out=p12_out, as_json=as_json)


def renew(
    serial: SerialArgument,
    csr: CsrOption = None,
    generate_key: GenerateOption = False,
    p12_out: P12OutOption = None,
    p12_password_file: P12PasswordOption = None,
    email: EmailOption = None,
    counter: CounterOption = None,
    cert_out: CertOutOption = None,
    officer_name: OfficerOption = None,
    as_json: JsonOption = False,
    as_of: AsOfOption = None,
) -> None:
    """Issue a new certificate for the same identity; a still-valid old one is revoked as superseded."""
    rt = runtime(as_of)
    password = _password(p12_password_file)
    csr_bytes = read_capped(csr, limit=MAX_CSR_BYTES + 1) if csr else None
    _key_choice(csr_bytes, generate_key, p12_out)
    with session_scope(rt) as session:
        issued = lifecycle.renew(session, runtime=rt, serial=serial, actor=_actor(session, officer_name),
                                 key_origin="ca" if generate_key else "csr", csr=csr_bytes, email=email,
                                 counter=counter, pkcs12_password=password)
        view = views.certificate_view(session, vault=rt.vault, row=issued.certificate)
        _deliver(issued, p12_out=p12_out, cert_out=cert_out)
    _print_issued(view, issued, p12_out=p12_out, as_json=as_json)


def revoke(
    serial: SerialArgument,
    reason: Annotated[str, typer.Option("--reason", help="keyCompromise, affiliationChanged, superseded, "
                                        "cessationOfOperation, privilegeWithdrawn or unspecified")],
    officer_name: OfficerOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Revoke a certificate for good."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        row = lifecycle.revoke(session, runtime=rt, serial=serial, reason=reason, actor=_actor(session, officer_name))
        typer.echo(f"revoked {row.serial} ({row.revocation_reason})")


def hold(serial: SerialArgument, officer_name: OfficerOption = None, as_of: AsOfOption = None) -> None:
    """Suspend a certificate (certificateHold) until it is released."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        row = lifecycle.hold(session, runtime=rt, serial=serial, actor=_actor(session, officer_name))
        typer.echo(f"put {row.serial} on hold")


def release(serial: SerialArgument, officer_name: OfficerOption = None, as_of: AsOfOption = None) -> None:
    """Release a certificate from hold."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        row = lifecycle.release(session, runtime=rt, serial=serial, actor=_actor(session, officer_name))
        typer.echo(f"released {row.serial}: valid again")


def token(
    serial: SerialArgument,
    card: Annotated[str | None, typer.Option("--card", help="Record the smart card holding it (card serial)")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="It was removed from its card: revoke it")] = False,
    officer_name: OfficerOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Record the smart card holding a certificate (--card), or its removal from the card (--remove)."""
    if bool(card) == remove:
        raise InvalidInput(N_("Give either --card SERIAL or --remove."))
    rt = runtime(as_of)
    with session_scope(rt) as session:
        actor = _actor(session, officer_name)
        if remove:
            row = lifecycle.remove_from_token(session, runtime=rt, serial=serial, actor=actor)
            typer.echo(f"removed {row.serial} from its card: revoked ({row.revocation_reason})")
        else:
            row = lifecycle.record_token(session, runtime=rt, serial=serial, token_serial=card or "", actor=actor)
            typer.echo(f"recorded {row.serial} on card {row.token_serial}")


def status(serial: SerialArgument, as_json: JsonOption = False) -> None:
    """Show a certificate's state, reason and dates (subject masked)."""
    rt = runtime()
    with session_scope(rt) as session:
        view = views.certificate_view(session, vault=rt.vault, row=lifecycle.get_certificate(session, serial))
    if as_json:
        print_json(view)
        return
    subject = view["subject"] or {}
    lines = [
        f"serial      {view['serial']}",
        f"profile     {view['profile']}",
        f"subject     {_subject_line(subject)}",
        f"state       {view['state']}" + (f" ({view['revocation_reason']})" if view["revocation_reason"] else ""),
        f"valid       {view['not_before'][:16]} – {view['not_after'][:16]} (HK)",
    ]
    if view["revoked_at"]:
        lines.append(f"since       {view['revoked_at'][:16]} (HK)")
    if view["token_serial"]:
        lines.append(f"card        {view['token_serial']}")
    if view["renewal_of"]:
        lines.append(f"renews      {view['renewal_of']}")
    typer.echo("\n".join(lines))


# --- helpers ------------------------------------------------------------------------------------------------

def _actor(session: Any, officer_name: str | None) -> str:
    if officer_name is None:
        return "cli"
    return f"officer:{officer(session, officer_name, role=CA_OFFICER_ROLE).username}"


def _password(path: Path | None) -> str | None:
    if path is None:
        return None
    content = read_capped(path, limit=_PASSWORD_FILE_BYTES).decode("utf-8", "replace")
    return (content.splitlines() or [""])[0]


def _key_choice(csr: bytes | None, generate_key: bool, p12_out: Path | None) -> None:
    if bool(csr) == generate_key:
        raise InvalidInput(N_("Give either --csr FILE (the subscriber's key) or --generate-key (the CA's)."))
    if generate_key and p12_out is None:
        raise InvalidInput(N_("The key is generated by the CA: give --p12-out FILE to receive the PKCS#12."))


def _deliver(issued: lifecycle.Issued, *, p12_out: Path | None, cert_out: Path | None) -> None:
    if issued.pkcs12 is not None and p12_out is not None:
        _write_private(p12_out, issued.pkcs12)
    if cert_out is not None:
        cert_out.write_text(issued.chain_pem(), encoding="ascii")


def _write_private(path: Path, content: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise InvalidInput(N_("%(path)s cannot be written: %(reason)s."), path=str(path),
                           reason=exc.strerror) from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def _subject_line(subject: dict[str, Any]) -> str:
    if not subject:
        return "-"
    text = f"{subject['name']} ({subject['document']['type']} {subject['document']['number']})"
    if person := subject.get("authorised_person"):
        text += f", authorised person {person['name']}"
    return text


def _print_issued(view: dict[str, Any], issued: lifecycle.Issued, *, p12_out: Path | None, as_json: bool) -> None:
    if as_json:
        print_json({"certificate": view, "application": issued.application.reference,
                    "pkcs12_file": str(p12_out) if issued.pkcs12 else None, "pkcs12_password": issued.password,
                    "superseded": issued.superseded.serial if issued.superseded else None})
        return
    typer.echo(f"issued {view['serial']} ({view['profile']}) for {_subject_line(view['subject'] or {})}; "
               f"application {issued.application.reference}; valid until {view['not_after'][:10]}")
    if issued.superseded is not None:
        typer.echo(f"revoked {issued.superseded.serial} as superseded")
    if issued.pkcs12 is not None:
        typer.echo(f"PKCS#12 written to {p12_out}")
    if issued.password:
        typer.echo(f"PKCS#12 password (shown once): {issued.password}")

