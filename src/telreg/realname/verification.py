"""The online identity verification service, as an adapter: checks a document against the issuer's records.

Mainland operators verify resident ID cards online (联网核验). The adapters:

- ``RegisterVerifier`` (setting ``identity_verifier = "register"``, the default; verification_register.py):
  the operable stand-in for demos and staging. It looks the document up in the verification register an
  officer loads (documents reported forged, lost or used by impostors); a document not on it is taken as
  verified.
- ``UncheckedVerifier`` (``identity_verifier = "none"``): accepts everything and records that nothing was
  verified online.
- ``FakeVerifier``: tests configure its flagged documents.

``verify`` gets the caller's session, for adapters that keep their records in the database (the register); an
adapter that asks an outside service ignores it. A runtime carries its verifier in
``runtime.extras[VERIFIER_KEY]``; ``verifier_for`` puts the configured one there on first use.

Which device or service vouched for a capture (capture_proof.py) travels in ``Verdict.vouched_by``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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
    lost = "lost"  # reported lost or stolen (挂失): whoever shows it now is not known to be its holder

    @property
    def refuses(self) -> bool:
        return self in (VerificationResult.impostor, VerificationResult.forged, VerificationResult.lost)


@dataclass(frozen=True)
class Verdict:
    adapter: str
    result: VerificationResult
    # the device or service whose capture proof vouched for how the document was read (capture_proof.py)
    vouched_by: str | None = None

    def __str__(self) -> str:
        return f"{self.adapter}: {self.result.value}"

    def as_check(self) -> dict[str, Any]:
        """Return what a registration's ``checks`` keep of this verdict for one party."""
        check: dict[str, Any] = {"adapter": self.adapter, "result": self.result.value}
        if self.vouched_by is not None:
            check["vouched_by"] = self.vouched_by
        return check


class IdentityVerifier(Protocol):
    name: str

    def verify(self, *, session: Session, doc_type: str, normalised: str, name: str,
               date_of_birth: dt.date | None, capture: str) -> Verdict:
        """Ask the issuer's records about one document and the details presented with it."""
        ...


class UncheckedVerifier:
    """The default deployment adapter: accepts every document and says it was not verified online."""

    name = "none"

    def verify(self, *, session: Session, doc_type: str, normalised: str, name: str,
               date_of_birth: dt.date | None, capture: str) -> Verdict:
        return Verdict(self.name, VerificationResult.not_verified)


@dataclass
class FakeVerifier:
    """Verifies every document except those flagged; every question asked is recorded."""

    name: str = "fake"
    flagged: dict[tuple[str, str], VerificationResult] = field(default_factory=dict)
    asked: list[tuple[str, str]] = field(default_factory=list)

    def flag(self, doc_type: str, normalised: str, result: VerificationResult) -> None:
        self.flagged[(doc_type, normalised)] = result

    def verify(self, *, session: Session, doc_type: str, normalised: str, name: str,
               date_of_birth: dt.date | None, capture: str) -> Verdict:
        self.asked.append((doc_type, normalised))
        return Verdict(self.name, self.flagged.get((doc_type, normalised), VerificationResult.verified))


def verifier_for(runtime: Runtime) -> IdentityVerifier:
    """Return the runtime's verifier, installing the configured one (``identity_verifier``) on first use."""
    verifier = runtime.extras.get(VERIFIER_KEY)
    if verifier is None:
        verifier = _configured(runtime)
        runtime.extras[VERIFIER_KEY] = verifier
    return verifier  # type: ignore[return-value]


def _configured(runtime: Runtime) -> IdentityVerifier:
    if runtime.settings.identity_verifier == "none":
        return UncheckedVerifier()
    # Imported here: the register reads its table through the context's modules, which import this one.
    from telreg.realname.verification_register import RegisterVerifier

    return RegisterVerifier(vault=runtime.vault)
