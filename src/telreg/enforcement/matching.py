"""Who sent it: a report's sender identification as a case key, and the subscriber accounts it may be.

A sender identification is what the message showed: a number (``+852 3111 2222``, ``3111 2222``), a short code,
or a name (``ABC Telemarketing Ltd``). Cases group reports by one key (models.Case.sender_key):

    account:<id>            the sender is a subscriber (a unique match, or an officer's choice)
    number:<digits>         a number: Hong Kong numbers as their 8 digits, others as their digits with the prefix
    name:<words>            a name, casefolded, punctuation dropped, spaces collapsed

Accounts match by their name or login name, and by the aliases officers recorded (models.SenderAlias). More
than one account matching is reported as such (:class:`AccountMatch` lists them); nothing here picks one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from telreg.enforcement.models import SenderAlias
from telreg.senders.models import SenderAccount

__all__ = ["AccountMatch", "SenderKey", "match_accounts", "normalise_name", "normalise_sender_number",
           "sender_key"]

_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class SenderKey:
    kind: str  # account | number | name
    value: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class AccountMatch:
    account_ids: tuple[int, ...]  # sorted; empty: no subscriber matches; several: ambiguous

    @property
    def unique(self) -> int | None:
        return self.account_ids[0] if len(self.account_ids) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.account_ids) > 1


def normalise_name(name: str) -> str:
    """Casefold, drop punctuation, collapse spaces: 'ABC  Telemarketing, Ltd.' → 'abc telemarketing ltd'."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(_NOT_WORD.sub(" ", text).split())


def normalise_sender_number(identification: str) -> str | None:
    """The identification as a number key when it is one (at least 3 digits and nothing but number punctuation),
    else None. Hong Kong numbers become their 8 national digits; others keep all their digits."""
    stripped = identification.strip()
    if not stripped or not re.fullmatch(r"[+\d\s().\-]+", stripped) or len(_DIGITS.findall(stripped)) < 3:
        return None
    digits = "".join(_DIGITS.findall(stripped))
    for prefix in ("00852", "852"):  # a Hong Kong number however it was prefixed is its 8 digits
        if len(digits) == len(prefix) + 8 and digits.startswith(prefix):
            return digits[len(prefix):]
    return digits


def sender_key(identification: str, *, account_id: int | None = None) -> SenderKey:
    """The case key of a sender: the account when known, else the number, else the name."""
    if account_id is not None:
        return SenderKey("account", str(account_id))
    number = normalise_sender_number(identification)
    if number is not None:
        return SenderKey("number", number)
    return SenderKey("name", normalise_name(identification) or "unknown")


def match_accounts(session: Session, *, identification: str) -> AccountMatch:
    """The subscriber accounts an identification may be: by alias (number or name), account name or login name."""
    number = normalise_sender_number(identification)
    ids: set[int] = set()
    if number is not None:
        ids.update(session.scalars(select(SenderAlias.account_id).where(
            SenderAlias.kind == "number", SenderAlias.value == number)))
    else:
        name = normalise_name(identification)
        if name:
            ids.update(session.scalars(select(SenderAlias.account_id).where(
                SenderAlias.kind == "name", SenderAlias.value == name)))
            # Account names are compared normalised in Python: few accounts share a first word, so the SQL
            # narrows by a case-insensitive prefix and the exact rule is applied here.
            first = name.split()[0]
            candidates = session.execute(select(SenderAccount.id, SenderAccount.name, SenderAccount.username).where(
                or_(func.lower(SenderAccount.name).like(f"%{first}%"),
                    func.lower(SenderAccount.username) == name)))
            ids.update(row.id for row in candidates
                       if normalise_name(row.name) == name or row.username.lower() == name)
    return AccountMatch(tuple(sorted(ids)))
