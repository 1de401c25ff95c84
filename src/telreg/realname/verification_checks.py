"""Issue capture proofs: online verification of one document by operators' staff, and the demo card reader.

``check_online`` is 联网核验 on its own, before a registration: the verifier is asked about the document and,
when the issuer's records (here: the verifier) verify it, the answer carries a proof of capture
``online_verification`` vouched for by the verifier's name, to send as ``document.proof`` with the
registration. A refused document gets its verdict and no proof; an adapter that verifies nothing online
(``none``) vouches for nothing either. Every check is audited (who asked, which type, what the verifier said —
never the number).

``reader_token`` stands in for a card reader's signing: a real reader signs what it read with its own device
key; in demos and staging `telreg realname verification reader-token DEVICE_ID DOC_TYPE NUMBER` makes the
token such a reader would send.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.clock import Clock, to_hk, today
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.core.masking import mask_document
from telreg.core.vault import Vault
from telreg.realname import capture_proof, words
from telreg.realname.documents import check_document
from telreg.realname.verification import IdentityVerifier, VerificationResult

__all__ = ["AUDIT_SUBJECT", "REFUSAL_CODES", "check_online", "reader_token"]

AUDIT_SUBJECT = "realname-verification-check"
# The refusal a registration would get for each refusing result (parties.verify_parties).
REFUSAL_CODES = {VerificationResult.impostor: "identity_impostor",
                 VerificationResult.forged: "document_forged", VerificationResult.lost: "document_lost"}
ONLINE = "online_verification"
READER_CAPTURES = ("card_reader", "mrz_scan")


def check_online(session: Session, *, vault: Vault, clock: Clock, verifier: IdentityVerifier, doc_type: str,
                 number: str, name: str, date_of_birth: dt.date | None, actor: str) -> dict[str, Any]:
    """Verify one document online; return the verdict and, when verified, a proof of the capture."""
    normalised = _normalised(doc_type, number, date_of_birth=date_of_birth, on=today(clock))
    verdict = verifier.verify(session=session, doc_type=doc_type, normalised=normalised, name=name,
                              date_of_birth=date_of_birth, capture=ONLINE)
    proof = None
    if verdict.result is VerificationResult.verified:
        proof = capture_proof.issue(vault, clock=clock, doc_type=doc_type, normalised=normalised,
                                    capture=ONLINE, device=verifier.name)
    audit.record(session, clock=clock, actor=actor, action="realname-verification-checked",
                 subject_type=AUDIT_SUBJECT, subject_key=doc_type,
                 details={"adapter": verdict.adapter, "result": verdict.result.value,
                          "proof": proof is not None})
    return {
        "doc_type": doc_type,
        "document": mask_document(doc_type, normalised),
        "adapter": verdict.adapter,
        "result": verdict.result.value,
        "refused": verdict.result.refuses,
        "code": REFUSAL_CODES.get(verdict.result),
        "capture": ONLINE,
        "proof": proof,
        "proof_expires_at": _expiry(clock) if proof else None,
    }


def reader_token(vault: Vault, *, clock: Clock, device: str, doc_type: str, number: str,
                 capture: str = "card_reader") -> dict[str, Any]:
    """Make the proof a card reader (or MRZ scanner) DEVICE would give for what it read (demo stand-in)."""
    if capture not in READER_CAPTURES:
        raise InvalidInput(N_("A reader vouches for a capture by %(first)s or %(second)s, not %(given)s; "
                              "online verification proofs come from "
                              "POST /api/v1/realname/verification/checks."),
                           capture=capture, given=repr(capture), first=words.capture(READER_CAPTURES[0]),
                           second=words.capture(READER_CAPTURES[1]))
    normalised = _normalised(doc_type, number, date_of_birth=None, on=today(clock))
    proof = capture_proof.issue(vault, clock=clock, doc_type=doc_type, normalised=normalised, capture=capture,
                                device=device)
    return {"doc_type": doc_type, "capture": capture, "device": device, "proof": proof,
            "proof_expires_at": _expiry(clock)}


def _normalised(doc_type: str, number: str, *, date_of_birth: dt.date | None, on: dt.date) -> str:
    check = check_document(doc_type, number, date_of_birth=date_of_birth, on=on)  # unknown type: InvalidInput
    if not check.valid or check.normalised is None:
        raise InvalidInput(N_("The %(doc_type)s is not valid: %(reason)s"), doc_type=words.document(doc_type),
                           reason=check.reason)
    return check.normalised


def _expiry(clock: Clock) -> str:
    return to_hk(clock.now().replace(microsecond=0) + capture_proof.VALIDITY).isoformat()
