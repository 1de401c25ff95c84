"""The retention report: what is due for erasure now, what is held or kept and why, what was erased in a period.

Identities are shown by id and document *type* only — never a name or number, not even masked: the report is
about the data's lifecycle, and the people it lists are exactly those whose data should no longer be read.

    due      count, and per identity: id, document type, last registration ended, days overdue
    held     the same, with the lawful-access tasks (object ids) holding each
    kept     the same, kept because an e-Cert of the identity is still good or on hold
    erased   erasures recorded from the first to the last day (Hong Kong days): id, when, by whom, the period
             they were due under and the fields erased

An operator's compliance officer (``operator_id``) sees the identities that took part in a registration with that
operator; the regulator and administrators see every one.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import HK, Clock, hk_iso
from telreg.core.exports import csv_writer
from telreg.core.i18n import N_
from telreg.realname import repository
from telreg.realname.errors import OperatorNotFound
from telreg.realname.models import Registration
from telreg.realname.retention import Candidate, due
from telreg.realname.retention_models import Erasure

__all__ = ["CSV_COLUMNS", "SECTIONS", "operator_id", "report", "report_csv"]

SECTIONS = ("due", "held", "kept", "erased")
CSV_COLUMNS = ("section", "identity_id", "doc_type", "last_ended_at", "days_overdue", "erased_at", "policy_days",
               "holds", "fields", "actor")


def report(session: Session, *, clock: Clock, settings: Settings, date_from: dt.date, date_to: dt.date,
           operator_id: int | None = None) -> dict[str, Any]:
    """Return the retention report as of now, with the erasures of ``date_from``..``date_to`` (inclusive)."""
    now = clock.now()
    listing = due(session, clock=clock, settings=settings, operator_id=operator_id)
    erased = _erased(session, date_from=date_from, date_to=date_to, operator_id=operator_id)
    return {
        "as_of": hk_iso(now),
        "policy_days": listing.days,
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "due": _section([_candidate(c, now) for c in listing.due]),
        "held": _section([{**_candidate(c, now), "holds": list(c.holds)} for c in listing.held]),
        "kept": _section([{**_candidate(c, now), "reason": "certificate"} for c in listing.kept]),
        "erased": _section(erased),
    }


def operator_id(session: Session, code: str) -> int:
    """Return the id of the operator with this code (a report's scope), or refuse an unknown code."""
    row = repository.operator_by_code(session, code)
    if row is None:
        raise OperatorNotFound(N_("There is no operator with the code %(given)s."), operator=code, given=repr(code))
    return row.id


def report_csv(data: dict[str, Any]) -> str:
    """Render a report as CSV: one line per identity, its section first."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for section in SECTIONS:
        for row in data[section]["identities"]:
            writer.writerow([
                section, row["identity_id"], row.get("doc_type", ""), row.get("last_ended_at", ""),
                row.get("days_overdue", ""), row.get("erased_at", ""), row.get("policy_days", data["policy_days"]),
                " ".join(row.get("holds", [])), " ".join(row.get("fields", [])), row.get("actor", ""),
            ])
    return out.getvalue()


def _section(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"count": len(rows), "identities": rows}


def _candidate(candidate: Candidate, now: dt.datetime) -> dict[str, Any]:
    return {"identity_id": candidate.identity_id, "doc_type": candidate.doc_type,
            "last_ended_at": hk_iso(candidate.last_ended_at), "days_overdue": candidate.days_overdue(now)}


def _erased(session: Session, *, date_from: dt.date, date_to: dt.date,
            operator_id: int | None) -> list[dict[str, Any]]:
    start = dt.datetime.combine(date_from, dt.time(), HK)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), HK)
    stmt = (select(Erasure).where(Erasure.erased_at >= start, Erasure.erased_at < end)
            .order_by(Erasure.erased_at, Erasure.identity_id))
    if operator_id is not None:
        r = Registration
        stmt = stmt.where(exists().where(r.operator_id == operator_id, or_(
            r.holder_id == Erasure.identity_id, r.guardian_id == Erasure.identity_id,
            r.agent_id == Erasure.identity_id, r.handler_id == Erasure.identity_id)))
    return [{"identity_id": row.identity_id, "erased_at": hk_iso(row.erased_at),
             "last_ended_at": hk_iso(row.last_ended_at), "policy_days": row.policy_days,
             "fields": list(row.fields), "actor": row.actor} for row in session.scalars(stmt)]
