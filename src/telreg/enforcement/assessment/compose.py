"""Put the facts into lines: each finding with the rule behind it, in the order an officer reads them.

Lines, by ``code`` (stable; a line about one register carries ``params["register"]``):

    register                 which register(s) the report is assessed on, and why
    listed-at-arrival        listed or not when the message arrived (registration date, channel)
    removal-before-arrival   a removal before the arrival: when and why (or an earlier listing, clock restarted)
    registered-after-arrival not listed then, registered later
    protection               when protection started; in force on the arrival day or not
    non-working-days         the days not counted as working days
    warning-recorded-later   a warning recorded after the arrival that would move the day (not counted)
    first-publication        which publication first carried the listing, before the arrival or not
    seed-number              the number is a seed: the account whose copy it traces
    sender-account           which subscriber account the sender is (or none, or several)
    subscription             the account's subscription to the register on the arrival date
    downloads                its download log: files that carried the number, downloaded before the arrival
    online-checks            its online checks (counts only)
    washes / wash-found / wash-expired   its washes before the arrival, and what they did with the number
    instruction              its consent/unsubscribe instruction in force at the arrival
    verdict                  the verdict and why (verdict.py's precedence)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import to_hk
from telreg.core.i18n import N_
from telreg.enforcement.assessment import sender as senders
from telreg.enforcement.assessment.listing import History, Standing, load_history, standing_at
from telreg.enforcement.assessment.protection import Calendars, Publications, load_calendars, non_working_days
from telreg.enforcement.assessment.rules import (
    R_CALENDAR,
    R_CHECKS,
    R_DOWNLOADS,
    R_INSTRUCTION,
    R_LISTED,
    R_PROTECTION,
    R_PUBLICATION,
    R_REGISTER,
    R_REMOVAL,
    R_SEED,
    R_SENDER,
    R_SUBSCRIPTION,
    R_VERDICT,
    R_WASHES,
    UNKNOWN_SENDER,
    UNSUBSCRIBE_WORKING_DAYS,
    VERDICT_FINDINGS,
)
from telreg.enforcement.assessment.types import Line
from telreg.enforcement.assessment.verdict import LISTED, NOT_LISTED, NOT_YET, UNKNOWN, Decision, decide
from telreg.enforcement.models import Report, ReportAttachment
from telreg.enforcement.seeds.hits import assignment_for
from telreg.enforcement.vocabulary import REGISTERS, UNSURE
from telreg.senders.lists.models import SenderInstruction

__all__ = ["compose"]

# Attachments that can only be one kind of message.
_TELLING_ATTACHMENTS = {"fax-image": "fax", "audio": "prerecorded"}

def _minute(at: dt.datetime) -> str:
    return to_hk(at).strftime("%Y-%m-%d %H:%M")


class _Lines:
    def __init__(self) -> None:
        self.lines: list[Line] = []

    def add(self, code: str, outcome: str, finding: str, rule: str, **params: Any) -> None:
        self.lines.append(Line(code, outcome, finding, rule, params))


def _registers(session: Session, report: Report, out: _Lines) -> tuple[str, ...]:
    if report.register_claim != UNSURE:
        out.add("register", "info", N_("The report concerns the %(register)s register."), R_REGISTER,
                register=report.register_claim)
        return (report.register_claim,)
    kinds = set(session.scalars(select(ReportAttachment.kind).where(ReportAttachment.report_id == report.id))) \
        if report.id is not None else set()
    told = {_TELLING_ATTACHMENTS[k] for k in kinds if k in _TELLING_ATTACHMENTS}
    if len(told) == 1:
        register = told.pop()
        attachment = next(k for k, r in _TELLING_ATTACHMENTS.items() if r == register)
        out.add("register", "info", N_("The reporter was not sure which register the message concerns; the "
                                       "attached %(attachment)s shows it concerns the %(register)s register."),
                R_REGISTER, register=register, attachment=attachment)
        return (register,)
    out.add("register", "info", N_("The reporter was not sure which register the message concerns, so every "
                                   "register is assessed."), R_REGISTER, registers=list(REGISTERS))
    return REGISTERS


def _listing_lines(out: _Lines, history: History, standing: Standing, *, number: str, arrival: dt.datetime,
                   calendars: Calendars, publications: Publications, settings: Settings) -> tuple[str, dt.date | None]:
    """The lines about one register's listing; returns its state (verdict.LISTED, NOT_YET, NOT_LISTED, UNKNOWN)
    and the day of the first publication that carried it."""
    register = standing.register
    common = {"register": register, "number": number, "arrival": _minute(arrival)}
    if standing.listed is None:
        out.add("listed-at-arrival", "unknown",
                N_("The history of %(number)s on the %(register)s register cannot say whether it was listed when "
                   "the message arrived (%(arrival)s): a removal does not give the registration date it removed."),
                R_LISTED, **common)
        return UNKNOWN, None
    if not standing.listed:
        out.add("listed-at-arrival", "no", N_("When the message arrived (%(arrival)s), %(number)s was not listed on "
                                              "the %(register)s register."), R_LISTED, **common)
        if standing.removal is not None:
            _removal_line(out, standing, listed=False)
        if standing.next_registration is not None:
            out.add("registered-after-arrival", "info",
                    N_("It was registered on the %(register)s register only later, on %(registered_at)s."),
                    R_LISTED, register=register, registered_at=_minute(standing.next_registration.at))
        return NOT_LISTED, None

    assert standing.registered_on is not None
    registered_on = standing.registered_on.isoformat()
    if standing.channel:
        out.add("listed-at-arrival", "yes",
                N_("When the message arrived (%(arrival)s), %(number)s was listed on the %(register)s register, "
                   "registered on %(registered_on)s (%(channel)s)."), R_LISTED, **common,
                registered_on=registered_on, channel=standing.channel)
    else:
        out.add("listed-at-arrival", "yes",
                N_("When the message arrived (%(arrival)s), %(number)s was listed on the %(register)s register, "
                   "registered on %(registered_on)s."), R_LISTED, **common, registered_on=registered_on)
    if standing.removal is not None:
        _removal_line(out, standing, listed=True)

    protected_from = calendars.protected_from(standing.registered_on)
    arrival_day = arrival.date()
    rule_params = {"days": calendars.days, "window": f"{settings.warning_window_start:%H:%M}–"
                                                     f"{settings.warning_window_end:%H:%M}"}
    params = {"register": register, "registered_on": registered_on, "protected_from": protected_from.isoformat(),
              "arrival_day": arrival_day.isoformat(), **rule_params}
    protected = arrival_day >= protected_from
    if protected:
        out.add("protection", "yes", N_("Protection on the %(register)s register started on %(protected_from)s, "
                                        "%(days)s working days after the registration date (%(registered_on)s); "
                                        "the message arrived on %(arrival_day)s, when it was in force."),
                R_PROTECTION, **params)
    else:
        out.add("protection", "no", N_("Protection on the %(register)s register starts on %(protected_from)s, "
                                       "%(days)s working days after the registration date (%(registered_on)s); "
                                       "the message arrived on %(arrival_day)s, before it."),
                R_PROTECTION, **params)
    skipped = non_working_days(calendars.as_stood, standing.registered_on, protected_from)
    if skipped:
        out.add("non-working-days", "info", N_("Days not counted as working days from %(registered_on)s to "
                                               "%(protected_from)s: %(non_working)s."),
                R_CALENDAR, register=register, registered_on=registered_on,
                protected_from=protected_from.isoformat(), non_working=skipped)
    else:
        out.add("non-working-days", "info", N_("Every day after %(registered_on)s up to %(protected_from)s was a "
                                               "working day."), R_CALENDAR, register=register,
                registered_on=registered_on, protected_from=protected_from.isoformat())
    later = calendars.protected_from_now(standing.registered_on)
    if later != protected_from:
        out.add("warning-recorded-later", "info",
                N_("A warning recorded after the message arrived would move the start of protection on the "
                   "%(register)s register to %(protected_from_now)s; it is not counted, since the calendar is "
                   "taken as it stood."), R_CALENDAR, register=register, protected_from_now=later.isoformat())

    first = _publication_line(out, history, standing, arrival, publications)
    return LISTED if protected else NOT_YET, first


def _removal_line(out: _Lines, standing: Standing, *, listed: bool) -> None:
    removal = standing.removal
    assert removal is not None
    registered_on = removal.registered_on.isoformat() if removal.registered_on else "?"
    params = {"register": standing.register, "removed_at": _minute(removal.at), "removal": removal.action}
    if listed:
        out.add("removal-before-arrival", "info",
                N_("An earlier listing on the %(register)s register ended on %(removed_at)s (%(removal)s); the "
                   "number was registered again on %(registered_on)s, and protection counts from then."),
                R_REMOVAL, **params, registered_on=standing.registered_on.isoformat() if standing.registered_on
                else "?")
    elif removal.action == "removed-terminated":
        out.add("removal-before-arrival", "info",
                N_("It was removed from the %(register)s register on %(removed_at)s as a terminated number "
                   "(service terminated on %(terminated_on)s; it had been registered on %(registered_on)s)."),
                R_REMOVAL, **params, registered_on=registered_on,
                terminated_on=str(removal.details.get("terminated_on") or "?"))
    else:
        out.add("removal-before-arrival", "info",
                N_("It was deregistered from the %(register)s register on %(removed_at)s (it had been registered "
                   "on %(registered_on)s)."), R_REMOVAL, **params, registered_on=registered_on)


def _publication_line(out: _Lines, history: History, standing: Standing, arrival: dt.datetime,
                      publications: Publications) -> dt.date | None:
    register = standing.register
    first = publications.first_carrying(history, standing)
    if first is not None:
        published = _minute(first.published_at) if first.published_at else "?"
        if first.out_before(arrival):
            out.add("first-publication", "yes",
                    N_("The publication of %(publication)s, published %(published_at)s, was the first to carry the "
                       "number on the %(register)s register: before the message arrived."), R_PUBLICATION,
                    register=register, publication=first.day.isoformat(), published_at=published)
        else:
            out.add("first-publication", "no",
                    N_("The first publication to carry the number on the %(register)s register, that of "
                       "%(publication)s, was published %(published_at)s: after the message arrived."),
                    R_PUBLICATION, register=register, publication=first.day.isoformat(), published_at=published)
        return first.day
    very_first = publications.first()
    if very_first is None or not very_first.out_before(arrival):
        out.add("first-publication", "no", N_("No publication of the registers had been made when the message "
                                              "arrived."), R_PUBLICATION, register=register)
    else:
        out.add("first-publication", "no",
                N_("No publication had carried the number on the %(register)s register when the message arrived "
                   "(the latest is of %(latest)s)."), R_PUBLICATION, register=register,
                latest=publications.dates[-1].isoformat())
    return None


def _seed_line(session: Session, out: _Lines, *, number: str, arrival: dt.datetime) -> None:
    assignment = assignment_for(session, number=number, at=arrival)
    if assignment is None:
        return
    names = senders.account_names(session, (assignment.account_id,))
    out.add("seed-number", "info",
            N_("%(number)s is a seed number, placed in the copies of the %(register)s register given to account "
               "#%(account_id)s (%(account_name)s) and listed there as of %(listed_on)s: the message traces that "
               "account's copy. This is a leak trace, not an ordinary report."), R_SEED, number=number,
            account_id=assignment.account_id, account_name=names[0]["name"] if names else "?",
            register=assignment.register, listed_on=assignment.listed_on.isoformat())


def _sender_line(session: Session, out: _Lines, report: Report, facts: senders.SenderFacts) -> str | None:
    """The sender line; returns the account's name when one is known."""
    identification = report.sender_identification
    if facts.account_id is not None:
        names = senders.account_names(session, (facts.account_id,))
        name = names[0]["name"] if names else "?"
        findings = {
            "given": N_("The sender is account #%(account_id)s (%(account_name)s), as an officer chose."),
            "case": N_("The sender is account #%(account_id)s (%(account_name)s), the account of the report's "
                       "case."),
            "match": N_("The sender identification %(identification)s matches one subscriber account: "
                        "#%(account_id)s (%(account_name)s)."),
        }
        out.add("sender-account", "yes", findings[facts.how], R_SENDER, account_id=facts.account_id,
                account_name=name, identification=identification)
        return name
    if facts.ambiguous:
        out.add("sender-account", "unknown",
                N_("The sender identification %(identification)s matches several subscriber accounts: "
                   "%(candidates)s. An officer must choose one."), R_SENDER, identification=identification,
                candidates=senders.account_names(session, facts.candidates))
        return None
    out.add("sender-account", "no", N_("The sender identification %(identification)s matches no subscriber account, "
                                       "so the sender's own records cannot be read."), R_SENDER,
            identification=identification)
    return None


