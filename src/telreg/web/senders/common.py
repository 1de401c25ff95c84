"""What the sender portal's pages share: who is signed in, where to send them otherwise, and form errors.

A sender page does not raise NotAuthenticated for a missing session: the one error handler would send the
browser to the *staff* sign-in. :data:`MaybeSender` yields None instead, and :func:`detour` turns that into a
redirect to the sender log-in (or to the forced password change after a one-time password).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import Response

from telreg.core.access import SENDER_SESSION, marker
from telreg.core.errors import DomainError, InvalidNumber, NotAuthenticated
from telreg.core.i18n import Msgid, translate
from telreg.deps import DbSession, RuntimeDep
from telreg.senders import lifecycle, signin
from telreg.senders.deps import SENDER_KEY, current_sender
from telreg.senders.scrub.instruction_rows import problem_text
from telreg.web import i18n
from telreg.web.render import redirect


__all__ = [
    "MaybeSender",
    "SenderPage",
    "SENDER_NAME_KEY",
    "detour",
    "error_field",
    "explain",
    "line_problems",
    "read_upload",
]

SENDER_NAME_KEY = "sender_name"  # shown in the header; the account id under SENDER_KEY is what counts


def maybe_sender(request: Request, session: DbSession, runtime: RuntimeDep) -> lifecycle.AccountAccess | None:
    """The signed-in sender's access now, or None (no session, or the account may no longer log in)."""
    request.state.sender_must_change = False
    if not request.session.get(SENDER_KEY):
        return None
    try:
        access = current_sender(request, session, runtime)
    except NotAuthenticated:
        return None
    # Read each time: an officer may issue a one-time password while the sender is signed in elsewhere.
    request.state.sender_must_change = signin.must_change_password(session, account_id=access.account_id)
    return access


MaybeSender = Annotated[lifecycle.AccountAccess | None, Depends(maybe_sender)]
SenderPage = marker(SENDER_SESSION)
"""Declares a page for signed-in senders (telreg.core.access); the page itself calls :func:`detour`."""


def detour(request: Request, sender: lifecycle.AccountAccess | None, *, allow_forced: bool = False) -> Response | None:
    """Where a sender page must send the browser instead of showing itself, or None to go on."""
    if sender is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(f"/senders/login?{urlencode({'next': target})}")
    if not allow_forced and request.state.sender_must_change:
        return redirect("/senders/password")
    return None


def explain(exc: DomainError, lang: str) -> tuple[str, str | None]:
    """A domain error for a form: the message in the page's language, and the English original when they
    differ.

    An error whose sentence is in the catalogs is said whole in the page's language (no English beside it);
    one not translated yet gets its code's general explanation with the English detail under it.
    """
    message = i18n.error_message(exc, lang)
    translated = exc.template is not None and (lang == i18n.EN or translate(lang, exc.template) != exc.template)
    return message, (exc.message if message != exc.message and not translated else None)


def line_problems(exc: DomainError, lang: str) -> list[dict[str, Any]] | None:
    """The bad lines of a refused file, each problem said in the page's language, or None when it has none.

    A problem is a marked sentence and its parameters; a number the parser refused in English (core/phone.py's
    words, not in the catalogs yet) is explained again from its details, as the number forms do.
    """
    found = getattr(exc, "line_problems", None)
    if not found:
        return None
    joiner = "; " if lang == i18n.EN else ";"  # between a line's problems, as the catalogs write it
    return [{"line": line, "problem": joiner.join(_problem(p, lang) for p in problems), "lang": lang}
            for line, problems in found]


def _problem(problem: str | tuple[str, dict[str, Any]], lang: str) -> str:
    if isinstance(problem, str):
        return problem
    template, params = problem
    if isinstance(template, Msgid) or lang == i18n.EN:
        return problem_text((template, params), lang)
    if "number" in params:
        return i18n.number_error(InvalidNumber(template, **params), lang)
    return template


# Which form field an error is about, so that field gets aria-invalid and points at the message.
_FIELD_BY_CODE = {
    **dict.fromkeys(("weak_password", "password_too_short", "password_edge_space",
                     "password_contains_username", "password_too_common", "password_too_weak",
                     "password_unchanged"), "password"),
    "username_taken": "username",
    "unknown_register": "plans",
    "wrong_document_type": "documents",
    "missing_documents": "documents",
    "unacceptable_file": "documents",
    "overpayment": "amount",
    "duplicate_payment": "reference",
}
_FIELD_BY_EXTRA = ("contact_email", "username", "capacity", "plan", "method", "effective_from", "numbers",
                   "register", "amount_cents")


def error_field(exc: DomainError) -> str | None:
    """The name of the form field an error is about, when one can be told from its code or details."""
    if exc.code in _FIELD_BY_CODE:
        return _FIELD_BY_CODE[exc.code]
    for key in _FIELD_BY_EXTRA:
        if key in exc.extra:
            return {"amount_cents": "amount"}.get(key, key)
    return None


def read_upload(upload: Any, max_bytes: int) -> bytes:
    # One byte past the limit: enough for the service to say "too large" without holding a huge file in memory.
    return bytes(upload.file.read(max_bytes + 1))
