"""What the real-name pages share: form fields as a dict, and an error, a refusal or a problem in the page's
language — the service's own sentence from the catalogs, whole (never an English original beside it)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from telreg.core.errors import DomainError
from telreg.core.i18n import Message
from telreg.web import i18n

__all__ = ["FormFields", "explain", "form_fields", "in_language", "problems_in"]

FormFields = dict[str, Any]  # field name -> str, or UploadFile for a file chosen


async def form_fields(request: Request) -> FormFields:
    """Read the posted form once (FastAPI caches it): text fields stripped, files kept when one was chosen."""
    fields: FormFields = {}
    for key, value in (await request.form()).multi_items():
        if isinstance(value, UploadFile):
            if value.filename:
                fields[key] = value
        else:
            fields[key] = value.strip()
    return fields


def explain(exc: DomainError, lang: str) -> str:
    """Return an error's sentence in LANG: the real-name services raise every error with its sentence marked
    for the catalogs and its values (an error from elsewhere, written as a plain string, gets the page's
    explanation of its kind)."""
    return i18n.error_message(exc, lang)


def in_language(value: Any, lang: str) -> Any:
    """Return VALUE in LANG when it is words the catalogs translate (a Message), else as it is."""
    return value.in_language(lang) if isinstance(value, Message) else value


def problems_in(exc: DomainError, lang: str) -> list[dict[str, Any]]:
    """Return an error's list of problems (a request's fields and what is wrong with each) in LANG."""
    return [{key: in_language(value, lang) for key, value in problem.items()}
            for problem in exc.extra.get("problems") or [] if isinstance(problem, dict)]
