"""Rendering of server-side pages: one Jinja2 environment, the context every page gets, and the error page."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup, escape

from telreg.core.clock import HK
from telreg.core.errors import DomainError, NotAuthenticated
from telreg.core.security import CSRF_FIELD, csrf_token, signed_in_username
from telreg.core import i18n as i18n_core
from telreg.web import i18n
from telreg.web.menu import menu_context

__all__ = ["flash", "redirect", "render", "render_error"]

WEB_DIR = Path(__file__).parent
# The shared layout (base.html, error.html) first, then each context package's own templates folder. A package
# keeps its templates under a folder of its area's name (web/senders/templates/senders/login.html), so a
# template's name says where it lives and two packages cannot shadow each other.
TEMPLATE_DIRS = [WEB_DIR / "templates", *sorted(WEB_DIR.glob("*/templates"))]
templates = Jinja2Templates(directory=TEMPLATE_DIRS)
templates.env.add_extension("jinja2.ext.i18n")


# The page's language is in its context ("lang", set by render); the catalogs give the words. The text is
# escaped before Jinja marks it safe (newstyle gettext), so a sentence is text, never HTML: "Bearer <key>" shows.
@pass_context
def _gettext(context: Any, message: str) -> Markup:
    return escape(i18n_core.gettext(context.get("lang", i18n.EN), message))


@pass_context
def _pgettext(context: Any, key: str, message: str) -> Markup:
    return escape(i18n_core.pgettext(context.get("lang", i18n.EN), key, message))


@pass_context
def _ngettext(context: Any, singular: str, plural: str, n: int) -> Markup:
    return escape(i18n_core.ngettext(context.get("lang", i18n.EN), singular, plural, n))


templates.env.install_gettext_callables(_gettext, _ngettext, newstyle=True, pgettext=_pgettext)  # type: ignore[attr-defined]
@pass_context
def _money(context: Any, cents: int) -> str:
    return i18n.format_money(cents, context.get("lang", i18n.EN))


@pass_context
def _size(context: Any, size: int) -> str:
    return i18n.format_size(size, context.get("lang", i18n.EN))


templates.env.globals.update(
    hkd=_money,
    format_size=_size,
    format_date=i18n.format_date,
    format_instant=i18n.format_instant,
    number_error=i18n.number_error,
    csrf_field=CSRF_FIELD,
    hk=lambda instant: instant.astimezone(HK),
)
_FLASH_KEY = "flash"


def _switch_url(request: Request, lang: str) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    query.append(("lang", lang))
    # A POST that re-renders a form links back to the same address as a GET, which shows the empty form.
    return f"{request.url.path}?{urlencode(query)}"


def flash(request: Request, key: str, **values: Any) -> None:
    """Leave a message for the next page this browser shows (after a redirect)."""
    request.session[_FLASH_KEY] = {"key": key, "values": values}


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)  # 303: the browser follows a POST with a GET


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page in the request's language with what every page needs (switch, CSRF token, user)."""
    lang = i18n.choose_language(request)
    other = i18n.second_language(request) if lang == i18n.EN else i18n.EN
    t = i18n.translator(lang)
    message = request.session.pop(_FLASH_KEY, None)
    page: dict[str, Any] = {
        "lang": lang,
        "t": t,
        "other_lang": other,
        "other_lang_name": i18n.translator(other)("language_name"),
        "switch_url": _switch_url(request, other),
        "csrf_token": csrf_token(request),
        "username": signed_in_username(request),
        "staff_menu": menu_context(request, lang),  # the links the signed-in staff user's roles may use
        "flash": t(message["key"], **message["values"]) if message else None,
    }
    page.update(context or {})
    return templates.TemplateResponse(request, template, page, status_code=status_code, headers=headers)


def render_error(request: Request, exc: DomainError, *, headers: dict[str, str] | None = None) -> Response:
    """Show a DomainError as a page: its status, a localised explanation, never a stack trace."""
    if isinstance(exc, NotAuthenticated) and request.method == "GET":
        # A bookmark to a page leads to its sign-in form (senders' or staff's), which returns there afterwards.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = "/senders/login" if request.url.path.startswith("/senders") else "/staff/login"
        return redirect(f"{login}?{urlencode({'next': target})}")
    lang = i18n.choose_language(request)
    t = i18n.translator(lang)
    title_key = f"error_{exc.status_code}"
    title = t(title_key) if title_key in i18n.MESSAGES else t("error_400")
    message = i18n.error_message(exc, lang)
    return render(
        request,
        "error.html",
        {
            "status": exc.status_code,
            "title": title,
            "message": message,
            # The English of an error not yet in the catalogs, beside its explanation; a marked one is whole.
            "original": exc.message if exc.template is None and message != exc.message else None,
            "sign_in": isinstance(exc, NotAuthenticated),
        },
        status_code=exc.status_code,
        headers=headers,
    )
