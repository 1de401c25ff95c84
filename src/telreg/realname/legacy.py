"""Import an operator's legacy numbers: in service before real-name registration, registered by a deadline.

File format (UTF-8, LF or CRLF): a header ``number,service`` or ``number,service,line``, then one number per
line (``service``: prepaid | postpaid; ``line``: mobile | fixed | data-only, mobile when there is no column).
Blank lines are ignored. The whole file is validated first — numbers by the policy's numbering plan, no number
twice, none already known to telreg — and any problem rejects it whole, every problem with its line number;
nothing is half-applied. Accepted numbers enter as ``legacy``, state ``unregistered``, with the deadline of
lifecycle.py: the import day plus the policy's ``legacy_deadline_days``, unless one is given — when their
service is one the policy's ``lifecycle.services`` names. A number of another service (Hong Kong: postpaid,
seed 000 Q4 "Monthly fee card users do not need to re-register") enters as ``contract``, with no deadline:
registered by its service contract, never withdrawn, counted apart in the reports.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import Clock, today
from telreg.core.errors import Conflict, InvalidInput, InvalidNumber
from telreg.core.i18n import N_, Message
from telreg.realname import repository, words
from telreg.realname.errors import OperatorNotFound
from telreg.realname.models import LINES, SERVICES, Number
from telreg.realname.numbers import parse_subscriber_number
from telreg.realname.policy import Policy

__all__ = ["LegacyLine", "import_legacy", "parse_legacy_file"]

MAX_REPORTED_PROBLEMS = 200
# TRANSLATORS: between the problems of a list ("line 2: …; line 5: …").
_SEMICOLON = N_("; ")
_CHUNK = 500


@dataclass(frozen=True)
class LegacyLine:
    line: int
    number: str  # national digits
    service: str
    kind: str  # the line: mobile | fixed | data-only


def parse_legacy_file(content: bytes, *, policy: Policy) -> tuple[list[LegacyLine], list[str]]:
    """Read a legacy file; return its lines and its problems (each a sentence starting "line N:", a Message
    whose str is the English)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        return [], [Message(N_("line %(line)s: the file is not UTF-8 text (byte %(byte)s)"), line=line,
                            byte=exc.start)]
    rows = csv.reader(io.StringIO(text, newline=""))
    header = tuple(cell.strip().lower() for cell in next(rows, []))
    if header not in (("number", "service"), ("number", "service", "line")):
        if not any(header):
            return [], [Message(N_("line 1: the header must be number,service or number,service,line, found "
                                   "nothing"))]
        return [], [Message(N_("line 1: the header must be number,service or number,service,line, found "
                               "%(found)s"), found=",".join(header))]
    lines: list[LegacyLine] = []
    problems: list[str] = []
    first_seen: dict[str, int] = {}
    for line_no, row in enumerate(rows, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(Message(N_("line %(line)s: expected %(expected)s fields (%(header)s), found "
                                       "%(found)s"), line=line_no, expected=len(header),
                                    header=",".join(header), found=len(row)))
            continue
        cells = [cell.strip() for cell in row]
        try:
            number = parse_subscriber_number(cells[0], jurisdiction=policy.jurisdiction)
        except InvalidNumber as exc:
            problem = Message(exc.template, **exc.extra) if exc.template is not None else exc.message
            problems.append(Message(N_("line %(line)s: %(problem)s"), line=line_no, problem=problem))
            continue
        service = cells[1].lower()
        kind = cells[2].lower() if len(cells) == 3 else "mobile"
        if service not in SERVICES:
            problems.append(Message(N_("line %(line)s: service %(given)s is not one of %(known)s"),
                                    line=line_no, given=repr(cells[1]), known=", ".join(SERVICES)))
        elif kind not in LINES:
            problems.append(Message(N_("line %(line)s: line %(given)s is not one of %(known)s"),
                                    line=line_no, given=repr(cells[2]), known=", ".join(LINES)))
        elif number in first_seen:
            problems.append(Message(N_("line %(line)s: number %(number)s is already on line %(first)s"),
                                    line=line_no, number=number, first=first_seen[number]))
        else:
            first_seen[number] = line_no
            lines.append(LegacyLine(line_no, number, service, kind))
    return lines, problems


def import_legacy(session: Session, *, clock: Clock, policy: Policy, operator: str, content: bytes,
                  filename: str, deadline: dt.date | None = None, actor: str = "system") -> dict[str, Any]:
    """Validate a legacy file whole, then add its numbers; raise InvalidInput listing every problem."""
    owner = repository.operator_by_code(session, operator)
    if owner is None:
        raise OperatorNotFound(N_("There is no operator with the code %(given)s."), operator=operator,
                               given=repr(operator))
    day = today(clock)
    if deadline is not None and deadline < day:
        raise InvalidInput(N_("The deadline %(deadline)s is in the past: the numbers' service would be "
                              "withdrawn without notice. Give today or a later day."),
                           deadline=deadline.isoformat())
    lines, problems = parse_legacy_file(content, policy=policy)
    problems.extend(_already_known(session, lines))
    if not lines and not problems:
        problems.append(Message(N_("the file has no numbers")))
    if problems:
        problems.sort(key=_line_of)
        shown = problems[:MAX_REPORTED_PROBLEMS]
        listed = Message.join(shown, _SEMICOLON)
        if len(problems) > len(shown):
            raise InvalidInput(N_("%(file)s was not imported (%(count)s problem(s)): %(listed)s … and "
                                  "%(more)s more."), problems=shown, file=filename, count=len(problems),
                               listed=listed, more=len(problems) - len(shown))
        raise InvalidInput(N_("%(file)s was not imported (%(count)s problem(s)): %(listed)s."),
                           problems=shown, file=filename, count=len(problems), listed=listed)
    due = deadline or day + dt.timedelta(days=policy.lifecycle.legacy_deadline_days)
    now = clock.now()
    withdrawn = set(policy.lifecycle.services)
    rows = [{"operator_id": owner.id, "number": line.number, "service": line.service, "line": line.kind,
             "state": "unregistered" if line.service in withdrawn else "contract",
             "deadline": due if line.service in withdrawn else None, "legacy": True, "created_at": now,
             "state_changed_at": now} for line in lines]
    by_contract = sum(row["state"] == "contract" for row in rows)
    try:
        with session.begin_nested():
            session.execute(insert(Number), rows)
    except IntegrityError:
        raise Conflict(N_("%(file)s was not imported: some of its numbers were created meanwhile (a "
                          "registration at the same moment); import it again to see which."),
                       file=filename) from None
    details = {"file": filename, "numbers": len(rows), "by_contract": by_contract,
               "deadline": due.isoformat(), "sha256": hashlib.sha256(content).hexdigest()}
    audit.record(session, clock=clock, actor=actor, action="realname-legacy-imported",
                 subject_type="operator", subject_key=owner.code, details=details)
    return {"operator": owner.code, "imported": len(rows), "to_register": len(rows) - by_contract,
            "by_contract": by_contract, "deadline": due.isoformat()}


def _already_known(session: Session, lines: list[LegacyLine]) -> list[str]:
    by_number = {line.number: line.line for line in lines}
    numbers = sorted(by_number)
    problems = []
    for start in range(0, len(numbers), _CHUNK):
        found = session.execute(select(Number.number, Number.state)
                                .where(Number.number.in_(numbers[start:start + _CHUNK]))).all()
        problems.extend(Message(N_("line %(line)s: number %(number)s is already known to telreg "
                                   "(%(state)s)"), line=by_number[number], number=number,
                                state=words.number_state(state))
                        for number, state in found)
    return problems


def _line_of(problem: str) -> int:
    head = problem.split(":", 1)[0].removeprefix("line ")
    return int(head) if head.isdigit() else 0
