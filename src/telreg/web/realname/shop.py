"""The operator's shop page: register a SIM card for a holder (with guardian, agent or handler as the policy
wants) through the same service as the API, and check a document on its own.

The form is re-rendered by the server as the clerk fills it in (htmx posts it to ``/register/form`` when the
holder's kind or date of birth changes): an organisation gets its handler and letter, a minor holder gets the
guardian section opened. Without JavaScript the same happens when the form is submitted.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from telreg.core.clock import today
from telreg.core.errors import InvalidInput
from telreg.core.models import User
from telreg.core.security import CsrfChecked
from telreg.deps import DbSession, RuntimeDep
from telreg.realname import service, verification_checks
from telreg.realname.api import OperatorStaff
from telreg.realname.documents import DOCUMENT_TYPES, check_document
from telreg.realname.outcome import Outcome
from telreg.realname.policy import get_policy
from telreg.realname.schemas import OrganisationIn, PersonIn, RegistrationRequest
from telreg.realname.staff import ensure_acts_for, visible_operators
from telreg.realname.verification import verifier_for
from telreg.runtime import Runtime
from telreg.web import i18n
from telreg.web.realname.forms import PARTY_FIELDS, is_minor_holder, registration_request
from telreg.web.realname.common import FormFields, explain, form_fields, in_language, problems_in
from telreg.web.render import render

router = APIRouter(prefix="/staff/realname")
Form = Annotated[FormFields, Depends(form_fields)]
TEMPLATE = "realname/register.html"


def _filled(form: FormFields, role: str) -> bool:
    return any(form.get(f"{role}_{name}") for name in PARTY_FIELDS if name not in ("doc_type", "capture"))


def _page(request: Request, session: Session, runtime: Runtime, staff: User, form: FormFields, *,
          extra: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    policy = get_policy(runtime.settings)
    known = visible_operators(session, staff)  # a clerk chooses only among the operators they act for
    form = {"service": "prepaid", "line": "mobile", "holder_kind": "person",
            "operator": known[0].code if known else "", **form}
    kind = form["holder_kind"] if form["holder_kind"] in ("person", "organisation") else "person"
    minor = is_minor_holder(form, policy=policy, on=today(runtime.clock))
    context = {
        "form": form,
        "operators": known,
        "kind": kind,
        "holder_doc_types": policy.documents.person if kind == "person" else policy.documents.organisation,
        "person_doc_types": policy.documents.person,
        "capture_methods": policy.capture_methods,
        # Mainland cards carry the holder's address (art. 9), and the policy may require it.
        "show_address": policy.jurisdiction == "CN" or bool(policy.documents.required_fields),
        # A reader's proof is asked for where a document may not be typed (notice 182).
        "show_proof": bool(policy.documents.manual_entry_forbidden),
        "minor": minor,
        "minor_age": policy.minor_age,
        "guardian_open": minor or _filled(form, "guardian"),
        "agent_allowed": policy.agent_allowed,
        "agent_open": _filled(form, "agent"),
        "all_doc_types": DOCUMENT_TYPES,
        **(extra or {}),
    }
    return render(request, TEMPLATE, context, status_code=status_code)


@router.get("/register", response_class=HTMLResponse)
def register_form(request: Request, session: DbSession, runtime: RuntimeDep,
                  staff: OperatorStaff) -> HTMLResponse:
    """Show the registration form and the document check."""
    return _page(request, session, runtime, staff, {})


@router.post("/register/form", response_class=HTMLResponse, dependencies=[CsrfChecked])
def refresh_form(request: Request, session: DbSession, runtime: RuntimeDep, staff: OperatorStaff,
                 form: Form) -> HTMLResponse:
    """Re-render the form as filled in so far (holder kind, minor) without registering anything."""
    return _page(request, session, runtime, staff, _without_files(form))


@router.post("/register", response_class=HTMLResponse, dependencies=[CsrfChecked])
def register(request: Request, session: DbSession, runtime: RuntimeDep, staff: OperatorStaff,
             form: Form) -> HTMLResponse:
    """Register through the same service as the API; show the outcome (a refusal keeps the form filled)."""
    lang = i18n.choose_language(request)
    try:
        body = registration_request(form)
    except InvalidInput as exc:
        return _page(request, session, runtime, staff, _without_files(form), status_code=exc.status_code,
                     extra={"error": explain(exc, lang), "problems": problems_in(exc, lang),
                            "files_chosen": _files_chosen(form, lang)})
    ensure_acts_for(staff, body.operator)  # the select offers only their operator; a forged form is refused
    _verify_online(session, runtime, body, actor=f"staff:{staff.username}")
    outcome = service.register(session, vault=runtime.vault, policy=get_policy(runtime.settings),
                               clock=runtime.clock, verifier=verifier_for(runtime), request=body,
                               actor=f"staff:{staff.username}")
    view = _outcome_view(outcome, lang)
    if outcome.refused:
        return _page(request, session, runtime, staff, _without_files(form),
                     extra={"outcome": view, "files_chosen": _files_chosen(form, lang)}, status_code=422)
    kept = {key: form[key] for key in ("operator", "service", "line") if form.get(key)}  # the next customer
    return _page(request, session, runtime, staff, kept, extra={"outcome": view})


@router.post("/check-document", response_class=HTMLResponse, dependencies=[CsrfChecked])
def check(request: Request, session: DbSession, runtime: RuntimeDep, staff: OperatorStaff,
          form: Form) -> HTMLResponse:
    """Check a document's form and check digits on their own (nothing is recorded)."""
    doc_type, value = form.get("check_type", ""), form.get("check_value", "")
    lang = i18n.choose_language(request)
    try:
        result = check_document(doc_type, value, on=today(runtime.clock))
    except InvalidInput as exc:
        checked = {"valid": False, "reason": explain(exc, lang)}
    else:
        reason = None if result.valid else in_language(result.reason, lang)
        checked = {"valid": result.valid, "reason": reason, "expires_on": result.expires_on}
    return _page(request, session, runtime, staff, {"check_type": doc_type, "check_value": value},
                 extra={"check": checked}, status_code=200 if checked["valid"] else 422)


