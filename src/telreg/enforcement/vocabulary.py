"""The words of enforcement: where a report came from, how it was proved, what the assessment found, the steps of
a case and of an enforcement notice. The tables' check constraints are built from these tuples (models.py), so the
words cannot drift between the code and the database.
"""

from __future__ import annotations

import datetime as dt

from telreg.dnc.vocabulary import Register

REGISTERS = tuple(r.value for r in Register)
UNSURE = "unsure"  # the reporter does not know which register the message concerns
REGISTER_CLAIMS = (*REGISTERS, UNSURE)
# The registers started with Phase 2 of the Unsolicited Electronic Messages Ordinance: no message before this day
# can have been sent to a listed number (a report's arrival time is refused before it).
REGISTERS_STARTED = dt.date(2007, 12, 22)

# online: the public form or API; phone / paper: taken by an officer; operator-feed: a message at a seed number
# reported by an operator's feed (or an officer on its behalf).
REPORT_SOURCES = ("online", "phone", "paper", "operator-feed")
# awaiting-proof: an online report whose reporter has not yet keyed the one-time code (kept out of every count
# and queue; lapses after settings.report_code_minutes); received: proved or officer-recorded; withdrawn by the
# reporter; lapsed: never proved.
REPORT_STATES = ("awaiting-proof", "received", "withdrawn", "lapsed")
PROOFS = ("sms-code", "call-code", "officer", "operator-feed")
CONTACT_KINDS = ("email", "sms", "none")

VERDICTS = ("not_listed", "not_yet_protected", "consent_recorded", "apparent_contravention", "unsubscribe_ignored",
            "insufficient_information")
# Verdicts that count against the sender (the case's weight, and a breach of a notice after its deadline).
ADVERSE_VERDICTS = ("apparent_contravention", "unsubscribe_ignored")

ATTACHMENT_KINDS = ("screenshot", "fax-image", "audio", "document")

# A case gathers the reports about one sender (cases.py): collecting → investigating → one of the decisions;
# a notice's life is kept on the notice (NOTICE_STATES) and mirrored here for the queue.
CASE_STATES = ("collecting", "investigating", "no-action", "warning", "notice-served", "complied", "referred",
               "closed")
CASE_ORIGINS = ("reports", "seed-number", "officer")
CASE_DECISIONS = ("no-action", "warning", "enforcement-notice")
SENDER_KEY_KINDS = ("account", "number", "name")

CASE_EVENTS = ("opened", "report-added", "investigation-opened", "information-requested", "reply-recorded",
               "evidence-added", "decided", "notice-issued", "notice-served", "compliance-checked",
               "report-flagged", "referred", "closed", "note", "seed-hit", "sender-linked")
DOCUMENT_KINDS = ("information-request", "enforcement-notice", "reply", "evidence")
NOTICE_STATES = ("issued", "served", "complied", "breached", "referred", "withdrawn")
SERVICE_METHODS = ("post", "registered-post", "hand", "email", "fax")

# The fine scale (fines.py): revisable, effective-dated rows per offence, never constants in code.
OFFENCES = ("notice-first", "notice-subsequent", "notice-continuing", "register-misuse")
FINE_UNITS = ("fixed", "per-day")

SEED_STATES = ("free", "assigned", "retired")
