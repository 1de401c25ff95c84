"""The two-person rule ("vault mode", 金库模式): a sensitive operation one person asks for and another approves.

    request ──▶ pending ──approve (a second person)──▶ approved ──consume (the operation runs, once)──▶ used
                   │ reject ─▶ rejected   │ cancel (the requester) ─▶ cancelled
                   └──────────── time runs out (pending or approved) ─▶ expired

Who may do what is declared per *kind* of operation (key rotation, policy change, bulk export, bulk unmasking…):
the contexts register their kinds (:func:`register_kind`) and the kernel imports none of them (it loads the
modules named in :data:`KIND_MODULES` by name, like key_rotation's INDEX_MODULES).

The rules, the same for the API, the pages and the CLI:

* the approver is another person than the requester (the table's CHECK says it too) and holds an approver role
  **itself**: ``admin`` does not stand in for a regulator or an operator's compliance officer unless the kind
  lists ``admin``; for a kind *scoped* to an operator both people act for that operator;
* an approval covers exactly the parameters asked for (compared as canonical JSON) and is good once, for
  ``settings.dual_control_valid_hours`` after it was given;
* **the requester runs it** (:func:`consume` refuses anyone else): the usual vault-mode practice — the person
  who does the work asks, a second person authorises that very operation, and the work is done by the one who
  asked, so an approver can never both authorise and carry out;
* consuming is a conditional UPDATE (``… WHERE state = 'approved' AND expires_at > now``): of two runs at the
  same moment exactly one changes the row, the other is refused.

Every step is audited (``dual-control-requested/approved/rejected/cancelled/used/expired``); parameters are
ids, codes and policy values, never personal data.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock
from telreg.core.dual_control_models import DualControlRequest
from telreg.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from telreg.core.i18n import N_
from telreg.core.models import User

__all__ = [
    "KIND_MODULES",
    "ApprovalUnusable",
    "DualControlKind",
    "DualControlRefused",
    "approve",
    "cancel",
    "canonical",
    "consume",
    "expire",
    "get_kind",
    "get_request",
    "kinds",
    "may_approve",
    "may_request",
    "may_see",
    "register_kind",
    "reject",
    "request",
    "view",
    "visible_requests",
]

SUBJECT = "dual_control_request"
# Modules that register their kinds when imported (the kernel names them; it imports no context).
# The kernel's own key kinds live in dual_control_keys (imported like the others, after this module).
KIND_MODULES = ("telreg.core.dual_control_keys", "telreg.realname.policy.overrides",
                "telreg.realname.bulk_export")
MAX_REASON = 2000


class DualControlRefused(PermissionDenied):
    """The person may not take this step: the same person twice, a role not held, another operator."""

    code = "dual_control_refused"


class ApprovalUnusable(Conflict):
    """The request is not in the state the step needs: decided already, expired, used, other parameters."""

    code = "dual_control_unusable"


@dataclass(frozen=True)
class DualControlKind:
    """A kind of operation under the two-person rule and who may ask for and approve it."""

    name: str
    approver_roles: frozenset[str]
    requester_roles: frozenset[str]
    describe: Callable[[Mapping[str, Any], str | None], str]  # the summary the approver reads (no personal data)
    scoped: bool  # both people must act for the operator the request concerns
    check_params: Callable[[dict[str, Any], str | None], dict[str, Any]]  # normalise, or raise InvalidInput
    param_names: tuple[str, ...] = ()  # what a form asks for
    # Kinds that run from the web (bulk exports): (session, runtime, user, request id) -> (file name, bytes);
    # the runner consumes the approval itself. None: the operation runs at a terminal only.
    web_run: Callable[..., tuple[str, bytes]] | None = None


_KINDS: dict[str, DualControlKind] = {}


def register_kind(kind: str, *, approver_roles: set[str] | frozenset[str], requester_roles: set[str] | frozenset[str],
                  describe: Callable[[Mapping[str, Any], str | None], str], scoped: bool,
                  check_params: Callable[[dict[str, Any], str | None], dict[str, Any]] | None = None,
                  param_names: tuple[str, ...] = (),
                  web_run: Callable[..., tuple[str, bytes]] | None = None) -> DualControlKind:
    """Declare a kind of operation under the rule (idempotent: a module imported twice registers once)."""
    registered = DualControlKind(kind, frozenset(approver_roles), frozenset(requester_roles), describe, scoped,
                                 check_params or _no_params, param_names, web_run)
    _KINDS[kind] = registered
    return registered


def _no_params(params: dict[str, Any], scope: str | None) -> dict[str, Any]:
    if params:
        raise InvalidInput(N_("This operation takes no parameters; %(given)s given."), given=", ".join(params))
    return {}


def kinds() -> dict[str, DualControlKind]:
    """Every registered kind (the context modules of :data:`KIND_MODULES` imported first)."""
    for module in KIND_MODULES:
        importlib.import_module(module)
    return dict(_KINDS)


def get_kind(kind: str) -> DualControlKind:
    known = kinds()
    if kind not in known:
        raise InvalidInput(N_("There is no operation '%(kind)s' under the two-person rule; known: %(known)s."),
                           kind=kind, known=", ".join(sorted(known)))
    return known[kind]


def canonical(params: Mapping[str, Any]) -> str:
    """The one spelling of a set of parameters: what an approval covers is compared in this form."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def may_request(user: User, kind: DualControlKind) -> bool:
    return not kind.requester_roles.isdisjoint(user.roles)


