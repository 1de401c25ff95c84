"""HTTP API of number porting (seed 004 Q4.3): the receiving operator asks, the donor confirms or rejects.

Same sign-in and CSRF as the registration API (api.py): changes need the ``operator-staff`` role and the
session's ``X-CSRF-Token``; a clerk acts only for their own operator (403 otherwise). ``operator`` in a body
is the operator the clerk acts for: the recipient to request or cancel, the donor to confirm or reject (the
wrong side is 403 ``not_donor`` / ``not_recipient``). Listing needs ``operator-staff`` (their operator's
requests, either side) or ``regulator`` / ``admin`` (every operator's). Failures are
``{"error": code, "detail": sentence}`` with the codes of errors.py ("porting"): 404 unknown_number /
unknown_port, 409 port_open, same_operator, not_registered, number_not_active, quota_reached, port_closed,
port_outdated, 422 not_holder or invalid_input.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from telreg.deps import DbSession, RuntimeDep
from telreg.realname import porting
from telreg.realname.api import STAFF_CHANGE, NumberReader, OperatorStaff
from telreg.realname.policy import get_policy
from telreg.realname.porting_schemas import PortCancel, PortDecision, PortRejection, PortRequestIn
from telreg.realname.staff import ensure_acts_for, operator_scope

router = APIRouter(prefix="/api/v1/realname", tags=["real-name registration"])


@router.post("/ports", dependencies=STAFF_CHANGE, status_code=201,
             responses={404: {"description": "unknown_operator: no operator has that code"}})
def request_port(body: PortRequestIn, session: DbSession, runtime: RuntimeDep,
                 staff: OperatorStaff) -> dict[str, Any]:
    """Ask, as the receiving operator, to port a number to it; the holder's document proves who asks."""
    ensure_acts_for(staff, body.operator)
    return porting.request_port(session, vault=runtime.vault, policy=get_policy(runtime.settings),
                                clock=runtime.clock, operator=body.operator, number=body.number,
                                document_type=body.document.type, document_number=body.document.number,
                                actor=f"staff:{staff.username}")


@router.post("/ports/{port_id}/confirm", dependencies=STAFF_CHANGE)
def confirm_port(port_id: int, body: PortDecision, session: DbSession, runtime: RuntimeDep,
                 staff: OperatorStaff) -> dict[str, Any]:
    """Confirm, as the donor, and complete the port: the number, its registration and the holder's quota place
    move to the recipient; its do-not-call listings stay."""
    ensure_acts_for(staff, body.operator)
    return porting.confirm_port(session, vault=runtime.vault, policy=get_policy(runtime.settings),
                                clock=runtime.clock, port_id=port_id, operator=body.operator,
                                actor=f"staff:{staff.username}")


@router.post("/ports/{port_id}/reject", dependencies=STAFF_CHANGE)
def reject_port(port_id: int, body: PortRejection, session: DbSession, runtime: RuntimeDep,
                staff: OperatorStaff) -> dict[str, Any]:
    """Reject, as the donor, with a reason the recipient sees."""
    ensure_acts_for(staff, body.operator)
    return porting.reject_port(session, vault=runtime.vault, clock=runtime.clock, port_id=port_id,
                               operator=body.operator, reason=body.reason, actor=f"staff:{staff.username}")


@router.post("/ports/{port_id}/cancel", dependencies=STAFF_CHANGE)
def cancel_port(port_id: int, body: PortCancel, session: DbSession, runtime: RuntimeDep,
                staff: OperatorStaff) -> dict[str, Any]:
    """Withdraw, as the receiving operator, a request that is still open."""
    ensure_acts_for(staff, body.operator)
    return porting.cancel_port(session, vault=runtime.vault, clock=runtime.clock, port_id=port_id,
                               operator=body.operator, reason=body.reason, actor=f"staff:{staff.username}")


@router.get("/ports", responses={404: {"description": "unknown_operator: no operator has this code"}})
def list_ports(session: DbSession, runtime: RuntimeDep, reader: NumberReader, operator: str | None = None,
               state: str | None = None) -> list[dict[str, Any]]:
    """Port requests, newest first, where the operator is donor or recipient; operator staff see their own
    operator's (the default), the regulator and administrators any operator's or, without ``operator``,
    all."""
    code = operator or operator_scope(reader)
    if code is not None:
        ensure_acts_for(reader, code)
    return porting.list_ports(session, vault=runtime.vault, operator=code, state=state)
