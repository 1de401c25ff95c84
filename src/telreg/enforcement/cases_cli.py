"""`telreg enforcement case list|show|investigate|request-info|serve-document|reply|evidence|decide|link|close|
notice|serve-notice|check|refer|document` and `telreg enforcement fines list|add`.

The commands call the same services as ``/api/v1/enforcement`` and act as the staff account named by ``--by``
(role regulator, or admin), checked like a signed-in person: the audit trail names that person. Dates are ISO
dates, times ISO date-times in Hong Kong time unless an offset is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from telreg.core.cli_support import parse_date, parse_datetime, print_json, runtime, session_scope
from telreg.core.files import read_capped
from telreg.core.users import officer as acting_officer
from telreg.enforcement import cases, documents, fines, notices
from telreg.enforcement.case_common import get_case
from telreg.enforcement.case_views import case_detail, case_summary
from telreg.enforcement.deps import REGULATOR

__all__ = ["app", "fines_app"]

app = typer.Typer(no_args_is_help=True, help="Enforcement cases: investigations, letters, notices, compliance, "
                                              "referrals")
fines_app = typer.Typer(no_args_is_help=True, help="The fine scale: effective-dated penalties per offence")

ByOption = Annotated[str, typer.Option("--by", help="Username of the regulator officer acting")]
CaseArgument = Annotated[str, typer.Argument(metavar="CASE", help="e.g. C-2026-0001")]
NoticeArgument = Annotated[str, typer.Argument(metavar="NOTICE", help="e.g. EN-2026-0001")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _by(session: Any, username: str) -> str:
    return acting_officer(session, username, role=REGULATOR).username


def _hkd(cents: int) -> str:
    return f"HK${cents / 100:,.2f}".replace(".00", "")


def _print_case(view: dict[str, Any]) -> None:
    notice = view.get("notice")
    typer.echo(f"{view['reference']}  {view['state']}  {view['origin']}  {view['sender']}  "
               f"reports {view['reports']}" + (f"  notice {notice['reference']} {notice['state']} due "
                                               f"{notice['deadline']}" if notice else ""))


@app.command("list")
def list_cases(state: Annotated[str | None, typer.Option("--state")] = None,
               origin: Annotated[str | None, typer.Option("--origin")] = None,
               register: Annotated[str | None, typer.Option("--register")] = None,
               limit: Annotated[int, typer.Option("--limit")] = 50, as_json: JsonOption = False) -> None:
    """List cases, most recently changed first."""
    with session_scope(runtime()) as session:
        views = [case_summary(session, row) for row in cases.list_cases(session, state=state, origin=origin,
                                                                        register=register, limit=limit)]
    if as_json:
        print_json(views)
        return
    for view in views:
        _print_case(view)


@app.command("show")
def show(reference: CaseArgument, as_json: JsonOption = False) -> None:
    """Show a case: reports, events, documents, notices."""
    with session_scope(runtime()) as session:
        view = case_detail(session, get_case(session, reference))
    if as_json:
        print_json(view)
        return
    _print_case(view)
    for account in view["candidate_accounts"]:
        typer.echo(f"  may be account {account['id']} {account['name']} ({account['username']})")
    for report in view["report_list"]:
        typer.echo(f"  report {report['reference']}  {report['received_at']}  {report['register']}  "
                   f"{report['verdict']}")
    for event in view["events"]:
        typer.echo(f"  {event['at']}  {event['kind']}  {event['actor']}")
    for document in view["documents"]:
        served = f"served {document['served_at']} ({document['served_method']})" if document["served_at"] else \
            "not served"
        typer.echo(f"  document {document['reference']}  {document['kind']}  {served}")


@app.command("investigate")
def investigate(reference: CaseArgument, by: ByOption,
                investigator: Annotated[str | None, typer.Option("--investigator")] = None) -> None:
    """Open the investigation of a collecting case."""
    rt = runtime()
    with session_scope(rt) as session:
        case = cases.open_investigation(session, clock=rt.clock, case=reference, officer=_by(session, by),
                                        investigator=investigator)
        typer.echo(f"{case.reference} investigating (investigator {case.investigator})")


@app.command("request-info")
def request_info(reference: CaseArgument, by: ByOption,
                 questions: Annotated[list[str], typer.Option("--question", help="Repeat for each question")],
                 reply_days: Annotated[int | None, typer.Option("--reply-days")] = None) -> None:
    """Generate the dated letter requesting information (PDF) with the questions and the reply deadline."""
    rt = runtime()
    with session_scope(rt) as session:
        row = cases.request_information(session, clock=rt.clock, settings=rt.settings, case=reference,
                                        officer=_by(session, by), questions=questions, reply_days=reply_days)
        typer.echo(f"{row.reference} information request, reply due {row.reply_due}; sha256 {row.sha256}")


@app.command("serve-document")
def serve_document(document: Annotated[str, typer.Argument(metavar="DOCUMENT")], by: ByOption,
                   method: Annotated[str, typer.Option("--method", help="post, registered-post, hand, email, fax")],
                   at: Annotated[str | None, typer.Option("--at", help="When it was served; default now")] = None
                   ) -> None:
    """Record the service of a letter (an enforcement notice's document: use serve-notice)."""
    rt = runtime()
    with session_scope(rt) as session:
        row = cases.serve_document(session, clock=rt.clock, document=document, officer=_by(session, by),
                                   method=method, served_at=parse_datetime(at, what="--at") if at else None)
        typer.echo(f"{row.reference} served {row.served_at.isoformat()} by {row.served_method}")


@app.command("reply")
def reply(reference: CaseArgument, by: ByOption, text: Annotated[str, typer.Option("--text")],
          received_on: Annotated[str, typer.Option("--received-on")],
          file: Annotated[Path | None, typer.Option("--file", help="PDF, PNG or JPEG")] = None) -> None:
    """Record the sender's reply (its text, and the file received)."""
    rt = runtime()
    content = read_capped(file, limit=rt.settings.max_upload_bytes) if file else None
    with session_scope(rt) as session:
        row = cases.record_reply(session, clock=rt.clock, settings=rt.settings, case=reference,
                                 officer=_by(session, by), text=text,
                                 received_on=parse_date(received_on, what="--received-on"), content=content,
                                 filename=file.name if file else None)
        typer.echo(f"{row.reference} reply recorded")


@app.command("evidence")
def evidence(reference: CaseArgument, by: ByOption, description: Annotated[str, typer.Option("--description")],
             file: Annotated[Path, typer.Option("--file", help="PDF, PNG or JPEG")]) -> None:
    """File a piece of evidence."""
    rt = runtime()
    content = read_capped(file, limit=rt.settings.max_upload_bytes)
    with session_scope(rt) as session:
        row = cases.add_evidence(session, clock=rt.clock, settings=rt.settings, case=reference,
                                 officer=_by(session, by), description=description, content=content,
                                 filename=file.name)
        typer.echo(f"{row.reference} evidence added")


@app.command("decide")
def decide(reference: CaseArgument, by: ByOption,
           decision: Annotated[str, typer.Option("--decision", help="no-action, warning, enforcement-notice")],
           reason: Annotated[str, typer.Option("--reason")]) -> None:
    """Decide an investigation."""
    rt = runtime()
    with session_scope(rt) as session:
        case = cases.decide(session, clock=rt.clock, case=reference, officer=_by(session, by), decision=decision,
                            reason=reason)
        typer.echo(f"{case.reference} {case.state} ({case.decision})")


@app.command("link")
def link(reference: CaseArgument, by: ByOption, account: Annotated[int, typer.Option("--account")]) -> None:
    """Settle that the case's sender is a subscriber account (merging into its open case if it has one)."""
    rt = runtime()
    with session_scope(rt) as session:
        case = cases.link_account(session, clock=rt.clock, case=reference, account_id=account,
                                  officer=_by(session, by))
        typer.echo(f"{case.reference} is the case of account {case.account_id}")


@app.command("close")
def close(reference: CaseArgument, by: ByOption, note: Annotated[str, typer.Option("--note")]) -> None:
    """Close an open case with a note."""
    rt = runtime()
    with session_scope(rt) as session:
        case = cases.close_case(session, clock=rt.clock, case=reference, officer=_by(session, by), note=note)
        typer.echo(f"{case.reference} {case.state}")


@app.command("notice")
def issue_notice(reference: CaseArgument, by: ByOption,
                 contravention: Annotated[str | None, typer.Option("--contravention")] = None,
                 steps: Annotated[list[str] | None, typer.Option("--step", help="Repeat for each step")] = None,
                 deadline: Annotated[str | None, typer.Option("--deadline")] = None) -> None:
    """Issue an enforcement notice (bilingual PDF) in a case decided enforcement-notice."""
    rt = runtime()
    with session_scope(rt) as session:
        notice = notices.issue_notice(session, clock=rt.clock, settings=rt.settings, case=reference,
                                      officer=_by(session, by), contravention=contravention, steps=steps,
                                      deadline=parse_date(deadline, what="--deadline") if deadline else None)
        typer.echo(f"{notice.reference} issued, deadline {notice.deadline}")


@app.command("serve-notice")
def serve_notice(reference: NoticeArgument, by: ByOption,
                 method: Annotated[str, typer.Option("--method", help="post, registered-post, hand, email, fax")],
                 at: Annotated[str | None, typer.Option("--at")] = None) -> None:
    """Record the service of an enforcement notice."""
    rt = runtime()
    with session_scope(rt) as session:
        notice = notices.serve_notice(session, clock=rt.clock, notice=reference, officer=_by(session, by),
                                      method=method, served_at=parse_datetime(at, what="--at") if at else None)
        typer.echo(f"{notice.reference} served {notice.served_at.isoformat() if notice.served_at else ''}")


@app.command("check")
def check(reference: NoticeArgument, by: ByOption) -> None:
    """Check a served notice's compliance after its deadline."""
    rt = runtime()
    with session_scope(rt) as session:
        notice = notices.check_compliance(session, clock=rt.clock, notice=reference, officer=_by(session, by))
        result = notice.compliance_result or {}
        typer.echo(f"{notice.reference} {notice.state}: {result.get('reports_after_deadline', 0)} report(s) after "
                   f"the deadline {' '.join(result.get('references', []))}".rstrip())


@app.command("refer")
def refer(reference: NoticeArgument, by: ByOption, prior: Annotated[int, typer.Option("--prior-convictions")],
          reason: Annotated[str, typer.Option("--reason")]) -> None:
    """Refer a breached notice for prosecution with the fine scale as it stands today."""
    rt = runtime()
    with session_scope(rt) as session:
        notice = notices.refer(session, clock=rt.clock, notice=reference, officer=_by(session, by),
                               prior_convictions=prior, reason=reason)
        referral = notice.referral or {}
        typer.echo(f"{notice.reference} referred: fine {_hkd(referral['fine_cents'])} ({referral['conviction']} "
                   f"conviction) + {referral['continuing']['days']} day(s) × "
                   f"{_hkd(referral['continuing']['per_day_cents'])} = "
                   f"{_hkd(referral['total_cents'])}")


@app.command("document")
def document(reference: Annotated[str, typer.Argument(metavar="DOCUMENT")],
             out: Annotated[Path, typer.Option("--out", help="Write the file here")]) -> None:
    """Write a case document's file (its SHA-256 verified first)."""
    with session_scope(runtime()) as session:
        row, content = documents.open_document(session, reference=reference)
        out.write_bytes(content)
        typer.echo(f"{row.reference} written to {out} ({row.size} bytes, sha256 {row.sha256})")


# ---- the fine scale ---------------------------------------------------------------------------------------

@fines_app.command("list")
def list_fines(on: Annotated[str | None, typer.Option("--on", help="Show the rows in force on this date")] = None,
               as_json: JsonOption = False) -> None:
    """The fine scale: every row, newest first per offence (with --on: the rows in force that day)."""
    rt = runtime()
    with session_scope(rt) as session:
        rows = (list(fines.scale_on(session, parse_date(on, what="--on")).values()) if on
                else fines.list_rates(session))
        views = [fines.rate_view(row) for row in rows]
    if as_json:
        print_json(views)
        return
    for view in views:
        unit = " per day" if view["unit"] == "per-day" else ""
        level = f" (level {view['level']})" if view["level"] else ""
        typer.echo(f"{view['offence']:<18} {_hkd(view['amount_cents'])}{unit}{level} from {view['effective_from']}"
                   f"  {view['legal_reference']}")


@fines_app.command("add")
def add_fine(by: ByOption, offence: Annotated[str, typer.Option("--offence")],
             amount: Annotated[int, typer.Option("--amount", help="Hong Kong dollars")],
             effective_from: Annotated[str, typer.Option("--from", help="Date the revision takes effect")],
             legal_reference: Annotated[str, typer.Option("--legal-reference")],
             level: Annotated[int | None, typer.Option("--level")] = None,
             imprisonment_years: Annotated[int | None, typer.Option("--imprisonment-years")] = None) -> None:
    """Add a revision of an offence's penalty (a new row from a date today or later; rows are never edited)."""
    rt = runtime()
    with session_scope(rt) as session:
        row = fines.add_rate(session, clock=rt.clock, offence=offence, amount_cents=amount * 100,
                             effective_from=parse_date(effective_from, what="--from"),
                             legal_reference=legal_reference, officer=_by(session, by), level=level,
                             imprisonment_years=imprisonment_years)
        typer.echo(f"{row.offence} {_hkd(row.amount_cents)} from {row.effective_from}")