def may_approve(user: User, kind: DualControlKind) -> bool:
    return not kind.approver_roles.isdisjoint(user.roles)


def _roles(roles: frozenset[str]) -> str:
    return ", ".join(sorted(roles))


def _ensure_scope(user: User, kind: DualControlKind, scope: str | None) -> None:
    if kind.scoped and (not user.operator_code or user.operator_code != scope):
        raise DualControlRefused(N_("%(username)s does not act for operator %(operator)s, so cannot take part in "
                                    "its '%(kind)s' requests."), username=user.username, operator=scope or "-",
                                 kind=kind.name)


def _actor(user: User) -> str:
    return f"staff:{user.username}"


def request(session: Session, *, clock: Clock, settings: Settings, user: User, kind: str, params: dict[str, Any],
            reason: str, scope: str | None = None) -> DualControlRequest:
    """Ask for an operation; it waits ``dual_control_valid_hours`` for a second person's approval."""
    found = get_kind(kind)
    if not may_request(user, found):
        raise DualControlRefused(N_("Asking for '%(kind)s' needs one of the roles %(roles)s; %(username)s holds "
                                    "none of them."), kind=kind, roles=_roles(found.requester_roles),
                                 username=user.username)
    if found.scoped:
        scope = scope or user.operator_code
        if not scope:
            raise InvalidInput(N_("Name the operator this '%(kind)s' request concerns."), kind=kind)
        _ensure_scope(user, found, scope)
    else:
        scope = None
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(N_("Give the reason for the request: the approver decides on it."))
    if len(reason) > MAX_REASON:
        raise InvalidInput(N_("The reason is longer than %(limit)s characters."), limit=MAX_REASON)
    clean = found.check_params(dict(params), scope)
    now = clock.now()
    row = DualControlRequest(
        kind=kind, scope=scope, params=clean, summary=found.describe(clean, scope)[:500], reason=reason,
        state="pending", requested_by=user.username, requested_at=now,
        expires_at=now + dt.timedelta(hours=settings.dual_control_valid_hours))
    session.add(row)
    session.flush()
    _audit(session, clock=clock, user=user, action="dual-control-requested", row=row,
           details={"params": clean})
    return row


def get_request(session: Session, request_id: int) -> DualControlRequest:
    row = session.get(DualControlRequest, request_id)
    if row is None:
        raise NotFound(N_("There is no two-person-rule request %(id)s."), id=request_id)
    return row