def _account_lines(session: Session, out: _Lines, settings: Settings, *, account_id: int, register: str,
                   number: str, arrival: dt.datetime, standing: Standing, first_carrying: dt.date | None,
                   instruction: SenderInstruction | None) -> None:
    day = arrival.date()
    base = {"account_id": account_id, "register": register}
    covering, ended = senders.subscription(session, account_id=account_id, register=register, day=day)
    if covering is not None:
        out.add("subscription", "yes", N_("Account #%(account_id)s held a subscription to the %(register)s register "
                                          "on %(arrival_day)s (from %(starts_on)s until %(last_day)s)."),
                R_SUBSCRIPTION, **base, arrival_day=day.isoformat(), starts_on=covering.starts_on.isoformat(),
                last_day=(covering.ends_on - dt.timedelta(days=1)).isoformat())
    elif ended is not None:
        out.add("subscription", "no", N_("Account #%(account_id)s held no subscription to the %(register)s register "
                                         "on %(arrival_day)s; its last one ended after %(last_day)s."),
                R_SUBSCRIPTION, **base, arrival_day=day.isoformat(),
                last_day=(ended.ends_on - dt.timedelta(days=1)).isoformat())
    else:
        out.add("subscription", "no", N_("Account #%(account_id)s held no subscription to the %(register)s register "
                                         "on %(arrival_day)s."), R_SUBSCRIPTION, **base, arrival_day=day.isoformat())

    total, carrying, latest = senders.downloads(session, account_id=account_id, register=register, at=arrival,
                                                first_carrying=first_carrying)
    if latest is not None:
        out.add("downloads", "yes",
                N_("Before the message, account #%(account_id)s downloaded %(carrying)s file(s) of the %(register)s "
                   "register that carried the number; the latest was %(file)s of the publication of "
                   "%(publication)s, downloaded %(downloaded_at)s."), R_DOWNLOADS, **base, carrying=carrying,
                total=total, file=latest.file_name, publication=latest.publication_date.isoformat(),
                downloaded_at=_minute(latest.downloaded_at))
    elif not standing.listed:
        out.add("downloads", "info",
                N_("The number was not listed on the %(register)s register when the message arrived, so no file "
                   "account #%(account_id)s downloaded (%(total)s before the message) could carry it."),
                R_DOWNLOADS, **base, total=total)
    elif total:
        out.add("downloads", "no", N_("Before the message, account #%(account_id)s downloaded %(total)s file(s) of "
                                      "the %(register)s register, none of which carried the number."),
                R_DOWNLOADS, **base, total=total)
    else:
        out.add("downloads", "no", N_("Account #%(account_id)s downloaded no file of the %(register)s register "
                                      "before the message."), R_DOWNLOADS, **base)

    since = (dt.datetime.combine(standing.registered_on, dt.time(), arrival.tzinfo) if standing.listed
             and standing.registered_on else arrival - dt.timedelta(days=90))
    count, numbers = senders.checks(session, account_id=account_id, register=register, since=since, until=arrival)
    out.add("online-checks", "info",
            N_("Account #%(account_id)s made %(checks)s online check(s) of the %(register)s register, of "
               "%(numbers)s number(s) in all, from %(since)s until the message."), R_CHECKS, **base,
            checks=count, numbers=numbers, since=since.date().isoformat())

    _wash_lines(session, out, settings, account_id=account_id, register=register, number=number, arrival=arrival)

    if instruction is None:
        out.add("instruction", "no", N_("Account #%(account_id)s had recorded no consent or unsubscribe instruction "
                                        "for the number on the %(register)s register by the time the message "
                                        "arrived."), R_INSTRUCTION, **base, days=UNSUBSCRIBE_WORKING_DAYS)
    else:
        finding = (N_("The instruction of account #%(account_id)s in force for the number on the %(register)s "
                      "register when the message arrived was an unsubscribe, given %(given_at)s (%(client_ref)s).")
                   if instruction.instruction == "unsubscribe" else
                   N_("The instruction of account #%(account_id)s in force for the number on the %(register)s "
                      "register when the message arrived was a consent, given %(given_at)s (%(client_ref)s)."))
        out.add("instruction", "yes", finding, R_INSTRUCTION, **base, days=UNSUBSCRIBE_WORKING_DAYS,
                instruction=instruction.instruction,
                given_at=to_hk(instruction.given_at).isoformat(sep=" "), client_ref=instruction.client_ref,
                how=instruction.how)


