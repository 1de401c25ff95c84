"""Capture proofs: which device or service vouches that a document was read by it, not typed in by hand.

MIIT notice 182号: 必须采取二代身份证识别设备、联网核验等措施核验用户身份信息,禁止人工录入居民身份证信息.
A request's ``document.capture`` ("card_reader", "online_verification") is only the caller's word; for the
document types a policy keeps from manual entry (``documents.manual_entry_forbidden``) registration also wants
the proof the reader or the online verification issued for that very document (``document.proof``):

    <claims>.<mac>      claims = base64url of {"v": 1, "doc": "cn-resident-id", "capture": "card_reader",
                                              "by": "SHOP-READER-01", "at": "2026-03-02T02:00:00Z"}
                        mac    = base64url of HMAC-SHA256(key, label NUL claims NUL normalised number)

The claims are readable (who vouched, when); the document number is not in the token, only in the MAC, so a
proof names no one and fits one document only. A proof is good for ``VALIDITY`` from ``at`` (the injected
clock, with ``CLOCK_SKEW`` of tolerance for a reader's clock running ahead).

Issuers: ``POST /api/v1/realname/verification/checks`` runs the verifier and vouches for capture
``online_verification`` with the verifier's name; ``telreg realname verification reader-token`` stands in for
a card reader's own signing key in demos and staging (a deployment with real readers verifies their
signatures instead: the check below is the one place to change).

The key: HMAC-SHA256 under the vault's index key of the label ``capture-proof.key`` (``Vault.blind_index``
separates it from every document kind). The services that check proofs are handed the vault, never the
settings, and every process (server, CLI, worker) loads the same key ring, so a reader token made on the
command line is accepted by the server.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac

from telreg.core.clock import Clock, to_hk
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_, Message
from telreg.core.vault import Vault
from telreg.realname import words
from telreg.realname.outcome import Refused
from telreg.realname.policy import Policy

if TYPE_CHECKING:
    from telreg.realname.parties import CheckedParty
    from telreg.realname.schemas import RegistrationRequest, TransferRequest

__all__ = ["CLOCK_SKEW", "DEVICE_ID", "VALIDITY", "VOUCHED_CAPTURES", "ProofInvalid", "Vouch", "check",
           "issue", "presented", "require"]

VALIDITY = dt.timedelta(minutes=30)
CLOCK_SKEW = dt.timedelta(minutes=2)
VOUCHED_CAPTURES = ("card_reader", "mrz_scan", "online_verification")  # "manual" is vouched for by nobody
DEVICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_VERSION = 1
_LABEL = b"telreg capture proof v1"
_KEY_KIND, _KEY_LABEL = "capture-proof.key", "v1"
_CLAIMS = frozenset({"v", "doc", "capture", "by", "at"})


class ProofInvalid(Exception):
    """A proof that does not vouch for this capture; ``reason`` completes "The holder's capture proof …".

    REASON is a marked template filled from PARAMS; ``reason`` is the Message (its str is the English).
    """

    def __init__(self, reason: str, /, **params: object) -> None:
        self.reason: str = Message(reason, **params)
        super().__init__(str(self.reason))


@dataclass(frozen=True)
class _Claims:
    doc: str
    capture: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class Vouch:
    """What a good proof says: the capture, the device or service that vouched for it, and when."""

    capture: str
    by: str
    issued_at: dt.datetime


def issue(vault: Vault, *, clock: Clock, doc_type: str, normalised: str, capture: str, device: str) -> str:
    """Return a proof that DEVICE read (or verified online) the document DOC_TYPE/NORMALISED now."""
    if capture not in VOUCHED_CAPTURES:
        raise InvalidInput(N_("A proof vouches for a capture by %(captures)s, not %(given)s."),
                           capture=capture, given=repr(capture),
                           captures=words.comma_list(words.capture(code) for code in VOUCHED_CAPTURES))
    if not DEVICE_ID.fullmatch(device):
        raise InvalidInput(N_("A device or service id is 1 to 64 letters, digits, '.', '_', ':' or '-', "
                              "starting with a letter or digit; %(given)s is not."), device=device,
                           given=repr(device))
    at = clock.now().astimezone(dt.UTC).replace(microsecond=0)
    claims = {"v": _VERSION, "doc": doc_type, "capture": capture, "by": device,
              "at": at.isoformat().replace("+00:00", "Z")}
    encoded = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{encoded}.{_b64(_mac(vault, encoded, normalised))}"


def check(vault: Vault, token: str, *, clock: Clock, doc_type: str, normalised: str, capture: str) -> Vouch:
    """Return what TOKEN vouches for when it is a good proof of this capture of this document; else raise
    ProofInvalid saying why."""
    encoded, _, mac = token.strip().partition(".")
    claims = _claims(encoded)
    given_mac = _unb64(mac)
    if claims is None or given_mac is None:
        raise ProofInvalid(N_("is not a capture proof (expected <claims>.<mac>, as the reader or the online "
                              "verification issued it)"))
    if claims.doc != doc_type:
        raise ProofInvalid(N_("was issued for a %(issued_for)s, not a %(doc_type)s"),
                           issued_for=words.document(claims.doc), doc_type=words.document(doc_type))
    if claims.capture != capture:
        raise ProofInvalid(N_("vouches for a capture by %(vouched)s, not by %(capture)s"),
                           vouched=words.capture_by(claims.capture), capture=words.capture_by(capture))
    verifier = hmac.HMAC(_key(vault), hashes.SHA256())
    verifier.update(_message(encoded, normalised))
    try:
        verifier.verify(given_mac)
    except InvalidSignature:
        raise ProofInvalid(N_("does not match this document, or was altered")) from None
    issued_at = claims.at
    now = clock.now()
    if issued_at > now + CLOCK_SKEW:
        raise ProofInvalid(N_("is dated %(at)s, in the future; check the issuing device's clock"),
                           at=_hk(issued_at))
    if now > issued_at + VALIDITY:
        minutes = int(VALIDITY.total_seconds() // 60)
        raise ProofInvalid(N_("expired at %(at)s (a proof is good for %(minutes)s minutes from its issue); "
                              "read the document again"), at=_hk(issued_at + VALIDITY), minutes=minutes)
    return Vouch(capture=claims.capture, by=claims.by, issued_at=issued_at)


def require(vault: Vault, *, clock: Clock, policy: Policy, party: CheckedParty,
            proof: str | None) -> str | None:
    """Check one party's capture proof at registration; return who vouched for it, or raise Refused.

    A document type the policy keeps from manual entry needs a proof of its capture (``capture_unproven``
    without one). A proof given is checked whatever the type (``capture_proof_invalid``): a proof that does
    not hold is a warning sign, not something to ignore.
    """
    from telreg.realname.parties import policy_label  # parties.py calls this module

    role = party.role
    if proof is None:
        if party.capture != "manual" and party.doc_type in policy.documents.manual_entry_forbidden:
            raise Refused(
                "capture_unproven",
                N_("The %(role)s's %(doc_type)s is declared read by %(capture)s, but no proof from the "
                   "reader or the online verification came with it; under the %(policy)s it may not be "
                   "entered by hand, so the capture must be proved."),
                party=role, role=words.party(role), doc_type=words.document(party.doc_type),
                capture=words.capture_by(party.capture), policy=policy_label(policy),
            )
        return None
    try:
        vouch = check(vault, proof, clock=clock, doc_type=party.doc_type, normalised=party.normalised,
                      capture=party.capture)
    except ProofInvalid as invalid:
        raise Refused("capture_proof_invalid", N_("The %(role)s's capture proof %(problem)s."),
                      party=role, role=words.party(role), problem=invalid.reason) from None
    return vouch.by


def presented(request: RegistrationRequest | TransferRequest) -> dict[str, str | None]:
    """Return the proof each party's document came with, by role (holder, guardian, agent, handler)."""
    from telreg.realname.schemas import OrganisationIn

    people = {"holder": request.holder, "guardian": request.guardian, "agent": request.agent,
              "handler": request.holder.handler if isinstance(request.holder, OrganisationIn) else None}
    return {role: party.document.proof for role, party in people.items() if party is not None}


