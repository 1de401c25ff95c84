"""The operators' consent page (issue 16 §3): look up a number's consent per purpose, record a holder's grant or
withdrawal with its channel and time, and — for compliance officers — download the numbers one may use.

The same services as the API (realname/consent.py). A refusal re-renders the page with the reason in the
page's language and what was typed kept; a recorded instruction redirects back to the number (303), so a reload
never records it twice. Only the operator's own accounts open it (realname/consent_api.py): consent is between a
holder and its operator.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core.clock import HK, to_hk
from telreg.core.errors import DomainError, InvalidInput
from telreg.core.i18n import N_, translate
from telreg.core.models import User
from telreg.core.users import COMPLIANCE_ROLE
from telreg.deps import DbSession, RuntimeDep
from telreg.realname import consent, consent_words
from telreg.realname.consent_api import ConsentStaff, OperatorAccount
from telreg.realname.consent_models import CHANNELS, DECISIONS
from telreg.realname.models import Operator
from telreg.realname.staff import ensure_acts_for
from telreg.runtime import Runtime
from telreg.web import i18n
from telreg.web.realname.common import FormFields, explain, form_fields
from telreg.web.render import redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/staff/realname")
Form = Annotated[FormFields, Depends(form_fields)]
PAGE = "/staff/realname/consents"


def _names(lang: str, names: dict[str, Any], codes: list[str] | tuple[str, ...]) -> list[dict[str, str]]:
    return [{"code": code, "name": translate(lang, names[code]) if code in names else code} for code in codes]


def _word(lang: str, names: dict[str, Any], code: str | None) -> str | None:
    if code is None:
        return None
    return translate(lang, names[code]) if code in names else code


def _number_view(session: Session, runtime: Runtime, user: User, number: str, lang: str) -> dict[str, Any]:
    """The number's consent per purpose and its holder's instructions to this operator, for the page."""
    row = consent.find_number(session, runtime.settings, number)
    operator = session.get(Operator, row.operator_id)
    ensure_acts_for(user, operator.code if operator else None)
    controller = consent.Controller.operator(row.operator_id)
    states = []
    for purpose in consent.known_purposes(session, runtime.settings, clock=runtime.clock):
        state = consent.check(session, number=row.number, purpose=purpose, controller=controller)
        states.append({"purpose": _word(lang, consent_words.PURPOSE_NAMES, purpose), "code": purpose,
                       "allowed": state.allowed, "decision": _word(lang, consent_words.DECISION_NAMES, state.decision),
                       "given_at": state.given_at, "channel": _word(lang, consent_words.CHANNEL_NAMES, state.channel)})
    holder = consent.current_holder(session, number_id=row.id)
    instructions = [] if holder is None else [
        entry for entry in consent.history(session, identity_id=holder, lang=lang)
        if entry["controller"] == "operator" and entry["controller_code"] == (operator.code if operator else None)]
    return {"number": row.number, "states": states, "has_holder": holder is not None,
            "instructions": list(reversed(instructions))}


def _page(request: Request, session: Session, runtime: Runtime, user: User, *, number: str | None,
          form: FormFields | None = None, error: DomainError | None = None, status_code: int = 200) -> HTMLResponse:
    lang = i18n.choose_language(request)
    purposes = consent.known_purposes(session, runtime.settings, clock=runtime.clock)
    context: dict[str, Any] = {
        "number": number or "",
        "form": form or {},
        "purposes": _names(lang, consent_words.PURPOSE_NAMES, purposes),
        "decisions": _names(lang, consent_words.DECISION_NAMES, DECISIONS),
        "channels": _names(lang, consent_words.CHANNEL_NAMES, CHANNELS),
        "now": to_hk(runtime.clock.now()).strftime("%Y-%m-%dT%H:%M:%S"),
        "compliance": COMPLIANCE_ROLE in user.roles,
        "done": request.query_params.get("done") if request.method == "GET" else None,
    }
    if error is not None:
        context.update(error=explain(error, lang), error_code=error.code, error_field=error.extra.get("field"))
    if number:
        try:
            context["view"] = _number_view(session, runtime, user, number, lang)
        except DomainError as exc:
            if error is None:
                context.update(error=explain(exc, lang), error_code=exc.code, error_field="number")
                status_code = exc.status_code
    return render(request, "realname/consent.html", context, status_code=status_code)


@router.get("/consents", response_class=HTMLResponse)
def consents_page(request: Request, session: DbSession, runtime: RuntimeDep, user: OperatorAccount,
                  number: str | None = None) -> HTMLResponse:
    """Look up a number's consent (``?number=``) and record an instruction; compliance officers also download
    the marketing list."""
    return _page(request, session, runtime, user, number=(number or "").strip() or None)


@router.post("/consents", response_class=HTMLResponse, dependencies=ConsentStaff)
def record_instruction(request: Request, session: DbSession, runtime: RuntimeDep, user: OperatorAccount,
                       form: Form) -> Response:
    """Record the holder's grant or withdrawal; a refusal keeps what was typed."""
    number = str(form.get("number", ""))
    try:
        with session.begin_nested():
            row = consent.record(session, clock=runtime.clock, settings=runtime.settings, user=user,
                                 number=number, purpose=str(form.get("purpose", "")),
                                 decision=str(form.get("decision", "")), channel=str(form.get("channel", "")),
                                 given_at=_given_at(str(form.get("given_at", ""))),
                                 reference=str(form.get("reference", "")) or None)
    except DomainError as exc:
        kept = {key: value for key, value in form.items() if isinstance(value, str)}
        return _page(request, session, runtime, user, number=number or None, form=kept, error=exc,
                     status_code=exc.status_code)
    shown = consent.find_number(session, runtime.settings, number).number
    return redirect(f"{PAGE}?{urlencode({'number': shown, 'done': row.decision})}#state-title")


def _given_at(value: str) -> dt.datetime:
    """The form's date and time (Hong Kong time, as the browser's date-time field sends it)."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(N_("Give the date and time the holder gave the instruction."), field="given_at",
                           given=value) from None
    return parsed.replace(tzinfo=HK) if parsed.tzinfo is None else parsed
