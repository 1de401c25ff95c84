"""The verification register: documents an officer flags as forged, lost or used by an impostor, and the
``register`` identity verifier that reads it.

Order No. 25 (seed 003): 冒用他人的证件,或者使用伪造、变造的证件的,电信业务经营者不得为其办理入网手续.
Where no online verification service of the issuer is connected (demos, staging), the regulator's officers
keep this register instead: ``RegisterVerifier`` refuses a flagged document (``forged``, ``lost``,
``impostor``) and takes every other as verified.

Loading (``telreg realname verification load FILE``, ``POST /api/v1/realname/verification/flags``) validates
the whole file or request first — every line's document checked with ``check_document`` — and applies nothing
when any line is wrong, listing every problem with its line. A document already flagged the same way is left
as it is; flagged another way, its flag is withdrawn and replaced. Every flag added or withdrawn is audited.
Document numbers are never stored in clear (blind index and sealed number, verification_models.py) and are
listed masked.

Errors:

    NotFound (core) ── FlagNotFound (404 unknown_flag): no such flag, or no flag in force for the document
    Conflict (core) ── FlagWithdrawn (409 flag_withdrawn): the flag was withdrawn already
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from telreg.core import audit, jobs
from telreg.core.clock import Clock, to_hk, today
from telreg.core.errors import Conflict, InvalidInput, NotFound
from telreg.core.files import decode_text_upload
from telreg.core.i18n import N_, Message
from telreg.core.masking import mask_document, mask_name
from telreg.core.vault import Vault
from telreg.realname import words
from telreg.realname import verification_repository as repository
from telreg.realname.documents import DOCUMENT_TYPES, check_document
from telreg.realname.identities import document_index
from telreg.realname.repository import identity_by_index
from telreg.realname.verification import Verdict, VerificationResult
from telreg.realname.verification_models import FLAG_RESULTS, SEALED_FIELDS, VerificationFlag

__all__ = [
    "AUDIT_SUBJECT", "COLUMNS", "FlagNotFound", "FlagWithdrawn", "LoadOutcome", "RegisterVerifier",
    "flag_view", "list_flags", "load_csv", "load_rows", "withdraw_document", "withdraw_flag",
]

AUDIT_SUBJECT = "realname-verification-flag"
COLUMNS = ("doc_type", "number", "result", "reason", "owner_name")  # owner_name optional, impostors only
REQUIRED_COLUMNS = COLUMNS[:4]
REASON_MAX_CHARS = 500
OWNER_NAME_MAX_CHARS = 200
MAX_LISTED_PROBLEMS = 50


class FlagNotFound(NotFound):
    code = "unknown_flag"


class FlagWithdrawn(Conflict):
    code = "flag_withdrawn"


@dataclass(frozen=True)
class RegisterVerifier:
    """The ``register`` identity verifier: a flagged document is refused, any other is taken as verified."""

    vault: Vault
    name: str = "register"

    def verify(self, *, session: Session, doc_type: str, normalised: str, name: str,
               date_of_birth: dt.date | None, capture: str) -> Verdict:
        # An impostor shows a real card with its real holder's name, so the name given cannot clear the
        # document: a flag refuses whoever presents it until an officer withdraws it.
        flag = repository.flag_in_force(session, document_index(self.vault, doc_type=doc_type,
                                                                normalised=normalised))
        return Verdict(self.name, VerificationResult(flag.result) if flag else VerificationResult.verified)


@dataclass(frozen=True)
class _Row:
    """One valid line of a load: the document canonical and indexed, the flag to give it."""

    line: int
    doc_type: str
    normalised: str
    index: str
    result: str
    reason: str
    owner_name: str | None


@dataclass
class LoadOutcome:
    added: list[int] = field(default_factory=list)  # ids of the new flags
    replaced: list[tuple[int, int]] = field(default_factory=list)  # (withdrawn flag id, its successor's)
    unchanged: list[tuple[int, int]] = field(default_factory=list)  # (line, the flag in force already)

    def as_dict(self) -> dict[str, Any]:
        return {"added": len(self.added), "replaced": len(self.replaced), "unchanged": len(self.unchanged),
                "flag_ids": self.added,
                "replaced_flags": [{"withdrawn": old, "by": new} for old, new in self.replaced],
                "unchanged_lines": [{"line": line, "flag_id": flag_id} for line, flag_id in self.unchanged]}


def load_csv(session: Session, *, vault: Vault, clock: Clock, content: bytes, actor: str, max_bytes: int,
             source: str = "upload") -> LoadOutcome:
    """Load a CSV file (header ``doc_type,number,result,reason[,owner_name]``): all of it, or on any problem
    none of it (InvalidInput listing every problem with its line)."""
    text = decode_text_upload(content, source=source, max_bytes=max_bytes, verb=N_("loaded"))
    raw, problems = _read_csv(text)
    return _load(session, vault=vault, clock=clock, raw=raw, problems=problems, actor=actor, source=source,
                 where="line")


def load_rows(session: Session, *, vault: Vault, clock: Clock, rows: Sequence[Mapping[str, str | None]],
              actor: str, source: str = "request") -> LoadOutcome:
    """Load rows given as JSON (the CSV's columns as keys), numbered from 1 in the problems, all or none."""
    raw = [(number, dict(row)) for number, row in enumerate(rows, start=1)]
    problems = [] if raw else [(0, "there are no rows to load")]
    return _load(session, vault=vault, clock=clock, raw=raw, problems=problems, actor=actor, source=source,
                 where="row")


def withdraw_document(session: Session, *, vault: Vault, clock: Clock, doc_type: str, number: str,
                      actor: str) -> VerificationFlag:
    """Withdraw the flag in force for a document given as printed: the register no longer refuses it."""
    normalised = _normalised(doc_type, number, on=today(clock))
    repository.lock_register(session)
    flag = repository.flag_in_force(session, document_index(vault, doc_type=doc_type, normalised=normalised))
    if flag is None:
        raise FlagNotFound(N_("No flag is in force for this %(doc_type)s."),
                           doc_type=words.document(doc_type))
    return _withdraw(session, clock=clock, flag=flag, actor=actor)


def withdraw_flag(session: Session, *, clock: Clock, flag_id: int, actor: str) -> VerificationFlag:
    """Withdraw a flag by its id (as listed)."""
    repository.lock_register(session)
    flag = repository.flag_row(session, flag_id)
    if flag is None:
        raise FlagNotFound(N_("There is no verification flag %(flag_id)s."), flag_id=flag_id)
    if flag.withdrawn_at is not None:
        raise FlagWithdrawn(N_("Verification flag %(flag_id)s was withdrawn already by %(by)s on %(at)s."),
                            flag_id=flag_id, by=flag.withdrawn_by,
                            at=f"{to_hk(flag.withdrawn_at):%Y-%m-%d %H:%M}")
    return _withdraw(session, clock=clock, flag=flag, actor=actor)


def list_flags(session: Session, *, vault: Vault, include_withdrawn: bool = False) -> list[dict[str, Any]]:
    """The register's flags, newest first, document numbers and owners' names masked."""
    return [flag_view(vault, flag) for flag in repository.flags(session, include_withdrawn=include_withdrawn)]


def flag_view(vault: Vault, flag: VerificationFlag) -> dict[str, Any]:
    """A flag as officers see it: never a document number or a name in clear."""
    sealed_owner = flag.owner_name_sealed
    owner = vault.open(SEALED_FIELDS["owner_name"], sealed_owner) if sealed_owner else None
    return {
        "id": flag.id,
        "doc_type": flag.doc_type,
        "document": mask_document(flag.doc_type, vault.open(SEALED_FIELDS["document"], flag.document_sealed)),
        "result": flag.result,
        "reason": flag.reason,
        "owner_name": mask_name(owner) if owner else None,
        "in_force": flag.withdrawn_at is None,
        "loaded_at": to_hk(flag.loaded_at).isoformat(),
        "loaded_by": flag.loaded_by,
        "withdrawn_at": to_hk(flag.withdrawn_at).isoformat() if flag.withdrawn_at else None,
        "withdrawn_by": flag.withdrawn_by,
    }


# --- loading ------------------------------------------------------------------------------------------------

def _load(session: Session, *, vault: Vault, clock: Clock, raw: list[tuple[int, dict[str, str | None]]],
          problems: list[tuple[int, str]], actor: str, source: str, where: str) -> LoadOutcome:
    rows: list[_Row] = []
    first_line: dict[str, int] = {}
    on = today(clock)
    for line, values in raw:
        row, row_problems = _validate(vault, line, values, on=on)
        problems += [(line, problem) for problem in row_problems]
        if row is None:
            continue
        if row.index in first_line:  # two spellings or types of one document count as one
            same = (N_("the same document as line %(first)s") if where == "line"
                    else N_("the same document as row %(first)s"))
            problems.append((line, Message(same, first=first_line[row.index])))
            continue
        first_line[row.index] = line
        rows.append(row)
    if problems:
        raise _refusal(source, problems, where=where)
    repository.lock_register(session)
    in_force = repository.flags_in_force(session, [row.index for row in rows])
    outcome, fresh, replacing = LoadOutcome(), [], []
    now = clock.now()
    for row in rows:
        current = in_force.get(row.index)
        if current is not None and (current.result, current.reason) == (row.result, row.reason):
            outcome.unchanged.append((row.line, current.id))
            continue
        if current is not None:
            current.withdrawn_at, current.withdrawn_by = now, actor[:100]
            replacing.append(current)
        fresh.append((row, current))
    session.flush()  # the replaced flags leave the unique index of flags in force before their successors
    added = repository.add_flags(session, [VerificationFlag(
        doc_type=row.doc_type, document_index=row.index,
        document_sealed=vault.seal(SEALED_FIELDS["document"], row.normalised), result=row.result,
        reason=row.reason,
        owner_name_sealed=vault.seal(SEALED_FIELDS["owner_name"], row.owner_name) if row.owner_name else None,
        loaded_at=now, loaded_by=actor[:100]) for row, _ in fresh])
    outcome.added = [flag.id for flag in added]
    for flag in added:  # the CA revokes or holds the identity's certificates (a job: realname knows no CA)
        if (holder := identity_by_index(session, flag.document_index)) is not None:
            jobs.enqueue(session, clock=clock, kind="ecert.identity-changed",
                         payload={"identity_id": holder.id, "cause": "flagged", "result": flag.result})
    outcome.replaced = [(old.id, new.id) for (_, old), new in zip(fresh, added, strict=True)
                        if old is not None]
    replaced_by = {old: new for old, new in outcome.replaced}
    audit.record_many(session, clock=clock, events=[
        *({"actor": actor, "action": "realname-verification-flag-withdrawn", "subject_type": AUDIT_SUBJECT,
           "subject_key": str(old.id), "details": {"doc_type": old.doc_type, "result": old.result,
                                                   "replaced_by": replaced_by[old.id], "source": source}}
          for old in replacing),
        *({"actor": actor, "action": "realname-verification-flag-loaded", "subject_type": AUDIT_SUBJECT,
           "subject_key": str(new.id), "details": {"doc_type": new.doc_type, "result": new.result,
                                                   "source": source, where: row.line,
                                                   "replaces": old.id if old is not None else None}}
          for (row, old), new in zip(fresh, added, strict=True)),
    ])
    return outcome


def _read_csv(text: str) -> tuple[list[tuple[int, dict[str, str | None]]], list[tuple[int, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    raw: list[tuple[int, dict[str, str | None]]] = []
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
        unknown = [name for name in header if name not in COLUMNS]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if unknown or missing or len(set(header)) != len(header):
            return [], [(1, Message(N_("the header must name the columns %(columns)s[,owner_name] (in any "
                                       "order, each once), not %(given)s"),
                                    columns=",".join(REQUIRED_COLUMNS), given=repr(",".join(header))))]
        problems: list[tuple[int, str]] = []
        line_end = reader.line_num
        for row in reader:
            # A quoted value (an MRZ) may span lines: report the line where the record starts.
            line, line_end = line_end + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank lines carry nothing
            if len(row) != len(header):
                problems.append((line, Message(
                    N_("expected %(expected)s fields (%(header)s), found %(found)s"),
                    expected=len(header), header=",".join(header), found=len(row))))
                continue
            raw.append((line, dict(zip(header, row, strict=True))))
    except csv.Error as exc:
        return [], [(reader.line_num, str(exc))]
    if not raw and not problems:
        problems.append((0, Message(N_("the file holds no flags"))))
    return raw, problems


def _validate(vault: Vault, line: int, values: Mapping[str, str | None], *,
              on: dt.date) -> tuple[_Row | None, list[str]]:
    def value(name: str) -> str:
        return (values.get(name) or "").strip()

    problems = []
    doc_type, number, result, reason, owner = (value(name) for name in COLUMNS)
    normalised = None
    if doc_type not in DOCUMENT_TYPES:
        problems.append(Message(N_("unknown document type %(given)s"), given=repr(doc_type)))
    elif not number:
        problems.append(Message(N_("the %(doc_type)s number is missing"), doc_type=words.document(doc_type)))
    else:
        # The reason never quotes the number (documents/result.py), so it may be shown and logged.
        check = check_document(doc_type, number, on=on)
        normalised = check.normalised if check.valid else None
        if normalised is None:
            problems.append(Message(N_("the %(doc_type)s is not valid: %(reason)s"),
                                    doc_type=words.document(doc_type), reason=check.reason))
    if result not in FLAG_RESULTS:
        problems.append(Message(N_("result %(given)s is not one of %(known)s"), given=repr(result),
                                known=", ".join(FLAG_RESULTS)))
    if not reason:
        problems.append(Message(N_("give the reason: where the report came from")))
    elif len(reason) > REASON_MAX_CHARS:
        problems.append(Message(N_("the reason has %(count)s characters; at most %(limit)s are kept"),
                                count=len(reason), limit=REASON_MAX_CHARS))
    if owner and result != "impostor":
        problems.append(Message(N_("owner_name is for an impostor flag only (whose document it really is)")))
    elif len(owner) > OWNER_NAME_MAX_CHARS:
        problems.append(Message(N_("owner_name has %(count)s characters; at most %(limit)s"),
                                count=len(owner), limit=OWNER_NAME_MAX_CHARS))
    if problems or normalised is None:
        return None, problems
    return _Row(line=line, doc_type=doc_type, normalised=normalised,
                index=document_index(vault, doc_type=doc_type, normalised=normalised), result=result,
                reason=reason, owner_name=owner or None), []


def _refusal(source: str, problems: list[tuple[int, str]], *, where: str) -> InvalidInput:
    problems = sorted(problems, key=lambda problem: problem[0])
    at = N_("line %(line)s: %(problem)s") if where == "line" else N_("row %(line)s: %(problem)s")
    listed = [Message(at, line=line, problem=message) if line else message for line, message in problems]
    shown = Message.join(listed[:MAX_LISTED_PROBLEMS], "\n")
    details = {"problems": [{where: line or None, "message": message} for line, message in problems],
               "source": source, "count": len(problems), "listed": shown}
    if len(listed) > MAX_LISTED_PROBLEMS:
        return InvalidInput(N_("%(source)s was not loaded (%(count)s problem(s)); nothing was recorded:\n"
                               "%(listed)s\n… and %(more)s more."), more=len(listed) - MAX_LISTED_PROBLEMS,
                            **details)
    return InvalidInput(N_("%(source)s was not loaded (%(count)s problem(s)); nothing was recorded:\n"
                           "%(listed)s"), **details)


# --- withdrawing --------------------------------------------------------------------------------------------

def _withdraw(session: Session, *, clock: Clock, flag: VerificationFlag, actor: str) -> VerificationFlag:
    flag.withdrawn_at, flag.withdrawn_by = clock.now(), actor[:100]
    session.flush()
    audit.record(session, clock=clock, actor=actor, action="realname-verification-flag-withdrawn",
                 subject_type=AUDIT_SUBJECT, subject_key=str(flag.id),
                 details={"doc_type": flag.doc_type, "result": flag.result})
    return flag


def _normalised(doc_type: str, number: str, *, on: dt.date) -> str:
    check = check_document(doc_type, number, on=on)  # an unknown type raises InvalidInput
    if not check.valid or check.normalised is None:
        raise InvalidInput(N_("The %(doc_type)s is not valid: %(reason)s"), doc_type=words.document(doc_type),
                           reason=check.reason)
    return check.normalised
