"""What the regulator officer's enforcement pages share: the posted form and its files, who acts, a refusal in
the page's language, and the parsing of dates and times typed into the forms (Hong Kong time)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import UploadFile

from telreg.core.errors import DomainError, InvalidInput
from telreg.core.i18n import N_
from telreg.core.models import User
from telreg.web import i18n
from telreg.web.realname.common import FormFields, form_fields

__all__ = ["PAGE", "Form", "FormFields", "Uploads", "actor", "explain", "field_day", "field_int", "text", "uploads"]

PAGE = "/staff/enforcement"
Form = Annotated[FormFields, Depends(form_fields)]


async def uploads(request: Request) -> list[UploadFile]:
    """The files chosen in the form's ``attachments`` input (several allowed); empty choices left out."""
    form = await request.form()
    return [value for value in form.getlist("attachments") if isinstance(value, UploadFile) and value.filename]


Uploads = Annotated[list[UploadFile], Depends(uploads)]


def actor(user: User) -> str:
    """The name an officer acts under through these pages (the same the API records: the username)."""
    return user.username


def text(form: FormFields, name: str) -> str:
    """A text field of the form ("" when missing, or when a file came where text was expected)."""
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def explain(request: Request, exc: DomainError) -> dict[str, Any]:
    """The context a page shows a refusal with: the service's sentence in the page's language, its code, and the
    field it concerns when the error names one (shown next to that field)."""
    message = i18n.error_message(exc, i18n.choose_language(request))
    field = exc.extra.get("field")
    return {"error": message, "error_code": exc.code, "error_field": field}


def field_day(value: str, *, field: str) -> dt.date:
    """A date typed in a form."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(N_("Enter a date."), field=field) from None


def field_int(value: str, *, field: str, default: int | None = None) -> int:
    """A whole number typed in a form (DEFAULT when left empty)."""
    if not value and default is not None:
        return default
    if not value.isdigit() or len(value) > 9:
        raise InvalidInput(N_("Enter a whole number."), field=field)
    return int(value)
