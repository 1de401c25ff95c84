"""The regulator's words for lawful access's codes: statuses as they really are, legal types, the data asked for,
target formats, outcomes; and the keyed messages of the oversight pages (flash, confirmation step).

Marked with a context of their own (``NP_("lawful oversight", …)``): the regulator reads the truth ("Rejected
by the operator") where an agency's page says something else, so these must not share the agency pages'
translations.
"""

from __future__ import annotations

from collections.abc import Callable

from telreg.core.i18n import N_, NP_, Msgid, translate
from telreg.web import i18n

__all__ = ["OVERSIGHT_MESSAGES", "TABLES", "namer"]


STATUS: dict[str, Msgid] = {
    "AwaitingApproval": NP_("lawful oversight", "Awaiting approval"),
    "Active": NP_("lawful oversight", "In force"),
    "Rejected": NP_("lawful oversight", "Rejected"),
    "Cancelled": NP_("lawful oversight", "Cancelled"),
    "Invalid": NP_("lawful oversight", "Invalid (revoked)"),
    "Expired": NP_("lawful oversight", "Expired"),
    "AwaitingDisclosure": NP_("lawful oversight", "Approved, awaiting release"),
    "Disclosed": NP_("lawful oversight", "Disclosed"),
    "DisclosureNotAvailable": NP_("lawful oversight", "No records"),
}
LEGAL_TYPE: dict[str, Msgid] = {
    "Warrant": NP_("lawful oversight", "Warrant"),
    "Emergency": NP_("lawful oversight", "Emergency"),
}
REQUEST_TYPE: dict[str, Msgid] = {
    "SubscriberData": NP_("lawful oversight", "Subscriber data"),
    "RegistrationHistory": NP_("lawful oversight", "Registration history"),
}
TARGET_FORMAT: dict[str, Msgid] = {
    "InternationalE164": NP_("lawful oversight", "Phone number"),
    "ICCID": NP_("lawful oversight", "SIM card (ICCID)"),
    "IdentityDocument": NP_("lawful oversight", "Identity document"),
}
OUTCOME: dict[str, Msgid] = {
    "disclosed": NP_("lawful oversight", "Disclosed"),
    "no-records": NP_("lawful oversight", "No records"),
    "rejected": NP_("lawful oversight", "Rejected"),
    "cancelled": NP_("lawful oversight", "Cancelled"),
    "invalid": NP_("lawful oversight", "Invalid, revoked or expired"),
    "pending": NP_("lawful oversight", "Pending"),
}
EMERGENCY: dict[str, Msgid] = {
    "backed-in-time": NP_("lawful oversight", "Backed by a warrant in time"),
    "backed-late": NP_("lawful oversight", "Backed late"),
    "revoked": NP_("lawful oversight", "Not backed in time: revoked"),
    "not-released": NP_("lawful oversight", "Never released"),
    "pending": NP_("lawful oversight", "Awaiting a warrant"),
}
MATCH: dict[str, Msgid] = {
    "single": NP_("lawful oversight", "One holder"),
    "none": NP_("lawful oversight", "No records"),
    "ambiguous": NP_("lawful oversight", "More than one holder"),
}
STEP: dict[str, Msgid] = {
    "reject": NP_("lawful oversight", "Rejected by the operator"),
    "refuse-endorsement": NP_("lawful oversight", "Endorsement refused by the agency's supervisor"),
}
TABLES: dict[str, dict[str, Msgid]] = {
    "status": STATUS, "legal_type": LEGAL_TYPE, "request_type": REQUEST_TYPE, "target_format": TARGET_FORMAT,
    "outcome": OUTCOME, "emergency": EMERGENCY, "match": MATCH, "step": STEP,
}

OVERSIGHT_MESSAGES: dict[str, Msgid] = {
    "lo_flash_reported": N_("The wrong-person incident on task %(reference)s is recorded."),
    "lo_confirm_title": N_("Report a wrong-person incident"),
    "lo_confirm_question": N_("Record that task %(reference)s of request %(request)s disclosed the records of "
                              "the wrong person? The incident is kept in the audit trail and counted in the "
                              "transparency report. This cannot be undone."),
    "lo_confirm_note": N_("Note"),
    "lo_confirm_button": N_("Yes, record the incident"),
    "lo_no_operator": N_("No operator (no records)"),
}
for _key, _message in OVERSIGHT_MESSAGES.items():
    i18n.MESSAGES.setdefault(_key, _message)


def namer(lang: str) -> Callable[[str, str | None], str]:
    """``say(table, code)``: a code in LANG's words (a code without words shows as it is; None as nothing)."""

    def say(table: str, code: str | None) -> str:
        if code is None:
            return ""
        msgid = TABLES[table].get(code)
        return translate(lang, msgid) if msgid is not None else code

    return say
