"""Rows of enforcement written directly (no service), for the statistics' tests: a known mix of reports, cases
and notices around the Hong Kong midnight that starts February 2026 (2026-01-31 16:00 UTC)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.orm import Session

from telreg.enforcement.models import Case, CaseDocument, Notice, Report

UTC = dt.UTC
FEB_STARTS = dt.datetime(2026, 1, 31, 16, 0, tzinfo=UTC)  # 2026-02-01 00:00 in Hong Kong
_serial = itertools.count(1)
SENDER_LABEL = "Spammy Offers Ltd"
RECEIVING = "91234567"


def report(session: Session, *, register: str = "sms", state: str = "received", verdict: str | None = None,
           proved_at: dt.datetime | None = None, created_at: dt.datetime | None = None,
           case: Case | None = None) -> Report:
    n = next(_serial)
    created = created_at or proved_at or FEB_STARTS
    row = Report(reference=f"R-STAT-{n:05d}", source="online" if proved_at else "phone", state=state,
                 receiving_number=RECEIVING, register_claim=register,
                 received_at=created - dt.timedelta(hours=1),
                 sender_identification=SENDER_LABEL, sender_number="61234567", message_text="Buy now",
                 language="en", contact_kind="none", content_sha256=f"{n:064d}",
                 proof="sms-code" if proved_at else ("officer" if state == "received" else None),
                 wrong_codes=0, verdict=verdict, case_id=case.id if case else None, created_at=created,
                 proved_at=proved_at, updated_at=created)
    session.add(row)
    session.flush()
    return row


def case(session: Session, *, opened_at: dt.datetime, register: str | None = None) -> Case:
    n = next(_serial)
    row = Case(reference=f"C-STAT-{n:05d}", state="collecting", origin="reports", sender_key_kind="name",
               sender_key=f"name:spammy {n}", open_key=f"name:spammy {n}", sender_label=SENDER_LABEL,
               register=register, opened_by="system", opened_at=opened_at, updated_at=opened_at)
    session.add(row)
    session.flush()
    return row


def notice(session: Session, owner: Case, *, served_at: dt.datetime | None = None,
           referred_at: dt.datetime | None = None) -> Notice:
    n = next(_serial)
    issued = (served_at or FEB_STARTS) - dt.timedelta(days=1)
    document = CaseDocument(case_id=owner.id, kind="enforcement-notice", reference=f"D-STAT-{n:05d}",
                            title="Enforcement notice", filename="notice.pdf", content_type="application/pdf",
                            sha256="0" * 64, size=1, params={}, dated=issued.date(), created_by="ofca.lam",
                            created_at=issued, served_at=served_at,
                            served_method="post" if served_at else None,
                            served_by="ofca.lam" if served_at else None,
                            **({"path": "cases/notice.pdf"} if hasattr(CaseDocument, "path") else {}))
    session.add(document)
    session.flush()
    state = "referred" if referred_at else ("served" if served_at else "issued")
    row = Notice(case_id=owner.id, document_id=document.id, reference=f"N-STAT-{n:05d}", state=state,
                 contravention="Messages to listed numbers", steps=["Stop"], deadline=issued.date(),
                 issued_by="ofca.lam", issued_at=issued, served_at=served_at, referred_at=referred_at,
                 referred_by="ofca.lam" if referred_at else None)
    session.add(row)
    session.flush()
    return row


def known_mix(session: Session) -> dict[str, Any]:
    """The mix the tests count (months in Hong Kong time; J = January 2026, F = February, M = March):

    reports  fax  J apparent_contravention (1 s before the Hong Kong midnight), fax F not_listed (at it)
             sms  F apparent_contravention (in case c1), sms J unassessed (officer-recorded: created_at),
             sms  F consent_recorded (withdrawn after proof: counts), unsure F insufficient_information,
             prerecorded M unsubscribe_ignored (the current month), fax D(2025) not_listed (before the range);
             never: awaiting-proof J, lapsed F, withdrawn unproved F
    cases    c1 F (no register: its first report's, sms), c2 J (fax, 23:00 Hong Kong on 31 January),
             c3 F (no register, no report: unsure)
    notices  on c1: served F, referred M; on c2: served J (15:59 UTC 31 Jan); on c3: issued, never served
    """
    second = dt.timedelta(seconds=1)
    c1 = case(session, opened_at=FEB_STARTS + dt.timedelta(minutes=30))
    c2 = case(session, opened_at=FEB_STARTS - dt.timedelta(hours=1), register="fax")
    c3 = case(session, opened_at=dt.datetime(2026, 2, 20, 3, 0, tzinfo=UTC))
    report(session, register="fax", verdict="apparent_contravention", proved_at=FEB_STARTS - second)
    report(session, register="fax", verdict="not_listed", proved_at=FEB_STARTS)
    report(session, register="sms", verdict="apparent_contravention",
           proved_at=FEB_STARTS + dt.timedelta(days=2), case=c1)
    report(session, register="sms", created_at=dt.datetime(2026, 1, 10, 2, 0, tzinfo=UTC))
    report(session, register="sms", state="withdrawn", verdict="consent_recorded",
           proved_at=FEB_STARTS + dt.timedelta(days=3))
    report(session, register="unsure", verdict="insufficient_information",
           proved_at=dt.datetime(2026, 2, 28, 15, 59, tzinfo=UTC))  # 23:59 on 28 February in Hong Kong
    report(session, register="prerecorded", verdict="unsubscribe_ignored",
           proved_at=dt.datetime(2026, 3, 1, 1, 0, tzinfo=UTC))
    report(session, register="fax", verdict="not_listed",
           proved_at=dt.datetime(2025, 12, 31, 15, 59, tzinfo=UTC))
    report(session, register="fax", state="awaiting-proof", created_at=dt.datetime(2026, 1, 12, tzinfo=UTC))
    report(session, register="sms", state="lapsed", created_at=dt.datetime(2026, 2, 12, tzinfo=UTC))
    report(session, register="sms", state="withdrawn", created_at=dt.datetime(2026, 2, 13, tzinfo=UTC))
    notice(session, c1, served_at=FEB_STARTS + dt.timedelta(days=5),
           referred_at=dt.datetime(2026, 3, 2, tzinfo=UTC))
    notice(session, c2, served_at=FEB_STARTS - dt.timedelta(minutes=1))
    notice(session, c3)
    return {"c1": c1, "c2": c2, "c3": c3}
