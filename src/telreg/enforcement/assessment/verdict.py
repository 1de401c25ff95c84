"""The verdict class of a report, from the listing on each register and the sender's instruction in force.

Precedence, for one register and one sender (the first that applies wins):

1. ``unsubscribe_ignored``: the sender's instruction in force at the arrival (the latest given at or before it; an
   unsubscribe wins a tie at the same second) is an unsubscribe that had become binding: UEMO s.10 gives a sender
   10 working days to honour one, and until then the instruction before it stands (compose.py looks it up). It
   outranks everything, "not listed" included: an unsubscribe request binds whether or not the number is on a
   register, and the scrub treats it the same way (blocked_unsubscribed comes before every listing decision,
   senders/scrub/engine.py).
2. ``insufficient_information``: the listing history cannot say whether the number was listed (a removal that does
   not give the registration date it removed).
3. ``not_listed``: the number was not on the register when the message arrived.
4. ``not_yet_protected``: listed, but protection had not started on the arrival day.
5. ``consent_recorded``: listed and protected, and the instruction in force is a consent (a defence against the register).
6. ``apparent_contravention``: listed and protected, and no consent.

A report is assessed on every register it may concern (all of them when the reporter was not sure and the
attachments do not tell) and for every account the sender may be (the one known, none when it is not a
subscriber, or each candidate when its identification matches several). When all these give the same verdict it
is the report's — whichever register or account it was, the answer is the same. When they differ the report's
verdict is ``insufficient_information``: the kind of message (registers differ) or the sender (candidates differ)
must be told first. A sender who is not a subscriber has no instruction on the platform, so its verdict follows
from the listing alone.

A message at a seed number is assessed like any other: a seed is never a real listing, so its verdict is usually
``not_listed``; what matters is the ``seed-number`` line naming the account whose copy it traces (the intake opens
a leak-trace case for it, cases.open_seed_case), not the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LISTED", "NOT_LISTED", "NOT_YET", "UNKNOWN", "Decision", "decide", "verdict_for"]

LISTED, NOT_YET, NOT_LISTED, UNKNOWN = "protected", "not-yet-protected", "not-listed", "unknown"


def verdict_for(listing: str, instruction: str | None) -> str:
    """The verdict for one register and one sender (see the precedence above)."""
    if instruction == "unsubscribe":
        return "unsubscribe_ignored"
    if listing == UNKNOWN:
        return "insufficient_information"
    if listing == NOT_LISTED:
        return "not_listed"
    if listing == NOT_YET:
        return "not_yet_protected"
    if instruction == "consent":
        return "consent_recorded"
    return "apparent_contravention"


@dataclass(frozen=True)
class Decision:
    """The report's verdict; ``why``: single (all agree) | registers (they differ) | senders (candidates differ)
    | history (the listing history cannot say); ``per_register``/``per_sender``: the verdicts that differed."""

    verdict: str
    why: str
    per_register: dict[str, str]
    per_sender: dict[str, list[str]]


def decide(listings: dict[str, str], instructions: dict[tuple[int | None, str], str | None],
           senders: tuple[int | None, ...]) -> Decision:
    """The report's verdict from each register's listing (register → LISTED | NOT_YET | NOT_LISTED | UNKNOWN) and
    each sender's instruction in force per register ((account or None, register) → consent | unsubscribe | None)."""
    table = {(s, r): verdict_for(listing, instructions.get((s, r))) for r, listing in listings.items()
             for s in senders}
    found = set(table.values())
    if len(found) == 1:
        verdict = found.pop()
        why = "history" if verdict == "insufficient_information" else "single"
        return Decision(verdict, why, {}, {})
    per_register = {r: sorted({v for (s, reg), v in table.items() if reg == r}) for r in listings}
    if any(len(v) > 1 for v in per_register.values()):
        per_sender = {str(s): sorted({v for (x, _), v in table.items() if x == s}) for s in senders}
        return Decision("insufficient_information", "senders", {}, per_sender)
    return Decision("insufficient_information", "registers", {r: v[0] for r, v in per_register.items()}, {})
