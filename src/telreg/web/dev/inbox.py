"""``/dev/inbox``: every mail the development SMTP sink received and every SMS, call and fax of the demo
adapters, newest first, refreshed by htmx every few seconds — what Mailpit or MailHog show for mail, here for
the telephone lines too. Outside production only: there the page does not exist (404, like the dev API)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from telreg.core.access import DEVELOPMENT, declares
from telreg.core.dev_inbox import what_was_sent
from telreg.deps import RuntimeDep
from telreg.web.render import render

__all__ = ["router"]

POLL_SECONDS = 3
SHOWN = 200  # of the 500 kept: enough for a demo, a page a browser redraws every few seconds without effort


@declares(DEVELOPMENT)
def _not_production(runtime: RuntimeDep) -> None:
    if runtime.settings.is_production:
        raise StarletteHTTPException(status_code=404)  # the app's handler: the page of any unknown address


router = APIRouter(prefix="/dev", dependencies=[Depends(_not_production)])


def _context(runtime: RuntimeDep) -> dict[str, object]:
    mails, events = what_was_sent(runtime, limit=SHOWN)
    return {"mails": mails, "events": events, "poll_seconds": POLL_SECONDS,
            "sink": f"{runtime.settings.smtp_host}:{runtime.settings.smtp_port}"}


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    """Show the mails received and the SMS, calls and faxes sent, refreshed every few seconds."""
    response = render(request, "dev/inbox.html", _context(runtime))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/inbox/messages", response_class=HTMLResponse)
def inbox_messages(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    """The lists part of the inbox page, which htmx fetches again every few seconds."""
    response = render(request, "dev/inbox_messages.html", _context(runtime))
    response.headers["Cache-Control"] = "no-store"
    return response
