"""The online identity verification service, as an adapter: checks a document against the issuer's records.

Mainland operators verify resident ID cards online (联网核验); a deployment without such a service uses
``UncheckedVerifier``, which accepts everything and records that nothing was verified online. Tests use
``FakeVerifier``, whose flagged documents are configured. A runtime carries its verifier in
``runtime.extras[VERIFIER_KEY]``; ``verifier_for`` puts the default there on first use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__ = [
    "VERIFIER_KEY", "FakeVerifier", "IdentityVerifier", "UncheckedVerifier", "Verdict", "VerificationResult",
    "verifier_for",
]

VERIFIER_KEY = "realname.verifier"


class VerificationResult(str, Enum):
    verified = "verified"  # the issuer's records agree
    not_verified = "not verified online"  # no service was asked; the document was only checked locally
    impostor = "impostor"  # a real document, presented by someone else (冒用他人的证件)
    forged = "forged"  # no such document, or altered (伪造、变造的证件)

    @property
    def refuses(self) -> bool:
        return self in (VerificationResult.impostor, VerificationResult.forged)


@dataclass(frozen=True)
class Verdict:
    adapter: str
    result: VerificationResult

    def __str__(self) -> str:
        return f"{self.adapter}: {self.result.value}"


class IdentityVerifier(Protocol):
    name: str

    def verify(self, *, doc_type: str, normalised: str, name: str, date_of_birth: dt.date | None,
               capture: str) -> Verdict:
        """Ask the issuer's records about one document and the details presented with it."""
        ...


class UncheckedVerifier:
    """The default deployment adapter: accepts every document and says it was not verified online."""

    name = "none"

    def verify(self, *, doc_type: str, normalised: str, name: str, date_of_birth: dt.date | None,
               capture: str) -> Verdict:
        return Verdict(self.name, VerificationResult.not_verified)


@dataclass
class FakeVerifier:
    """Verifies every document except those flagged; every question asked is recorded."""

    name: str = "fake"
    flagged: dict[tuple[str, str], VerificationResult] = field(default_factory=dict)
    asked: list[tuple[str, str]] = field(default_factory=list)

    def flag(self, doc_type: str, normalised: str, result: VerificationResult) -> None:
        self.flagged[(doc_type, normalised)] = result

    def verify(self, *, doc_type: str, normalised: str, name: str, date_of_birth: dt.date | None,
               capture: str) -> Verdict:
        self.asked.append((doc_type, normalised))
        return Verdict(self.name, self.flagged.get((doc_type, normalised), VerificationResult.verified))


def verifier_for(runtime: Runtime) -> IdentityVerifier:
    """Return the runtime's verifier, installing the unchecked default on first use."""
    verifier = runtime.extras.get(VERIFIER_KEY)
    if verifier is None:
        verifier = UncheckedVerifier()
        runtime.extras[VERIFIER_KEY] = verifier
    return verifier  # type: ignore[return-value]
