"""The words of consent: purposes, decisions and channels as people read them (pages, errors, the export).

Codes stay codes in the API and in English sentences of errors (``value-added-marketing``); a page and a
Chinese sentence name them (增值服務推廣). A purpose a policy adds without a name here is shown as its code.
"""

from __future__ import annotations

from collections.abc import Iterable

from telreg.core.i18n import N_, NP_, Message, Msgid
from telreg.realname import words

__all__ = ["CHANNEL_NAMES", "CONTROLLER_CA_NAME", "DECISION_NAMES", "PURPOSE_NAMES", "channel", "purpose",
           "purposes"]

PURPOSE_NAMES: dict[str, Msgid] = {
    "value-added-marketing": N_("Value-added marketing"),
}
DECISION_NAMES: dict[str, Msgid] = {
    "granted": NP_("consent_decision", "Granted"),
    "withdrawn": NP_("consent_decision", "Withdrawn"),
}
CHANNEL_NAMES: dict[str, Msgid] = {
    "counter": N_("At the counter"),
    "web": N_("On the web site"),
    "sms": N_("By SMS"),
    "call": N_("By telephone"),
    "letter": N_("By letter or paper form"),
    "api": N_("Through the operator's system"),
}
# The platform's certification authority as a controller (it has no row among the operators).
CONTROLLER_CA_NAME = N_("The e-Cert certification authority")


def purpose(code: str) -> str:
    """Name a purpose: its code in English sentences, its name in the other languages."""
    name = PURPOSE_NAMES.get(code)
    return Message.term(code, name) if name is not None else code


def purposes(codes: Iterable[str]) -> Message:
    """Name several purposes as a list."""
    return words.comma_list(purpose(code) for code in codes)


def channel(code: str) -> str:
    """Name a channel: its code in English sentences, its name in the other languages."""
    name = CHANNEL_NAMES.get(code)
    return Message.term(code, name) if name is not None else code