def _key(vault: Vault) -> bytes:
    return bytes.fromhex(vault.blind_index(_KEY_KIND, _KEY_LABEL))


def _message(encoded: str, normalised: str) -> bytes:
    # NUL cannot occur in the base64url claims, so the split between claims and number is unambiguous.
    return _LABEL + b"\x00" + encoded.encode("ascii") + b"\x00" + normalised.encode("utf-8")


def _mac(vault: Vault, encoded: str, normalised: str) -> bytes:
    signer = hmac.HMAC(_key(vault), hashes.SHA256())
    signer.update(_message(encoded, normalised))
    return signer.finalize()


def _claims(encoded: str) -> _Claims | None:
    raw = _unb64(encoded)
    if raw is None:
        return None
    try:
        claims = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(claims, dict) or set(claims) != _CLAIMS or claims["v"] != _VERSION:
        return None
    doc, capture, by, at = (claims[name] for name in ("doc", "capture", "by", "at"))
    if not all(isinstance(value, str) for value in (doc, capture, by, at)):
        return None
    try:
        issued_at = dt.datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if issued_at.tzinfo is None:
        return None
    return _Claims(doc=doc, capture=capture, by=by, at=issued_at)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes | None:
    if not text or not re.fullmatch(r"[A-Za-z0-9_-]+", text):
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if _b64(raw) == text else None  # only the canonical spelling


def _hk(instant: dt.datetime) -> str:
    return to_hk(instant).strftime("%Y-%m-%d %H:%M")
