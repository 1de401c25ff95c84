"""Demo enforcement data: reports in several verdict classes, a case under investigation with an information
request, a case whose enforcement notice was served and whose deadline has passed, and a small seed pool.

Everything goes through the service functions an officer's page calls (reports.record_report, the case steps,
notices.issue_notice / serve_notice, seeds.pool.import_seeds), so the cases' events, the documents (PDF), the
audit trail and the acknowledgements (mails to the development inbox, an SMS among the demo lines) are the
genuine article. The older steps run on a clock set back in time (as demo/loader.py registers its
listings), so the notice was served weeks ago and its deadline has passed today; the compliance check is left
to the officer.

Runs after load_demo (it needs the demo listings, the demo sender and the regulator) in a transaction of its
own. Idempotent: once a demo report exists nothing is recorded again; seed numbers already in the pool are
left as they are.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.core.clock import HK, FixedClock
from telreg.core.db import unit_of_work
from telreg.demo.sender import DEMO_SENDER

if TYPE_CHECKING:
    from telreg.runtime import Runtime

OFFICER = "regulator"  # the demo regulator (demo/loader.py DEMO_USERS)
# The senders the demo's reports name: the demo subscriber (matched to its account by name) and a sender who
# is no subscriber, known only by the number its messages showed.
SUBSCRIBER = DEMO_SENDER.name
STRANGER = "+852 3111 2222"
SENDERS = (SUBSCRIBER, STRANGER)
# Numbers the regulator controls (never listed: import_seeds refuses a listed one), with their operator.
DEMO_SEEDS = (("53990001", "harbour"), ("53990002", "harbour"), ("53990003", "harbour"),
              ("63990004", "harbour"), ("93990005", "harbour"), ("35990006", "harbour"))
INFORMATION_QUESTIONS = (
    "From which list did you take the numbers these messages were sent to, and when was it last washed "
    "against the do-not-call registers?",
    "Give the consent or other record you hold for each number named in this letter.",
)


@dataclass(frozen=True)
class DemoReport:
    days_ago: int  # when it was recorded (the message arrived ARRIVED_HOURS earlier)
    number: str
    register: str
    sender: str
    text: str
    source: str = "phone"
    contact_kind: str = "email"
    contact: str | None = "reporter@example.com"
    language: str = "en"


ARRIVED_HOURS = 3
DEMO_REPORTS = (
    # The stranger, weeks ago: SMS to a number listed two months ago (protected) → a notice, served.
    DemoReport(40, "21234567", "sms", STRANGER, "Last chance! 50% off all loans, reply YES to apply."),
    DemoReport(39, "23456789", "fax", STRANGER,
               "Fax offer: office supplies at wholesale prices, call 3111 2222.", source="paper",
               contact_kind="none", contact=None),
    # The subscriber, this week: a protected number, one listed yesterday, one never listed, and a reporter
    # who does not know which register the message concerns.
    DemoReport(5, "91234567", "sms", SUBSCRIBER, "Demo Telemarketing: upgrade your phone plan today!",
               contact_kind="sms", contact="91234567", language="zh-Hant"),
    DemoReport(4, "21234567", "fax", SUBSCRIBER, "Demo Telemarketing fax: new office broadband packages."),
    DemoReport(2, "98765432", "sms", SUBSCRIBER, "Demo Telemarketing: travel insurance from HK$38."),
    DemoReport(1, "31234567", "unsure", SUBSCRIBER, "A recorded voice offered a credit card.",
               contact_kind="none", contact=None),
    DemoReport(0, "61234567", "sms", SUBSCRIBER, "Demo Telemarketing: your exclusive offer expires tonight."),
)
NOTICE_SERVED_DAYS_AGO = 36
NOTICE_DAYS = 14  # the stranger's notice: served 36 days ago, 14 days to comply → 22 days past its deadline


@dataclass
class EnforcementDemo:
    """What a load created; empty means it was all there already."""

    reports: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    seeds: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # steps left out: what they need is not there

    @property
    def changed(self) -> bool:
        return bool(self.reports or self.seeds)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _at(runtime: Runtime, days_ago: int, time: dt.time | None = None) -> Runtime:
    """RUNTIME with its clock set back DAYS_AGO days (at TIME of that day, else at the same time of day)."""
    now = runtime.clock.now().astimezone(HK)
    then = now - dt.timedelta(days=days_ago)
    if time is not None:
        then = min(dt.datetime.combine(then.date(), time, HK), now)
    return dataclasses.replace(runtime, clock=FixedClock(then))


def _record(session: Session, runtime: Runtime, demo: DemoReport) -> Any:
    from telreg.enforcement import reports

    when = _at(runtime, demo.days_ago, dt.time(11, 0))
    arrived = when.clock.now() - dt.timedelta(hours=ARRIVED_HOURS)
    report, _ = reports.record_report(
        session, runtime=when, officer_username=OFFICER, source=demo.source, receiving_number=demo.number,
        register=demo.register, arrived_at=arrived,
        sender_identification=demo.sender, message_text=demo.text, contact_kind=demo.contact_kind,
        contact=demo.contact, language=demo.language)
    return report


def _loaded(session: Session) -> bool:
    from telreg.enforcement.models import Report

    return session.scalar(select(Report.id).where(Report.sender_identification.in_(SENDERS),
                                                  Report.recorded_by == OFFICER).limit(1)) is not None


def _ready(session: Session) -> list[str]:
    """What the demo needs that is not there (another policy's demo, or load_demo not run)."""
    from telreg.core.errors import NotFound
    from telreg.core.users import get_user
    from telreg.senders import repository

    missing = []
    try:
        get_user(session, OFFICER)
    except NotFound:
        missing.append(f"the demo user {OFFICER}")
    if repository.account_by_login(session, DEMO_SENDER.username) is None:
        missing.append(f"the demo sender {DEMO_SENDER.username}")
    return missing


def _seeds(session: Session, runtime: Runtime, summary: EnforcementDemo) -> None:
    from telreg.enforcement.models import SeedNumber
    from telreg.enforcement.seeds import pool

    numbers = [number for number, _ in DEMO_SEEDS]
    present = set(session.scalars(select(SeedNumber.number).where(SeedNumber.number.in_(numbers))))
    wanted = [(number, operator) for number, operator in DEMO_SEEDS if number not in present]
    if not wanted:
        return
    content = "number,operator\n" + "".join(f"{number},{operator}\n" for number, operator in wanted)
    added = pool.import_seeds(session, clock=runtime.clock, content=content.encode(), actor=OFFICER,
                              source="demo-seeds.csv")
    summary.seeds.extend(seed.number for seed in added)


def _case_of(session: Session, report: Any) -> Any:
    from telreg.enforcement.models import Case

    session.refresh(report)
    return session.get(Case, report.case_id) if report.case_id is not None else None


def _stranger_notice(session: Session, runtime: Runtime, case: Any, summary: EnforcementDemo) -> None:
    """Investigate, decide and serve a notice weeks ago: its deadline has passed today."""
    from telreg.enforcement import cases, notices

    then = _at(runtime, NOTICE_SERVED_DAYS_AGO, dt.time(10, 0))
    cases.open_investigation(session, clock=then.clock, case=case, officer=OFFICER)
    cases.decide(session, clock=then.clock, case=case, officer=OFFICER, decision="enforcement-notice",
                 reason="Messages to numbers listed and protected for weeks; no consent on record.")
    notice = notices.issue_notice(session, clock=then.clock, settings=runtime.settings, case=case,
                                  officer=OFFICER,
                                  deadline=then.clock.now().date() + dt.timedelta(days=NOTICE_DAYS))
    notices.serve_notice(session, clock=then.clock, notice=notice, officer=OFFICER, method="registered-post")
    summary.notices.append(notice.reference)


def _subscriber_investigation(session: Session, runtime: Runtime, case: Any,
                              summary: EnforcementDemo) -> None:
    """Open an investigation today and send the subscriber an information request (PDF), served by e-mail."""
    from telreg.enforcement import cases

    cases.open_investigation(session, clock=runtime.clock, case=case, officer=OFFICER)
    document = cases.request_information(session, clock=runtime.clock, settings=runtime.settings, case=case,
                                         officer=OFFICER, questions=INFORMATION_QUESTIONS)
    cases.serve_document(session, clock=runtime.clock, document=document, officer=OFFICER, method="email")
    summary.documents.append(document.reference)


def load_enforcement(runtime: Runtime) -> EnforcementDemo:
    """Load the enforcement demo (see the module's docstring); return what was created. In time order: the
    stranger's reports, its notice (served weeks ago), the subscriber's reports, its investigation (today)."""
    summary = EnforcementDemo()
    with unit_of_work(runtime.session_factory) as session:
        summary.missing = _ready(session)
        if summary.missing:
            return summary
        _seeds(session, runtime, summary)
        if _loaded(session):
            return summary
        for sender, next_step in ((STRANGER, _stranger_notice), (SUBSCRIBER, _subscriber_investigation)):
            case = None
            for demo in (d for d in DEMO_REPORTS if d.sender == sender):
                report = _record(session, runtime, demo)
                summary.reports.append(report.reference)
                case = case or _case_of(session, report)
            if case is None:
                summary.missing.append(f"a case for {sender}'s reports")
                continue
            summary.cases.append(case.reference)
            next_step(session, runtime, case, summary)
    return summary
