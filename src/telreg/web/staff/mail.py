"""The officers' view of mail delivery: the mails not delivered yet (failed ones first) with their attempts
and last error, and the button that queues the failed ones again once the mail server is fixed.

The outbox is the kernel's (``telreg.core.mail``); the mails are the senders' today (activation notices,
reminders, rejected documents), so the page is for the do-not-call officers who look after sender accounts.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from telreg.core import mail
from telreg.core.security import CsrfChecked, DncOfficer
from telreg.deps import DbSession, RuntimeDep
from telreg.web.render import flash, redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/staff/mail")
SHOWN = 200


@router.get("", response_class=HTMLResponse)
def delivery(request: Request, session: DbSession, runtime: RuntimeDep, user: DncOfficer) -> HTMLResponse:
    """List the mails waiting or failed, with attempts and last error, and the counts."""
    messages, total = mail.undelivered(session, limit=SHOWN)
    return render(request, "staff/mail.html", {
        "messages": messages, "total": total, "stats": mail.outbox_stats(session),
        "warn_attempts": runtime.settings.mail_warn_attempts,
        "max_attempts": runtime.settings.mail_max_attempts,
    })


@router.post("/requeue", dependencies=[CsrfChecked])
def requeue(request: Request, session: DbSession, runtime: RuntimeDep, user: DncOfficer) -> Response:
    """Queue every failed mail again (audited under the officer's name); the worker delivers them."""
    count = mail.requeue_failed(session, clock=runtime.clock, actor=user.username)
    flash(request, "flash_mail_requeued", count=count)
    return redirect("/staff/mail")
