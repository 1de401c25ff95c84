"""Lawful access's use cases: the one entry point of the HI-1 endpoint, the pages and the CLI.

Every function takes the session first and keyword arguments; it flushes, never commits (the edge owns the
transaction), audits what it changes, and raises the context's errors (errors.py). ``user`` is the signed-in
account; the role checks of deps.py have passed, and these functions check the rest (the agency or operator the
user acts for, separation of duties).

    HI-1                handle_message  — every action of one message, all or nothing
    agency side         requests_of, authorisation_detail, endorse, refuse_endorsement, download_result
    operator side       operator_queue, preview, approve, reject, release
    worker              sweep — approvals that expired, emergencies not backed in time, results past their time

``vault`` (``runtime.vault``) of the listing functions opens the targets: pass it, so the filing agency sees its
targets in full; without it every target is hidden ("********": the safe default — nobody sees more than they
may).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from telreg.core.models import User
from telreg.core.vault import Vault
from telreg.lawful import decisions, downloads, listing, messages
from telreg.lawful import sweep as sweeping
from telreg.lawful.hi1.model import RequestMessage, ResponseMessage
from telreg.lawful.views import AuthorisationView, MatchPreview, ResultDownload, TaskView
from telreg.runtime import Runtime

__all__ = ["approve", "authorisation_detail", "download_result", "endorse", "handle_message", "operator_queue", "operator_task",
           "preview", "refuse_endorsement", "reject", "release", "requests_of", "sweep"]


def handle_message(session: Session, *, runtime: Runtime, user: User, message: RequestMessage,
                   lang: str = "en") -> ResponseMessage:
    """Apply every action of an HI-1 request message from an agency's officer, or none (one bad action rejects
    the whole message: the answer then carries the failing action's ErrorInformation, in ``lang``, and nothing
    is changed)."""
    return messages.handle_message(session, runtime=runtime, user=user, message=message, lang=lang)


def requests_of(session: Session, *, user: User, vault: Vault,
                status: str | None = None) -> list[AuthorisationView]:
    """The authorisations of the user's agency, newest first (an officer sees the whole agency's)."""
    return listing.requests_of(session, vault=vault, user=user, status=status)


def authorisation_detail(session: Session, *, user: User, object_id: str, vault: Vault) -> AuthorisationView:
    """One authorisation as the user may see it: its agency in full; an operator's compliance officer only its
    own tasks (targets masked); the regulator everything, masked. ObjectNotFound for anyone else."""
    return listing.authorisation_detail(session, vault=vault, user=user, object_id=object_id)


def endorse(session: Session, *, runtime: Runtime, user: User, object_id: str, note: str | None = None) -> None:
    """An le-supervisor endorses an emergency authorisation filed by another officer of the agency: it becomes
    Active and its tasks go to the operators' queues."""
    decisions.endorse(session, runtime=runtime, user=user, object_id=object_id, note=note)


def refuse_endorsement(session: Session, *, runtime: Runtime, user: User, object_id: str, reason: str) -> None:
    """An le-supervisor refuses an emergency authorisation: Rejected, nothing reaches an operator."""
    decisions.refuse_endorsement(session, runtime=runtime, user=user, object_id=object_id, reason=reason)


def operator_queue(session: Session, *, user: User, vault: Vault, status: str | None = None) -> list[TaskView]:
    """The tasks routed to the compliance officer's operator (targets masked), oldest first."""
    return listing.operator_queue(session, vault=vault, user=user, status=status)


def operator_task(session: Session, *, user: User, vault: Vault, task_object_id: str) -> TaskView:
    """One task of the compliance officer's operator (target masked); ObjectNotFound for any other."""
    return listing.operator_task(session, vault=vault, user=user, task_object_id=task_object_id)


def preview(session: Session, *, user: User, task_object_id: str) -> MatchPreview:
    """The match preview of one of the operator's tasks, without personal data."""
    return decisions.preview(session, user=user, task_object_id=task_object_id)


def approve(session: Session, *, runtime: Runtime, user: User, task_object_id: str, reason: str) -> None:
    """First person: approve a task (never one's own agency's request; never an ambiguous match). A warrant
    task then awaits the release by a second officer; an emergency task is released at once and its clock starts."""
    decisions.approve(session, runtime=runtime, user=user, task_object_id=task_object_id, reason=reason)


def reject(session: Session, *, runtime: Runtime, user: User, task_object_id: str, reason: str) -> None:
    """Reject a task with a reason (the agency sees "no records", the regulator the reason)."""
    decisions.reject(session, runtime=runtime, user=user, task_object_id=task_object_id, reason=reason)


def release(session: Session, *, runtime: Runtime, user: User, task_object_id: str) -> None:
    """Second person (vault mode): release an approved warrant task before its approval expires; builds the
    encrypted, signed result for the requesting officer."""
    decisions.release(session, runtime=runtime, user=user, task_object_id=task_object_id)


def download_result(session: Session, *, runtime: Runtime, user: User, task_object_id: str) -> ResultDownload:
    """The requesting officer's single-use download of a released task's result; ResultUnavailable when it was
    downloaded already, has expired or was destroyed."""
    return downloads.download_result(session, runtime=runtime, user=user, task_object_id=task_object_id)


def sweep(session: Session, *, runtime: Runtime) -> dict[str, int]:
    """The worker's pass: expire approvals, revoke and destroy emergencies not backed in time (escalating them to
    the regulator), destroy results past their time. Returns counts by what was done."""
    return sweeping.sweep(session, runtime=runtime)
