"""What the real-name pages share: form fields as a dict, and explaining a refusal or error in the page's
language (the service's English sentence is kept as the details under a Chinese explanation)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from telreg.core.errors import DomainError
from telreg.web import i18n

__all__ = ["FormFields", "explain", "explain_refusal", "form_fields"]

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


def explain(exc: DomainError, lang: str) -> tuple[str, str | None]:
    """Return an error's message in LANG and the English original when it differs (shown as details)."""
    if lang == i18n.EN:
        return exc.message, None
    t = i18n.translator(lang)
    reason = exc.extra.get("reason")
    key = f"rn_err_code_{reason}" if exc.code == "code_rejected" and reason else f"rn_err_{exc.code}"
    if key not in i18n.MESSAGES:
        message = i18n.error_message(exc, lang)
        return message, (exc.message if message != exc.message else None)
    retry_after = int(exc.extra.get("retry_after") or 0)
    return t(key, left=exc.extra.get("attempts_left", 0), minutes=(retry_after + 59) // 60), exc.message


def explain_refusal(code: str | None, reason: str | None, lang: str) -> tuple[str, str | None]:
    """Return a registration refusal's sentence in LANG, with the service's own sentence as details."""
    key = f"rn_refusal_{code}"
    if lang == i18n.EN or key not in i18n.MESSAGES:
        return reason or "", None
    return i18n.translator(lang)(key), reason
