"""A number's history as an officer reads it: who acted and the event's details in words, never the audit
trail's codes (``officer:olivia``, ``channel: caller-id``, ``registers: ['fax', 'sms']``).

The audit trail keeps its codes (the API and the CLI show them as they are); this module puts each known actor
and detail into a sentence of the page's language. A detail no sentence is written for (a bill's checksum, a
call's line) is left out: it stays in the audit trail and the API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from telreg.core.i18n import N_, Msgid, format_message
from telreg.web import i18n

__all__ = ["describe_actor", "describe_details", "history_rows"]

_ACTOR_KINDS: dict[str, Msgid] = {
    "officer": N_("Officer %(name)s"),
    "staff": N_("Operator staff %(name)s"),
    "sender": N_("Sender account %(name)s"),
    "verification": N_("Verification %(name)s"),
}
_ACTORS: dict[str, Msgid] = {
    "ivr": N_("Telephone hotline"),
    "hotline": N_("Telephone hotline"),
    "system:callback": N_("Automatic call-back"),
    "system:fax": N_("Automatic fax"),
    "system": N_("The system"),
    "api-key": N_("A sender's script (API key)"),
    "demo": N_("Demonstration data"),
    "cli": N_("Command line"),
}
_CHANNELS: dict[str, Msgid] = {
    "caller-id": N_("Call to the hotline from the number itself"),
    "callback": N_("Call-back to the number"),
    "other-number": N_("Call-back for another person's number"),
    "fax-callback": N_("Code faxed to the number"),
    "paper": N_("Written application"),
    "operator-feed": N_("Operator's list of terminated numbers"),
}
_PROOFS: dict[str, Msgid] = {
    "caller-id": N_("Proof: the caller's number"),
    "callback": N_("Proof: the call-back was answered"),
    "fax-code": N_("Proof: the faxed code was keyed in"),
    "phone-bill": N_("Proof: a phone bill"),
    "operator-record": N_("Proof: the operator's records"),
}
_DETAILS: dict[str, Msgid] = {
    "application": N_("Paper application %(value)s"),
    "reason": N_("Reason: %(value)s"),
    "registered_on": N_("Registered on %(value)s"),
    "terminated_on": N_("Service terminated on %(value)s"),
    "operator": N_("Operator: %(value)s"),
    "import": N_("Operator file %(value)s"),
    "verification_id": N_("Verification %(value)s"),
    "call_id": N_("Call %(value)s"),
}
_DATES = ("registered_on", "terminated_on")


def describe_actor(actor: str, lang: str) -> str:
    """Say who acted: "Officer olivia", "Telephone hotline", "Demonstration data"."""
    kind, _, name = actor.partition(":")
    if actor in _ACTORS:
        return format_message(lang, _ACTORS[actor])
    if kind in _ACTOR_KINDS and name:
        return format_message(lang, _ACTOR_KINDS[kind], {"name": name})
    if kind in _ACTORS:
        return format_message(lang, _ACTORS[kind])
    return name or kind  # a bare name (a script's user) is shown as it is


def describe_details(details: dict[str, Any] | None, lang: str) -> list[str]:
    """Put an event's details into sentences, in a fixed order; unknown details are left out."""
    details = details or {}
    t = i18n.translator(lang)
    said: list[str] = []
    if details.get("channel") in _CHANNELS:
        said.append(format_message(lang, _CHANNELS[details["channel"]]))
    if details.get("verification") in _PROOFS:
        said.append(format_message(lang, _PROOFS[details["verification"]]))
    registers = details.get("registers")
    if isinstance(registers, list) and registers:
        names = [t(f"register_{register}") for register in registers]
        said.append(format_message(lang, N_("Registers: %(registers)s"),
                                   {"registers": format_message(lang, N_(", ")).join(names)}))
    for key, sentence in _DETAILS.items():
        value = details.get(key)
        if value in (None, ""):
            continue
        if key in _DATES:
            value = i18n.format_date(dt.date.fromisoformat(str(value)), lang)
        said.append(format_message(lang, sentence, {"value": value}))
    if "demo" in details:
        said.append(format_message(lang, N_("Demonstration data")))
    return said


def history_rows(history: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The events of listing_history() with their actor and details in words."""
    return [{**event, "by": describe_actor(str(event.get("actor") or ""), lang),
             "said": describe_details(event.get("details"), lang)} for event in history]
