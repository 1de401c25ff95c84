"""An assessment's lines in a reader's language: each line's finding and rule, its values put into words.

The stored assessment keeps msgids and values in no language (codes, ISO dates, numbers); a page or the API asks
:func:`describe` for the reader's language. Values that are codes are named here (a register, a channel, a wash's
decision, a verdict); lists (the days not counted, the candidate accounts, the verdicts that differ) are written
out. A value this module does not know is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telreg.core.i18n import N_, NP_, Msgid, format_message, translate

__all__ = ["DECISION_NAMES", "REGISTER_NAMES", "VERDICT_NAMES", "describe", "render_params"]

REGISTER_NAMES: dict[str, Msgid] = {
    "fax": NP_("register name", "fax"),
    "sms": NP_("register name", "SMS"),
    "prerecorded": NP_("register name", "pre-recorded message"),
}
VERDICT_NAMES: dict[str, Msgid] = {
    "not_listed": N_("not listed"),
    "not_yet_protected": N_("not yet protected"),
    "consent_recorded": N_("consent recorded"),
    "apparent_contravention": N_("apparent contravention"),
    "unsubscribe_ignored": N_("unsubscribe ignored"),
    "insufficient_information": N_("insufficient information"),
}
DECISION_NAMES: dict[str, Msgid] = {
    "rejected_invalid": N_("not a valid number"),
    "duplicate": N_("a repeat of an earlier line"),
    "blocked_unsubscribed": N_("blocked by an unsubscribe"),
    "blocked_dnc": N_("blocked as listed and protected"),
}
# The same English as the number history's page (web/dnc/history.py), so the catalogs hold one translation.
_CHANNEL_NAMES: dict[str, Msgid] = {
    "caller-id": N_("Call to the hotline from the number itself"),
    "callback": N_("Call-back to the number"),
    "other-number": N_("Call-back for another person's number"),
    "fax-callback": N_("Code faxed to the number"),
    "paper": N_("Written application"),
    "operator-feed": N_("Operator's list of terminated numbers"),
}
_REMOVALS: dict[str, Msgid] = {
    "deregistered": N_("deregistered"),
    "removed-terminated": N_("removed as a terminated number"),
}
_ATTACHMENTS: dict[str, Msgid] = {"fax-image": N_("fax image"), "audio": N_("audio recording")}
_NOT_WORKING: dict[str, Msgid] = {
    "sunday": N_("Sunday"),
    "holiday": N_("general holiday: %(name)s"),
    "warning": N_("black rainstorm or gale warning"),
}
_OWN_LIST = N_("the account's own list")
_CLIENT_LIST = N_("the list kept for client %(client)s")
_PAIR = N_("%(name)s: %(value)s")
_ACCOUNT = N_("#%(id)s %(name)s")
_DAY = N_("%(day)s (%(reason)s)")
_SEPARATOR = "; "


def _named(names: dict[str, Msgid]) -> Callable[[str, Any], Any]:
    def name(lang: str, value: Any) -> Any:
        return translate(lang, names[value]) if isinstance(value, str) and value in names else value
    return name


def _client(lang: str, value: Any) -> str:
    if not value:
        return translate(lang, _OWN_LIST)
    return format_message(lang, _CLIENT_LIST, {"client": value})


def _days(lang: str, value: Any) -> Any:
    if not isinstance(value, list):
        return value
    words = []
    for item in value:
        reason = _NOT_WORKING.get(item.get("reason"), item.get("reason", ""))
        words.append(format_message(lang, _DAY, {"day": item.get("day"),
                                                 "reason": format_message(lang, reason, {"name": item.get("name")})}))
    return _SEPARATOR.join(words)


def _accounts(lang: str, value: Any) -> Any:
    if not isinstance(value, list):
        return value
    return _SEPARATOR.join(format_message(lang, _ACCOUNT, {"id": a.get("id"), "name": a.get("name")}) for a in value)


def _verdicts_by(key_name: Callable[[str, str], str]) -> Callable[[str, Any], Any]:
    def render(lang: str, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        parts = []
        for key, verdicts in value.items():
            names = ", ".join(_named(VERDICT_NAMES)(lang, v)
                              for v in (verdicts if isinstance(verdicts, list) else [verdicts]))
            parts.append(format_message(lang, _PAIR, {"name": key_name(lang, key), "value": names}))
        return _SEPARATOR.join(parts)
    return render


def _list_of(names: dict[str, Msgid]) -> Callable[[str, Any], Any]:
    def render(lang: str, value: Any) -> Any:
        return ", ".join(_named(names)(lang, v) for v in value) if isinstance(value, list) else value
    return render


_RENDER: dict[str, Callable[[str, Any], Any]] = {
    "register": _named(REGISTER_NAMES),
    "registers": _list_of(REGISTER_NAMES),
    "verdict": _named(VERDICT_NAMES),
    "decision": _named(DECISION_NAMES),
    "channel": _named(_CHANNEL_NAMES),
    "removal": _named(_REMOVALS),
    "attachment": _named(_ATTACHMENTS),
    "client_ref": _client,
    "non_working": _days,
    "candidates": _accounts,
    "verdicts": _verdicts_by(lambda lang, key: _named(REGISTER_NAMES)(lang, key)),
    "senders": _verdicts_by(lambda lang, key: f"#{key}"),
}


def render_params(params: dict[str, Any] | None, lang: str) -> dict[str, Any]:
    """A line's values as they are put into its sentences in LANG."""
    return {name: _RENDER[name](lang, value) if name in _RENDER else ("?" if value is None else value)
            for name, value in (params or {}).items()}


def describe(assessment: dict[str, Any] | None, lang: str) -> list[dict[str, Any]]:
    """Each line of a stored assessment (``Assessment.as_dict()``) with its finding and rule in LANG.

    Every item keeps ``code``, ``outcome`` and the raw ``params`` (and ``register`` when the line is about one)
    beside the sentences ``finding`` and ``rule``.
    """
    described = []
    for line in (assessment or {}).get("lines", []):
        values = render_params(line.get("params"), lang)
        described.append({
            "code": line.get("code"),
            "outcome": line.get("outcome"),
            "register": (line.get("params") or {}).get("register"),
            "finding": format_message(lang, line.get("finding", ""), values),
            "rule": format_message(lang, line.get("rule", ""), values),
            "params": line.get("params") or {},
        })
    return described
