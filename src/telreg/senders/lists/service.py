"""Use cases of a sender's own consent and unsubscribe lists: record, import, current state, history, export.

Instructions are append-only (seed 001 Q1.4, seed 004 Q1.6): nothing here updates or deletes one, and the
same instruction is recorded once (see models): given again, by a second import of a file or a retried
request, it is "already recorded" and adds nothing — an import counts such lines. The current state of a
number is its latest instruction by ``given_at``; when a consent and an unsubscribe carry the same
``given_at`` the unsubscribe wins — the rule of senders.scrub.instructions, for the same reason: we cannot
tell which came last, and messaging someone who asked to stop is the harm the law guards against.

A list is (account, client_ref, register); ``client_ref`` "" is the account's own list, any other value the list
a marketing service provider keeps for one client company (seed 001 Q5.2). Only registers the account holds
(active, not started yet, or in grace) and, for an API key, within its scope, may be used.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import Clock, to_hk
from telreg.core.errors import InvalidNumber
from telreg.core.exports import csv_writer
from telreg.core.i18n import N_
from telreg.senders.errors import InstructionRefused, RegisterNotHeld
from telreg.senders.lifecycle import AccountAccess
from telreg.senders.lists import repository
from telreg.senders.lists.csvfile import (INSTRUCTIONS, as_sentence, check_how, check_reference,
                                          parse_instructions, parse_list_number)
from telreg.senders.lists.models import SenderInstruction
from telreg.senders.vocabulary import parse_register

__all__ = ["ImportResult", "ListKey", "apply_rows", "count_history", "current", "current_counts", "export_csv",
           "history", "import_csv", "in_force_at", "list_registers", "open_list", "record", "validated_rows"]

_LIST_STATUSES = frozenset({"active", "not-started", "grace"})
MAX_CLIENT_REF = 64
EXPORT_COLUMNS = ("number", "instruction", "at", "how", "reference")
HISTORY_COLUMNS = (*EXPORT_COLUMNS, "recorded_at", "recorded_by")


@dataclass(frozen=True)
class ListKey:
    """Which list: an account's own (client_ref "") or one client company's, on one register."""

    account_id: int
    register: str
    client_ref: str = ""


@dataclass(frozen=True)
class ImportResult:
    """What an import added (``recorded``, split by kind) and how many lines were ``already_recorded``."""

    list: ListKey
    recorded: int
    consents: int
    unsubscribes: int
    already_recorded: int = 0
    import_id: int | None = None  # the bulk import's record (senders/lists/bulk.py), when it had one


def list_registers(access: AccountAccess, scope: frozenset[str] | None = None) -> frozenset[str]:
    """Registers whose lists the caller may keep: held now (even in grace), and within an API key's scope."""
    if not access.can_log_in:
        return frozenset()
    held = frozenset(r for r, s in access.held.items() if s.status in _LIST_STATUSES)
    return held if scope is None else held & scope


def open_list(access: AccountAccess, *, register: str, client_ref: str = "",
              scope: frozenset[str] | None = None) -> ListKey:
    """Check the register and client reference; refuse a register the account does not hold."""
    name = parse_register(register).value
    allowed = list_registers(access, scope)
    if name not in allowed:
        if allowed:
            raise RegisterNotHeld(N_("Account %(account_id)s does not hold the %(register)s register, so it "
                                     "keeps no %(register)s lists (registers it may use: %(held)s)."),
                                  account_id=access.account_id, register=name,
                                  held=", ".join(sorted(allowed)))
        raise RegisterNotHeld(N_("Account %(account_id)s does not hold the %(register)s register, so it "
                                 "keeps no %(register)s lists (registers it may use: none)."),
                              account_id=access.account_id, register=name)
    ref = client_ref.strip()
    if len(ref) > MAX_CLIENT_REF:
        raise InstructionRefused(N_("The client reference is longer than %(limit)s characters."),
                                 limit=MAX_CLIENT_REF)
    return ListKey(access.account_id, name, ref)


def _row(key: ListKey, *, number: str, instruction: str, given_at: dt.datetime, how: str, reference: str | None,
         now: dt.datetime, recorded_by: str) -> dict[str, object]:
    return {"account_id": key.account_id, "client_ref": key.client_ref, "register": key.register, "number": number,
            "instruction": instruction, "given_at": given_at, "how": how, "reference": reference,
            "recorded_at": now, "recorded_by": recorded_by}


