"""Enforcement notices: issue (a bilingual PDF), serve, check compliance after the deadline, refer a breach for
prosecution with the fine scale as it stands on the referral date.

    case investigating, decided enforcement-notice
      → issue_notice      notice issued (EN-YYYY-NNNN), its document generated (English and Traditional Chinese)
      → serve_notice      notice served, document served (immutable from then on), case notice-served
      → check_compliance  after the deadline (the daily job, or an officer): adverse reports that arrived after the
                          deadline, in the case or any open case of the same sender, are flagged → breached;
                          none → complied (case complied)
      → refer             a breached notice: the fine for a first or subsequent conviction and the days the
                          contravention continued × the per-day rate → notice and case referred
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock, hk_iso, to_hk, today
from telreg.core.db import add_unless_duplicate
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.enforcement import documents, fines
from telreg.enforcement.case_common import (
    event,
    lock_case,
    lock_notice,
    next_reference,
    require_state,
    start_of_day_after,
    state_term,
)
from telreg.enforcement.case_steps import check_method, letter_reports, reports_of, sender_of
from telreg.enforcement.documents import templates
from telreg.enforcement.errors import StepRefused
from telreg.enforcement.models import Case, CaseDocument, Notice, Report
from telreg.enforcement.vocabulary import ADVERSE_VERDICTS

__all__ = ["DEFAULT_STEPS", "default_contravention", "due_notices", "check_compliance", "issue_notice",
           "notice_view", "notices_of", "refer", "run_due_checks", "serve_notice"]

DEFAULT_STEPS = (
    ("Stop sending commercial electronic messages to numbers listed on the do-not-call registers.",
     "停止向登記在拒收訊息登記冊上的號碼發送商業電子訊息。"),
    ("Before each campaign, wash your sending lists against the latest publication of the relevant register.",
     "每次推廣前，須以有關登記冊的最新公布版本核對及清理你的發送名單。"),
    ("Honour every unsubscribe request within 10 working days of receiving it.",
     "於收到取消接收要求後10個工作天內予以遵從。"),
    ("Keep records of your washing, consents and unsubscribe requests, and produce them to the Authority on "
     "request.", "保存核對名單、同意及取消接收要求的紀錄，並應管理局要求出示。"),
)
NOTICE_LEGAL_BASIS = ("Section 38 of the Unsolicited Electronic Messages Ordinance (Cap. 593): the Authority may "
                      "serve an enforcement notice directing a person to take steps to remedy a contravention.")
NOTICE_LEGAL_BASIS_ZH = "《非應邀電子訊息條例》（第593章）第38條：管理局可向違規者送達執行通知，指示其採取步驟糾正違規事項。"
CONSEQUENCES = ("Contravening this notice is an offence: a fine at level 6 (currently HK$100,000) on a first "
                "conviction, HK$500,000 on a second or subsequent conviction, and a further fine of up to "
                "HK$1,000 for every day the offence continues.")
CONSEQUENCES_ZH = "違反本通知即屬犯罪：首次定罪可處第6級罰款（現為港幣100,000元）；第二次或其後定罪可處港幣500,000元罰款；" \
                  "罪行持續期間，每日另處最高港幣1,000元罰款。"
_REGISTER_EN = {"fax": "fax", "sms": "SMS", "prerecorded": "pre-recorded message", "unsure": "a"}


def notices_of(session: Session, case: Case) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.case_id == case.id).order_by(Notice.issued_at)))


def default_contravention(session: Session, case: Case) -> tuple[str, str]:
    """The contravention as the case's reports show it (the adverse ones when there are any), in English and
    Traditional Chinese."""
    reports = reports_of(session, case)
    adverse = [r for r in reports if r.verdict in ADVERSE_VERDICTS] or reports
    if not adverse:
        return ("Commercial electronic messages were sent to numbers listed on a do-not-call register.",
                "向登記在拒收訊息登記冊上的號碼發送商業電子訊息。")
    first, last = (to_hk(adverse[0].received_at).date(), to_hk(adverse[-1].received_at).date())
    numbers = len({r.receiving_number for r in adverse})
    registers = sorted({r.register_claim for r in adverse})
    names_en = ", ".join(templates.REGISTER_NAMES.get(r, (r, r))[0] for r in registers)
    names_zh = "、".join(templates.REGISTER_NAMES.get(r, (r, r))[1] for r in registers)
    english = (f"Between {templates.date_en(first)} and {templates.date_en(last)}, {len(adverse)} commercial "
               f"electronic message(s) were sent to {numbers} number(s) listed on the do-not-call register(s) "
               f"({names_en}), contrary to section 10 of the Ordinance.")
    chinese = (f"於{templates.date_zh(first)}至{templates.date_zh(last)}期間，向{numbers}個登記在拒收訊息登記冊"
               f"（{names_zh}）上的號碼發送了{len(adverse)}則商業電子訊息，違反《條例》第10條。")
    return english, chinese


def issue_notice(session: Session, *, clock: Clock, settings: Settings, case: Case | str, officer: str,
                 contravention: str | None = None, steps: Sequence[str] | None = None,
                 deadline: dt.date | None = None) -> Notice:
    """Issue an enforcement notice in a case decided ``enforcement-notice``: the contravention (default: from
    the case's reports), the steps required (default: DEFAULT_STEPS), the deadline (default: today +
    settings.notice_compliance_days; after today). Its bilingual PDF is stored as the notice's document."""
    case = lock_case(session, case)
    require_state(case, ("investigating",), step=N_("issuing an enforcement notice"))
    if case.decision != "enforcement-notice":
        raise StepRefused(N_("Case %(reference)s was not decided for an enforcement notice; decide it first."),
                          reference=case.reference, decision=case.decision)
    standing = session.scalar(select(Notice.reference).where(Notice.case_id == case.id,
                                                             Notice.state.in_(("issued", "served"))))
    if standing is not None:
        raise StepRefused(N_("Case %(reference)s already has notice %(notice)s standing."), reference=case.reference,
                          notice=standing)
    deadline = deadline or today(clock) + dt.timedelta(days=settings.notice_compliance_days)
    if deadline <= today(clock):
        raise InvalidInput(N_("The deadline must be after today (%(deadline)s given)."), deadline=deadline.isoformat())
    default_en, default_zh = default_contravention(session, case)
    contravention = (contravention or "").strip() or default_en
    if len(contravention) > 5000:
        raise InvalidInput(N_("Describe the contravention in at most 5,000 characters."))
    given_steps = [s.strip() for s in (steps or []) if s and s.strip()]
    if len(given_steps) > 20 or any(len(s) > 1000 for s in given_steps):
        raise InvalidInput(N_("Give at most 20 steps, each at most 1,000 characters."))
    steps_en = given_steps or [en for en, _ in DEFAULT_STEPS]
    steps_zh = [zh for _, zh in DEFAULT_STEPS] if not given_steps else given_steps
    now = clock.now()
    reference = next_reference(session, Notice.reference, f"EN-{today(clock).year}-", 4)
    params: dict[str, Any] = {
        "reference": reference, "case_reference": case.reference, "dated": today(clock).isoformat(),
        "sender": sender_of(session, case), "reports": letter_reports(session, case),
        "contravention": contravention,
        "contravention_zh": default_zh if contravention == default_en else contravention,
        "steps": steps_en, "steps_zh": steps_zh, "deadline": deadline.isoformat(),
        "consequences": CONSEQUENCES, "consequences_zh": CONSEQUENCES_ZH,
        "legal_basis": NOTICE_LEGAL_BASIS, "legal_basis_zh": NOTICE_LEGAL_BASIS_ZH, "officer": officer}
    document = documents.create_document(
        session, clock=clock, settings=settings, case=case, kind="enforcement-notice",
        title=f"{templates.NOTICE_TITLE[0]} {reference}", filename=f"{reference}.pdf", params=params,
        officer=officer, reference=reference)
    notice = Notice(case_id=case.id, document_id=document.id, reference=reference, state="issued",
                    contravention=contravention, steps=steps_en, deadline=deadline, issued_by=officer, issued_at=now)
    if not add_unless_duplicate(session, notice):
        raise StepRefused(N_("Another notice took reference %(notice)s meanwhile; issue the notice again."),
                          notice=reference)
    event(session, clock=clock, case=case, kind="notice-issued", actor=officer, document_id=document.id,
          details={"notice": reference, "deadline": deadline.isoformat(), "sha256": document.sha256})
    _audit(session, clock=clock, notice=notice, actor=officer, action="issued",
           details={"case": case.reference, "deadline": deadline.isoformat()})
    return notice


