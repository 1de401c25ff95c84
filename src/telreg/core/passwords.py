"""The one policy for every secret a person chooses: how it is hashed, and which passwords are refused.

**Strength.** Staff and sender passwords pass the same :func:`check_strength`: at least ``MIN_LENGTH``
characters, no space at either end, not containing the username, and a zxcvbn estimate (Dropbox's guess
counter: common passwords, names and words, keyboard patterns, repeats, sequences, dates) of at least
``MIN_SCORE``. Each refusal is a :class:`WeakPassword` with a stable code and parameters, so every language
can say it from the catalogs:

    WeakPassword (422 weak_password)
    ├── PasswordTooShort (password_too_short: min_length)
    ├── PasswordEdgeSpace (password_edge_space)
    ├── PasswordContainsUsername (password_contains_username)
    ├── PasswordTooCommon (password_too_common: warning)        a common password or close to one
    ├── PasswordTooWeak (password_too_weak: warning, score, min_score)
    └── PasswordUnchanged (password_unchanged)                  a new password equal to the current one

``warning`` is zxcvbn's feedback warning as a stable code (the keys zxcvbn-ts uses, in snake case:
``top_ten``, ``common``, ``similar_to_common``, ``sequences``, ``dates``...; ``none`` when zxcvbn names none).

**Hashing.** Production uses argon2-cffi's defaults (RFC 9106's low-memory profile). The test suite creates
hundreds of accounts; at ~60 ms a hash that dominated its run time, so ``TELREG_PASSWORD_HASHING=fast``
selects the cheapest parameters — refused in production by Settings. Hashes carry their own parameters, so
either profile verifies the other's, and ``check_needs_rehash`` upgrades a fast hash at the next sign-in under
the standard profile.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_, Msgid

__all__ = [
    "MIN_LENGTH",
    "MIN_SCORE",
    "PROFILES",
    "PasswordContainsUsername",
    "PasswordEdgeSpace",
    "PasswordTooCommon",
    "PasswordTooShort",
    "PasswordTooWeak",
    "PasswordUnchanged",
    "WeakPassword",
    "check_strength",
    "hash_secret",
    "hasher",
    "matches",
    "upgraded",
    "use_profile",
]

PROFILES: dict[str, PasswordHasher] = {
    "standard": PasswordHasher(),
    "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}

_current = PROFILES["standard"]


def use_profile(name: str) -> None:
    """Select the hashing profile for this process (the runtime does it from its settings)."""
    global _current
    _current = PROFILES[name]


def hasher() -> PasswordHasher:
    return _current


def hash_secret(secret: str) -> str:
    return _current.hash(secret)


def matches(hashed: str, secret: str) -> bool:
    """Whether ``secret`` is the one hashed; a malformed hash is simply no match."""
    try:
        return _current.verify(hashed, secret)
    except (VerificationError, InvalidHashError):
        return False


def upgraded(hashed: str, secret: str) -> str | None:
    """A new hash of a just-verified secret when the stored one uses weaker parameters than today's, else None."""
    return _current.hash(secret) if _current.check_needs_rehash(hashed) else None


# ---- strength -------------------------------------------------------------------------------------------

MIN_LENGTH = 10
MIN_SCORE = 3  # zxcvbn's 0-4 scale; 3: "safely unguessable", about 10^8 guesses or more
_ANALYSED = 128  # zxcvbn's time grows fast with length; characters past these only add strength
_SHORTEST_NAME = 3  # a shorter username is inside too many good passwords to refuse them all
_NAME_PARTS = re.compile(r"[._-]+")


class WeakPassword(InvalidInput):
    """A password the policy refuses; the subclass (and its code) says why."""

    code = "weak_password"


class PasswordTooShort(WeakPassword):
    code = "password_too_short"


class PasswordEdgeSpace(WeakPassword):
    code = "password_edge_space"


class PasswordContainsUsername(WeakPassword):
    code = "password_contains_username"


class PasswordTooCommon(WeakPassword):
    code = "password_too_common"


class PasswordTooWeak(WeakPassword):
    code = "password_too_weak"


class PasswordUnchanged(WeakPassword):
    code = "password_unchanged"


