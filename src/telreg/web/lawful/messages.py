"""The words of the lawful-access pages that code looks up by key: the HI-1 statuses, legal types, request
types, target formats, result states, the messages after a change and the confirmation steps.

The statuses are ETSI TS 103 120's words (hi1/dictionaries.py); a page never shows them as spelt there, but
in the page's language. The sentences are English msgids; their Chinese lives in the catalogs.
"""

from __future__ import annotations

from telreg.core.i18n import N_, Msgid
from telreg.web import i18n

__all__ = ["LAWFUL_MESSAGES", "word"]

LAWFUL_MESSAGES: dict[str, Msgid] = {
    # AuthorisationStatus and LDTaskStatus (an agency reads a refusal as "no records": requester_task_status).
    "la_status_AwaitingApproval": N_("Awaiting approval"),
    "la_status_Active": N_("In force"),
    "la_status_Rejected": N_("Rejected"),
    "la_status_Cancelled": N_("Cancelled"),
    "la_status_Invalid": N_("Revoked (invalid)"),
    "la_status_Expired": N_("Expired"),
    "la_status_AwaitingDisclosure": N_("Approved, awaiting release"),
    "la_status_Disclosed": N_("Released"),
    "la_status_DisclosureNotAvailable": N_("No records"),
    # AuthorisationLegalType
    "la_legal_Warrant": N_("Warrant"),
    "la_legal_Emergency": N_("Emergency"),
    # LDTask request types and target formats
    "la_request_SubscriberData": N_("Subscriber data"),
    "la_request_RegistrationHistory": N_("Registration history"),
    "la_format_InternationalE164": N_("Phone number"),
    "la_format_ICCID": N_("SIM card number (ICCID)"),
    "la_format_IdentityDocument": N_("Identity document"),
    # A result's state (lawful/models.py RESULT_STATES)
    "la_result_available": N_("Ready to download once"),
    "la_result_downloaded": N_("Downloaded"),
    "la_result_expired": N_("Expired unopened"),
    "la_result_destroyed": N_("Destroyed"),
    # The match preview's outcome (models.MATCH_OUTCOMES)
    "la_match_single": N_("One holder"),
    "la_match_none": N_("No records"),
    "la_match_ambiguous": N_("More than one holder: cannot be approved, reject it"),
    # An emergency's outcome
    "la_emergency_backed": N_("Backed by a warrant in time"),
    "la_emergency_revoked": N_("Not backed in time: release revoked, result destroyed, referred to the regulator"),
    # After a change (shown on the next page).
    "la_flash_filed": N_("Request %(reference)s is filed."),
    "la_flash_warrant": N_("The warrant is attached to request %(reference)s."),
    "la_flash_cancelled": N_("Request %(reference)s is cancelled."),
    "la_flash_endorsed": N_("Emergency request %(reference)s is endorsed; its tasks go to the operators."),
    "la_flash_refused": N_("Emergency request %(reference)s is refused."),
    "la_flash_approved": N_("Task %(reference)s is approved."),
    "la_flash_rejected": N_("Task %(reference)s is rejected."),
    "la_flash_released": N_("Task %(reference)s is released to the requesting officer."),
    # Confirmation steps (web/confirm.py).
    "la_confirm_cancel_title": N_("Cancel a request"),
    "la_confirm_cancel": N_("Cancel request %(reference)s? Its open tasks are withdrawn from the operators and a "
                            "result not yet downloaded is destroyed. This cannot be undone."),
    "la_confirm_cancel_button": N_("Yes, cancel the request"),
    "la_confirm_refuse_title": N_("Refuse an emergency request"),
    "la_confirm_refuse": N_("Refuse emergency request %(reference)s? It will reach no operator. This cannot be "
                            "undone."),
    "la_confirm_refuse_button": N_("Yes, refuse it"),
    "la_confirm_reject_title": N_("Reject a task"),
    "la_confirm_reject": N_("Reject task %(reference)s? The requesting agency is told there are no records. This "
                            "cannot be undone."),
    "la_confirm_reject_button": N_("Yes, reject the task"),
    "la_confirm_reason": N_("Reason"),
}

for _key, _message in LAWFUL_MESSAGES.items():
    i18n.MESSAGES.setdefault(_key, _message)


def word(prefix: str, code: str | None, lang: str) -> str:
    """A code in words (``word("la_status_", "Active", lang)``); a code without words shows as it is."""
    if not code:
        return ""
    key = f"{prefix}{code}"
    return i18n.translator(lang)(key) if key in LAWFUL_MESSAGES else code