def _verify_online(session: Session, runtime: Runtime, body: RegistrationRequest, *, actor: str) -> None:
    """Ask the verification service about each party declared "online verification" without a proof.

    The shop's system is what checks a document online (联网核验), so the clerk does not copy a token: a verified
    document gets the service's proof, a refused one none — and the registration then refuses it with the
    verifier's own code, as the API would.
    """
    people = [body.holder, body.guardian, body.agent]
    if isinstance(body.holder, OrganisationIn):
        people.append(body.holder.handler)
    for party in people:
        if party is None or party.document.capture != "online_verification" or party.document.proof:
            continue
        born = party.date_of_birth if isinstance(party, PersonIn) else None
        try:
            answer = verification_checks.check_online(
                session, vault=runtime.vault, clock=runtime.clock, verifier=verifier_for(runtime),
                doc_type=party.document.type, number=party.document.number, name=party.name,
                date_of_birth=born, actor=actor)
        except InvalidInput:
            continue  # an invalid document: the registration's own check says why
        party.document.proof = answer["proof"]


def _outcome_view(outcome: Outcome, lang: str) -> dict[str, Any]:
    data = outcome.as_dict(lang)
    if outcome.refused:
        data["sentence"] = outcome.reason_in(lang)  # the whole reason, in the page's language
    return data


def _without_files(form: FormFields) -> FormFields:
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _files_chosen(form: FormFields, lang: str) -> list[dict[str, str]]:
    """The letters' scans chosen, which a refused form cannot give back to the browser: named, to be chosen
    again."""
    t = i18n.translator(lang)
    return [{"label": t(f"rn_file_{key}"), "filename": str(value.filename)} for key, value in form.items()
            if key.endswith("_letter_file") and not isinstance(value, str)]