# zxcvbn (Python) words its warning as an English sentence; these are the codes zxcvbn-ts gives them.
_WARNING_CODES = {
    "Straight rows of keys are easy to guess.": "straight_row",
    "Short keyboard patterns are easy to guess.": "key_pattern",
    'Repeats like "aaa" are easy to guess.': "simple_repeat",
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': "extended_repeat",
    'Sequences like "abc" or "6543" are easy to guess.': "sequences",
    "Recent years are easy to guess.": "recent_years",
    "Dates are often easy to guess.": "dates",
    "This is a top-10 common password.": "top_ten",
    "This is a top-100 common password.": "top_hundred",
    "This is a very common password.": "common",
    "This is similar to a commonly used password.": "similar_to_common",
    "A word by itself is easy to guess.": "word_by_itself",
    "Names and surnames by themselves are easy to guess.": "names_by_themselves",
    "Common names and surnames are easy to guess.": "common_names",
}
_COMMON = frozenset({"top_ten", "top_hundred", "common", "similar_to_common"})
# One whole sentence per warning, so that a translator sees each as it is shown.
_TOO_WEAK: dict[str, Msgid] = {
    "straight_row": N_("Straight rows of keys are easy to guess. "
                       "Use a few unrelated words; uncommon words are better."),
    "key_pattern": N_("Short keyboard patterns are easy to guess. "
                      "Use a few unrelated words; uncommon words are better."),
    "simple_repeat": N_("Repeated characters are easy to guess. "
                        "Use a few unrelated words; uncommon words are better."),
    "extended_repeat": N_("A repeated group of characters is hardly harder to guess than the group alone. "
                          "Use a few unrelated words; uncommon words are better."),
    "sequences": N_("Sequences like abc or 6543 are easy to guess. "
                    "Use a few unrelated words; uncommon words are better."),
    "recent_years": N_("Recent years are easy to guess. "
                       "Use a few unrelated words; uncommon words are better."),
    "dates": N_("Dates are easy to guess. "
                "Use a few unrelated words; uncommon words are better."),
    "word_by_itself": N_("A word by itself is easy to guess. "
                         "Add another word or two; uncommon words are better."),
    "names_by_themselves": N_("Names and surnames by themselves are easy to guess. "
                              "Add another word or two; uncommon words are better."),
    "common_names": N_("Common names and surnames are easy to guess. "
                       "Add another word or two; uncommon words are better."),
    "none": N_("This password is too easy to guess. "
               "Add another word or two; uncommon words are better."),
}
# zxcvbn keeps the user inputs of the running estimate in a module-level dictionary: one estimate at a time.
_zxcvbn_lock = threading.Lock()


def check_strength(password: str, *, username: str) -> None:
    """Refuse a password for the account ``username`` (staff and senders alike), saying why; else return None.

    The username is the only context: the same password and username get the same verdict on every side.
    """
    name = username.strip().lower()
    if len(password) < MIN_LENGTH:
        raise PasswordTooShort(N_("A password needs at least %(min_length)s characters."),
                               min_length=MIN_LENGTH)
    if password.strip() != password:
        raise PasswordEdgeSpace(N_("A password must not start or end with a space."))
    if len(name) >= _SHORTEST_NAME and name in password.lower():
        raise PasswordContainsUsername(N_("The password must not contain the username."))
    score, warning = _estimate(password, name)
    if warning in _COMMON:
        raise PasswordTooCommon(N_("This is a commonly used password, or close to one: choose another."),
                                warning=warning)
    if score < MIN_SCORE:
        raise PasswordTooWeak(_TOO_WEAK.get(warning, _TOO_WEAK["none"]), warning=warning, score=score,
                              min_score=MIN_SCORE)


def _estimate(password: str, name: str) -> tuple[int, str]:
    """zxcvbn's score (0-4) and warning code, the username and its parts counting as guessable words."""
    from zxcvbn import zxcvbn  # imported when first needed: the CLI need not load its dictionaries

    inputs = [name, *(part for part in _NAME_PARTS.split(name) if len(part) >= _SHORTEST_NAME)]
    analysed = password[:_ANALYSED]
    with _zxcvbn_lock:
        result: dict[str, Any] = zxcvbn(analysed, user_inputs=inputs, max_length=_ANALYSED)
    warning = str(result["feedback"]["warning"] or "")
    return int(result["score"]), _WARNING_CODES.get(warning, "none")
