"""What the e-Cert officer pages share: the posted form, who acts, a refusal in the page's language, and the
choices the forms offer (profiles, document types, reasons, payment methods)."""

from __future__ import annotations

from typing import Annotated, Any

from urllib.parse import urlencode

from fastapi import Depends, Request

from telreg.core.errors import DomainError
from telreg.core.models import User
from telreg.web import i18n
from telreg.web.realname.common import FormFields, form_fields

__all__ = ["LIST_SIZE", "Form", "FormFields", "actor", "explain", "pager", "text"]

Form = Annotated[FormFields, Depends(form_fields)]
LIST_SIZE = 50  # rows of a list per page (the services' queries page by offset, newest first)


def actor(user: User) -> str:
    """The audit trail's name for an officer acting through these pages."""
    return f"staff:{user.username}"


def text(form: FormFields, name: str) -> str:
    """A text field of the form ("" when missing, or when a file came where text was expected)."""
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def explain(request: Request, exc: DomainError) -> dict[str, Any]:
    """The context a page shows a refusal with: the service's sentence in the page's language, and its code."""
    return {"error": i18n.error_message(exc, i18n.choose_language(request)), "error_code": exc.code}


def pager(path: str, *, offset: int, size: int, more: bool, keep: dict[str, Any]) -> dict[str, str | None]:
    """Links to the newer and older rows of a list paged by offset (the queries give no total to count pages)."""
    kept = {name: value for name, value in keep.items() if value}

    def url(at: int) -> str:
        query = urlencode({**kept, **({"offset": at} if at else {})})
        return f"{path}?{query}" if query else path

    return {"newer": url(max(offset - size, 0)) if offset else None,
            "older": url(offset + size) if more else None}
