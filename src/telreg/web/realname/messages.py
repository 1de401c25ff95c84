"""The words of the real-name pages that code looks up by key: documents, capture methods, services, lines,
number states, refusal codes' short names (the dashboard). Errors and refusals carry their own sentences
(realname/, core/i18n.Message) and are shown whole in the page's language (common.explain).

The sentences are English msgids; their Chinese lives in the catalogs (src/telreg/locale).
"""

from __future__ import annotations

from telreg.core.i18n import N_, Msgid
from telreg.realname.words import CAPTURE_NAMES, DOCUMENT_NAMES, LINE_NAMES, STATE_NAMES

# The vocabulary comes from realname/words.py, where the refusals' sentences name the same things.
_VOCABULARY = {"rn_doc_": DOCUMENT_NAMES, "rn_capture_": CAPTURE_NAMES, "rn_line_": LINE_NAMES,
               "rn_state_": STATE_NAMES}

REALNAME_MESSAGES: dict[str, Msgid] = {
    **{prefix + code: word for prefix, words in _VOCABULARY.items() for code, word in words.items()},
    "rn_service_prepaid": N_("Prepaid"),
    "rn_service_postpaid": N_("Postpaid (monthly)"),
    "rn_kind_person": N_("Person"),
    "rn_kind_organisation": N_("Organisation"),
    "rn_lk_flash_flagged": N_("Number %(number)s is flagged for the operator to investigate."),
    "rn_lk_flash_already": N_("Number %(number)s was flagged already; the operator is looking into it."),
    "rn_refusal_unknown_operator": N_("Unknown operator."),
    "rn_refusal_invalid_number": N_("The number is not valid."),
    "rn_refusal_number_other_operator": N_("The number belongs to another operator."),
    "rn_refusal_number_registered": N_("The number is already registered; use a transfer."),
    "rn_refusal_number_unavailable": N_("The number cannot be registered in its present state."),
    "rn_refusal_document_not_accepted": N_("This document type is not accepted."),
    "rn_refusal_manual_entry_forbidden": N_(
        "This document may not be typed in by hand: use a card reader or online verification."),
    "rn_refusal_capture_not_allowed": N_("This way of reading the document is not allowed."),
    "rn_refusal_invalid_document": N_("The document is not valid."),
    "rn_refusal_document_expired": N_("The document has expired."),
    "rn_refusal_date_of_birth_in_future": N_("The date of birth is in the future."),
    "rn_refusal_minor_without_guardian": N_("The holder is a minor: an adult must confirm the registration."),
    "rn_refusal_guardian_minor": N_("The guardian must be an adult."),
    "rn_refusal_agent_minor": N_("The agent must be an adult."),
    "rn_refusal_handler_minor": N_("The handler must be an adult."),
    "rn_refusal_agent_not_allowed": N_("Registering on another's behalf is not allowed."),
    "rn_refusal_handler_required": N_("An organisation registers through a handler."),
    "rn_refusal_agent_letter_required": N_("The holder's letter authorising the agent is needed."),
    "rn_refusal_required_field_missing": N_(
        "A detail printed on the document (e.g. the address) is missing."),
    "rn_refusal_authorisation_letter_required": N_("The organisation's authorisation letter is needed."),
    "rn_refusal_identity_impostor": N_(
        "The verification service reports that the document belongs to someone else."),
    "rn_refusal_document_forged": N_("The verification service reports the document as forged or altered."),
    "rn_refusal_document_lost": N_("The verification service reports the document as lost or stolen."),
    "rn_refusal_capture_unproven": N_(
        "This document must be read by a card reader or verified online, with the device's or "
        "service's proof."),
    "rn_refusal_capture_proof_invalid": N_(
        "The reader's or verification service's proof does not match this document, or has expired."),
    "rn_refusal_identity_mismatch": N_("The document is on record with another name or date of birth."),
    "rn_refusal_quota_reached": N_("The holder has reached the quota of numbers with this operator."),
    "rn_q_flash_closed": N_("Flag %(id)s (%(number)s) is closed."),
    "rn_file_handler_letter_file": N_("The organisation's authorisation letter"),
    "rn_file_agent_letter_file": N_("The holder's letter authorising the agent"),
}