def _audit(session: Session, *, clock: Clock, notice: Notice, actor: str, action: str,
           details: dict[str, Any]) -> None:
    audit.record(session, clock=clock, actor=actor, action=f"enforcement-notice-{action}",
                 subject_type="enforcement-notice", subject_key=notice.reference, details=details)


def serve_notice(session: Session, *, clock: Clock, notice: Notice | str, officer: str, method: str,
                 served_at: dt.datetime | None = None) -> Notice:
    """Record the notice's service (date and method): notice served, its document served (immutable from
    now on), the case notice-served. Serving twice is refused."""
    notice = lock_notice(session, notice)
    case = lock_case(session, session.get(Case, notice.case_id))  # type: ignore[arg-type]
    if notice.state != "issued":
        raise StepRefused(N_("Notice %(notice)s is %(state)s: only an issued notice can be served."),
                          notice=notice.reference, state=state_term(notice.state))
    document = session.get(CaseDocument, notice.document_id)
    assert document is not None
    documents.ensure_unserved(document)
    at = clock.now() if served_at is None else to_hk(served_at)
    if at > clock.now() + dt.timedelta(minutes=5) or at.date() < document.dated:
        raise InvalidInput(N_("A notice is served between its date (%(dated)s) and now, not %(served_at)s."),
                           dated=document.dated.isoformat(), served_at=hk_iso(at))
    if at.date() > notice.deadline:
        raise InvalidInput(N_("Notice %(notice)s cannot be served after its deadline %(deadline)s; issue a new "
                              "one."), notice=notice.reference, deadline=notice.deadline.isoformat())
    document.served_at, document.served_method, document.served_by = at, check_method(method), officer
    notice.state, notice.served_at = "served", at
    case.state = "notice-served"
    event(session, clock=clock, case=case, kind="notice-served", actor=officer, document_id=document.id,
          details={"notice": notice.reference, "method": method, "served_at": hk_iso(at)})
    _audit(session, clock=clock, notice=notice, actor=officer, action="served",
           details={"method": method, "served_at": hk_iso(at)})
    session.flush()
    return notice