def record(session: Session, *, clock: Clock, key: ListKey, number: str, instruction: str, given_at: dt.datetime,
           how: str, reference: str | None = None, recorded_by: str) -> tuple[SenderInstruction, bool]:
    """Append one instruction (a naive ``given_at`` is Hong Kong time); return it and whether it is new.

    The same instruction given again is not added: the one recorded first comes back, with False.
    """
    kind = instruction.strip().lower()
    if kind not in INSTRUCTIONS:
        raise InstructionRefused(N_("instruction %(value)s is neither 'consent' nor 'unsubscribe'."),
                                 value=repr(instruction))
    try:
        national = parse_list_number(number)
    except InvalidNumber as exc:
        raise _refused_number(exc, number) from None
    how_value, ref = how.strip().lower(), (reference or "").strip() or None
    problem = check_how(how_value) or check_reference(ref)
    if problem:
        template, params = as_sentence(problem)
        raise InstructionRefused(template, **params)
    values = _row(key, number=national, instruction=kind, given_at=to_hk(given_at), how=how_value,
                  reference=ref, now=clock.now(), recorded_by=recorded_by)
    added = repository.add_new(session, [values])
    if not added:
        same = repository.find_same(session, values)
        assert same is not None  # the unique index refused the row because this one exists
        return same, False
    row = session.get(SenderInstruction, added[0][0])
    assert row is not None
    audit.record(session, clock=clock, actor=recorded_by, action="sender-instruction-recorded",
                 subject_type="sender", subject_key=str(key.account_id), register=key.register,
                 details={"client_ref": key.client_ref, "instruction_id": row.id, "number": national,
                          "instruction": kind, "given_at": to_hk(row.given_at).isoformat(), "how": how_value,
                          "reference": ref})
    return row, True


def validated_rows(*, clock: Clock, key: ListKey, data: bytes, source: str, recorded_by: str,
                   default_how: str = "not-stated") -> list[dict[str, object]]:
    """Every line of a file as a row to insert; any bad line refuses the whole file (no database touched)."""
    problem = check_how(default_how.strip().lower())
    if problem:
        template, params = as_sentence(problem)
        raise InstructionRefused(template, **params)
    parsed = parse_instructions(data, source=source, register=key.register, default_how=default_how.strip().lower())
    now = clock.now()
    return [_row(key, number=p.number, instruction=p.instruction, given_at=p.given_at, how=p.how,
                 reference=p.reference, now=now, recorded_by=recorded_by) for p in parsed]


def apply_rows(session: Session, rows: list[dict[str, object]]) -> list[tuple[int, str]]:
    """Append the validated rows not already recorded; the id and kind of each one added."""
    return repository.add_new(session, rows)


def import_csv(session: Session, *, clock: Clock, key: ListKey, data: bytes, source: str, recorded_by: str,
               default_how: str = "not-stated") -> ImportResult:
    """Validate the whole file, then append every line not already recorded, in the caller's transaction; a file
    with any bad line records nothing. Large files go through senders/lists/bulk.py (batches)."""
    rows = validated_rows(clock=clock, key=key, data=data, source=source, recorded_by=recorded_by,
                          default_how=default_how)
    parsed = rows
    added = repository.add_new(session, rows)
    consents = sum(kind == "consent" for _, kind in added)
    already = len(parsed) - len(added)
    audit.record(session, clock=clock, actor=recorded_by, action="sender-instructions-imported",
                 subject_type="sender", subject_key=str(key.account_id), register=key.register,
                 details={"client_ref": key.client_ref, "source": source, "lines": len(parsed),
                          "recorded": len(added), "already_recorded": already})
    return ImportResult(key, len(added), consents, len(added) - consents, already)


def current(session: Session, *, key: ListKey, limit: int | None = None,
            offset: int = 0) -> list[SenderInstruction]:
    """Each number's latest instruction (see the module docstring for the same-time rule), by number; a page
    of them with LIMIT and OFFSET."""
    return repository.current(session, account_id=key.account_id, client_ref=key.client_ref,
                              register=key.register, limit=limit, offset=offset)


