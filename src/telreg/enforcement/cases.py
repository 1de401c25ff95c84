"""Cases per sender: grouping received reports, the seed-number trace, settling who the sender is.

A report joins the open case of its sender's key (matching.py: ``account:<id>`` when exactly one subscriber
matches, else the number or the name); there is one open case per key (``Case.open_key`` is unique), created
race-safely: the insert runs in a savepoint and the loser of two concurrent first reports reads the winner's
case. An identification matching several accounts is keyed by its number or name and the event lists the
candidate accounts, so the officer sees the ambiguity and settles it (:func:`link_account`).

The investigation's steps are in case_steps.py, notices and referrals in notices.py; this module re-exports them
so that callers find every step of a case here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from telreg.core.clock import Clock, hk_iso, today
from telreg.core.db import add_unless_duplicate
from telreg.core.errors import InvalidInput, NotFound
from telreg.core.i18n import N_
from telreg.enforcement import matching
from telreg.enforcement.case_common import (
    close,
    event,
    get_case,
    is_open,
    lock_case,
    next_reference,
    start_of_day_after,
    state_term,
)
from telreg.enforcement.case_steps import (
    add_evidence,
    decide,
    open_investigation,
    record_reply,
    regenerate_information_request,
    request_information,
    serve_document,
)
from telreg.enforcement.errors import StepRefused
from telreg.enforcement.models import Case, Notice, Report, SeedAssignment, SeedNumber, SenderAlias
from telreg.enforcement.vocabulary import ADVERSE_VERDICTS, REGISTERS
from telreg.senders.models import SenderAccount, SenderDownload

__all__ = ["add_evidence", "close_case", "count_cases", "decide", "download_log", "file_report", "get_case",
           "link_account",
           "list_cases", "open_investigation", "open_seed_case", "record_reply", "regenerate_information_request",
           "request_information", "serve_document"]

_ATTEMPTS = 5
DOWNLOADS_SHOWN = 200  # a seed hit's event lists at most this many downloads (the count says how many there were)


# ---- grouping ---------------------------------------------------------------------------------------------

def _open_case(session: Session, key: str) -> Case | None:
    return session.scalar(select(Case).where(Case.open_key == key))


def _find_or_open(session: Session, *, clock: Clock, key: matching.SenderKey, label: str, origin: str,
                  account_id: int | None, register: str | None, actor: str) -> tuple[Case, bool]:
    """The open case of KEY, or a new one (True); two first reports at once make one case."""
    for _ in range(_ATTEMPTS):
        case = _open_case(session, key.key)
        if case is not None:
            return case, False
        now = clock.now()
        case = Case(reference=next_reference(session, Case.reference, f"C-{today(clock).year}-", 4),
                    state="collecting", origin=origin, sender_key_kind=key.kind, sender_key=key.key,
                    open_key=key.key, sender_label=label[:200], account_id=account_id, register=register,
                    opened_by=actor, opened_at=now, updated_at=now)
        if add_unless_duplicate(session, case):  # the open key or the reference was taken meanwhile: look again
            event(session, clock=clock, case=case, kind="opened", actor=actor,
                  details={"origin": origin, "sender_key": key.key, "sender": case.sender_label})
            return case, True
    raise RuntimeError("could not open or find the case of a sender after several attempts")


def _register_of(report: Report) -> str | None:
    return report.register_claim if report.register_claim in REGISTERS else None


def _report_details(report: Report) -> dict[str, Any]:
    return {"report": report.reference, "verdict": report.verdict, "register": report.register_claim,
            "arrived": hk_iso(report.received_at)}


def _flag_if_late(session: Session, *, clock: Clock, case: Case, report: Report, actor: str) -> Notice | None:
    """Flag REPORT against the case's notice at once when it arrived after the notice's deadline (adverse)."""
    if report.verdict not in ADVERSE_VERDICTS or report.notice_id is not None:
        return None
    notices = session.scalars(select(Notice).where(
        Notice.case_id == case.id, Notice.state.in_(("served", "complied", "breached", "referred")))
        .order_by(Notice.deadline))
    for notice in notices:
        if report.received_at >= start_of_day_after(notice.deadline):
            report.notice_id = notice.id
            event(session, clock=clock, case=case, kind="report-flagged", actor=actor,
                  details={**_report_details(report), "notice": notice.reference,
                           "deadline": notice.deadline.isoformat()})
            return notice
    return None


def _file(session: Session, *, clock: Clock, case: Case, report: Report, actor: str, kind: str,
          details: dict[str, Any]) -> None:
    report.case_id = case.id
    if case.register is None:
        case.register = _register_of(report)
    session.flush()
    event(session, clock=clock, case=case, kind=kind, actor=actor, details={**_report_details(report), **details})
    _flag_if_late(session, clock=clock, case=case, report=report, actor=actor)


def file_report(session: Session, *, clock: Clock, report: Report, actor: str) -> Case:
    """Put a received report into the open case of its sender (opening one when there is none); return it.

    Called by the intake once the report is proved and assessed, in the same transaction. A report already in a
    case stays there."""
    if report.case_id is not None:
        return session.get(Case, report.case_id)  # type: ignore[return-value]
    found = matching.match_accounts(session, identification=report.sender_identification)
    key = matching.sender_key(report.sender_identification, account_id=found.unique)
    case, _ = _find_or_open(session, clock=clock, key=key, label=report.sender_identification, origin="reports",
                            account_id=found.unique, register=_register_of(report), actor=actor)
    details: dict[str, Any] = {}
    if found.ambiguous:
        details["candidate_accounts"] = list(found.account_ids)
    _file(session, clock=clock, case=case, report=report, actor=actor, kind="report-added", details=details)
    return case


def download_log(session: Session, *, account_id: int, register: str, since: Any) -> dict[str, Any]:
    """The account's downloads of REGISTER since SINCE: the evidence of which copy of the register leaked."""
    rows = list(session.scalars(select(SenderDownload).where(
        SenderDownload.account_id == account_id, SenderDownload.register == register,
        SenderDownload.downloaded_at >= since).order_by(SenderDownload.downloaded_at, SenderDownload.id)))
    return {"count": len(rows), "downloads": [
        {"file": row.file_name, "publication_date": row.publication_date.isoformat(),
         "downloaded_at": hk_iso(row.downloaded_at), "address": row.client_address, "api_key_id": row.api_key_id,
         "sha256": row.sha256}  # which bytes it was handed: the account's own copy, matched against a leaked file
        for row in rows[:DOWNLOADS_SHOWN]],
        "addresses": sorted({row.client_address for row in rows if row.client_address}),
        "api_key_ids": sorted({row.api_key_id for row in rows if row.api_key_id is not None}),
        "first": hk_iso(rows[0].downloaded_at) if rows else None,
        "last": hk_iso(rows[-1].downloaded_at) if rows else None}


