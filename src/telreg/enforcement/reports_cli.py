"""`telreg enforcement report record|list|show`: reports taken on the phone or on paper, and the received reports.

``record`` acts as the staff account named by ``--by`` (role regulator, or admin), checked like a signed-in person;
the report is received at once (assessed, filed, acknowledged) and the access code to give the reporter printed.
Times are ISO date-times in Hong Kong time unless an offset is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from telreg.core.cli_support import print_json, runtime, session_scope
from telreg.core.users import officer as acting_officer
from telreg.enforcement import reports, reports_input, reports_officer
from telreg.enforcement.deps import REGULATOR

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Reports of messages sent to listed numbers")


@app.command("record")
def record(
    by: Annotated[str, typer.Option("--by", help="Username of the regulator officer recording the report")],
    number: Annotated[str, typer.Option("--number", help="The number that received the message")],
    register: Annotated[str, typer.Option("--register", help="fax | sms | prerecorded | unsure")],
    arrived: Annotated[str, typer.Option("--arrived", help="When it arrived: 2026-12-01T14:30")],
    sender: Annotated[str, typer.Option("--sender", help="The sender's number or name as shown")],
    text: Annotated[str, typer.Option("--text", help="The message's text")] = "",
    source: Annotated[str, typer.Option("--source", help="phone | paper | operator-feed")] = "phone",
    contact_kind: Annotated[str, typer.Option("--contact-kind", help="email | sms | none")] = "none",
    contact: Annotated[str, typer.Option("--contact", help="E-mail address or mobile number")] = "",
    language: Annotated[str, typer.Option("--language", help="en | zh-Hant | zh-Hans")] = "en",
    attach: Annotated[list[Path] | None, typer.Option("--attach", help="A screenshot, fax image or recording")]
    = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record a report taken on the phone or on paper."""
    rt = runtime()
    with session_scope(rt) as session:
        officer = acting_officer(session, by, role=REGULATOR).username
        reports_input.check_count(rt.settings, len(attach or []))
        pending = []
        for path in attach or []:
            with path.open("rb") as stream:
                pending.append(reports_input.receive_attachment(rt.settings, stream=stream, filename=path.name))
        report, access_code = reports.record_report(
            session, runtime=rt, officer_username=officer, source=source, receiving_number=number,
            register=register, arrived_at=arrived, sender_identification=sender, message_text=text,
            contact_kind=contact_kind, contact=contact, language=language, attachments=pending)
        summary = {**reports_officer.report_summary(report), "access_code": access_code}
    if as_json:
        print_json(summary)
    else:
        typer.echo(f"{summary['reference']}  {summary['state']}  verdict: {summary['verdict']}  "
                   f"access code: {access_code}")


@app.command("list")
def list_(
    state: Annotated[str | None, typer.Option("--state")] = None,
    verdict: Annotated[str | None, typer.Option("--verdict")] = None,
    register: Annotated[str | None, typer.Option("--register")] = None,
    source: Annotated[str | None, typer.Option("--source")] = None,
    month: Annotated[str | None, typer.Option("--month", help="YYYY-MM")] = None,
    page: Annotated[int, typer.Option("--page")] = 1,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Received reports, newest first (none awaiting proof)."""
    rt = runtime()
    with session_scope(rt) as session:
        found = reports_officer.list_reports(session, state=state, verdict=verdict, register=register,
                                             source=source, month=month, page=page)
    if as_json:
        print_json({"items": found.items, "total": found.total, "page": found.page, "per_page": found.per_page})
        return
    for item in found.items:
        typer.echo(f"{item['reference']}  {item['state']:<9} {item['source']:<13} {item['receiving_number']}  "
                   f"{item['register']:<11} {item['verdict'] or '-':<24} {item['sender_identification']}")
    typer.echo(f"{found.total} report(s)")


@app.command("show")
def show(
    reference: str,
    by: Annotated[str, typer.Option("--by", help="Username of the regulator officer reading it (audited)")]
    = "system:cli",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One report: its assessment, attachments and the reporter's contact (the read is audited)."""
    rt = runtime()
    with session_scope(rt) as session:
        officer = acting_officer(session, by, role=REGULATOR).username if by != "system:cli" else by
        detail = reports_officer.report_detail(session, runtime=rt, reference=reference, officer=officer)
    if as_json:
        print_json(detail)
        return
    for key in ("reference", "state", "stage", "source", "receiving_number", "register", "arrived_at",
                "sender_identification", "verdict", "case", "contact_kind", "contact"):
        typer.echo(f"{key}: {detail[key]}")
    typer.echo(f"message: {detail['message_text']}")
    for line in (detail["assessment"] or {}).get("lines", []):
        typer.echo(f"  [{line['outcome']}] {line['code']}")
    for attachment in detail["attachments"]:
        typer.echo(f"  attachment {attachment['id']}: {attachment['filename']} ({attachment['content_type']}, "
                   f"{attachment['size']} bytes)")