def _binding(session: Session, out: _Lines, found: dict[tuple[int, str], SenderInstruction], *,
             calendars: Calendars, number: str, arrival: dt.datetime) -> dict[tuple[int, str], SenderInstruction]:
    """Per (account, register), the instruction that bound the sender when the message arrived: an unsubscribe
    binds from the UNSUBSCRIBE_WORKING_DAYS-th working day after it was given (UEMO s.10); before that the
    instruction given before it stands (a consent still defends, or nothing)."""
    bound: dict[tuple[int, str], SenderInstruction] = {}
    for (account_id, register), row in found.items():
        current: SenderInstruction | None = row
        while current is not None and current.instruction == "unsubscribe":
            given = to_hk(current.given_at)
            binds_from = calendars.as_stood.add_working_days(given.date(), UNSUBSCRIBE_WORKING_DAYS)
            if arrival.date() >= binds_from:
                break
            out.add("unsubscribe-pending", "info",
                    N_("Account #%(account_id)s was given an unsubscribe for the number on the %(register)s register "
                       "%(given_at)s; it binds from %(binds_from)s, after the message arrived, so the instruction "
                       "before it stood."), R_INSTRUCTION, account_id=account_id, register=register,
                    given_at=given.isoformat(sep=" "), binds_from=binds_from.isoformat(),
                    days=UNSUBSCRIBE_WORKING_DAYS)
            # The instruction before it: given strictly before its second (a consent at the same second lost the tie).
            earlier = senders.instructions(session, account_ids=(account_id,), registers=(register,), number=number,
                                           at=current.given_at - dt.timedelta(seconds=1))
            current = earlier.get((account_id, register))
        if current is not None:
            bound[(account_id, register)] = current
    return bound


