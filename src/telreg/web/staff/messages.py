"""The words of the staff pages that code looks up by key (flash messages); the Chinese is in the catalogs."""

from __future__ import annotations

from telreg.core.i18n import N_, Msgid

STAFF_MESSAGES: dict[str, Msgid] = {
    "flash_mail_requeued": N_("Failed mails queued again for delivery: %(count)s."),
}
