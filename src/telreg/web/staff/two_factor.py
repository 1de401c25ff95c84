"""Staff two-factor sign-in pages: set up an authenticator app (QR code, key, confirm with a code), the recovery
codes shown once, making new ones, and the second step of a sign-in (core.two_factor_signin).

The QR code is inline SVG drawn by segno on the server: no script, no image fetched from anywhere.
"""

from __future__ import annotations

from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from telreg.core import two_factor, two_factor_signin
from telreg.core.access import STAFF, Public, marker
from telreg.core.errors import DomainError
from telreg.core.models import User
from telreg.core.security import CsrfChecked, CurrentUser
from telreg.deps import DbSession, RuntimeDep
from telreg.web import i18n
from telreg.web.menu import HOME
from telreg.web.render import redirect, render

router = APIRouter(prefix="/staff/two-factor")
# Checked in the handler (core.two_factor_signin.enrolling_user): a signed-in staff user, or one half-way through a
# sign-in whose role requires enrolment. The second step itself is public, as the password step is.
_ENROLLING = marker(STAFF)


def _local(url: str) -> str:
    return url if url.startswith("/") and not url.startswith(("//", "/\\")) else HOME


def _qr_svg(uri: str) -> Markup:
    # segno writes only path data and numbers into the SVG; the URI itself is not in the markup.
    return Markup(segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff", omitsize=False))


def _enrol_page(request: Request, session: DbSession, runtime: RuntimeDep, user: User, completes_sign_in: bool,
                *, error: str | None = None, status_code: int = 200) -> Response:
    if two_factor.is_enrolled(session, user):
        return render(request, "staff/two_factor.html",
                      {"enrolled": True, "remaining": two_factor.remaining_recovery_codes(session, user)})
    enrolment = two_factor.start_enrolment(session, vault=runtime.vault, clock=runtime.clock, user=user)
    context: dict[str, Any] = {"enrolled": False, "required": completes_sign_in, "qr_svg": _qr_svg(enrolment.uri),
                               "secret_groups": enrolment.grouped, "account": user.username, "error": error}
    return render(request, "staff/two_factor.html", context, status_code=status_code)


@router.get("", response_class=HTMLResponse, dependencies=[_ENROLLING])
def enrol_page(request: Request, session: DbSession, runtime: RuntimeDep) -> Response:
    """Set up two-factor sign-in (or, once set up, see the recovery codes left and make new ones)."""
    if (entry := two_factor_signin.pending(request, clock=runtime.clock)) is not None and entry.step == "verify":
        return redirect(two_factor_signin.VERIFY_PAGE)
    user, completes_sign_in = two_factor_signin.enrolling_user(request, session, runtime=runtime)
    return _enrol_page(request, session, runtime, user, completes_sign_in)


@router.post("/confirm", response_class=HTMLResponse, dependencies=[_ENROLLING, CsrfChecked])
def confirm(request: Request, session: DbSession, runtime: RuntimeDep,
            code: Annotated[str, Form(max_length=40)] = "") -> Response:
    """Confirm the authenticator with its current code; show the recovery codes, once."""
    user, completes_sign_in = two_factor_signin.enrolling_user(request, session, runtime=runtime)
    entry = two_factor_signin.pending(request, clock=runtime.clock)
    try:
        with session.begin_nested():
            codes = two_factor.confirm_enrolment(session, vault=runtime.vault, clock=runtime.clock, user=user,
                                                 code=code)
    except DomainError as exc:
        return _enrol_page(request, session, runtime, user, completes_sign_in,
                           error=i18n.error_message(exc, i18n.choose_language(request)),
                           status_code=exc.status_code)
    if completes_sign_in:
        two_factor_signin.complete(request, session, runtime, user)
    next_url = _local(entry.next_url) if entry is not None else "/staff/two-factor"
    return render(request, "staff/two_factor_codes.html",
                  {"codes": codes, "just_enrolled": True, "next_url": next_url},
                  headers={"Cache-Control": "no-store"})


@router.post("/recovery-codes", response_class=HTMLResponse, dependencies=[CsrfChecked])
def regenerate(request: Request, session: DbSession, runtime: RuntimeDep, user: CurrentUser) -> Response:
    """Replace every recovery code with ten new ones, shown this once."""
    codes = two_factor.regenerate_recovery_codes(session, clock=runtime.clock, user=user)
    return render(request, "staff/two_factor_codes.html",
                  {"codes": codes, "just_enrolled": False, "next_url": "/staff/two-factor"},
                  headers={"Cache-Control": "no-store"})


@router.get("/verify", response_class=HTMLResponse, dependencies=[Public])
def verify_page(request: Request, runtime: RuntimeDep) -> Response:
    """The second step of a sign-in: a code from the authenticator app, or a recovery code."""
    entry = two_factor_signin.pending(request, clock=runtime.clock)
    if entry is None:
        return redirect("/staff/login")
    if entry.step == "enrol":
        return redirect(two_factor_signin.ENROL_PAGE)
    return render(request, "staff/two_factor_verify.html", {})


@router.post("/verify", response_class=HTMLResponse, dependencies=[Public, CsrfChecked])
def verify(request: Request, session: DbSession, runtime: RuntimeDep,
           code: Annotated[str, Form(max_length=40)] = "") -> Response:
    """Check the code; a refusal is shown on the form and counts toward the lockout (committed, not raised)."""
    two_factor_signin.limit_second_step(request, session, runtime=runtime)
    if two_factor_signin.pending(request, clock=runtime.clock) is None:
        return redirect("/staff/login")  # nothing waits for a code (or it waited too long): start again
    user, entry = two_factor_signin.pending_user(request, session, clock=runtime.clock)
    verdict = two_factor.verify(session, vault=runtime.vault, clock=runtime.clock, user=user, code=code,
                                settings=runtime.settings)
    if not verdict.ok:
        error = verdict.message_in(i18n.choose_language(request))
        return render(request, "staff/two_factor_verify.html", {"error": error}, status_code=401)
    two_factor_signin.complete(request, session, runtime, user)
    return redirect(_local(entry.next_url))