def _wash_lines(session: Session, out: _Lines, settings: Settings, *, account_id: int, register: str, number: str,
                arrival: dt.datetime) -> None:
    base = {"account_id": account_id, "register": register}
    total, findings = senders.washes(session, data_dir=settings.data_dir, account_id=account_id, register=register,
                                     at=arrival, number=number)
    if not total:
        out.add("washes", "no", N_("Account #%(account_id)s had no wash for the %(register)s register finished "
                                   "before the message."), R_WASHES, **base)
        return
    found = [f for f in findings if f.found]
    expired = [f for f in findings if not f.held]
    out.add("washes", "yes" if found else "no",
            N_("Account #%(account_id)s had %(total)s wash(es) for the %(register)s register finished before the "
               "message; the latest %(searched)s were looked at, and the number was in %(found)s of them."), R_WASHES,
            **base, total=total, searched=len(findings), found=len(found))
    for f in found:
        params = {**base, "wash_id": f.wash_id, "file": f.input_name, "finished_at": _minute(f.finished_at),
                  "send_date": f.send_date.isoformat(),
                  "publication": f.publication_date.isoformat() if f.publication_date else "?",
                  "sha256": f.publication_sha256 or "?"}
        if f.rejected:
            first = f.rejected[0]
            out.add("wash-found", "yes",
                    N_("Wash #%(wash_id)s (list %(file)s, finished %(finished_at)s, for sending on %(send_date)s) "
                       "held the number on line %(line)s and did not keep it: %(decision)s. It was washed against "
                       "the publication of %(publication)s (SHA-256 %(sha256)s)."), R_WASHES, **params,
                    line=first["line"], decision=first["decision"])
        else:
            out.add("wash-found", "yes",
                    N_("Wash #%(wash_id)s (list %(file)s, finished %(finished_at)s, for sending on %(send_date)s) "
                       "held the number and kept it for sending. It was washed against the publication of "
                       "%(publication)s (SHA-256 %(sha256)s)."), R_WASHES, **params)
    if expired:
        out.add("wash-expired", "unknown",
                N_("The results of %(expired)s of those washes have expired (%(washes)s), so whether their lists "
                   "held the number cannot be told."), R_WASHES, **base, expired=len(expired),
                washes=", ".join(f"#{f.wash_id}" for f in expired))


