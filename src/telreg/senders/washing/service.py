"""Use cases of the washing service: take an upload, scrub it in a worker, serve and finally expire its results.

The scrub itself is senders.scrub's, unchanged: the same engine and output files as the offline ``telreg scrub``.
Online it uses what the offline tool cannot know: the real working calendar (holidays *and* recorded weather-warning
days), the latest publication on the server, and the account's own consent/unsubscribe list as it is when the
worker runs.

A worker runs a wash in three steps so that no database transaction is held open while a large list is scrubbed
(on SQLite that would hold the writer lock): :func:`start` marks it running and gathers its inputs, :func:`scrub`
runs without the database, :func:`finish` records the outcome.

The receipt is signed by the platform's e-Cert document signer (``receipt.json.p7s``, telreg.ecert.signing) as
soon as the scrub has written it, when the platform has a CA; without one the wash's results are unsigned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import jobs
from telreg.core.calendar import WorkingCalendar
from telreg.core.clock import Clock, to_hk
from telreg.core.db import add_unless_duplicate
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_, Message, Msgid, translate
from telreg.core.weather import load_calendar
from telreg.dnc.publish.store import PublicationStore
from telreg.ecert.signing import sign_file
from telreg.senders.deps import SenderCaller
from telreg.senders.errors import WashExpired, WashNotFound, WashNotReady, WashReferenceReused, WashRefused
from telreg.senders.lists import service as lists
from telreg.senders.scrub.instructions import CONSENT, UNSUBSCRIBE, Instructions, micros
from telreg.senders.scrub.publication import load_publication
from telreg.senders.scrub.service import check_send_date, scrub_list
from telreg.senders.usage import ensure_register_usable
from telreg.senders.vocabulary import parse_register
from telreg.senders.washing import files, repository
from telreg.senders.washing.models import SenderWash

__all__ = ["JOB_KIND", "LEFTOVER_AGE", "REASONS", "Outcome", "Plan", "Reason", "count_washes", "expire_due",
           "failure_reason", "failure_text", "finish", "get", "list_washes", "reason_for",
           "result_file", "scrub", "start", "submit", "sweep_leftovers"]

JOB_KIND = "senders.wash"
log = logging.getLogger("telreg.senders.washing")
MAX_CLIENT_REFERENCE = 100
# A wash still queued or running this long after its upload has lost its job (every attempt failed): say so.
STUCK_AFTER = dt.timedelta(days=1)
# Files under washes/ with no live wash are swept once untouched this long: an upload in flight is younger.
LEFTOVER_AGE = dt.timedelta(hours=1)


def submit(session: Session, *, clock: Clock, settings: Settings, caller: SenderCaller, register: str,
           send_date: dt.date, stream: BinaryIO, filename: str | None, column: str | None = None,
           client_ref: str = "", client_reference: str | None = None) -> tuple[SenderWash, bool]:
    """Take an upload and queue its wash; return (wash, created). The same ``client_reference`` again returns the
    wash it made the first time (created False), whatever the race between two requests."""
    name = parse_register(register).value
    ensure_register_usable(caller, name)
    key = lists.open_list(caller.access, register=name, client_ref=client_ref, scope=caller.scope)
    try:
        check_send_date(send_date, today=to_hk(clock.now()).date())
    except InvalidInput as exc:
        raise WashRefused(exc.template or exc.message,
                          **{**exc.extra, "send_date": send_date.isoformat()}) from None
    reference = (client_reference or "").strip() or None
    if reference is not None and len(reference) > MAX_CLIENT_REFERENCE:
        raise WashRefused(N_("The client reference is longer than %(limit)s characters."),
                          limit=MAX_CLIENT_REFERENCE)
    wanted_column = (column or "").strip() or None
    upload = files.receive(stream, data_dir=settings.data_dir, filename=filename, max_bytes=settings.wash_max_bytes)
    if reference is not None:
        existing = repository.by_reference(session, account_id=caller.account_id, client_reference=reference)
        if existing is not None:
            files.discard(upload)
            return _same_upload(existing, register=name, send_date=send_date, column=wanted_column,
                                client_ref=key.client_ref, sha256=upload.sha256), False
    now = clock.now()
    wash = SenderWash(account_id=caller.account_id, client_reference=reference, register=name,
                      client_ref=key.client_ref, column=wanted_column, send_date=send_date, state="queued",
                      input_sha256=upload.sha256, input_name=upload.name, input_size=upload.size, created_at=now,
                      expires_at=now + dt.timedelta(days=settings.wash_retention_days))
    if not add_unless_duplicate(session, wash):
        # Another request with the same client reference committed first: that one is the wash.
        files.discard(upload)
        existing = repository.by_reference(session, account_id=caller.account_id, client_reference=reference or "")
        assert existing is not None
        return _same_upload(existing, register=name, send_date=send_date, column=wanted_column,
                            client_ref=key.client_ref, sha256=upload.sha256), False
    files.move_into_place(upload, data_dir=settings.data_dir, wash_id=wash.id)
    jobs.enqueue(session, clock=clock, kind=JOB_KIND, payload={"wash_id": wash.id}, unique_key=f"{JOB_KIND}:{wash.id}",
                 max_attempts=3)
    return wash, True


def _same_upload(wash: SenderWash, *, register: str, send_date: dt.date, column: str | None, client_ref: str,
                 sha256: str) -> SenderWash:
    """A retry must ask for the same wash; a reference reused for other work is refused rather than ignored."""
    differs = [label for label, same in ((N_("register"), wash.register == register), (N_("send date"),
               wash.send_date == send_date), (N_("column"), wash.column == column), (N_("client"),
               wash.client_ref == client_ref), (N_("file"), wash.input_sha256 == sha256)) if not same]
    if differs:
        raise WashReferenceReused(N_("The client reference %(reference)s already names wash %(wash_id)s, "
                                     "which differs in its %(differs)s; use a new reference for new work."),
                                  wash_id=wash.id, reference=repr(wash.client_reference),
                                  parts={"differs": lambda lang: ", ".join(translate(lang, d)
                                                                           for d in differs)})
    return wash


# Why a wash has no results yet, by its state (a failed wash says what its worker found).
_NOT_READY = {
    "queued": N_("Wash #%(wash_id)s is queued; it has no results to download."),
    "running": N_("Wash #%(wash_id)s is running; it has no results to download."),
    "failed": N_("Wash #%(wash_id)s is failed: %(reason)s; it has no results to download."),
}


def list_washes(session: Session, *, account_id: int, limit: int = 200, offset: int = 0) -> list[SenderWash]:
    """The account's washes, newest first (a page of them with LIMIT and OFFSET)."""
    return repository.of_account(session, account_id=account_id, limit=limit, offset=offset)


