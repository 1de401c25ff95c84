"""The confirmation step before an action that cannot be undone (revoke a key, withdraw an order, reject).

The action's form posts as usual; without ``confirm=yes`` the route answers with :func:`confirm_page`, which
says what will happen and posts the same fields again with ``confirm=yes``. So it works without JavaScript,
and a slip of the finger on a list of buttons changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from telreg.web import i18n
from telreg.web.render import render

__all__ = ["CONFIRM_FIELD", "confirm_page", "confirmed"]

CONFIRM_FIELD = "confirm"


def confirmed(value: str | None) -> bool:
    """Tell whether the form was sent from the confirmation step."""
    return value == "yes"


def confirm_page(request: Request, *, title: str, question: str, action: str, button: str, back: str,
                 fields: Mapping[str, str] | None = None,
                 details: Sequence[tuple[str, str]] = ()) -> HTMLResponse:
    """Ask again before ACTION: QUESTION says what will happen, BUTTON does it, BACK leaves it undone.

    FIELDS are posted again unchanged (a reason typed beside the button); DETAILS are shown as name and
    value.
    The words come translated from the caller. The answer is not cached: it carries a form token.
    """
    lang = i18n.choose_language(request)
    other = i18n.second_language(request) if lang == i18n.EN else i18n.EN
    # The language switch cannot reload this answer to a POST: it leads back, in the other language.
    switch = f"{back}{'&' if '?' in back else '?'}{urlencode({'lang': other})}"
    response = render(request, "confirm.html", {"title": title, "question": question, "action": action,
                                                "button": button, "back": back, "fields": dict(fields or {}),
                                                "details": list(details), "switch_url": switch})
    response.headers["Cache-Control"] = "no-store"
    return response
