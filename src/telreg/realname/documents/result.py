"""The outcome of a document check, and the small vocabulary the per-type checkers share."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

__all__ = ["Accepted", "DocumentCheck", "Rejected", "clean", "describe_length"]


@dataclass(frozen=True)
class DocumentCheck:
    """What a check found: valid or not, why, and the canonical number to store and index."""

    valid: bool
    reason: str  # "ok" when valid; otherwise a sentence a person understands (never the number itself)
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
    must not appear in clear.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def clean(value: str, *, drop: str = " \t\r\n") -> str:
    """Return VALUE in the canonical alphabet: NFKC (full-width Ａ１（ → A1( as typed by CJK input methods),
    upper case, with the characters in DROP removed."""
    text = unicodedata.normalize("NFKC", value).upper()
    return "".join(c for c in text if c not in drop)


def describe_length(text: str) -> str:
    """Say how long TEXT is, for reasons such as "… this one has 7 characters"."""
    n = len(text)
    return "no characters" if n == 0 else f"{n} character" + ("" if n == 1 else "s")