def count_washes(session: Session, *, account_id: int) -> int:
    return repository.count_of_account(session, account_id=account_id)


def get(session: Session, *, account_id: int, wash_id: int) -> SenderWash:
    """The account's wash; another account's is "not found", so ids cannot be probed."""
    wash = repository.get(session, wash_id)
    if wash is None or wash.account_id != account_id:
        raise WashNotFound(N_("There is no wash #%(wash_id)s on your account."), wash_id=wash_id)
    return wash


def result_file(session: Session, *, clock: Clock, settings: Settings, account_id: int, wash_id: int,
                name: str) -> Path:
    """Path of one output file of a finished wash of the account."""
    wash = get(session, account_id=account_id, wash_id=wash_id)
    if name not in files.OUTPUTS and name != files.SIGNATURE:
        raise WashNotFound(N_("A wash has no file %(name)s; its files are %(files)s."), wash_id=wash_id,
                           name=repr(name), files=", ".join(files.OUTPUTS))
    if wash.state == "expired" or (wash.state == "done" and wash.expires_at <= clock.now()):
        raise WashExpired(N_("The results of wash #%(wash_id)s were kept until %(until)s (Hong Kong time) "
                             "and have been deleted; upload the list again."),
                          wash_id=wash.id, until=f"{to_hk(wash.expires_at):%Y-%m-%d %H:%M}")
    if wash.state != "done":
        raise WashNotReady(_NOT_READY[wash.state], wash_id=wash.id, state=wash.state, **(
            {"reason": failure_reason(wash) or ""} if wash.state == "failed" else {}))
    path = files.out_dir(settings.data_dir, wash.id) / name
    if name == files.SIGNATURE and not path.is_file() and path.with_name(files.OUTPUTS[-1]).is_file():
        raise WashNotFound(N_("The receipt of wash #%(wash_id)s was not signed: the platform's certification "
                              "authority was not set up when it ran."), wash_id=wash.id, name=name)
    if not path.is_file():
        raise WashExpired(N_("The results of wash #%(wash_id)s are no longer kept; upload the list again."),
                          wash_id=wash.id)
    return path


# ---- the worker's side ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What one wash needs to run, gathered in one short transaction."""

    wash_id: int
    list_path: Path
    out_dir: Path
    register: str
    send_date: dt.date
    column: str | None
    publication: Path | None
    calendar: WorkingCalendar
    instructions: Instructions


# ---- why a wash failed: a stable code and its values, worded where it is shown ----------------------------

