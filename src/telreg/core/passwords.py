"""The one argon2 policy for every secret a person chooses: staff and sender passwords, security answers.

Production uses argon2-cffi's defaults (RFC 9106's low-memory profile). The test suite creates hundreds of
accounts; at ~60 ms a hash that dominated its run time, so ``TELREG_PASSWORD_HASHING=fast`` selects the cheapest
parameters — refused in production by Settings. Hashes carry their own parameters, so either profile verifies
the other's, and ``check_needs_rehash`` upgrades a fast hash at the next sign-in under the standard profile.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["PROFILES", "hash_secret", "hasher", "matches", "upgraded", "use_profile"]

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
