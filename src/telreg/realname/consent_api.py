"""HTTP API of holders' consent (issue 16 §3): record, check before use, the list of numbers one may use, and
the holder's own export.

Consent is the operator's business with its holders, so only an operator's own accounts record and check it:
``operator-staff`` (the counter) and ``operator-compliance``, each for its own operator (403 for another
operator's number). An administrator or the regulator does not stand in: neither is a party to the consent.

    POST /api/v1/realname/consents                  record a grant or withdrawal (CSRF); 201
    GET  /api/v1/realname/consents/check            ?number=&purpose= → {"allowed", "decision", "given_at",
                                                    "channel"}: ask it before any use; no record, not allowed
    GET  /api/v1/realname/consents/marketing-list   ?purpose=&format=csv|json — the use itself: a compliance
                                                    officer's export of the numbers it may use (audited)
    GET  /api/v1/realname/consents/export           ?format=json|csv — the holder's history, through a proved
                                                    one-identity lookup (the session's proof, as lookup_api.py)
"""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from telreg.core import audit
from telreg.core.access import LOOKUP_PROOF, Access, declares, marker
from telreg.core.clock import to_hk
from telreg.core.errors import PermissionDenied
from telreg.core.exports import attachment, csv_writer
from telreg.core.i18n import N_, Message, language_from_header
from telreg.core.masking import mask_number
from telreg.core.models import User
from telreg.core.security import SESSION_SCHEME, CsrfChecked, CurrentUser
from telreg.core.users import COMPLIANCE_ROLE, OPERATOR_ROLE, ROLE_NAMES
from telreg.deps import DbSession, RuntimeDep
from telreg.realname import consent, lookup
from telreg.realname.consent_schemas import ConsentIn, ConsentOut, ConsentStateOut
from telreg.realname.lookup_api import ACCESS_KEY
from telreg.realname.models import Operator
from telreg.realname.policy import get_policy
from telreg.realname.staff import ensure_acts_for

__all__ = ["ConsentCompliance", "ConsentStaff", "OperatorAccount", "router"]

OPERATOR_ACCOUNT_ROLES = (OPERATOR_ROLE, COMPLIANCE_ROLE)


def _role(code: str) -> Message:
    return Message.term(code, ROLE_NAMES[code])


@declares(Access.staff(*OPERATOR_ACCOUNT_ROLES))
def _operator_account(user: CurrentUser) -> User:
    # Exactly these roles: admin does not pass, as consent is between a holder and its operator.
    if set(OPERATOR_ACCOUNT_ROLES).isdisjoint(user.roles):
        raise PermissionDenied(N_("Consent is recorded and checked by an operator's own accounts: this needs the "
                                  "'%(role)s' or '%(other)s' role."), role=_role(OPERATOR_ROLE),
                               other=_role(COMPLIANCE_ROLE))
    return user


@declares(Access.staff(COMPLIANCE_ROLE))
def _compliance(user: CurrentUser) -> User:
    if COMPLIANCE_ROLE not in user.roles:
        raise PermissionDenied(N_("Only an operator's compliance officer takes the list of numbers it may use: "
                                  "this needs the '%(role)s' role."), role=_role(COMPLIANCE_ROLE))
    return user


OperatorAccount = Annotated[User, Depends(_operator_account)]
ConsentCompliance = Annotated[User, Depends(_compliance)]
# The role check before CSRF, so a client that is not signed in hears "sign in" (401), not "the form expired".
ConsentStaff = [Depends(_operator_account), CsrfChecked]

router = APIRouter(prefix="/api/v1/realname/consents", tags=["consent"])
_PROVED = [Depends(SESSION_SCHEME), marker(LOOKUP_PROOF)]  # lookup.access checks the proof in the handler


@router.post("", status_code=201, response_model=ConsentOut, dependencies=ConsentStaff,
             responses={409: {"description": "not_registered: the number has no holder"},
                        422: {"description": "unknown_purpose, invalid_given_at, invalid_input"}})