REASONS: dict[str, Msgid] = {
    "no_publication": N_("There is no %(register)s publication on the server yet, so the list could not be "
                         "washed; try again after the next publication."),
    "unreadable_list": N_("The list %(file)s cannot be read (%(detail)s): the file is damaged, perhaps on the "
                          "way; upload it again."),
    "worker_gave_up": N_("The wash could not be completed (the worker gave up after several attempts); upload "
                         "it again."),
    "wash_crashed": N_("The wash stopped because of an error on our side (%(error_type)s); upload the list "
                       "again."),
    # "refused:<code>": the scrub refused the list; its own marked sentence travels as params["message_id"].
}


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict[str, Any] = field(default_factory=dict)


def reason_for(exc: BaseException, *, file: str) -> Reason:
    """The reason to record for what a wash's worker raised: a refusal keeps its own sentence and values."""
    if isinstance(exc, InvalidInput):
        params = {k: v for k, v in exc.extra.items() if isinstance(v, (str, int, float, bool)) or v is None}
        if isinstance(exc.template, Msgid):
            return Reason(f"refused:{exc.code}", {**params, "message_id": str(exc.template)})
        return Reason(f"refused:{exc.code}", {**params, "message_id": "%(text)s", "text": exc.message})
    if isinstance(exc, (zipfile.BadZipFile, zlib.error, EOFError, UnicodeDecodeError)):
        return Reason("unreadable_list", {"file": file, "detail": str(exc) or type(exc).__name__})
    return Reason("wash_crashed", {"error_type": type(exc).__name__})


def failure_reason(wash: SenderWash) -> str | None:
    """Why the wash failed, as a Message (English as a str; ``in_language(lang)`` for a reader), or None."""
    if wash.state != "failed":
        return None
    if wash.error_code is None:
        return wash.error  # failed before reasons were recorded as codes: the English it was given
    params = dict(wash.error_params or {})
    template = params.pop("message_id", None) if wash.error_code.startswith("refused:") else None
    message = Msgid(template) if template is not None else REASONS.get(wash.error_code)
    if message is None:
        return wash.error_code
    try:
        return Message(message, **params)
    except (KeyError, ValueError, TypeError):  # values missing for the sentence: the code at least
        return wash.error_code


def failure_text(wash: SenderWash, lang: str) -> str | None:
    """Why the wash failed, in LANG (None when it did not fail)."""
    reason = failure_reason(wash)
    return reason.in_language(lang) if isinstance(reason, Message) else reason


@dataclass(frozen=True)
class Outcome:
    reason: Reason | None = None
    receipt: dict[str, Any] | None = None
    report: dict[str, Any] | None = None


def start(session: Session, *, clock: Clock, settings: Settings, wash_id: int) -> Plan | None:
    """Mark a queued (or interrupted) wash running and gather its inputs; None when there is nothing to do."""
    wash = repository.get(session, wash_id, for_update=True)
    if wash is None or wash.state not in ("queued", "running"):
        return None
    wash.state, wash.started_at = "running", clock.now()
    key = lists.ListKey(wash.account_id, wash.register, wash.client_ref)
    return Plan(
        wash_id=wash.id,
        list_path=files.input_path(settings.data_dir, wash.id, wash.input_name),
        out_dir=files.out_dir(settings.data_dir, wash.id),
        register=wash.register,
        send_date=wash.send_date,
        column=wash.column,
        publication=account_publication(session, clock=clock, settings=settings, account_id=wash.account_id,
                                        register=wash.register),
        calendar=load_calendar(session, settings),
        instructions=own_instructions(session, key=key),
    )


def latest_publication(settings: Settings, register: str) -> Path | None:
    """The newest ``<register>-dated.zip`` still kept on the server."""
    store = PublicationStore(settings.data_dir)
    for day in reversed(store.dates()):
        path = store.path_for(day) / f"{register}-dated.zip"
        if path.is_file():
            return path
    return None


def account_publication(session: Session, *, clock: Clock, settings: Settings, account_id: int, register: str
                        ) -> Path | None:
    """The account's copy of the newest dated file (its seed numbers are listings for it, issue 17)."""
    shared = latest_publication(settings, register)
    if shared is None:
        return None
    from telreg.enforcement.seeds.files import account_file

    mine = account_file(session, clock=clock, settings=settings, account_id=account_id, register=register,
                        day=dt.date.fromisoformat(shared.parent.name), file_name=shared.name, assign_now=False)
    return mine.path if mine is not None else shared


def own_instructions(session: Session, *, key: lists.ListKey) -> Instructions:
    """The list's current state in the form the scrub takes (numbers ascending, each with its latest kind)."""
    rows = sorted(lists.current(session, key=key), key=lambda r: r.number)
    exported = lists.export_csv(rows).encode("utf-8")
    owner = "own" if key.client_ref == "" else f"client {key.client_ref}"
    return Instructions(
        numbers=np.array([int(r.number) for r in rows], dtype=np.int64),
        kinds=np.array([CONSENT if r.instruction == "consent" else UNSUBSCRIBE for r in rows], dtype=np.int8),
        given_micros=np.array([micros(to_hk(r.given_at)) for r in rows], dtype=np.int64),
        lines=len(rows),
        # The receipt names the list's state as the CSV the export endpoint gives, so the sender can match it.
        sha256=hashlib.sha256(exported).hexdigest(),
        source=f"account {key.account_id} {key.register} list ({owner})",
    )


