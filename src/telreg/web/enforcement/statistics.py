"""The enforcement statistics pages (telreg.enforcement.statistics computes every figure; none is counted
here):

    /staff/enforcement/statistics   the regulator: a month range, a table per register, bar charts
                                    (inline SVG: web/lawful/charts.py, as the transparency report), the CSV
    /statistics/enforcement         anyone: the same figures for complete months only (counts, no personal
                                    data), with the verdict classes explained in plain words

Both in English, Traditional and Simplified Chinese, and narrow enough for a phone (tables scroll).
"""
from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from babel import dates as babel_dates
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from telreg.core.access import Public
from telreg.core.i18n import N_, NP_, Msgid, translate
from telreg.deps import DbSession, ReadSession, RuntimeDep
from telreg.enforcement import statistics
from telreg.enforcement.deps import EnforcementOfficer
from telreg.enforcement.statistics import UNASSESSED, VERDICT_CLASSES, Month, MonthlyFigures
from telreg.enforcement.vocabulary import REGISTER_CLAIMS
from telreg.web import i18n
from telreg.web.lawful.charts import bar_chart
from telreg.web.render import render

__all__ = ["PUBLIC_PAGE", "STAFF_PAGE", "router"]

router = APIRouter()
STAFF_PAGE = "/staff/enforcement/statistics"
PUBLIC_PAGE = "/statistics/enforcement"

REGISTER_WORDS: dict[str, Msgid] = {
    "fax": NP_("enforcement statistics", "Fax"),
    "sms": NP_("enforcement statistics", "SMS"),
    "prerecorded": NP_("enforcement statistics", "Pre-recorded telephone messages"),
    "unsure": NP_("enforcement statistics", "Register not known to the reporter"),
}
VERDICT_WORDS: dict[str, Msgid] = {
    "not_listed": NP_("enforcement statistics", "Number not listed"),
    "not_yet_protected": NP_("enforcement statistics", "Listed, not yet protected"),
    "consent_recorded": NP_("enforcement statistics", "Consent recorded"),
    "apparent_contravention": NP_("enforcement statistics", "Apparent contravention"),
    "unsubscribe_ignored": NP_("enforcement statistics", "Unsubscribe request ignored"),
    "insufficient_information": NP_("enforcement statistics", "Insufficient information"),
    UNASSESSED: NP_("enforcement statistics", "Not yet assessed"),
}
# The verdict classes in plain words, for the public page.
VERDICT_EXPLAINED: dict[str, Msgid] = {
    "not_listed": N_("The receiving number was not on the register the message concerns when the message "
                     "arrived, so the sender had no duty to leave it alone."),
    "not_yet_protected": N_("The number was listed, but its protection had not started yet: protection "
                            "starts on the 10th working day after registration."),
    "consent_recorded": N_("The sender holds the number's consent to receive its messages, and the consent "
                           "was the latest instruction: a message with consent is allowed."),
    "apparent_contravention": N_("The number was listed and protected, and no consent was recorded: the "
                                 "message appears to break the rules. The regulator looks into the sender."),
    "unsubscribe_ignored": N_("The person had asked the sender to stop (an unsubscribe request), and the "
                              "sender sent a message anyway."),
    "insufficient_information": N_("The report does not say enough to decide, for example which sender it "
                                   "was or which register the message concerns."),
    UNASSESSED: N_("The report was received and its assessment is not finished."),
}
MEASURE_WORDS: dict[str, Msgid] = {
    "reports": NP_("enforcement statistics", "Reports received"),
    "cases_opened": NP_("enforcement statistics", "Cases opened"),
    "notices_served": NP_("enforcement statistics", "Enforcement notices served"),
    "prosecutions": NP_("enforcement statistics", "Referred for prosecution"),
}

From = Annotated[str | None, Query(alias="from")]
To = Annotated[str | None, Query(alias="to")]


def month_label(month: Month | str, lang: str) -> str:
    """A month as the language writes it: March 2026, 2026年3月."""
    first = month.first_day if isinstance(month, Month) else Month(int(month[:4]), int(month[5:7])).first_day
    return babel_dates.format_skeleton("yMMMM", first, locale=i18n.LOCALES.get(lang, i18n.LOCALES[i18n.EN]))