def _sender_cases(session: Session, case: Case) -> list[int]:
    """The case and every open case of the same sender key (reports may have been filed under either)."""
    ids = {case.id}
    ids.update(session.scalars(select(Case.id).where(Case.open_key == case.sender_key)))
    return sorted(ids)


def check_compliance(session: Session, *, clock: Clock, notice: Notice | str, officer: str) -> Notice:
    """After the deadline: flag the adverse reports that arrived after it (in the case or any open case of the
    same sender) → breached; none → complied. Refused before the deadline has passed."""
    notice = lock_notice(session, notice)
    case = lock_case(session, session.get(Case, notice.case_id))  # type: ignore[arg-type]
    if notice.state not in ("served", "complied"):
        raise StepRefused(N_("Notice %(notice)s is %(state)s: compliance is checked on a served notice."),
                          notice=notice.reference, state=state_term(notice.state))
    if today(clock) <= notice.deadline:
        raise StepRefused(N_("The deadline of notice %(notice)s is %(deadline)s: compliance can be checked from "
                             "%(from_day)s."), notice=notice.reference, deadline=notice.deadline.isoformat(),
                          from_day=(notice.deadline + dt.timedelta(days=1)).isoformat())
    after = start_of_day_after(notice.deadline)
    late = list(session.scalars(select(Report).where(
        Report.case_id.in_(_sender_cases(session, case)), Report.state == "received",
        Report.verdict.in_(ADVERSE_VERDICTS), Report.received_at >= after).order_by(Report.received_at, Report.id)))
    for report in late:
        if report.notice_id is None:
            report.notice_id = notice.id
            event(session, clock=clock, case=case, kind="report-flagged", actor=officer,
                  details={"report": report.reference, "notice": notice.reference, "verdict": report.verdict,
                           "arrived": hk_iso(report.received_at), "deadline": notice.deadline.isoformat()})
    outcome = "breached" if late else "complied"
    notice.state = outcome
    notice.compliance_checked_at = clock.now()
    notice.compliance_result = {"outcome": outcome, "checked_on": today(clock).isoformat(),
                                "deadline": notice.deadline.isoformat(), "reports_after_deadline": len(late),
                                "references": [r.reference for r in late], "checked_by": officer}
    case.state = "notice-served" if late else "complied"
    event(session, clock=clock, case=case, kind="compliance-checked", actor=officer,
          details={"notice": notice.reference, **notice.compliance_result})
    _audit(session, clock=clock, notice=notice, actor=officer, action="compliance-checked",
           details=notice.compliance_result)
    session.flush()
    return notice


