"""The words of the incident pages that code looks up by key: categories, states, kinds of scope item, what a
freeze did, the messages after a change and the confirmation steps.

The sentences are English msgids; their Chinese lives in the catalogs. They join the pages' keyed words
(web/i18n.MESSAGES) when this package is imported, so ``t("inc_state_open")`` and the flash after a redirect read
them like every other page's words.
"""

from __future__ import annotations

from telreg.core.i18n import N_, Msgid
from telreg.incidents.freeze import OUTCOMES
from telreg.web import i18n

__all__ = ["INCIDENT_MESSAGES"]

INCIDENT_MESSAGES: dict[str, Msgid] = {
    "inc_category_leak": N_("Leak"),
    "inc_category_damage": N_("Damage"),
    "inc_category_loss": N_("Loss"),
    "inc_category_wrong-person-disclosure": N_("Disclosure to the wrong person"),
    "inc_category_other": N_("Other"),
    "inc_state_open": N_("Open"),
    "inc_state_contained": N_("Contained"),
    "inc_state_closed": N_("Closed"),
    "inc_kind_account": N_("Staff account"),
    "inc_kind_api-key": N_("Sender API key"),
    "inc_kind_certificate": N_("e-Cert"),
    "inc_kind_two-factor": N_("Authenticator"),
    **{f"inc_outcome_{key}": words for key, words in OUTCOMES.items()},
    "inc_window_from": N_("Window from"),
    "inc_window_to": N_("Window to"),
    "inc_due": N_("Due"),
    "inc_flash_opened": N_("Incident %(reference)s opened; its scope is frozen."),
    "inc_flash_step_added": N_("Step added."),
    "inc_flash_step_done": N_("Step marked done."),
    "inc_flash_contained": N_("Incident %(reference)s marked contained."),
    "inc_flash_closed": N_("Incident %(reference)s closed."),
    "inc_flash_unfrozen": N_("%(identifier)s unfrozen."),
    "inc_confirm_open_title": N_("Open the incident and freeze its scope?"),
    "inc_confirm_open": N_("Opening the incident freezes at once: the staff accounts named are deactivated and "
                           "signed out, the e-Certs are put on hold, the authenticators are removed and the API "
                           "keys are revoked."),
    "inc_confirm_open_keys": N_("Revoking an API key cannot be undone: the sender will need a new key."),
    "inc_confirm_open_button": N_("Open and freeze"),
    "inc_confirm_contain_title": N_("Mark the incident contained?"),
    "inc_confirm_contain": N_("Confirm that the leak, damage or loss has stopped. The frozen accounts and "
                              "certificates can then be unfrozen one by one."),
    "inc_confirm_contain_button": N_("Mark contained"),
    "inc_confirm_close_title": N_("Close the incident?"),
    "inc_confirm_close": N_("Closing records the summary and ends the incident. Nothing can be changed "
                            "afterwards."),
    "inc_confirm_close_button": N_("Close the incident"),
}

for _key, _message in INCIDENT_MESSAGES.items():
    i18n.MESSAGES.setdefault(_key, _message)
