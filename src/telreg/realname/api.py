"""HTTP API of real-name registration: operators' staff register, transfer and terminate numbers.

Staff sign in as for the other staff APIs (POST /api/v1/auth/login) and send the session's CSRF token in the
``X-CSRF-Token`` header with every change. Registering, transferring and terminating numbers need the
``operator-staff`` role; reading numbers and operators needs ``operator-staff`` or ``regulator``; creating
operators needs ``admin`` (administrators pass every role check). Operator staff act only for their own
operator (403 "clerk.chan acts for op1, not op2."); the regulator and administrators see every operator
(staff.py).

Status codes of registrations and transfers: **201** with ``{"status": "registered"|"transferred", …}`` when
done, **422** with ``{"status": "refused", "code", "reason", "error", "detail"}`` (error and detail: the code
and the reason again, the standard error body) when a rule refuses it. A refusal is the
request failing on its merits (the same family as a validation error), and a client that only looks at the
status code must not take it for success; the body tells a refusal (``status``) from a malformed request
(``error: invalid_input``).

A refusal's ``reason`` is a sentence for a person, in the request's ``Accept-Language`` (English, Traditional
or Simplified Chinese; English when the header names none of them), with ``Content-Language`` saying which; a
program reads ``code`` (and ``party``), which never change with the language — as ``error`` and ``detail`` of
an error (app.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from telreg.core.access import Access, declares
from telreg.core.errors import PermissionDenied
from telreg.core.i18n import N_, language_from_header
from telreg.core.models import User
from telreg.core.security import CsrfChecked, CurrentUser
from telreg.core.users import require_role
from telreg.deps import DbSession, RuntimeDep
from telreg.realname import changes, operators, service, views
from telreg.realname.staff import READER_ROLES, STAFF_ROLE, ensure_acts_for, number_for_reader
from telreg.realname.errors import NumberNotFound
from telreg.realname.outcome import Outcome
from telreg.realname.policy import get_policy
from telreg.realname.schemas import (
    OperatorCreate,
    OperatorOut,
    RegistrationRequest,
    TerminationRequest,
    TransferRequest,
)
from telreg.realname.verification import verifier_for

router = APIRouter(prefix="/api/v1/realname", tags=["real-name registration"])



# The role checks are async: they only look at the signed-in user, so they run on the event loop instead of taking
# a trip through the thread pool each (a registration's request made six such trips).
@declares(Access.staff(STAFF_ROLE, "admin"))
async def _operator_staff(user: CurrentUser) -> User:
    require_role(user, STAFF_ROLE)
    return user


@declares(Access.staff(*READER_ROLES))
async def _reader(user: CurrentUser) -> User:
    if READER_ROLES.isdisjoint(user.roles):
        raise PermissionDenied(N_("This needs the %(needed)s or 'regulator' role."), role=STAFF_ROLE,
                               needed=repr(STAFF_ROLE))
    return user


@declares(Access.staff("admin"))
async def _admin(user: CurrentUser) -> User:
    require_role(user, "admin")
    return user


OperatorStaff = Annotated[User, Depends(_operator_staff)]
NumberReader = Annotated[User, Depends(_reader)]  # operator staff (their own operator's), the regulator
Admin = Annotated[User, Depends(_admin)]
# The role check is listed before CSRF so a client that is not signed in hears "sign in" (401), not "the form
# expired" (403); FastAPI caches the dependency for the handler's parameter.
STAFF_CHANGE = [Depends(_operator_staff), CsrfChecked]
_OUTCOME_RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"description": "Registered (or transferred): registration id, number, masked holder, quota"},
    404: {"description": "Registering another operator's number: answered as reading an unknown number is"},
    422: {"description": "Refused by a rule ({status: refused, code, reason}, with error and detail the same "
                          "code and reason), or a malformed request",
          "content": {"application/json": {"schema": {"anyOf": [
              {"$ref": "#/components/schemas/HTTPValidationError"},  # the real body: web/openapi_errors.py
              {"type": "object", "title": "Refusal", "required": ["status", "code", "reason", "error", "detail"],
               "properties": {"status": {"const": "refused"}, "code": {"type": "string"},
                              "reason": {"type": "string"}, "party": {"type": "string"},
                              "error": {"type": "string"}, "detail": {"type": "string"}}}]}}}},
}


def _answer(outcome: Outcome, request: Request, *, operator: str | None = None) -> JSONResponse:
    lang = language_from_header(request.headers.get("accept-language", ""))
    if outcome.refused and outcome.code == NumberNotFound.code:
        # Another operator's number: the very answer reading an unknown number gives (staff.number_for_reader),
        # so registering cannot probe another operator's numbers. The refusal is recorded and audited (service).
        hidden = NumberNotFound(N_("Number %(number)s is not one of %(scope)s's numbers."), number=outcome.number,
                                scope=operator)
        return JSONResponse({**hidden.to_dict(), "detail": hidden.message_in(lang)}, status_code=404,
                            headers={"Content-Language": lang})
    if outcome.refused:  # the standard error body too (issue 14): error and detail are code and reason
        return JSONResponse({**outcome.as_dict(lang), "error": outcome.code, "detail": outcome.reason_in(lang)},
                            status_code=422, headers={"Content-Language": lang})
    return JSONResponse(outcome.as_dict(lang), status_code=201, headers={"Content-Language": lang})


@router.post("/registrations", dependencies=STAFF_CHANGE, responses=_OUTCOME_RESPONSES, status_code=201)
def register(body: RegistrationRequest, request: Request, session: DbSession, runtime: RuntimeDep,
             staff: OperatorStaff) -> Response:
    """Register a number to a holder (with guardian, agent or handler as the rules require)."""
    ensure_acts_for(staff, body.operator)
    outcome = service.register(session, vault=runtime.vault, policy=get_policy(runtime.settings),
                               clock=runtime.clock, verifier=verifier_for(runtime), request=body,
                               actor=f"staff:{staff.username}")
    return _answer(outcome, request, operator=body.operator)


@router.post("/transfers", dependencies=STAFF_CHANGE, responses=_OUTCOME_RESPONSES, status_code=201)
def transfer(body: TransferRequest, request: Request, session: DbSession, runtime: RuntimeDep,
             staff: OperatorStaff) -> Response:
    """Re-register a registered number under a new holder; the old registration ends as transferred."""
    ensure_acts_for(staff, body.operator)
    outcome = service.transfer(session, vault=runtime.vault, policy=get_policy(runtime.settings),
                               clock=runtime.clock, verifier=verifier_for(runtime), request=body,
                               actor=f"staff:{staff.username}")
    return _answer(outcome, request)


@router.post("/numbers/{number}/termination", dependencies=STAFF_CHANGE)
def terminate(number: str, body: TerminationRequest, session: DbSession, runtime: RuntimeDep,
              staff: OperatorStaff) -> dict[str, Any]:
    """End a number's registration at the holder's request; says by when the network must cut it (409 if
    it was terminated already)."""
    ensure_acts_for(staff, body.operator)
    return changes.terminate(session, clock=runtime.clock, settings=runtime.settings,
                             policy=get_policy(runtime.settings), operator=body.operator, number=number,
                             actor=f"staff:{staff.username}")


@router.get("/numbers/{number}")
def show_number(number: str, session: DbSession, runtime: RuntimeDep, reader: NumberReader) -> dict[str, Any]:
    """A number's operator, state and current registration, personal data masked (404 for an unknown number and,
    alike, for another operator's number when the reader is that operator's staff)."""
    return number_for_reader(reader, number, lambda: views.number_view(
        session, vault=runtime.vault, policy=get_policy(runtime.settings), number=number))


@router.get("/operators", response_model=list[OperatorOut])
def list_operators(session: DbSession, reader: NumberReader) -> Any:
    """Every operator, by code."""
    return operators.list_operators(session)


@router.post("/operators", response_model=OperatorOut, status_code=201,
             dependencies=[Depends(_admin), CsrfChecked],
             responses={409: {"description": "operator_exists: an operator already has that code"}})
def add_operator(body: OperatorCreate, session: DbSession, runtime: RuntimeDep, admin: Admin) -> Any:
    """Add an operator (administrators only); an existing code is a 409."""
    return operators.add_operator(session, clock=runtime.clock, code=body.code, name=body.name,
                                  actor=f"admin:{admin.username}")
