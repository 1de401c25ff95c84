"""The OCSP responder (RFC 6960): pre-signed responses, served from memory, never "good" for what we did not issue.

Responses are signed ahead of time, as Boulder and cfssl do, by the delegated OCSP signer (a certificate of the
issuing CA with id-kp-OCSPSigning and ocsp-nocheck; it is put in every response, and the responder id is its key
hash). Three layers, fastest first:

1. a process-local dict ``(serial, CertID hash) → response``: the hot path is a parse, two comparisons and a
   dict lookup, with no database session opened;
2. the table ``ecert_ocsp_responses``, filled by the worker: a recurring job re-signs every response once
   ``ecert_ocsp_refresh_fraction`` of its validity has passed (a day's validity is refreshed after 12 hours,
   well before nextUpdate), and ``ecert.status-changed`` re-signs a certificate's responses at once
   (status_jobs.py);
3. signing on the spot when neither has a fresh response (a certificate issued since the last refresh, a CertID
   hashed with SHA-256 rather than RFC 5019's SHA-1), kept in the dict. The responder only reads the database;
   the worker writes the table.

**Staleness across processes.** Every ``MARKER_EVERY`` of the injected clock the responder reads a marker: the
greatest certificate id, the greatest status-event id, the number of status events and ``max(status_changed_at)``
(index probes and a count of a small table, in one round trip). When it moved, the serials changed since the
last marker are dropped from the dict and re-read (or re-signed) on their next request. A revocation made by any
process therefore shows within ``MARKER_EVERY`` (30 seconds; the issue asks for 15 minutes at most), whether or
not the worker has run.

**Answers.** ``good``; ``revoked`` with the revocation time and reason (``certificateHold`` for a hold; no reason
for ``unspecified``); ``unknown`` for a serial this CA never issued, or only reserved (state ``intent``) — never
good. A request about another issuer — its issuer-name or issuer-key hash, in whichever algorithm the request
used (SHA-1, SHA-256, SHA-384, SHA-512), is not our issuing CA's — gets the unsigned ``unauthorized`` status;
undecodable DER gets ``malformedRequest``. A request listing several certificates is answered for the first only
(RFC 6960 lets a responder answer a subset; Boulder does the same), since one pre-signed response per
certificate is what makes the responder cheap. The delegated signers of the hierarchy are certificates of the
issuing CA recorded in ``ecert_certificates`` (subject kind ``platform``), so they are answered like any other.

**Nonces.** A pre-signed response cannot carry the request's nonce, so nonces are ignored and never echoed
(RFC 8954 §2.1 lets a responder leave the nonce out; the CA/Browser Forum's baseline requirements expect
pre-signed responses). Freshness comes from thisUpdate/nextUpdate instead, ≥ 8 hours and ≤ 10 days apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509 import ocsp
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from telreg.core.db import dialect_insert, unit_of_work
from telreg.ecert.crl import NOT_ISSUED_HERE, REASON_FLAGS, hierarchy_of
from telreg.ecert.keys import DelegatedSigner, Hierarchy, key_algorithm, signing_hash
from telreg.ecert.models import Certificate, StatusEvent
from telreg.ecert.serials import serial_hex
from telreg.ecert.status_models import OcspResponseRecord

if TYPE_CHECKING:
    from telreg.config import Settings
    from telreg.runtime import Runtime

__all__ = [
    "MALFORMED",
    "MARKER_EVERY",
    "PRE_SIGNED",
    "UNAUTHORIZED",
    "Responder",
    "Signed",
    "certificate_status",
    "issuer_hashes",
    "responder_of",
    "sign_for",
    "store_response",
]

MARKER_EVERY = dt.timedelta(seconds=30)
PRE_SIGNED = "sha1"  # RFC 5019's CertID hash: what browsers and `openssl ocsp` send by default
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}
_HASHLIB = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
_KEPT = 200_000  # responses held in memory (~1 KB each); past it the oldest makes room
_UNKNOWN_KEPT = 10_000  # unknown serials answered from memory (a flood of random serials cannot grow it)
_DROP_ALL_ABOVE = 10_000  # more changed serials than this: clear the dict rather than list them
_OVERLAP_IDS = 100  # concurrent transactions commit out of id order by far less than this
_OVERLAP_TIME = dt.timedelta(minutes=10)
_DER = Encoding.DER
MALFORMED = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(_DER)
UNAUTHORIZED = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(_DER)
_RESPONDER = "ecert.ocsp.responder"


def certificate_status(certificate: Certificate | None) -> str:
    """What OCSP says of a certificate row: a reserved serial (``intent``) was not issued as far as we know."""
    if certificate is None or certificate.state == "intent":
        return "unknown"
    return "good" if certificate.state == "good" else "revoked"


@dataclass(frozen=True)
class Signed:
    """One signed response, ready to serve."""

    der: bytes
    cert_status: str
    this_update: dt.datetime
    next_update: dt.datetime
    refresh_at: dt.datetime

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.der).hexdigest()[:32] + '"'


# --- signing ------------------------------------------------------------------------------------------------

def issuer_hashes(issuer: x509.Certificate) -> dict[str, tuple[bytes, bytes]]:
    """(issuer name hash, issuer key hash) of a CA in every CertID hash algorithm we accept (RFC 6960 §4.1.1)."""
    name = issuer.subject.public_bytes()
    key = issuer.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        bits = key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    elif isinstance(key, rsa.RSAPublicKey):
        bits = key.public_bytes(_DER, PublicFormat.PKCS1)
    else:  # pragma: no cover - profiles allow EC and RSA only
        raise TypeError(f"unsupported CA key {type(key).__name__}")
    return {alg: (fn(name).digest(), fn(bits).digest()) for alg, fn in _HASHLIB.items()}


def sign_for(*, signer: DelegatedSigner, issuer: x509.Certificate, serial: int, algorithm: str,
             certificate: Certificate | None, now: dt.datetime, settings: Settings) -> Signed:
    """Sign the response for one serial (``certificate`` None: a serial we never issued → unknown)."""
    status = certificate_status(certificate)
    this_update = now.astimezone(dt.UTC).replace(microsecond=0)
    validity = dt.timedelta(hours=settings.ecert_ocsp_validity_hours)
    next_update = this_update + validity
    name_hash, key_hash = issuer_hashes_cached(issuer)[algorithm]
    revocation_time = reason = None
    cert_status = ocsp.OCSPCertStatus.UNKNOWN
    if status == "good":
        cert_status = ocsp.OCSPCertStatus.GOOD
    elif status == "revoked":
        assert certificate is not None and certificate.revoked_at is not None
        cert_status = ocsp.OCSPCertStatus.REVOKED
        revocation_time = certificate.revoked_at.astimezone(dt.UTC).replace(microsecond=0)
        reason = REASON_FLAGS.get(certificate.revocation_reason or "")
    builder = (ocsp.OCSPResponseBuilder()
               .add_response_by_hash(issuer_name_hash=name_hash, issuer_key_hash=key_hash, serial_number=serial,
                                     algorithm=_HASHES[algorithm](), cert_status=cert_status,
                                     this_update=this_update, next_update=next_update,
                                     revocation_time=revocation_time, revocation_reason=reason)
               .responder_id(ocsp.OCSPResponderEncoding.HASH, signer.certificate)
               .certificates([signer.certificate]))
    response = builder.sign(signer.private_key, signing_hash(key_algorithm(signer.private_key)))
    refresh_at = this_update + validity * settings.ecert_ocsp_refresh_fraction
    return Signed(der=response.public_bytes(_DER), cert_status=status, this_update=this_update,
                  next_update=next_update, refresh_at=refresh_at)


_ISSUER_HASHES: dict[bytes, dict[str, tuple[bytes, bytes]]] = {}


def issuer_hashes_cached(issuer: x509.Certificate) -> dict[str, tuple[bytes, bytes]]:
    fingerprint = issuer.fingerprint(hashes.SHA256())
    found = _ISSUER_HASHES.get(fingerprint)
    if found is None:
        found = _ISSUER_HASHES[fingerprint] = issuer_hashes(issuer)
    return found


# --- the table ----------------------------------------------------------------------------------------------

def stored_response(session: Session, *, serial: str, algorithm: str) -> OcspResponseRecord | None:
    return session.scalar(select(OcspResponseRecord).where(OcspResponseRecord.serial == serial,
                                                          OcspResponseRecord.hash_algorithm == algorithm))


def store_response(session: Session, *, certificate: Certificate, algorithm: str, signed: Signed,
                   now: dt.datetime) -> None:
    """Insert or replace the pre-signed response of (serial, algorithm) in one statement."""
    values: dict[str, Any] = {
        "certificate_id": certificate.id, "serial": certificate.serial, "hash_algorithm": algorithm,
        "cert_status": signed.cert_status, "source_changed_at": certificate.status_changed_at, "der": signed.der,
        "this_update": signed.this_update, "next_update": signed.next_update, "produced_at": now,
        "refresh_at": signed.refresh_at,
    }
    insert = dialect_insert(session, OcspResponseRecord)
    changing = {k: insert.excluded[k] for k in values if k not in ("serial", "hash_algorithm")}
    session.execute(insert.values(values).on_conflict_do_update(
        index_elements=["serial", "hash_algorithm"], set_=changing))


def _is_fresh(row: OcspResponseRecord, certificate: Certificate, now: dt.datetime) -> bool:
    return (row.cert_status == certificate_status(certificate)
            and row.source_changed_at >= certificate.status_changed_at
            and row.this_update <= now + dt.timedelta(minutes=5) and now < row.refresh_at)


def _as_signed(row: OcspResponseRecord) -> Signed:
    return Signed(der=row.der, cert_status=row.cert_status, this_update=row.this_update,
                  next_update=row.next_update, refresh_at=row.refresh_at)


@dataclass(frozen=True)
class Marker:
    """What has changed in the certificates, read in one round trip: greatest ids (PRIMARY KEY probes), the
    latest status change (an index probe) and the number of status events (a count of a small table)."""

    max_certificate_id: int
    max_event_id: int
    events: int
    changed_at: dt.datetime | None


def change_marker(session: Session) -> Marker:
    row = session.execute(select(
        select(func.max(Certificate.id)).scalar_subquery(),
        select(func.max(StatusEvent.id)).scalar_subquery(),
        select(func.count()).select_from(StatusEvent).scalar_subquery(),
        select(func.max(Certificate.status_changed_at)).scalar_subquery(),
    )).one()
    return Marker(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), row[3])


def changed_serials(session: Session, *, since: Marker, limit: int) -> list[str]:
    """Serials of certificates added, or with a status event or change, since the marker SINCE.

    Ids and times are looked at with an overlap (``_OVERLAP_IDS``, ``_OVERLAP_TIME``): a transaction that took
    a smaller id or an earlier time may commit after one with a greater, and the count of events is what tells
    the marker moved at all then."""
    events = select(StatusEvent.certificate_id).where(StatusEvent.id > since.max_event_id - _OVERLAP_IDS)
    condition = or_(Certificate.id > since.max_certificate_id - _OVERLAP_IDS, Certificate.id.in_(events))
    if since.changed_at is not None:
        condition = or_(condition, Certificate.status_changed_at > since.changed_at - _OVERLAP_TIME)
    return list(session.scalars(select(Certificate.serial).where(condition).limit(limit)))


# --- requests -----------------------------------------------------------------------------------------------

def _load_request(der: bytes) -> ocsp.OCSPRequest:
    """Parse a request; one listing several certificates is read for its first (``cryptography`` refuses those,
    so the first Request is cut out and re-wrapped as a request of its own)."""
    try:
        return ocsp.load_der_ocsp_request(der)
    except NotImplementedError:  # "contains more than one request"
        first = _first_single_request(der)
        if first is None:
            raise
        return ocsp.load_der_ocsp_request(_sequence(_sequence(_sequence(first))))


def _first_single_request(der: bytes) -> bytes | None:
    """The DER of the first Request of an OCSPRequest's requestList (RFC 6960 §4.1.1), or None."""
    outer = _tlv(der, 0)
    if outer is None or outer[0] != 0x30 or outer[2] != len(der):
        return None
    tbs = _tlv(der, outer[1])
    if tbs is None or tbs[0] != 0x30:
        return None
    at = tbs[1]
    while at < tbs[2]:  # skip version [0] and requestorName [1]; the first SEQUENCE is the requestList
        field = _tlv(der, at)
        if field is None:
            return None
        if field[0] == 0x30:
            first = _tlv(der, field[1])
            if first is None or first[0] != 0x30:
                return None
            return der[field[1]:first[2]]
        at = field[2]
    return None