def open_seed_case(session: Session, *, clock: Clock, report: Report, assignment: SeedAssignment,
                   actor: str) -> Case:
    """A message arrived at a seed number: open (or find) the case of the account the seed was assigned to,
    with origin ``seed-number``, and file the report in it with a ``seed-hit`` event summarising the account's
    downloads of that register since the assignment."""
    account = session.get(SenderAccount, assignment.account_id)
    label = account.name if account is not None else f"account {assignment.account_id}"
    key = matching.sender_key(label, account_id=assignment.account_id)
    if report.case_id is not None:
        case = session.get(Case, report.case_id)
        assert case is not None
    else:
        case, _ = _find_or_open(session, clock=clock, key=key, label=label, origin="seed-number",
                                account_id=assignment.account_id, register=assignment.register, actor=actor)
    seed = session.get(SeedNumber, assignment.seed_id)
    details = {"assignment": assignment.id, "seed_number": seed.number if seed else None,
               "account_id": assignment.account_id, "seed_register": assignment.register,
               "listed_on": assignment.listed_on.isoformat(), "assigned_at": hk_iso(assignment.assigned_at),
               "download_log": download_log(session, account_id=assignment.account_id, register=assignment.register,
                                            since=assignment.assigned_at)}
    if report.case_id is None:
        _file(session, clock=clock, case=case, report=report, actor=actor, kind="seed-hit", details=details)
    else:
        event(session, clock=clock, case=case, kind="seed-hit", actor=actor,
              details={**_report_details(report), **details})
    return case


# ---- settling who the sender is ---------------------------------------------------------------------------

