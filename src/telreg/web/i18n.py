"""The language of a page and its words: English, Traditional and Simplified Chinese from gettext catalogs.

A page's language comes from ``?lang=en|zh-Hant|zh-Hans`` (remembered in the session; any other value is
ignored, so English), else from what the session remembers, else from the browser's Accept-Language.
Templates write their sentences in English as ``_("…")`` (Jinja2's i18n extension, installed in render.py) and
the catalogs (src/telreg/locale, core/i18n.py) hold the Chinese. Words that code picks at run time (a register's
name, a state, an error's explanation) are looked up by key with ``t(key, **values)`` in ``MESSAGES`` and each
context's messages module, whose values are marked English msgids too. Domain errors carry a marked template and
their parameters, and are shown with ``DomainError.message_in(lang)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from starlette.requests import Request

from telreg.core.errors import DomainError, InvalidNumber
from telreg.core.i18n import NP_, N_, Msgid, format_message, language_from_header
from telreg.realname.policy import get_policy

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "Translator",
    "choose_language",
    "error_message",
    "format_date",
    "format_instant",
    "format_money",
    "format_size",
    "number_error",
    "translator",
]

EN = "en"
ZH = "zh-Hant"
HANS = "zh-Hans"
LANGUAGES = (EN, ZH, HANS)
DEFAULT = EN
SESSION_KEY = "lang"

Translator = Callable[..., str]

# key -> English msgid (placeholders %(name)s). Only words chosen by key at run time live here.
MESSAGES: dict[str, Msgid] = {
    "language_name": N_("English"),
    "sign_out": N_("Sign out"),
    "status_title": N_("Check whether a number is registered"),
    "status_intro": N_(
        "Enter a Hong Kong telephone or fax number to see whether it is on the fax, SMS and "
        "pre-recorded telephone message do-not-call registers."),
    "register_fax": N_("Fax"),
    "register_sms": N_("SMS"),
    "register_prerecorded": N_("Pre-recorded telephone messages"),
    "username": N_("Username"),
    "password": N_("Password"),
    "sign_in": N_("Sign in"),
    "login_wrong": N_("The username or password is not correct."),
    "login_locked": N_(
        "This account is locked after too many failed attempts; ask an administrator to unlock it."),
    "pending_count": N_("Paper applications waiting for a decision: %(count)s"),
    "event_registered": NP_("event_registered", "Registered"),
    "event_registration-repeated": N_("Registration repeated"),
    "event_deregistered": N_("Deregistered"),
    "event_removed-terminated": N_("Removed (service terminated)"),
    "event_paper-application-recorded": N_("Paper application recorded"),
    "event_paper-application-rejected": N_("Paper application rejected"),
    "applicant_name": N_("Applicant's name"),
    "action": N_("Application for"),
    "action_register": NP_("action_register", "Register"),
    "action_deregister": N_("Deregister"),
    "registers": N_("Registers"),
    "bill": N_("Recent phone bill (PDF, PNG or JPEG)"),
    "approve": N_("Approve"),
    "reject": N_("Reject"),
    "status_pending": N_("pending"),
    "status_approved": N_("approved"),
    "status_rejected": N_("rejected"),
    "flash_recorded": N_("Application %(id)s for %(number)s was recorded."),
    "flash_approved": N_("Application %(id)s was approved; %(number)s is updated."),
    "flash_rejected": N_("Application %(id)s was rejected."),
    "flash_signed_out": N_("You have signed out."),
    "no_register_chosen": N_(
        "Tick at least one register: leaving every register unticked does not mean all of them."),
    "confirm_reject_paper_title": N_("Reject a paper application"),
    "confirm_reject_paper": N_(
        "Reject application %(id)s for %(number)s? The applicant is told the reason below. This cannot be "
        "undone."),
    "confirm_reject_paper_button": N_("Yes, reject the application"),
    "confirm_reason": N_("Reason"),
    "paper_reason_needed": N_("Give the reason for rejecting the application: the applicant is told it."),
    "error_heading": N_("Error %(status)s"),
    "error_400": N_("The request could not be handled"),
    "error_401": N_("Please sign in"),
    "error_403": N_("Not allowed"),
    "error_404": N_("Not found"),
    "error_405": N_("This address does not accept that kind of request"),
    "error_409": N_("This conflicts with what is already recorded"),
    "error_422": N_("The information given is not valid"),
    "error_503": N_("Temporarily unavailable"),
    "error_csrf_rejected": N_(
        "This form has expired or did not come from this site. Reload the page and try again."),
    "error_not_authenticated": N_("Please sign in to see this page."),
    "error_update_window": N_(
        "The registers are being updated; no changes are accepted now. Please try again after "
        "midnight."),
    "error_page_not_found": N_("There is no page at this address."),
    "error_method_not_allowed": N_("This address cannot be used that way."),
    "error_original": N_("Details: %(message)s"),
}

def translator(lang: str) -> Translator:
    """Return t(key, **values) for a language; an unknown key shows itself, so a gap is visible, not fatal."""

    def t(key: str, **values: Any) -> str:
        message = MESSAGES.get(key)
        if message is None:
            return key
        return format_message(lang, message, values)

    return t


def choose_language(request: Request) -> str:
    """Return the page language, remembering an explicit ``?lang=`` choice in the session."""
    asked = request.query_params.get("lang")
    session = request.scope.get("session")
    if asked in LANGUAGES:
        if session is not None:
            session[SESSION_KEY] = asked
        return asked  # type: ignore[return-value]
    if asked is not None:
        return DEFAULT  # a tampered or unknown ?lang= reads English, and is not remembered
    if session is not None and session.get(SESSION_KEY) in LANGUAGES:
        return str(session[SESSION_KEY])
    return language_from_header(request.headers.get("accept-language", ""))


# The CLDR locale each page language is written in (Babel): Hong Kong English, Hong Kong Traditional Chinese,
# mainland Simplified Chinese.
LOCALES = {EN: "en_HK", ZH: "zh_Hant_HK", HANS: "zh_Hans_CN"}
_SIZE_UNITS = ((10**9, "GB"), (10**6, "MB"), (10**3, "kB"))


def format_date(value: dt.date | str | None, lang: str) -> str:
    """Show a date the way the language writes it (CLDR long form): 13 March 2026 or 2026年3月13日."""
    if not value:  # None, "" or a missing key in a template
        return ""
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return babel_dates.format_date(day, "long", locale=LOCALES.get(lang, LOCALES[EN]))


def format_instant(value: dt.datetime | str, lang: str) -> str:
    """Show an instant as Hong Kong wall-clock time (the value is already converted by the service)."""
    when = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{format_date(when.date(), lang)} {when:%H:%M}"


def format_money(cents: int, lang: str) -> str:
    """Show an amount of Hong Kong dollars held in cents: HK$1,600.00."""
    return babel_numbers.format_currency(Decimal(cents) / 100, "HKD", locale=LOCALES.get(lang, LOCALES[EN]))


def format_size(size: int, lang: str) -> str:
    """Show a file's size in decimal units, one decimal: 5.2 MB (a size under 1 kB in bytes)."""
    locale = LOCALES.get(lang, LOCALES[EN])
    for factor, unit in _SIZE_UNITS:
        if size >= factor:
            return f"{babel_numbers.format_decimal(size / factor, '#,##0.0', locale=locale)} {unit}"
    return f"{babel_numbers.format_decimal(size, '#,##0', locale=locale)} B"


