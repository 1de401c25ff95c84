"""The outcome of a document check, and the small vocabulary the per-type checkers share."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from telreg.core.i18n import N_, Message

__all__ = ["Accepted", "DocumentCheck", "Rejected", "clean", "describe_length"]


@dataclass(frozen=True)
class DocumentCheck:
    """What a check found: valid or not, why, and the canonical number to store and index."""

    valid: bool
    # "ok" when valid; otherwise a sentence a person understands (never the number itself): the English as a
    # str (CLI, JSON, records), a Message that a page puts into its language (reason.in_language(lang)).
    reason: str
    doc_type: str
    normalised: str | None  # canonical form used for storage and the blind index; None when invalid
    date_of_birth: date | None  # when the document embeds one (resident ID, passport MRZ)
    holder_kind: str  # "person" or "organisation"
    # When the document carries its date of expiry (passport MRZ). Integrity only: whether an expired document
    # may still be used is for the caller (registration refuses it) to decide.
    expires_on: date | None = None


@dataclass(frozen=True)
class Accepted:
    """A checker's verdict for a valid document: the canonical number and any embedded dates."""

    normalised: str
    date_of_birth: date | None = None
    expires_on: date | None = None


class Rejected(Exception):
    """Raised inside a checker to stop at the first problem; becomes an invalid DocumentCheck.

    Reasons never quote the number: they end up in refusal records and logs, where a document number
    must not appear in clear. REASON is a marked template (``N_``) filled from PARAMS, or a Message already
    made; ``reason`` is the Message (its str is the English).
    """

    def __init__(self, reason: str, /, **params: Any) -> None:
        self.reason: str = reason if isinstance(reason, Message) else Message(reason, **params)
        super().__init__(str(self.reason))


def clean(value: str, *, drop: str = " \t\r\n") -> str:
    """Return VALUE in the canonical alphabet: NFKC (full-width Ａ１（ → A1( as typed by CJK input methods),
    upper case, with the characters in DROP removed."""
    text = unicodedata.normalize("NFKC", value).upper()
    return "".join(c for c in text if c not in drop)


def describe_length(text: str) -> Message:
    """Say how long TEXT is, for reasons such as "… this one has 7 characters"."""
    n = len(text)
    if n == 0:
        return Message(N_("no characters"))
    return Message(N_("1 character")) if n == 1 else Message(N_("%(count)s characters"), count=n)
