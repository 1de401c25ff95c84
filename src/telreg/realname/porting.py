"""Port a registered number to another operator: the holder stays, so the registration is carried, not redone.

Seed 004 Q4.3: 由於擁有權或登記用戶沒有改變,毋須就轉攜至其他營辦商的號碼重新登記 — a number ported to another
operator needs no new registration (and keeps its do-not-call listings) because its registered user did not
change. Unlike a transfer (service.transfer: a new holder, whose do-not-call feed entry removes the listings)
and a termination (changes.terminate), a port records NO do-not-call feed entry.

    request_port   staff of the RECEIVING operator, with the registered holder's document as proof that the
                   holder asks for it (compared through the blind index, never in clear)
    confirm_port   staff of the DONOR operator; completes the port in the same transaction: the number's
                   operator becomes the recipient; the registration ends as "ported" and a new one starts at
                   the recipient for the same holder, guardian, agent and handler identities, with the same
                   capture, checks (marked "ported") and letters; the quota place moves from the donor to the
                   recipient (a full quota at the recipient refuses the port, and nothing changes)
    reject_port    staff of the donor, with a reason
    cancel_port    staff of the recipient (the holder changed their mind), while the request is open

A monthly subscriber's number held by contract (state ``contract``: no registration row) ports too: the number
moves, there is no registration or quota to carry, and the document cannot be compared (``holder_checked`` is
False): the donor checks it against its contract before confirming.

Failures are DomainErrors (errors.py, "porting"), in this order: unknown operator, invalid number, unknown
number, same_operator, port_open, not_registered, number_not_active, invalid document / not_holder,
quota_reached. Decisions: unknown_port, not_donor / not_recipient, port_closed, port_outdated (the number's
operator, registration or state changed since the request), number_not_active, quota_reached. Each use case
runs in a savepoint, so a failure leaves nothing half-applied even for a caller that goes on. The number's row
lock serialises every change of one number: two clerks confirming at once complete the port once; the other
hears port_closed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import HK, Clock, today
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.core.vault import Vault
from telreg.realname import identities, porting_repository, quotas, repository, words
from telreg.realname.documents import check_document
from telreg.realname.errors import (
    NotHolder,
    NotRegistered,
    NotYourPort,
    NumberNotActive,
    NumberNotFound,
    OperatorNotFound,
    PortClosed,
    PortNotFound,
    PortOpen,
    PortOutdated,
    QuotaReached,
    SameOperator,
)
from telreg.realname.models import Identity, Number, Operator, Registration
from telreg.realname.numbers import parse_subscriber_number
from telreg.realname.outcome import Refused
from telreg.realname.policy import Policy
from telreg.realname.porting_models import PORT_STATES, PortRequest
from telreg.realname.service import AUDIT_SUBJECT

__all__ = ["PORTABLE_STATES", "cancel_port", "confirm_port", "count_ports", "list_ports", "reject_port",
           "request_port"]

# A registered number in service ports; so does a monthly subscriber's number held by contract (no
# registration). Barred, suspended, deactivated or terminated numbers do not: the service comes first.
PORTABLE_STATES = frozenset({"active", "contract"})


def request_port(session: Session, *, vault: Vault, policy: Policy, clock: Clock, operator: str, number: str,
                 document_type: str, document_number: str, actor: str = "system") -> dict[str, Any]:
    """Record the receiving OPERATOR's request to port NUMBER, proven by the registered holder's document."""
    with session.begin_nested():
        recipient = _operator(session, operator)
        national = parse_subscriber_number(number, jurisdiction=policy.jurisdiction)
        row = repository.number_row(session, national, for_update=True)
        if row is None:
            raise NumberNotFound(N_("Number %(number)s is not known to any operator."), number=national)
        if row.operator_id == recipient.id:
            raise SameOperator(N_("Number %(number)s is already with %(operator)s; there is nothing to "
                                  "port."), number=national, operator=recipient.code)
        if (open_port := porting_repository.open_port(session, row.id)) is not None:
            raise _port_open(open_port)
        current = _portable(session, row)
        holder = repository.identity(session, current.holder_id) if current is not None else None
        _ensure_holder(vault, holder, number=national, doc_type=document_type, value=document_number,
                       on=today(clock))
        if holder is not None:
            _ensure_room(session, vault=vault, policy=policy, holder=holder, recipient=recipient, number=row)
        port = porting_repository.add_port(session, PortRequest(
            number_id=row.id, number=national, donor_operator_id=row.operator_id,
            recipient_operator_id=recipient.id, state="requested", holder_checked=holder is not None,
            requested_at=clock.now(), requested_by=actor[:100],
            registration_before_id=current.id if current is not None else None))
        if port is None:  # a concurrent request for the number was recorded first
            again = porting_repository.open_port(session, row.id)
            raise _port_open(again) if again is not None else PortOpen(
                N_("Number %(number)s has an open port request already."), number=national)
        _audit(session, clock=clock, actor=actor, action="realname-port-requested", port=port, details={
            "registration_id": port.registration_before_id,
            "holder_identity": holder.id if holder is not None else None,
            "holder_checked": port.holder_checked,
        })
        return _view(session, vault=vault, port=port)


def confirm_port(session: Session, *, vault: Vault, policy: Policy, clock: Clock, port_id: int, operator: str,
                 actor: str = "system") -> dict[str, Any]:
    """Confirm as the donor OPERATOR and complete the port; return it with the recipient's quota count."""
    with session.begin_nested():
        port, number = _decide(session, port_id=port_id, operator=operator, side="donor")
        current = _unchanged(session, port, number)
        donor, recipient = _operator_by_id(session, port.donor_operator_id), _operator_by_id(
            session, port.recipient_operator_id)
        now = clock.now()
        taken: quotas.Taken | None = None
        after: Registration | None = None
        if current is not None:
            holder = repository.identity(session, current.holder_id)
            # Counted at the recipient first: a full quota refuses the port before anything has changed.
            taken = _take(session, vault=vault, policy=policy, holder=holder, recipient=recipient,
                          number=number)
            if not repository.end_registration(session, current.id, at=now, reason="ported"):
                raise PortOutdated(N_("Number %(number)s was changed by someone else meanwhile; try again."),
                                   number=number.number, port=port.id)
            quotas.release(session, identity_id=current.holder_id, operator_id=current.operator_id,
                           service=current.quota_service)
            after = _carry(session, clock=clock, current=current, port=port, donor=donor, recipient=recipient,
                           taken=taken, actor=actor)
        number.operator_id = recipient.id
        port.state, port.decided_at, port.decided_by, port.completed_at = "completed", now, actor[:100], now
        port.registration_after_id = after.id if after is not None else None
        session.flush()
        # No do-not-call feed entry: the registered user is unchanged, so the number's listings stay (Q4.3).
        _audit(session, clock=clock, actor=actor, action="realname-port-confirmed", port=port, details={})
        _audit(session, clock=clock, actor=actor, action="realname-port-completed", port=port, details={
            "previous_registration_id": port.registration_before_id,
            "registration_id": port.registration_after_id,
            "holder_identity": after.holder_id if after else None,
            "guardian_identity": after.guardian_id if after else None,
            "agent_identity": after.agent_id if after else None,
            "handler_identity": after.handler_id if after else None,
            "quota": {"service": taken.service, **taken.as_dict()} if taken else None,
            "released": current.quota_service if current else None,
        })
        view = _view(session, vault=vault, port=port)
        view["quota"] = taken.as_dict() if taken else None
        return view