def due_notices(session: Session, *, day: dt.date) -> list[Notice]:
    """Served notices whose deadline passed before DAY (the daily job checks them)."""
    return list(session.scalars(select(Notice).where(Notice.state == "served", Notice.deadline < day)
                                .order_by(Notice.deadline, Notice.id)))


def run_due_checks(session: Session, *, clock: Clock, actor: str) -> dict[str, int]:
    """Check every due notice (each in a savepoint, so one failure does not stop the others)."""
    counts = {"checked": 0, "breached": 0, "complied": 0, "failed": 0}
    for notice in due_notices(session, day=today(clock)):
        try:
            with session.begin_nested():
                checked = check_compliance(session, clock=clock, notice=notice.reference, officer=actor)
        except StepRefused:
            counts["failed"] += 1
            continue
        counts["checked"] += 1
        counts[checked.state] += 1
    return counts


def refer(session: Session, *, clock: Clock, notice: Notice | str, officer: str, prior_convictions: int,
          reason: str) -> Notice:
    """Refer a breached notice for prosecution with the fine scale as it stands today: the fine for a first (no
    prior conviction) or a subsequent conviction, and the days the contravention continued since the deadline ×
    the per-day rate. The figures are kept on the notice (``referral``)."""
    notice = lock_notice(session, notice)
    case = lock_case(session, session.get(Case, notice.case_id))  # type: ignore[arg-type]
    if notice.state != "breached":
        raise StepRefused(N_("Notice %(notice)s is %(state)s: only a breached notice is referred for "
                             "prosecution."), notice=notice.reference, state=state_term(notice.state))
    if not isinstance(prior_convictions, int) or not 0 <= prior_convictions <= 100:
        raise InvalidInput(N_("Give the number of prior convictions (0 or more)."), prior_convictions=prior_convictions)
    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        raise InvalidInput(N_("Give the reason for the referral (at most 2,000 characters)."))
    day = today(clock)
    scale = fines.scale_on(session, day)
    offence = "notice-subsequent" if prior_convictions > 0 else "notice-first"
    fine, per_day = scale.get(offence), scale.get("notice-continuing")
    if fine is None or per_day is None:
        raise StepRefused(N_("The fine scale has no rate for %(offence)s on %(day)s."), offence=offence,
                          day=day.isoformat())
    days = max((day - notice.deadline).days, 0)
    continuing = days * per_day.amount_cents
    notice.referral = {
        "referred_on": day.isoformat(), "prior_convictions": prior_convictions,
        "conviction": "subsequent" if prior_convictions > 0 else "first", "reason": reason,
        "fine": fines.rate_view(fine), "fine_cents": fine.amount_cents,
        "continuing": {**fines.rate_view(per_day), "per_day_cents": per_day.amount_cents, "days": days,
                       "amount_cents": continuing,
                       "since": notice.deadline.isoformat()},
        "total_cents": fine.amount_cents + continuing,
        "scale": {name: fines.rate_view(row) for name, row in scale.items()},
        "breach_reports": (notice.compliance_result or {}).get("references", [])}
    notice.state, notice.referred_at, notice.referred_by = "referred", clock.now(), officer
    case.state = "referred"
    event(session, clock=clock, case=case, kind="referred", actor=officer,
          details={"notice": notice.reference, "fine_cents": fine.amount_cents, "continuing_days": days,
                   "continuing_cents": continuing, "total_cents": notice.referral["total_cents"],
                   "prior_convictions": prior_convictions})
    _audit(session, clock=clock, notice=notice, actor=officer, action="referred", details=notice.referral)
    session.flush()
    return notice


def notice_view(session: Session, notice: Notice) -> dict[str, Any]:
    document = session.get(CaseDocument, notice.document_id)
    case = session.get(Case, notice.case_id)
    return {"reference": notice.reference, "case": case.reference if case else None, "state": notice.state,
            "contravention": notice.contravention, "steps": list(notice.steps),
            "deadline": notice.deadline.isoformat(), "issued_by": notice.issued_by,
            "issued_at": hk_iso(notice.issued_at),
            "served_at": hk_iso(notice.served_at) if notice.served_at else None,
            "document": document.reference if document else None,
            "compliance_checked_at": hk_iso(notice.compliance_checked_at) if notice.compliance_checked_at
            else None, "compliance_result": notice.compliance_result,
            "referred_at": hk_iso(notice.referred_at) if notice.referred_at else None,
            "referred_by": notice.referred_by, "referral": notice.referral}