def in_force_at(session: Session, *, account_ids: Iterable[int], registers: Iterable[str], number: str,
                at: dt.datetime) -> dict[tuple[int, str], SenderInstruction]:
    """Per (account, register), the number's instruction in force at ``at`` across all the account's lists (any
    client_ref): the latest given at or before ``at``, by the same-time rule of the module docstring (issue 17's
    assessment reads it; one rule, repository.LATEST_FIRST)."""
    found: dict[tuple[int, str], SenderInstruction] = {}
    for row in repository.number_latest_first(session, account_ids=sorted(set(account_ids)),
                                              registers=sorted(set(registers)), number=number, at=to_hk(at)):
        found.setdefault((row.account_id, row.register), row)
    return found


def current_counts(session: Session, *, key: ListKey) -> dict[str, int]:
    """How many numbers the list holds with each current instruction: {"consent": n, "unsubscribe": m}."""
    found = repository.current_counts(session, account_id=key.account_id, client_ref=key.client_ref,
                                      register=key.register)
    return {"consent": found.get("consent", 0), "unsubscribe": found.get("unsubscribe", 0)}


def _national(number: str | None) -> str | None:
    if number is None:
        return None
    try:
        return parse_list_number(number)
    except InvalidNumber as exc:
        raise _refused_number(exc, number) from None


def _refused_number(exc: InvalidNumber, number: str) -> InstructionRefused:
    """An instruction refused for its number, in the number parser's words (a marked sentence, or
    core/phone.py's English while its errors are not in the catalogs)."""
    return InstructionRefused(exc.template or exc.message, **{**exc.extra, "number": number})


def history(session: Session, *, key: ListKey, number: str | None = None, limit: int | None = None,
            offset: int = 0) -> list[SenderInstruction]:
    """Every instruction of the list, or of one number (in any accepted form), oldest first; a page of them
    with LIMIT and OFFSET."""
    return repository.history(session, account_id=key.account_id, client_ref=key.client_ref,
                              register=key.register, number=_national(number), limit=limit, offset=offset)


def count_history(session: Session, *, key: ListKey, number: str | None = None) -> int:
    """How many instructions the list, or one number of it, holds."""
    return repository.count_history(session, account_id=key.account_id, client_ref=key.client_ref,
                                    register=key.register, number=_national(number))


def export(session: Session, *, clock: Clock, key: ListKey, full: bool, actor: str) -> tuple[str, int]:
    """The list's CSV (current state, or with FULL the whole history) and its row count; the export is an audit
    event (issue 14: every export of personal lists is in the verifiable audit log)."""
    rows = history(session, key=key) if full else current(session, key=key)
    audit.record(session, clock=clock, actor=actor, action="sender-list-exported", subject_type="sender",
                 subject_key=str(key.account_id), register=key.register,
                 details={"client_ref": key.client_ref, "full": full, "rows": len(rows)})
    return export_csv(rows, full=full), len(rows)


def export_page(session: Session, *, clock: Clock, key: ListKey, full: bool, actor: str, limit: int,
                offset: int = 0) -> tuple[str, int, int]:
    """One part of the list's CSV: LIMIT rows from OFFSET; returns the CSV, its rows and the list's total rows.
    Audited as :func:`export` is."""
    if full:
        total = count_history(session, key=key)
        rows = history(session, key=key, limit=limit, offset=offset)
    else:
        counts = current_counts(session, key=key)
        total = counts["consent"] + counts["unsubscribe"]
        rows = current(session, key=key, limit=limit, offset=offset)
    audit.record(session, clock=clock, actor=actor, action="sender-list-exported", subject_type="sender",
                 subject_key=str(key.account_id), register=key.register,
                 details={"client_ref": key.client_ref, "full": full, "rows": len(rows), "offset": offset,
                          "total": total})
    return export_csv(rows, full=full), len(rows), total


def export_csv(rows: Iterable[SenderInstruction], *, full: bool = False) -> str:
    """CSV that import_csv (and the offline scrub) read back; ``full`` adds when and by whom it was recorded."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")  # formula-safe cells (core/exports.py)
    writer.writerow(HISTORY_COLUMNS if full else EXPORT_COLUMNS)
    for r in rows:
        values = [r.number, r.instruction, to_hk(r.given_at).isoformat(), r.how, r.reference or ""]
        if full:
            values += [to_hk(r.recorded_at).isoformat(), r.recorded_by]
        writer.writerow(values)
    return out.getvalue()