def _verdict_line(out: _Lines, decision: Decision) -> None:
    if decision.why == "single":
        out.add("verdict", "info", VERDICT_FINDINGS[decision.verdict], R_VERDICT, verdict=decision.verdict)
    elif decision.why == "registers":
        out.add("verdict", "info", N_("Verdict: insufficient information. The registers give different verdicts "
                                      "(%(verdicts)s) and the kind of message cannot be told."), R_VERDICT,
                verdict=decision.verdict, verdicts=decision.per_register)
    elif decision.why == "senders":
        out.add("verdict", "info", N_("Verdict: insufficient information. The accounts the sender may be give "
                                      "different verdicts (%(senders)s); an officer must choose the account."),
                R_VERDICT, verdict=decision.verdict, senders=decision.per_sender)
    else:
        out.add("verdict", "info", N_("Verdict: insufficient information. The listing's history cannot say whether "
                                      "the number was listed when the message arrived."), R_VERDICT,
                verdict=decision.verdict)


def compose(session: Session, *, settings: Settings, report: Report,
            account_id: int | None) -> tuple[str, list[Line]]:
    """The report's verdict and its lines."""
    out = _Lines()
    number = report.receiving_number
    arrival = to_hk(report.received_at)
    registers = _registers(session, report, out)
    history = load_history(session, number=number)
    calendars = load_calendars(session, settings, at=arrival)
    publications = Publications(settings)

    listings: dict[str, str] = {}
    standings: dict[str, Standing] = {}
    first_carrying: dict[str, dt.date | None] = {}
    for register in registers:
        standing = standing_at(history, register=register, at=arrival)
        standings[register] = standing
        listings[register], first_carrying[register] = _listing_lines(
            out, history, standing, number=number, arrival=arrival, calendars=calendars, publications=publications,
            settings=settings)

    _seed_line(session, out, number=number, arrival=arrival)

    facts = senders.resolve(session, report=report, account_id=account_id)
    _sender_line(session, out, report, facts)
    found = _binding(session, out, senders.instructions(session, account_ids=facts.candidates, registers=registers,
                                                        number=number, at=arrival),
                     calendars=calendars, number=number, arrival=arrival)
    if facts.account_id is not None:
        for register in registers:
            _account_lines(session, out, settings, account_id=facts.account_id, register=register, number=number,
                           arrival=arrival, standing=standings[register], first_carrying=first_carrying[register],
                           instruction=found.get((facts.account_id, register)))
    elif facts.ambiguous:
        for code, rule in (("subscription", R_SUBSCRIPTION), ("downloads", R_DOWNLOADS), ("washes", R_WASHES),
                           ("instruction", R_INSTRUCTION)):
            out.add(code, "unknown", UNKNOWN_SENDER, rule, days=UNSUBSCRIBE_WORKING_DAYS)

    senders_considered: tuple[int | None, ...] = (facts.account_id,) if facts.account_id is not None else (
        facts.candidates if facts.ambiguous else (None,))
    kinds = {key: row.instruction for key, row in found.items()}
    decision = decide(listings, kinds, senders_considered)
    _verdict_line(out, decision)
    return decision.verdict, out.lines

