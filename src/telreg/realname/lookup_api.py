"""HTTP API of the one-identity lookup (public) and of its flags (operators' staff).

The public side follows the public pages' cookie rules: asking for a code and giving it back need no session
(like signing in); a proved code puts the access in the session cookie (SameSite strict) and answers with the
session's CSRF token, which every later change (a flag) sends as ``X-CSRF-Token``. Under a policy without the
lookup (Hong Kong) every public endpoint is 404 ``lookup_not_offered``.

``POST /codes`` answers 202 with the same document whether or not the number is registered to the document,
and sends the SMS only after answering. A wrong code is 422 ``code_rejected`` (committed: attempts count).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from telreg.core.access import LOOKUP_PROOF, Public, marker
from telreg.core.masking import mask_number
from telreg.core.security import SESSION_SCHEME, CsrfChecked, csrf_token
from telreg.deps import DbSession, ReadSession, RuntimeDep
from telreg.realname import lookup
from telreg.realname.api import STAFF_CHANGE, NumberReader, OperatorStaff
from telreg.realname.lookup.schemas import (
    CodeProof,
    CodeRequest,
    CodeRequestedOut,
    FlagCloseIn,
    FlagIn,
    FlagOut,
    LookupOpened,
    StaffFlagOut,
)
from telreg.realname.policy import get_policy
from telreg.realname.staff import ensure_acts_for, ensure_acts_for_flag
from telreg.runtime import Runtime

__all__ = ["ACCESS_KEY", "CODE_SENT", "router", "staff_router"]

ACCESS_KEY = "realname_lookup_access"  # the session's access token, once a code is proved
CODE_SENT = "If the number is registered to this document, a code was sent to it by SMS."


def _offered(runtime: RuntimeDep) -> None:
    lookup.ensure_offered(get_policy(runtime.settings))


router = APIRouter(prefix="/api/v1/realname/lookup", tags=["one-identity lookup"],
                   dependencies=[Depends(_offered)],
                   responses={404: {"description": "lookup_not_offered: the policy has no such lookup"}})
# The routes that read a proved code from the session cookie say so in the OpenAPI document.
_PROVED = [Depends(SESSION_SCHEME), marker(LOOKUP_PROOF)]  # lookup.access checks the proof
staff_router = APIRouter(prefix="/api/v1/realname/flags", tags=["one-identity lookup"])


def send_code(session: Session, runtime: Runtime, background: BackgroundTasks, *, doc_type: str, document: str,
              number: str, lang: str) -> lookup.CodeRequested:
    """Ask the service for a code and send its SMS after the answer (shared with the public page)."""
    outbox = lookup.DeferredSms()
    policy = get_policy(runtime.settings)
    requested = lookup.request_code(session, vault=runtime.vault, policy=policy, clock=runtime.clock, sms=outbox,
                                    doc_type=doc_type, document=document, number=number, lang=lang,
                                    limits=lookup.limits_for(policy))
    background.add_task(outbox.deliver, runtime.sms)
    return requested


@router.post("/codes", status_code=202, response_model=CodeRequestedOut, dependencies=[Public])
def request_code(body: CodeRequest, session: DbSession, runtime: RuntimeDep,
                 background: BackgroundTasks) -> CodeRequestedOut:
    """Send a one-time code to the number when it is registered to the document; the answer is the same
    either way (429 with Retry-After when too many codes were asked)."""
    requested = send_code(session, runtime, background, doc_type=body.document.type,
                          document=body.document.number, number=body.number, lang=body.lang)
    return CodeRequestedOut(challenge=requested.token, expires_at=requested.expires_at, message=CODE_SENT)


@router.post("/codes/verify", response_model=LookupOpened, dependencies=[Public],
             responses={422: {"description": "code_rejected: wrong (attempts left), expired, used, locked"}})
def verify_code(body: CodeProof, request: Request, session: DbSession, runtime: RuntimeDep) -> Any:
    """Prove the code: the session gets the access (30 minutes) and the answer carries the summary."""
    proof = lookup.prove_code(session, vault=runtime.vault, clock=runtime.clock, token=body.challenge,
                              code=body.code, limits=lookup.limits_for(get_policy(runtime.settings)))
    if proof.rejected is not None:
        return JSONResponse(proof.rejected.to_dict(), status_code=proof.rejected.status_code)
    request.session[ACCESS_KEY] = proof.access_token
    granted = lookup.access(session, clock=runtime.clock, access_token=proof.access_token)
    return LookupOpened(csrf_token=csrf_token(request), expires_at=granted.expires_at,
                        summary=lookup.summary(session, access=granted))


@router.get("/summary", dependencies=_PROVED)
def show_summary(request: Request, session: ReadSession, runtime: RuntimeDep) -> dict[str, Any]:
    """Counts per operator and your operator's numbers, masked (401 lookup_access_ended without a proof)."""
    granted = lookup.access(session, clock=runtime.clock, access_token=request.session.get(ACCESS_KEY))
    return lookup.summary(session, access=granted)


@router.post("/flags", status_code=201, response_model=FlagOut, dependencies=[*_PROVED, CsrfChecked])
def flag(body: FlagIn, request: Request, session: DbSession, runtime: RuntimeDep,
         response: Response) -> FlagOut:
    """Flag a number you do not recognise, by position in your list or by the full number (200 when it was
    flagged already)."""
    granted = lookup.access(session, clock=runtime.clock, access_token=request.session.get(ACCESS_KEY))
    row, created = lookup.flag_number(session, clock=runtime.clock, policy=get_policy(runtime.settings),
                                      access=granted, position=body.position, number=body.number)
    if not created:
        response.status_code = 200
    return FlagOut(id=row.id, number=mask_number(row.number), status=row.status, at=row.at, created=created)


@router.post("/end", status_code=204, dependencies=[Public])
def end(request: Request) -> Response:
    """Forget the proof in this session."""
    request.session.pop(ACCESS_KEY, None)
    return Response(status_code=204)


@staff_router.get("", response_model=list[StaffFlagOut],
                  responses={404: {"description": "unknown_operator: no operator has that code"}})
def list_flags(operator: str, session: DbSession, runtime: RuntimeDep, reader: NumberReader,
               status: str = "open") -> Any:
    """An operator's flags (open: oldest first; closed: latest first), the flagging holder masked (403 for
    another operator's staff)."""
    ensure_acts_for(reader, operator)
    return lookup.operator_flags(session, vault=runtime.vault, operator_code=operator, status=status)


@staff_router.post("/{flag_id}/close", response_model=StaffFlagOut, dependencies=STAFF_CHANGE)
def close(flag_id: int, body: FlagCloseIn, session: DbSession, runtime: RuntimeDep,
          staff: OperatorStaff) -> Any:
    """Close an open flag with a note (409 flag_closed when it was closed already; 403 when it is another
    operator's)."""
    ensure_acts_for_flag(session, staff, flag_id)
    row = lookup.close_flag(session, clock=runtime.clock, flag_id=flag_id, note=body.note,
                            actor=f"staff:{staff.username}")
    return lookup.flag_view(session, runtime.vault, row)