def link_account(session: Session, *, clock: Clock, case: Case | str, account_id: int, officer: str) -> Case:
    """An officer settles that the case's sender is ACCOUNT_ID: the case is keyed to the account, and the number
    or name is recorded as the account's alias so that future reports match. When the account already has an
    open case, this case's reports move into it and this case is closed with a note; that case is returned."""
    case = lock_case(session, case)
    if not is_open(case):
        raise StepRefused(N_("Case %(reference)s is %(state)s: only an open case can be linked to an account."),
                          reference=case.reference, state=state_term(case.state))
    account = session.get(SenderAccount, account_id)
    if account is None:
        raise NotFound(N_("There is no sender account %(account_id)s."), account_id=account_id)
    if case.account_id == account_id:
        return case
    if case.sender_key_kind in ("number", "name"):
        value = case.sender_key.split(":", 1)[1]
        exists = session.scalar(select(SenderAlias.id).where(SenderAlias.kind == case.sender_key_kind,
                                                             SenderAlias.value == value,
                                                             SenderAlias.account_id == account_id))
        if exists is None:
            add_unless_duplicate(session, SenderAlias(account_id=account_id, kind=case.sender_key_kind, value=value,
                                                      added_by=officer, added_at=clock.now()))
    key = matching.sender_key(account.name, account_id=account_id)
    target = _open_case(session, key.key)
    if target is not None and target.id != case.id:
        standing = session.scalar(select(Notice.reference).where(Notice.case_id == case.id,
                                                                 Notice.state.in_(("issued", "served"))))
        if standing is not None:
            raise StepRefused(N_("Case %(reference)s has notice %(notice)s awaiting its compliance check; it cannot "
                                 "be merged into case %(target)s before that."), reference=case.reference,
                              notice=standing, target=target.reference)
        moved = session.scalar(select(func.count()).select_from(Report).where(Report.case_id == case.id)) or 0
        session.execute(update(Report).where(Report.case_id == case.id).values(case_id=target.id))
        event(session, clock=clock, case=target, kind="sender-linked", actor=officer,
              details={"account_id": account_id, "merged_from": case.reference, "reports_moved": moved,
                       "identification": case.sender_label})
        event(session, clock=clock, case=case, kind="note", actor=officer,
              details={"note": "merged", "merged_into": target.reference, "account_id": account_id,
                       "reports_moved": moved})
        close(case, clock=clock)
        event(session, clock=clock, case=case, kind="closed", actor=officer,
              details={"reason": f"merged into {target.reference}"})
        session.flush()
        return target
    previous = case.sender_key
    case.sender_key_kind, case.sender_key, case.open_key = key.kind, key.key, key.key
    case.account_id = account_id
    session.flush()
    event(session, clock=clock, case=case, kind="sender-linked", actor=officer,
          details={"account_id": account_id, "previous_key": previous, "identification": case.sender_label})
    return case


# ---- listing, closing -------------------------------------------------------------------------------------

def _filtered(stmt: Any, *, state: str | None, origin: str | None, register: str | None) -> Any:
    if state:
        stmt = stmt.where(Case.state == state)
    if origin:
        stmt = stmt.where(Case.origin == origin)
    if register:
        stmt = stmt.where(Case.register == register)
    return stmt


def list_cases(session: Session, *, state: str | None = None, origin: str | None = None,
               register: str | None = None, limit: int = 50, offset: int = 0) -> list[Case]:
    """Cases, most recently changed first, with the filters given."""
    stmt = _filtered(select(Case), state=state, origin=origin, register=register)
    return list(session.scalars(stmt.order_by(Case.updated_at.desc(), Case.id.desc()).limit(limit).offset(offset)))


def count_cases(session: Session, *, state: str | None = None, origin: str | None = None,
                register: str | None = None) -> int:
    stmt = _filtered(select(func.count()).select_from(Case), state=state, origin=origin, register=register)
    return session.scalar(stmt) or 0


def close_case(session: Session, *, clock: Clock, case: Case | str, officer: str, note: str) -> Case:
    """Close an open case with a note (refused while a notice of it is issued or served and not yet checked)."""
    case = lock_case(session, case)
    if not is_open(case):
        raise StepRefused(N_("Case %(reference)s is already %(state)s."), reference=case.reference, state=state_term(case.state))
    pending = session.scalar(select(Notice.reference).where(Notice.case_id == case.id,
                                                            Notice.state.in_(("issued", "served"))))
    if pending is not None:
        raise StepRefused(N_("Notice %(notice)s of case %(reference)s awaits its compliance check; the case "
                             "cannot be closed before it."), reference=case.reference, notice=pending)
    note = (note or "").strip()
    if not note:
        raise InvalidInput(N_("Say why the case is closed."))
    close(case, clock=clock)
    event(session, clock=clock, case=case, kind="closed", actor=officer, details={"note": note[:2000]})
    session.flush()
    return case

