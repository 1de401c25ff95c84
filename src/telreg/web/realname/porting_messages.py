"""The words of the porting page that code looks up by key: request states and messages (errors carry their
own sentences, shown by common.explain).

The sentences are English msgids; their Chinese lives in the catalogs (src/telreg/locale).
"""

from __future__ import annotations

from telreg.core.i18n import N_, Msgid
from telreg.realname.words import PORT_STATE_NAMES

PORTING_MESSAGES: dict[str, Msgid] = {
    **{f"rn_port_state_{state}": word for state, word in PORT_STATE_NAMES.items()},  # realname/words.py
    "rn_port_flash_requested": N_("Port request %(id)s for %(number)s is recorded; %(operator)s decides it."),
    "rn_port_flash_completed": N_("%(number)s is ported to %(operator)s, registered to the same holder."),
    "rn_port_flash_rejected": N_("Port request %(id)s (%(number)s) is rejected."),
    "rn_port_flash_cancelled": N_("Port request %(id)s (%(number)s) is withdrawn."),
    "rn_port_confirm_reject_title": N_("Reject a port request"),
    "rn_port_confirm_reject": N_(
        "Reject port request %(id)s for %(number)s? The receiving operator is told the reason below. This "
        "cannot be undone."),
    "rn_port_confirm_reject_button": N_("Yes, reject the request"),
    "rn_port_confirm_cancel_title": N_("Withdraw a port request"),
    "rn_port_confirm_cancel": N_(
        "Withdraw port request %(id)s for %(number)s? To port the number later, ask again. This cannot be "
        "undone."),
    "rn_port_confirm_cancel_button": N_("Yes, withdraw the request"),
}