def record(body: ConsentIn, session: DbSession, runtime: RuntimeDep, user: OperatorAccount) -> Any:
    """Record the instruction of the number's current holder to your operator (latest given wins)."""
    row = consent.record(session, clock=runtime.clock, settings=runtime.settings, user=user, number=body.number,
                         purpose=body.purpose, decision=body.decision, channel=body.channel,
                         given_at=to_hk(body.given_at), reference=body.reference)
    number = consent.find_number(session, runtime.settings, body.number).number
    return ConsentOut(id=row.id, number=mask_number(number), purpose=row.purpose,
                      decision=row.decision, channel=row.channel, given_at=row.given_at,  # type: ignore[arg-type]
                      recorded_at=row.recorded_at, reference=row.reference)


@router.get("/check", response_model=ConsentStateOut,
            responses={404: {"description": "unknown_number"}, 422: {"description": "unknown_purpose"}})
def check(number: str, purpose: str, session: DbSession, runtime: RuntimeDep, user: OperatorAccount) -> Any:
    """May your operator use this number's holder's data for the purpose? Ask before every such use."""
    consent.ensure_purpose(session, runtime.settings, purpose, clock=runtime.clock)
    row = consent.find_number(session, runtime.settings, number)
    operator = session.get(Operator, row.operator_id)
    ensure_acts_for(user, operator.code if operator else None)
    state = consent.check(session, number=row.number, purpose=purpose,
                          controller=consent.Controller.operator(row.operator_id))
    return ConsentStateOut(allowed=state.allowed, decision=state.decision,  # type: ignore[arg-type]
                           given_at=state.given_at, channel=state.channel)


@router.get("/marketing-list", responses={200: {"content": {"text/csv": {}}},
                                          422: {"description": "unknown_purpose"}})
def marketing_list(purpose: str, session: DbSession, runtime: RuntimeDep, user: ConsentCompliance,
                   format: Literal["csv", "json"] = "csv") -> Response:
    """The numbers your operator may use for the purpose: only those whose holder's instruction in force is a
    grant (audited with the count)."""
    operator, numbers = consent.marketing_list(session, clock=runtime.clock, settings=runtime.settings,
                                               user=user, purpose=purpose)
    name = f"{operator.code}-{purpose}-{to_hk(runtime.clock.now()):%Y%m%d}"
    if format == "json":
        return JSONResponse({"operator": operator.code, "purpose": purpose, "count": len(numbers),
                             "numbers": numbers}, headers={"Content-Disposition": attachment(f"{name}.json")})
    return Response(marketing_csv(numbers), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": attachment(f"{name}.csv")})


def marketing_csv(numbers: list[str]) -> str:
    """The marketing list as CSV: a header line, then one number a line (shared with the staff page)."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(["number"])
    writer.writerows([number] for number in numbers)
    return out.getvalue()


@router.get("/export", dependencies=_PROVED,
            responses={200: {"content": {"text/csv": {}}},
                       401: {"description": "lookup_access_ended: no proved lookup in this session"},
                       404: {"description": "the policy does not offer the one-identity lookup"}})
def export(request: Request, session: DbSession, runtime: RuntimeDep,
           format: Annotated[Literal["json", "csv"], Query()] = "json") -> Response:
    """Your consent history (every instruction, to every controller), after proving your identity in the
    one-identity lookup."""
    lookup.ensure_offered(get_policy(runtime.settings))
    granted = lookup.access(session, clock=runtime.clock, access_token=request.session.get(ACCESS_KEY))
    lang = language_from_header(request.headers.get("accept-language", ""))
    exported = consent.export_for_holder(session, clock=runtime.clock, identity_id=granted.identity_id,
                                         fmt=format, lang=lang)
    audit.record(session, clock=runtime.clock, actor="public:lookup", action="realname-consent-exported",
                 subject_type=consent.AUDIT_SUBJECT, subject_key=str(granted.identity_id),
                 details={"format": format, "challenge_id": granted.challenge_id})
    return Response(exported.content, media_type=exported.media_type,
                    headers={"Content-Disposition": attachment(exported.filename), "Cache-Control": "no-store"})
