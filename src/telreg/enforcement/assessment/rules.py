"""The rules behind the assessment's lines, and the verdict sentences: each line cites one (catalog msgids)."""

from __future__ import annotations

from telreg.core.i18n import N_

__all__ = ["R_CALENDAR", "R_CHECKS", "R_DOWNLOADS", "R_INSTRUCTION", "R_LISTED", "R_PROTECTION", "R_PUBLICATION",
           "R_REGISTER", "R_REMOVAL", "UNSUBSCRIBE_WORKING_DAYS", "R_SEED", "R_SENDER", "R_SUBSCRIPTION", "R_VERDICT", "R_WASHES",
           "UNKNOWN_SENDER", "VERDICT_FINDINGS"]

R_REGISTER = N_("The register is the one the message concerns: fax for a fax, SMS for a short message, "
                "pre-recorded for a pre-recorded telephone message. When the reporter is not sure, every register "
                "is assessed, and the verdict stands only if they all give the same one.")
R_LISTED = N_("A number is on a register from its registration until it is deregistered or removed as a terminated "
              "number. This is read from the listing's append-only history as it stood when the message arrived, "
              "the same way the publications read it.")
R_REMOVAL = N_("A deregistered number, or one removed because its service was terminated, is not listed from the "
               "moment of its removal; registering it again starts a new listing with a new registration date, "
               "and protection counts from that date.")
R_PROTECTION = N_("A number is protected from the %(days)sth working day after its registration date (UEMO Part 2; "
                  "s.2 'working day'): Sundays, general holidays and days on which a black rainstorm or gale "
                  "(typhoon signal 8 or above) warning was in force between %(window)s are not working days; "
                  "Saturdays are. A message on the day protection starts, at any time that day (Hong Kong time), "
                  "is covered; a message the day before is not.")
R_CALENDAR = N_("Working days are counted strictly after the registration date, with the calendar as it stood when "
                "the message arrived: the general holidays (Cap. 149), Sundays, and the warning days recorded by "
                "then.")
R_PUBLICATION = N_("Senders learn of listings from the publications: the publication of a day carries the listings "
                   "registered on or before that day that still stood at its close (23:00 Hong Kong time), and "
                   "exists from the moment it is published.")
R_SEED = N_("A seed number is held by the regulator and appears only in one account's copies of a register: a "
            "message to it was sent from a list made from that account's copy, or from a copy it passed on.")
R_SENDER = N_("A report names its sender as the message showed it. It is matched to subscriber accounts by their "
              "names, login names and the aliases officers recorded; when several match, an officer chooses.")
R_SUBSCRIPTION = N_("A subscription runs from its first day up to, but not including, its end date; while it runs "
                    "the subscriber may download the register and wash its lists.")
R_DOWNLOADS = N_("The download log records every register file handed to a sender (account, file, time). A numbers "
                 "or dated file carries every listing of its publication; a change file carries only the changes "
                 "since the publication before it.")
R_CHECKS = N_("The online-check log keeps how many numbers each check held, not which numbers: it cannot say "
              "whether this number was checked.")
R_WASHES = N_("A wash's results (the kept and rejected lines, and the signed receipt naming the publication used) "
              "are kept for the retention period; while they are, the lines of the list holding the number and "
              "the wash's decision for them can be read.")
R_INSTRUCTION = N_("The latest instruction given at or before the message's arrival is in force, on any of the "
                   "sender's lists; when a consent and an unsubscribe were given at the same second, the unsubscribe "
                   "wins. A consent is a defence against the register; an unsubscribe must be honoured whether or "
                   "not the number is listed, from the %(days)sth working day after it was given (UEMO s.10): "
                   "until then the instruction before it stands.")
# UEMO s.10: a sender has 10 working days to honour an unsubscribe request (a statutory period, like the
# protection's; counted with the same calendar as it stood when the message arrived).
UNSUBSCRIBE_WORKING_DAYS = 10
R_VERDICT = N_("Precedence: an unsubscribe in force comes first, whether or not the number is listed; then not "
               "listed; then not yet protected; then a consent in force (a defence); otherwise an apparent "
               "contravention. When the registers or the accounts the sender may be give different verdicts, or "
               "the history cannot say, the information is insufficient.")
UNKNOWN_SENDER = N_("Not known until an officer chooses which of the matching accounts sent the message.")

VERDICT_FINDINGS = {
    "not_listed": N_("Verdict: not listed. The number was not on the register when the message arrived."),
    "not_yet_protected": N_("Verdict: not yet protected. The number was listed, but its protection had not "
                            "started when the message arrived."),
    "consent_recorded": N_("Verdict: consent recorded. The sender holds the recipient's consent, which is a "
                           "defence."),
    "apparent_contravention": N_("Verdict: apparent contravention. The number was listed and protected, and the "
                                 "sender records no consent."),
    "unsubscribe_ignored": N_("Verdict: unsubscribe ignored. The recipient had told this sender to stop, and the "
                              "message was sent all the same."),
}
