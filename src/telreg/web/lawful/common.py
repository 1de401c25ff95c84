"""What the lawful-access pages share: the posted form, a refusal in the page's language (a service's error or
an HI-1 action's ErrorInformation), the words of a code, and the agency an officer writes for."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from telreg.core.errors import DomainError
from telreg.core.i18n import format_message
from telreg.core.models import User
from telreg.lawful import agencies
from telreg.lawful.hi1 import dictionaries as d
from telreg.lawful.hi1.model import ErrorInformation, ResponseMessage
from telreg.lawful.messages import NOT_APPLIED
from telreg.web import i18n
from telreg.web.lawful.compose import Sender
from telreg.web.lawful.messages import word
from telreg.web.realname.common import FormFields, form_fields

__all__ = ["Form", "FormFields", "explain", "failure_of", "refusal", "sender_of", "text", "words"]

Form = Annotated[FormFields, Depends(form_fields)]

# An HI-1 ErrorCode as the HTTP status a page answers with, so a refused form reads like any other refusal.
_STATUS = {d.ERROR_NOT_FOUND: 404, d.ERROR_NOT_PERMITTED: 403, d.ERROR_INVALID: 422}


def text(form: FormFields, name: str) -> str:
    """A text field of the form ("" when missing, or when a file came where text was expected)."""
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def explain(request: Request, exc: DomainError) -> dict[str, Any]:
    """The context a page shows a service's refusal with: its sentence in the page's language, its code."""
    return {"error": i18n.error_message(exc, i18n.choose_language(request)), "error_code": exc.code,
            "error_status": exc.status_code}


def failure_of(answer: ResponseMessage, lang: str) -> ErrorInformation | None:
    """The error of the action that failed, when the message was refused: the service answers every other action
    with the same "not applied because action N failed" sentence (in LANG), which says nothing to a person."""
    errors = [response.error for response in answer.responses if response.error is not None]
    not_applied = {format_message(lang, NOT_APPLIED, {"action": response.action_identifier})
                   for response in answer.responses}
    failing = [error for error in errors if error.description not in not_applied]
    return (failing or errors or [None])[0]


def refusal(error: ErrorInformation) -> dict[str, Any]:
    """The context a page shows a refused HI-1 action with (its description is already in the page's language)."""
    return {"error": error.description, "error_code": f"hi1-{error.code}", "error_status": _STATUS.get(error.code, 400)}


def sender_of(session: Session, user: User) -> Sender:
    """The agency the officer writes for, as an HI-1 sender."""
    agency = agencies.agency_by_code(session, user.agency_code or "")
    return Sender(agency_code=agency.code, country_code=agency.country_code)


def words(lang: str) -> Any:
    """``w("la_status_", code)``: a code in the page's language (for the templates)."""
    return lambda prefix, code: word(prefix, code, lang)
