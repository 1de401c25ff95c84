"""What a person reads on a page, and two checks on it: raw internal values, and English on a Chinese page.

``visible_text(html)`` is the text of a page as served (tags, scripts and styles removed, entities decoded); a
browser test passes ``page.inner_text("body")`` instead. Both checks return what they found, so a failing
assertion shows the offending words.

- ``raw_values(text)``: the audit trail's and the code's spellings (``sender:1``, ``officer:olivia``,
  ``['fax', 'sms']``, ``{'a': 1}``, ``cn-resident-id``, ``not-stated``, ``operator-staff``...).
- ``english_runs(text, names=...)``: two or more ASCII words in a row, once names (of people, companies,
  operators, files), e-mail addresses, web addresses, numbers and codes with digits are taken out.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterable

from telreg.core.users import ROLES
from telreg.dnc.vocabulary import Channel, ListingEvent, Verification
from telreg.ecert.applications import SUBSCRIBER_PROFILES
from telreg.realname.words import CAPTURE_NAMES, DOCUMENT_NAMES, STATE_NAMES
from telreg.senders.vocabulary import AccountState, Capacity, PaymentMethod

__all__ = ["CODE_SPELLINGS", "english_runs", "raw_values", "visible_text"]


def _spellings(values: Iterable[str]) -> set[str]:
    # Only the codes a word cannot be mistaken for: joined by "-" or "_" ("caller-id", "card_reader").
    return {value for value in values if "-" in value or "_" in value}


CODE_SPELLINGS = frozenset(
    _spellings(ROLES)
    | _spellings(c.value for c in Channel) | _spellings(v.value for v in Verification)
    | _spellings(e.value for e in ListingEvent)
    | _spellings(s.value for s in AccountState) | _spellings(c.value for c in Capacity)
    | _spellings(m.value for m in PaymentMethod)
    | _spellings(DOCUMENT_NAMES) | _spellings(CAPTURE_NAMES) | _spellings(STATE_NAMES)
    | {"not-stated", "awaiting-payment", "operator_staff", "3-months", "12-months"}
    | _spellings(SUBSCRIBER_PROFILES) | {"root-ca", "issuing-ca", "ocsp-signing"}  # e-Cert profiles
)
# <pre> blocks are commands and file contents to copy as they are (openssl's options, a checksum line): not prose
# a reader is given in a language, so neither English runs nor code spellings are looked for in them.
_TAGGED = re.compile(r"<(script|style|template|pre)\b.*?</\1\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_KEYED = re.compile(r"\b[a-z][a-z_-]*:\d+\b"
                    r"|\b(?:officer|staff|sender|system|ivr|api-key|verification):[\w.-]+")
_REPR = re.compile(r"[\[{(]\s*'[^']*'|[\[{]\s*\"")
# A code inside a longer token (a file name, an address, a longer code) is that token, not the code.
_CODES = "|".join(re.escape(code) for code in sorted(CODE_SPELLINGS, key=len, reverse=True))
_CODE = re.compile(r"(?<![\w.@/-])(" + _CODES + r")(?![\w@/-]|\.\w)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\b(?:https?://|www\.)\S+|(?<!\w)/[\w./?=&%-]+")
_FILE = re.compile(r"[\w.-]+\.(?:pdf|csv|zip|png|jpe?g|txt|sha256|md5|json|p7s|crt|pem|crl|p12)\b", re.I)
_WITH_DIGIT = re.compile(r"\S*\d\S*")
_RUN = re.compile(r"[A-Za-z][A-Za-z'’]*(?:[ \t\u00a0]+[A-Za-z][A-Za-z'’]*)+")


def visible_text(page_html: str) -> str:
    """The text of an HTML page as read: no tags, scripts or styles; entities decoded; spaces collapsed."""
    text = _TAG.sub(" ", _TAGGED.sub(" ", page_html))
    return " ".join(html_lib.unescape(text).split())


def raw_values(text: str) -> list[str]:
    """The internal values found in the text: keyed actors, Python list/dict spellings, code spellings."""
    found = [m.group(0) for m in _KEYED.finditer(text)] + [m.group(0) for m in _REPR.finditer(text)]
    return found + [m.group(1) for m in _CODE.finditer(_EMAIL.sub(" ", text))]


def english_runs(text: str, *, names: Iterable[str] = ()) -> list[str]:
    """Runs of two or more ASCII words left once names, addresses, file names and numbers are taken out."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    for pattern in (_EMAIL, _URL, _FILE, _WITH_DIGIT):
        text = pattern.sub(" ", text)
    return [m.group(0) for m in _RUN.finditer(text)]