def scrub(plan: Plan, *, clock: Clock, settings: Settings) -> Outcome:
    """Run the scrub (no database). Whatever goes wrong is an outcome with its reason, never a crash: a refused
    list, a zip whose checksum fails half-way, a publication that cannot be read, a bug."""
    if plan.publication is None:
        return Outcome(reason=Reason("no_publication", {"register": plan.register}))
    try:
        publication = load_publication(plan.publication, register=plan.register, calendar=plan.calendar,
                                       protection_days=settings.protection_working_days)
        result = scrub_list(plan.list_path, publication=publication, instructions=plan.instructions,
                            send_date=plan.send_date, now=clock.now(), out_dir=plan.out_dir, column=plan.column,
                            warning_days_given=True, threads=2)
        sign_file(plan.out_dir / "receipt.json", settings=settings, clock=clock)
    except Exception as exc:  # every failure ends the wash "failed", with why
        if not isinstance(exc, InvalidInput):
            log.warning("wash %s failed: %r", plan.wash_id, exc, exc_info=exc)
        return Outcome(reason=reason_for(exc, file=plan.list_path.name))
    return Outcome(receipt=result.receipt, report=result.report)


def finish(session: Session, *, clock: Clock, settings: Settings, wash_id: int, outcome: Outcome) -> None:
    """Record a wash's outcome; a failure ends a queued wash too (its start may be what failed)."""
    wash = repository.get(session, wash_id, for_update=True)
    live = ("queued", "running") if outcome.reason is not None else ("running",)
    if wash is None or wash.state not in live:
        return
    now = clock.now()
    wash.finished_at = now
    if outcome.reason is not None:
        _fail(wash, outcome.reason)
        return
    assert outcome.receipt is not None and outcome.report is not None
    wash.state = "done"
    wash.publication_date = dt.date.fromisoformat(outcome.receipt["publication"]["date"])
    wash.publication_sha256 = outcome.receipt["publication"]["sha256"]
    wash.counts = {"lines": outcome.report["lines"], "kept": outcome.report["kept"],
                   "not_kept": outcome.report["not_kept"], **outcome.report["counts"]}
    # Results are kept for the retention period from when they exist, not from the upload.
    wash.expires_at = now + dt.timedelta(days=settings.wash_retention_days)


def _fail(wash: SenderWash, reason: Reason) -> None:
    wash.state, wash.error_code, wash.error_params = "failed", reason.code, reason.params
    wash.error = None


def expire_due(session: Session, *, clock: Clock, settings: Settings) -> int:
    """Delete the files of washes past their retention and mark them expired; fail washes whose job gave up."""
    now = clock.now()
    for wash in repository.stuck(session, before=now - STUCK_AFTER):
        wash.finished_at = now
        _fail(wash, Reason("worker_gave_up"))
    expired = repository.due_to_expire(session, now=now)
    for wash in expired:
        # Files first: should the commit fail, the next run marks them again; a "done" wash with no files answers 410.
        files.remove_wash_files(settings.data_dir, wash.id)
        wash.state = "expired"
    return len(expired)


def sweep_leftovers(session: Session, *, clock: Clock, settings: Settings) -> int:
    """Remove what crashes and rolled-back uploads left under washes/: uploads that never became a wash, and
    the directories of washes with no row or an expired one. Only what is untouched for LEFTOVER_AGE goes."""
    found = list(files.leftovers(settings.data_dir, untouched_since=clock.now() - LEFTOVER_AGE))
    states = repository.states(session, ids={f.wash_id for f in found if f.wash_id is not None})
    removed = 0
    for leftover in found:
        state = states.get(leftover.wash_id) if leftover.wash_id is not None else None
        if state is not None and state != "expired":
            continue  # a live wash's own files
        files.remove_leftover(leftover)
        removed += 1
    return removed


def sweep_finished(session: Session, *, clock: Clock, settings: Settings, older_than: dt.timedelta,
                   dry_run: bool = False) -> int:
    """Remove the working directories of failed and expired washes finished more than OLDER_THAN ago (a done
    wash keeps its results until it expires); return how many directories went (or would go, DRY_RUN)."""
    removed = 0
    for wash in repository.finished_before(session, before=clock.now() - older_than, states=("failed", "expired")):
        if files.wash_dir(settings.data_dir, wash.id).exists():
            removed += 1
            if not dry_run:
                files.remove_wash_files(settings.data_dir, wash.id)
    return removed