def _tlv(der: bytes, at: int) -> tuple[int, int, int] | None:
    """(tag, start of the contents, end) of the DER element at AT; single-byte tags only (all OCSP needs)."""
    if at + 2 > len(der):
        return None
    tag, length = der[at], der[at + 1]
    start = at + 2
    if length & 0x80:
        octets = length & 0x7F
        if octets == 0 or octets > 4 or start + octets > len(der):
            return None
        length = int.from_bytes(der[start:start + octets], "big")
        start += octets
    end = start + length
    return (tag, start, end) if end <= len(der) else None


def _sequence(content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([0x30, length]) + content
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x30, 0x80 | len(octets)]) + octets + content


# --- the responder ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Parsed:
    serial: int
    algorithm: str


class Responder:
    """One process's OCSP answers: the dict in front of the table (see the module docstring)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._cache: dict[tuple[int, str], Signed] = {}
        self._unknown: dict[tuple[int, str], Signed] = {}
        self._marker: Marker | None = None
        self._checked_at: dt.datetime | None = None
        self._hashes: dict[str, tuple[bytes, bytes]] | None = None
        self._generation = 0  # moved by every invalidation: an answer read before it is not kept after it
        self._lock = threading.Lock()

    # The hot path: no database, no lock, no signing. None means "ask answer()".
    def cached(self, der: bytes) -> bytes | Signed | None:
        if self._hashes is None:
            return None
        parsed = self._parse(der)
        if not isinstance(parsed, Parsed):
            return parsed
        now = self.runtime.clock.now()
        checked = self._checked_at
        if checked is None or not (checked <= now < checked + MARKER_EVERY):
            return None
        key = (parsed.serial, parsed.algorithm)
        signed = self._cache.get(key) or self._unknown.get(key)
        if signed is None or not (signed.this_update <= now < signed.refresh_at):
            return None
        return signed

    def answer(self, der: bytes) -> bytes | Signed:
        """Answer a DER request: an unsuccessful status (bytes) or a signed response. May read the database and
        sign; run it off the event loop."""
        runtime = self.runtime
        hierarchy = hierarchy_of(runtime)  # CaNotReady before `telreg ecert init`
        if self._hashes is None:
            self._hashes = issuer_hashes_cached(hierarchy.issuing.certificate)
        parsed = self._parse(der)
        if not isinstance(parsed, Parsed):
            return parsed
        now = runtime.clock.now()
        self._check_marker(now)
        generation = self._generation
        key = (parsed.serial, parsed.algorithm)
        signed = self._cache.get(key) or self._unknown.get(key)
        if signed is not None and signed.this_update <= now < signed.refresh_at:
            return signed
        signed = self._load_or_sign(hierarchy, parsed, now)
        with self._lock:
            if generation != self._generation:
                return signed  # the marker moved while this was read: answer it once, keep nothing
            store = self._unknown if signed.cert_status == "unknown" else self._cache
            store[key] = signed
            if len(store) > (_UNKNOWN_KEPT if store is self._unknown else _KEPT):
                del store[next(iter(store))]  # the oldest: dicts keep insertion order
        return signed

    def _parse(self, der: bytes) -> Parsed | bytes:
        try:
            request = _load_request(der)
            algorithm = request.hash_algorithm.name
            serial = request.serial_number
            name_hash, key_hash = request.issuer_name_hash, request.issuer_key_hash
        except Exception:  # noqa: BLE001 -- any undecodable request is malformed, whatever the parser says
            return MALFORMED
        ours = (self._hashes or {}).get(algorithm)
        if ours is None or ours != (name_hash, key_hash):
            return UNAUTHORIZED
        return Parsed(serial=serial, algorithm=algorithm)

    def _check_marker(self, now: dt.datetime) -> None:
        checked = self._checked_at
        if checked is not None and checked <= now < checked + MARKER_EVERY:
            return
        with self._lock:
            checked = self._checked_at
            if checked is not None and checked <= now < checked + MARKER_EVERY:
                return  # another thread read it meanwhile
            with unit_of_work(self.runtime.read_session_factory) as session:
                marker = change_marker(session)
                if self._marker is not None and marker != self._marker:
                    changed = changed_serials(session, since=self._marker, limit=_DROP_ALL_ABOVE + 1)
                    self._forget(changed)
            self._marker = marker
            self._checked_at = now

    def _forget(self, serials: list[str]) -> None:
        self._generation += 1
        if len(serials) > _DROP_ALL_ABOVE:
            self._cache.clear()
            self._unknown.clear()
            return
        numbers = {int(s, 16) for s in serials}
        for store in (self._cache, self._unknown):
            for key in [k for k in store if k[0] in numbers]:
                del store[key]

    def _load_or_sign(self, hierarchy: Hierarchy, parsed: Parsed, now: dt.datetime) -> Signed:
        runtime = self.runtime
        serial = serial_hex(parsed.serial)
        with unit_of_work(runtime.read_session_factory) as session:
            certificate = session.scalar(select(Certificate).where(
                Certificate.serial == serial, Certificate.profile.not_in(NOT_ISSUED_HERE)))
            row = stored_response(session, serial=serial, algorithm=parsed.algorithm) if certificate else None
            if certificate is not None and row is not None and _is_fresh(row, certificate, now):
                return _as_signed(row)
        # Kept in this process's dict only: the responder never writes (no request waits for SQLite's writer
        # lock); the worker's refresh puts the table's copy in place for every process.
        return sign_for(signer=hierarchy.ocsp, issuer=hierarchy.issuing.certificate, serial=parsed.serial,
                        algorithm=parsed.algorithm, certificate=certificate, now=now, settings=runtime.settings)


def responder_of(runtime: Runtime) -> Responder:
    """This runtime's responder (one per process and runtime: tests get a fresh one with each runtime)."""
    found = runtime.extras.get(_RESPONDER)
    if not isinstance(found, Responder):
        found = runtime.extras[_RESPONDER] = Responder(runtime)
    return found