def reject_port(session: Session, *, vault: Vault, clock: Clock, port_id: int, operator: str, reason: str,
                actor: str = "system") -> dict[str, Any]:
    """Refuse the port as the donor OPERATOR, saying why (the recipient sees the reason)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(N_("A rejection needs a reason, for the receiving operator and the holder."))
    with session.begin_nested():
        port, _ = _decide(session, port_id=port_id, operator=operator, side="donor")
        port.state, port.decided_at, port.decided_by = "rejected", clock.now(), actor[:100]
        port.reason = reason
        session.flush()
        # The reason is typed by a clerk and may name people: it stays in the request row, not the audit.
        _audit(session, clock=clock, actor=actor, action="realname-port-rejected", port=port, details={})
        return _view(session, vault=vault, port=port)


def cancel_port(session: Session, *, vault: Vault, clock: Clock, port_id: int, operator: str,
                reason: str | None = None, actor: str = "system") -> dict[str, Any]:
    """Withdraw an open request as the receiving OPERATOR (the holder changed their mind, or the request was
    outdated)."""
    with session.begin_nested():
        port, _ = _decide(session, port_id=port_id, operator=operator, side="recipient")
        port.state, port.decided_at, port.decided_by = "cancelled", clock.now(), actor[:100]
        port.reason = (reason or "").strip() or None
        session.flush()
        _audit(session, clock=clock, actor=actor, action="realname-port-cancelled", port=port, details={})
        return _view(session, vault=vault, port=port)


def list_ports(session: Session, *, vault: Vault, operator: str | None = None, state: str | None = None,
               limit: int | None = 200, offset: int = 0, side: str | None = None,
               decided: bool = False) -> list[dict[str, Any]]:
    """Return port requests where OPERATOR is donor or recipient (None: every operator's), newest first; only
    those where it is the donor or the recipient with SIDE, only those decided with DECIDED; a page with
    LIMIT and OFFSET."""
    operator_id = _ports_of(session, operator=operator, state=state)
    rows = porting_repository.ports(session, operator_id=operator_id, state=state, limit=limit, offset=offset,
                                    side=side, decided=decided)
    known = porting_repository.operators_by_id(session)
    return [_view(session, vault=vault, port=row, known=known) for row in rows]


def count_ports(session: Session, *, operator: str | None = None, state: str | None = None,
                side: str | None = None, decided: bool = False) -> int:
    """How many port requests list_ports finds in all."""
    operator_id = _ports_of(session, operator=operator, state=state)
    return porting_repository.count_ports(session, operator_id=operator_id, state=state, side=side,
                                          decided=decided)


def _ports_of(session: Session, *, operator: str | None, state: str | None) -> int | None:
    if state is not None and state not in PORT_STATES:
        raise InvalidInput(N_("There is no port state %(given)s; the states are: %(known)s."), state=state,
                           given=repr(state),
                           known=words.comma_list(words.port_state(known) for known in PORT_STATES))
    return _operator(session, operator).id if operator is not None else None


# ---- rules -----------------------------------------------------------------------------------------------


def _operator(session: Session, code: str) -> Operator:
    row = repository.operator_by_code(session, code)
    if row is None:
        raise OperatorNotFound(N_("There is no operator with the code %(given)s."), operator=code,
                               given=repr(code))
    return row


def _operator_by_id(session: Session, operator_id: int) -> Operator:
    row = session.get(Operator, operator_id)
    assert row is not None, f"operator {operator_id} is referenced but missing"
    return row


def _port_open(port: PortRequest) -> PortOpen:
    return PortOpen(N_("Number %(number)s has an open port request already (request %(port)s); the donor "
                       "must decide it, or its requester cancel it, first."),
                    number=port.number, port=port.id)


def _portable(session: Session, row: Number) -> Registration | None:
    """Return the number's current registration (None for a number held by contract), or refuse."""
    current = repository.current_registration(session, row.id)
    if current is None and row.state != "contract":
        raise NotRegistered(N_("Number %(number)s is not registered (%(state)s); only a registered number, "
                               "or a monthly subscriber's number held by contract, can be ported."),
                            number=row.number, state=words.number_state(row.state))
    if row.state not in PORTABLE_STATES:
        raise NumberNotActive(N_("Number %(number)s is %(state)s; only a number in service can be ported."),
                              number=row.number, state=words.number_state(row.state))
    return current


def _ensure_holder(vault: Vault, holder: Identity | None, *, number: str, doc_type: str, value: str,
                   on: dt.date) -> None:
    """Refuse unless the document is valid and, for a registered number, the registered holder's."""
    checked = check_document(doc_type, value, on=on)  # an unknown type raises InvalidInput
    if not checked.valid or checked.normalised is None:
        raise InvalidInput(N_("The holder's document is not a valid %(doc_type)s: %(reason)s."),
                           doc_type=words.document(doc_type), reason=checked.reason)
    if holder is None:
        return
    given = identities.document_index(vault, doc_type=doc_type, normalised=checked.normalised)
    if given != holder.document_index:
        raise NotHolder(N_("The document given is not the one number %(number)s is registered with: only "
                           "its registered holder may ask to port it, showing the document it was registered "
                           "with."),
                        number=number)


def _decide(session: Session, *, port_id: int, operator: str, side: str) -> tuple[PortRequest, Number]:
    """Return the open request and its number, both read under the number's lock, once OPERATOR may decide."""
    port = porting_repository.port_row(session, port_id)
    if port is None:
        raise PortNotFound(N_("There is no port request %(port)s."), port=port_id)
    deciding = _operator(session, operator)
    needed = port.donor_operator_id if side == "donor" else port.recipient_operator_id
    if deciding.id != needed:
        owner = _operator_by_id(session, needed)
        if side == "donor":
            raise NotYourPort(N_("Only %(owner)s, the donor of port request %(port)s, confirms or rejects "
                                 "it, not %(operator)s."), side=side, port=port.id, operator=deciding.code,
                              owner=owner.code)
        raise NotYourPort(N_("Only %(owner)s, the recipient of port request %(port)s, cancels it, not "
                             "%(operator)s."), side=side, port=port.id, operator=deciding.code,
                          owner=owner.code)
    number = repository.number_row(session, port.number, for_update=True)
    locked_port = porting_repository.port_row(session, port_id, for_update=True)
    assert number is not None and locked_port is not None, "a port request's number is never deleted"
    if locked_port.state != "requested":
        raise PortClosed(N_("Port request %(port)s is %(state)s already; there is nothing to decide."),
                         port=port_id, state=words.port_state(locked_port.state))
    return locked_port, number


def _unchanged(session: Session, port: PortRequest, number: Number) -> Registration | None:
    """Return the registration to carry, refusing when the number changed since the request."""
    if number.operator_id != port.donor_operator_id:
        raise PortOutdated(N_("Number %(number)s is no longer with the donor of port request %(port)s; "
                              "reject it and ask again."), number=number.number, port=port.id)
    current = repository.current_registration(session, number.id)
    if (current.id if current is not None else None) != port.registration_before_id:
        raise PortOutdated(N_("Number %(number)s's registration changed since port request %(port)s "
                              "(transferred, terminated or registered again): the document given then proves "
                              "nothing now; reject it and ask again."), number=number.number, port=port.id)
    if number.state not in PORTABLE_STATES:
        raise NumberNotActive(N_("Number %(number)s is %(state)s; only a number in service can be ported."),
                              number=number.number, state=words.number_state(number.state))
    return current


def _take_arguments(vault: Vault, policy: Policy, holder: Identity, recipient: Operator,
                    number: Number) -> dict[str, Any]:
    clear = identities.open_details(vault, holder)  # the name is shown masked in a refusal only
    return {"policy": policy, "holder_kind": holder.kind, "holder_name": clear["name"],
            "identity_id": holder.id, "operator_id": recipient.id, "operator_code": recipient.code,
            "service": number.service, "line": number.line}


def _take(session: Session, *, vault: Vault, policy: Policy, holder: Identity, recipient: Operator,
          number: Number) -> quotas.Taken:
    try:
        return quotas.take(session, **_take_arguments(vault, policy, holder, recipient, number))
    except Refused as refused:
        # The refusal's own sentence and values (the masked holder, the count, the limit), as an error.
        params = {**refused.params, "number": number.number, "operator": recipient.code}
        raise QuotaReached(refused.template or refused.reason, **params) from None


def _ensure_room(session: Session, *, vault: Vault, policy: Policy, holder: Identity, recipient: Operator,
                 number: Number) -> None:
    """Refuse a request the recipient's quota could not take now; count nothing (the savepoint is undone)."""
    probe = session.begin_nested()
    try:
        _take(session, vault=vault, policy=policy, holder=holder, recipient=recipient, number=number)
    finally:
        probe.rollback()


def _carry(session: Session, *, clock: Clock, current: Registration, port: PortRequest, donor: Operator,
           recipient: Operator, taken: quotas.Taken, actor: str) -> Registration:
    """Start the recipient's registration: the same identities, capture, checks and letters as the donor's."""
    checks = dict(current.checks or {})
    checks["ported"] = {"from_registration": current.id, "from_operator": donor.code, "port_request": port.id}
    stored = repository.add_registration(session, Registration(
        number_id=current.number_id,
        operator_id=recipient.id,
        holder_id=current.holder_id,
        guardian_id=current.guardian_id,
        agent_id=current.agent_id,
        handler_id=current.handler_id,
        # Vault tokens copied as they are: the column (their associated data) is the same.
        authorisation_letter_sealed=current.authorisation_letter_sealed,
        agent_letter_sealed=current.agent_letter_sealed,
        capture_method=current.capture_method,
        verified_by=current.verified_by,
        checks=checks,
        quota_service=taken.service,
        registered_at=clock.now(),
        registered_by=actor[:100],
    ))
    if stored is None:  # the old one was ended under the number's lock: no one else can add one meanwhile
        raise PortOutdated(N_("Number %(number)s was registered by someone else meanwhile; try again."),
                           number=port.number, port=port.id)
    return stored


# ---- views and audit -------------------------------------------------------------------------------------


def _audit(session: Session, *, clock: Clock, actor: str, action: str, port: PortRequest,
           details: dict[str, Any]) -> None:
    # Identity and registration ids, never names, documents or the clerk's free text: the trail is not sealed.
    known = porting_repository.operators_by_id(session)
    audit.record(session, clock=clock, actor=actor, action=action, subject_type=AUDIT_SUBJECT,
                 subject_key=port.number, details={
                     "port_id": port.id, "donor": known[port.donor_operator_id].code,
                     "recipient": known[port.recipient_operator_id].code, **details})


def _instant(value: dt.datetime | None) -> str | None:
    return value.astimezone(HK).isoformat() if value is not None else None


def _view(session: Session, *, vault: Vault, port: PortRequest,
          known: dict[int, Operator] | None = None) -> dict[str, Any]:
    """Return a port request as the API, CLI and pages show it: operators' codes and names, holder masked."""
    known = known if known is not None else porting_repository.operators_by_id(session)
    donor, recipient = known[port.donor_operator_id], known[port.recipient_operator_id]
    before = (porting_repository.registration(session, port.registration_before_id)
              if port.registration_before_id is not None else None)
    holder = identities.masked(vault, repository.identity(session, before.holder_id)) if before else None
    return {
        "id": port.id,
        "number": port.number,
        "donor": donor.code,
        "donor_name": donor.name,
        "recipient": recipient.code,
        "recipient_name": recipient.name,
        "state": port.state,
        "holder": holder,
        "holder_checked": port.holder_checked,
        "requested_at": _instant(port.requested_at),
        "requested_by": port.requested_by,
        "decided_at": _instant(port.decided_at),
        "decided_by": port.decided_by,
        "reason": port.reason,
        "completed_at": _instant(port.completed_at),
        "registration_before_id": port.registration_before_id,
        "registration_after_id": port.registration_after_id,
    }
