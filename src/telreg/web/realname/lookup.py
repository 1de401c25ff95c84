"""The public one-identity lookup page: document and number → code by SMS → counts, masked numbers, flags.

One address, three steps chosen by what the session holds: nothing (the request form), a pending challenge
(the code form), or a proved access (the summary). Each form posts, and a success redirects back (303) so a
reload never repeats it; a failure is shown on the same form. The SMS goes out after the answer, like the API.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core.access import LOOKUP_PROOF, Public, marker
from telreg.core.errors import DomainError
from telreg.core.masking import mask_number
from telreg.core.security import CsrfChecked
from telreg.deps import DbSession, ReadSession, RuntimeDep
from telreg.realname import lookup
from telreg.realname.lookup.errors import LookupAccessEnded
from telreg.realname.lookup_api import ACCESS_KEY, send_code
from telreg.realname.policy import get_policy
from telreg.runtime import Runtime
from telreg.web import i18n
from telreg.web.realname.common import FormFields, explain, form_fields
from telreg.web.render import flash, redirect, render

router = APIRouter(prefix="/realname/lookup")
_PROVED = marker(LOOKUP_PROOF)  # lookup.access checks the proof in the handler
PAGE = "/realname/lookup"
CHALLENGE_KEY = "realname_lookup_challenge"  # {"token": …, "number": masked} while a code is pending
Form = Annotated[FormFields, Depends(form_fields)]


def _documents(runtime: Runtime) -> list[str]:
    # The MRZ form of a passport carries the same number as the passport: one choice is enough here.
    return [d for d in get_policy(runtime.settings).documents.person if d != "passport-mrz"]


def _page(request: Request, session: Session, runtime: Runtime, *, problem: DomainError | None = None,
          form: FormFields | None = None, status_code: int = 200) -> HTMLResponse:
    lookup.ensure_offered(get_policy(runtime.settings))
    context: dict[str, Any] = {"documents": _documents(runtime), "form": form or {}, "step": "ask"}
    if problem is not None:
        context["error"] = explain(problem, i18n.choose_language(request))
        context["error_field"] = problem.extra.get("field") or ("number" if problem.code == "invalid_number"
                                                                else None)
    try:
        granted = lookup.access(session, clock=runtime.clock, access_token=request.session.get(ACCESS_KEY))
    except LookupAccessEnded:
        request.session.pop(ACCESS_KEY, None)
        pending = request.session.get(CHALLENGE_KEY)
        if pending:
            context.update(step="code", masked_number=pending["number"])
    else:
        context.update(step="summary", summary=lookup.summary(session, access=granted))
    return render(request, "realname/lookup.html", context, status_code=status_code)


@router.get("", response_class=HTMLResponse, dependencies=[Public])
def lookup_page(request: Request, session: ReadSession, runtime: RuntimeDep) -> HTMLResponse:
    """Show the step the session is at: ask for a code, give the code, or see the numbers."""
    return _page(request, session, runtime)


@router.post("/code", response_class=HTMLResponse, dependencies=[Public, CsrfChecked])
def ask_for_code(request: Request, session: DbSession, runtime: RuntimeDep, form: Form,
                 background: BackgroundTasks) -> Response:
    """Send a code when the number is registered to the document; the next page says the same either way."""
    try:
        with session.begin_nested():
            requested = send_code(session, runtime, background, doc_type=form.get("doc_type", ""),
                                  document=form.get("document", ""), number=form.get("number", ""),
                                  lang=i18n.choose_language(request))
    except DomainError as exc:
        return _page(request, session, runtime, problem=exc, form=form, status_code=exc.status_code)
    request.session.pop(ACCESS_KEY, None)
    request.session[CHALLENGE_KEY] = {"token": requested.token, "number": _masked(form.get("number", ""))}
    return redirect(PAGE)


@router.post("/verify", response_class=HTMLResponse, dependencies=[Public, CsrfChecked])
def give_code(request: Request, session: DbSession, runtime: RuntimeDep, form: Form) -> Response:
    """Prove the code; a wrong one is counted (committed) and shown on the code form."""
    pending = request.session.get(CHALLENGE_KEY) or {}
    proof = lookup.prove_code(session, vault=runtime.vault, clock=runtime.clock,
                              token=pending.get("token", ""), code=form.get("code", ""),
                              limits=lookup.limits_for(get_policy(runtime.settings)))
    if proof.rejected is not None:
        if proof.rejected.extra.get("reason") not in ("wrong",):
            request.session.pop(CHALLENGE_KEY, None)  # nothing more to try with this challenge
        return _page(request, session, runtime, problem=proof.rejected,
                     status_code=proof.rejected.status_code)
    request.session.pop(CHALLENGE_KEY, None)
    request.session[ACCESS_KEY] = proof.access_token
    return redirect(PAGE)


@router.post("/flags", response_class=HTMLResponse, dependencies=[_PROVED, CsrfChecked])
def flag(request: Request, session: DbSession, runtime: RuntimeDep, form: Form) -> Response:
    """Flag a number: a "Not mine" button (its position) or a number typed in full."""
    try:
        with session.begin_nested():
            granted = lookup.access(session, clock=runtime.clock,
                                    access_token=request.session.get(ACCESS_KEY))
            position = form.get("position")
            row, created = lookup.flag_number(
                session, clock=runtime.clock, policy=get_policy(runtime.settings), access=granted,
                position=int(position) if position and position.isdigit() else None,
                number=None if position else form.get("number", ""))
    except DomainError as exc:
        return _page(request, session, runtime, problem=exc, form=form, status_code=exc.status_code)
    flash(request, "rn_lk_flash_flagged" if created else "rn_lk_flash_already",
          number=mask_number(row.number))
    return redirect(PAGE)


@router.post("/end", dependencies=[Public, CsrfChecked])
def end(request: Request) -> Response:
    """Forget the code and the proof in this session."""
    request.session.pop(ACCESS_KEY, None)
    request.session.pop(CHALLENGE_KEY, None)
    return redirect(PAGE)


def _masked(number: str) -> str:
    return mask_number("".join(char for char in number if char.isdigit() or char == "+"))