def second_language(request: Request) -> str:
    """Return the pages' language besides English that the switch offers: the real-name policy's (zh-Hans under
    the mainland one); every page is complete in all three, and ``?lang=`` reaches any of them."""
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        return ZH
    return get_policy(runtime.settings).language


def number_error(exc: InvalidNumber, lang: str) -> str:
    """Explain why a number was refused, in the page's language: the error's own sentence from the catalogs
    (core/phone.py says what is wrong with what was typed, and its translations quote it the same way)."""
    return exc.message_in(lang)


def error_message(exc: DomainError, lang: str) -> str:
    """Return the message for an error page in the page's language: the error's own sentence when the catalogs
    have it, else (a sentence not translated yet) its code's general explanation."""
    if isinstance(exc, InvalidNumber):
        return number_error(exc, lang)
    key = f"error_{exc.code}"
    translated = exc.template is not None and exc.message_in(lang) != exc.message
    if key in MESSAGES and ((lang != EN and not translated) or exc.code == "csrf_rejected"):
        return translator(lang)(key)
    return exc.message_in(lang)


# The sender portal's, the real-name pages' and the porting page's keyed words.
from telreg.web.senders.messages import SENDER_MESSAGES  # noqa: E402
from telreg.web.realname.messages import REALNAME_MESSAGES  # noqa: E402
from telreg.web.realname.porting_messages import PORTING_MESSAGES  # noqa: E402
from telreg.web.staff.messages import STAFF_MESSAGES  # noqa: E402

for _words in (SENDER_MESSAGES, REALNAME_MESSAGES, PORTING_MESSAGES, STAFF_MESSAGES):
    MESSAGES.update({key: message for key, message in _words.items() if key not in MESSAGES})