def _decide(session: Session, *, clock: Clock, user: User, request_id: int, reason: str, state: str,
            valid_for: dt.timedelta | None) -> DualControlRequest:
    row = get_request(session, request_id)
    kind = get_kind(row.kind)
    if row.requested_by == user.username:
        raise DualControlRefused(N_("Request %(id)s is yours: you asked for it, so someone else must approve it."),
                                 id=row.id)
    if not may_approve(user, kind):
        raise DualControlRefused(N_("Deciding on '%(kind)s' needs one of the roles %(roles)s itself; "
                                    "%(username)s holds none of them."), kind=kind.name,
                                 roles=_roles(kind.approver_roles), username=user.username)
    _ensure_scope(user, kind, row.scope)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(N_("Give the reason for your decision."))
    now = clock.now()
    _ensure_pending(row, now)
    values: dict[str, Any] = {"state": state, "decided_by": user.username, "decided_at": now,
                              "decision_reason": reason[:MAX_REASON]}
    if valid_for is not None:
        values["expires_at"] = now + valid_for  # an approval is good for a while after it is given
    # Conditional: of two people deciding at once, one changes the row; the other finds it decided.
    changed = session.execute(
        update(DualControlRequest)
        .where(DualControlRequest.id == row.id, DualControlRequest.state == "pending",
               DualControlRequest.expires_at > now)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    session.refresh(row)
    if changed != 1:
        raise ApprovalUnusable(N_("Request %(id)s was decided by someone else meanwhile (%(state)s)."), id=row.id,
                               state=row.state)
    action = "dual-control-approved" if state == "approved" else "dual-control-rejected"
    _audit(session, clock=clock, user=user, action=action, row=row, details={})
    return row


def _ensure_pending(row: DualControlRequest, now: dt.datetime) -> None:
    if row.state == "pending" and row.expires_at <= now:
        raise ApprovalUnusable(N_("Request %(id)s expired at %(at)s without a decision; ask again."), id=row.id,
                               at=row.expires_at.isoformat())
    if row.state != "pending":
        raise ApprovalUnusable(N_("Request %(id)s is %(state)s, not waiting for a decision."), id=row.id,
                               state=row.state)


def approve(session: Session, *, clock: Clock, settings: Settings, user: User, request_id: int,
            reason: str) -> DualControlRequest:
    """Approve a pending request as the second person; the approval is good once, for the valid hours."""
    return _decide(session, clock=clock, user=user, request_id=request_id, reason=reason, state="approved",
                   valid_for=dt.timedelta(hours=settings.dual_control_valid_hours))


def reject(session: Session, *, clock: Clock, user: User, request_id: int, reason: str) -> DualControlRequest:
    """Reject a pending request, with the reason (the same people as may approve it)."""
    return _decide(session, clock=clock, user=user, request_id=request_id, reason=reason, state="rejected",
                   valid_for=None)


def cancel(session: Session, *, clock: Clock, user: User, request_id: int) -> DualControlRequest:
    """Withdraw one's own pending or approved (unused) request."""
    row = get_request(session, request_id)
    if row.requested_by != user.username:
        raise DualControlRefused(N_("Only %(requester)s, who asked for request %(id)s, may cancel it."),
                                 requester=row.requested_by, id=row.id)
    now = clock.now()
    changed = session.execute(
        update(DualControlRequest)
        .where(DualControlRequest.id == row.id, DualControlRequest.state.in_(("pending", "approved")))
        .values(state="cancelled", decided_at=row.decided_at or now)
        .execution_options(synchronize_session=False)).rowcount
    session.refresh(row)
    if changed != 1:
        raise ApprovalUnusable(N_("Request %(id)s is %(state)s and can no longer be cancelled."), id=row.id,
                               state=row.state)
    _audit(session, clock=clock, user=user, action="dual-control-cancelled", row=row, details={})
    return row


def consume(session: Session, *, clock: Clock, request_id: int, kind: str, params: Mapping[str, Any],
            user: User, scope: str | None = None) -> DualControlRequest:
    """Use an approval right before the operation runs: refused unless it is approved, unexpired, of this kind,
    for exactly these parameters (and operator) and asked for by USER; then it is ``used`` and never again.

    The caller runs the operation in the same transaction where it can, so an operation that fails leaves the
    approval unused (the edge rolls back).
    """
    row = get_request(session, request_id)
    found = get_kind(kind)
    if row.kind != kind:
        raise ApprovalUnusable(N_("Request %(id)s approves '%(approved)s', not '%(kind)s'."), id=row.id,
                               approved=row.kind, kind=kind)
    if row.requested_by != user.username:
        raise DualControlRefused(N_("Request %(id)s was asked for by %(requester)s; the person who asked runs the "
                                    "operation, not %(username)s."), id=row.id, requester=row.requested_by,
                                 username=user.username)
    if not may_request(user, found):  # the role may have been taken away since the request
        raise DualControlRefused(N_("Running '%(kind)s' needs one of the roles %(roles)s; %(username)s holds "
                                    "none of them."), kind=kind, roles=_roles(found.requester_roles),
                                 username=user.username)
    _ensure_scope(user, found, row.scope)
    clean = found.check_params(dict(params), row.scope)
    if canonical(clean) != canonical(row.params) or (scope is not None and scope != row.scope):
        raise ApprovalUnusable(N_("Request %(id)s approved %(approved)s, not %(given)s: ask for an approval of "
                                  "what you mean to run."), id=row.id, approved=canonical(row.params),
                               given=canonical(clean))
    now = clock.now()
    if row.state == "approved" and row.expires_at <= now:
        raise ApprovalUnusable(N_("The approval of request %(id)s expired at %(at)s; ask again."), id=row.id,
                               at=row.expires_at.isoformat())
    if row.state != "approved":
        raise ApprovalUnusable(N_("Request %(id)s is %(state)s, not approved and unused."), id=row.id,
                               state=row.state)
    changed = session.execute(
        update(DualControlRequest)
        .where(DualControlRequest.id == row.id, DualControlRequest.state == "approved",
               DualControlRequest.expires_at > now)
        .values(state="used", used_at=now).execution_options(synchronize_session=False)).rowcount
    session.refresh(row)
    if changed != 1:
        raise ApprovalUnusable(N_("Request %(id)s is %(state)s, not approved and unused."), id=row.id,
                               state=row.state)
    _audit(session, clock=clock, user=user, action="dual-control-used", row=row, details={})
    return row


def expire(session: Session, *, clock: Clock) -> int:
    """Mark every pending or approved request whose time ran out as expired (the hourly sweep); return how many."""
    now = clock.now()
    due = list(session.scalars(select(DualControlRequest.id).where(
        DualControlRequest.state.in_(("pending", "approved")), DualControlRequest.expires_at <= now)))
    if not due:
        return 0
    session.execute(
        update(DualControlRequest)
        .where(DualControlRequest.id.in_(due), DualControlRequest.state.in_(("pending", "approved")),
               DualControlRequest.expires_at <= now)
        .values(state="expired").execution_options(synchronize_session=False))
    audit.record_many(session, clock=clock, events=[
        {"actor": "system:dual-control", "action": "dual-control-expired", "subject_type": SUBJECT,
         "subject_key": str(request_id), "details": {}} for request_id in due])
    return len(due)


def visible_requests(session: Session, *, user: User, state: str | None = None,
                     limit: int = 200) -> list[DualControlRequest]:
    """The requests USER may see: their own, and those of kinds they may ask for or decide on (their operator's
    only, for scoped kinds), newest first."""
    known = kinds()
    stmt = select(DualControlRequest).order_by(DualControlRequest.id.desc()).limit(limit * 4)
    if state:
        stmt = stmt.where(DualControlRequest.state == state)
    seen = []
    for row in session.scalars(stmt):
        if may_see(user, row, known.get(row.kind)):
            seen.append(row)
        if len(seen) >= limit:
            break
    return seen


def may_see(user: User, row: DualControlRequest, kind: DualControlKind | None = None) -> bool:
    """Tell whether USER may see the request: their own, or one of a kind they may ask for or decide on (their
    operator's only, for a scoped kind)."""
    kind = kind or kinds().get(row.kind)
    if row.requested_by == user.username:
        return True
    return kind is not None and (may_request(user, kind) or may_approve(user, kind)) and (
        not kind.scoped or bool(user.operator_code and user.operator_code == row.scope))


def view(row: DualControlRequest) -> dict[str, Any]:
    """A request as the API shows it."""
    return {"id": row.id, "kind": row.kind, "scope": row.scope, "params": row.params, "summary": row.summary,
            "reason": row.reason, "state": row.state, "requested_by": row.requested_by,
            "requested_at": row.requested_at, "decided_by": row.decided_by, "decided_at": row.decided_at,
            "decision_reason": row.decision_reason, "expires_at": row.expires_at, "used_at": row.used_at}


def _audit(session: Session, *, clock: Clock, user: User, action: str, row: DualControlRequest,
           details: dict[str, Any]) -> None:
    audit.record(session, clock=clock, actor=_actor(user), action=action, subject_type=SUBJECT,
                 subject_key=str(row.id), details={"kind": row.kind, "scope": row.scope, **details})