def _figures_context(figures: MonthlyFigures, lang: str, *, prefix: str) -> dict[str, Any]:
    """What the figures partial draws: the charts, a table per register, the words in LANG."""
    say = lambda msgid: translate(lang, msgid)  # noqa: E731 - the page's words
    total = figures.total
    charts = [
        (say(NP_("enforcement statistics", "Reports received per month")),
         bar_chart(f"{prefix}-chart-months", [(month.month, month_label(month.month, lang),
                                               month.total.reports) for month in figures.months])),
        (say(NP_("enforcement statistics", "Reports by verdict class")),
         bar_chart(f"{prefix}-chart-verdicts", [(name, say(VERDICT_WORDS[name]), total.verdicts[name])
                                                for name in VERDICT_CLASSES])),
        (say(NP_("enforcement statistics", "Reports by register")),
         bar_chart(f"{prefix}-chart-registers", [(name, say(REGISTER_WORDS[name]),
                                                  figures.register_total(name).reports)
                                                 for name in REGISTER_CLAIMS])),
        (say(NP_("enforcement statistics", "Enforcement steps")),
         bar_chart(f"{prefix}-chart-steps", [(name, say(MEASURE_WORDS[name]), getattr(total, name))
                                             for name in statistics.MEASURES[1:]])),
    ]
    tables = [{"register": name, "title": say(REGISTER_WORDS[name]),
               "rows": [(month.month, month_label(month.month, lang), month.registers[name])
                        for month in figures.months],
               "total": figures.register_total(name)} for name in REGISTER_CLAIMS]
    return {"figures": figures, "total": total, "charts": charts, "tables": tables,
            "verdict_classes": VERDICT_CLASSES,
            "verdict_words": {name: say(word) for name, word in VERDICT_WORDS.items()},
            "measure_words": {name: say(word) for name, word in MEASURE_WORDS.items()},
            "first_label": month_label(figures.start, lang), "last_label": month_label(figures.end, lang)}


@router.get(STAFF_PAGE, response_class=HTMLResponse)
def staff_statistics(request: Request, session: DbSession, runtime: RuntimeDep, user: EnforcementOfficer,
                     date_from: From = None, date_to: To = None) -> HTMLResponse:
    """Show the monthly enforcement figures of a range of months: tables per register, charts, the CSV."""
    lang = i18n.choose_language(request)
    start, end = statistics.staff_range(runtime.clock, statistics.parse_month(date_from, what=N_("From")),
                                        statistics.parse_month(date_to, what=N_("To")))
    figures = statistics.monthly_figures(session, start=start, end=end)
    query = urlencode({"from": start.key, "to": end.key})
    return render(request, "enforcement/statistics_staff.html", {
        **_figures_context(figures, lang, prefix="staff"), "date_from": start.key, "date_to": end.key,
        "csv_url": f"/api/v1/enforcement/statistics.csv?{query}",
        "json_url": f"/api/v1/enforcement/statistics?{query}"})


@router.get(PUBLIC_PAGE, response_class=HTMLResponse, dependencies=[Public])
def public_statistics(request: Request, session: ReadSession, runtime: RuntimeDep, date_from: From = None,
                      date_to: To = None) -> HTMLResponse:
    """Show the public enforcement figures: complete months, counts only, the verdict classes explained."""
    lang = i18n.choose_language(request)
    start, end = statistics.public_range(runtime.clock, statistics.parse_month(date_from, what=N_("From")),
                                         statistics.parse_month(date_to, what=N_("To")))
    figures = statistics.monthly_figures(session, start=start, end=end)
    explained = [(VERDICT_WORDS[name], VERDICT_EXPLAINED[name]) for name in VERDICT_CLASSES]
    return render(request, "enforcement/statistics_public.html", {
        **_figures_context(figures, lang, prefix="public"), "date_from": start.key, "date_to": end.key,
        "latest": statistics.last_complete_month(runtime.clock).key,
        "explained": [(translate(lang, word), translate(lang, text)) for word, text in explained],
        "json_url": f"/api/v1/statistics/enforcement?{urlencode({'from': start.key, 'to': end.key})}"})
