"""CA keys inside an HSM, through PKCS#11: generated in the token, used there, never seen by this process.

``HsmKeyStore(settings)`` opens the PKCS#11 library ``ecert_hsm_module``, finds the token labelled
``ecert_hsm_token_label`` and logs in with the user PIN read from ``ecert_hsm_pin_file``; ``generate`` makes a key
pair inside the token (a token object, private key sensitive and never extractable) and ``load`` finds one again
by label. Any way this can fail (no library, a file that is not one, no such token, a wrong or locked PIN, no key
of that label) is a :class:`~telreg.ecert.errors.CaNotReady` saying which, never a PKCS#11 traceback.

Signing. ``cryptography``'s certificate and CRL builders sign only with a private key object, and the token's key
is not one. So :class:`HsmKey` lets the builder sign with a throwaway software key of the same algorithm, which
yields the exact to-be-signed bytes (the TBS names the signature algorithm, not the key) and the outer
signatureAlgorithm; it signs the TBS inside the token (CKM_ECDSA over the SHA-256/384 digest, whose raw r||s is
re-encoded as a DER ECDSA-Sig-Value; CKM_SHA256_RSA_PKCS for RSA), puts ``SEQUENCE { tbs, signatureAlgorithm,
BIT STRING signature }`` together, and checks the result against the token's public key before returning it: a
signature that does not verify never leaves this module.

One logged-in session per (library, token) per process, shared by every store and key and used under a lock: a
PKCS#11 login belongs to the whole application (a second ``C_Login`` answers "already logged in" whatever the
PIN), so a digest of the PIN that opened the session is kept to refuse a later store that brings another. The server's
request threads and the worker all sign through it; an HSM signs a certificate in milliseconds, so serialising is
no bottleneck for a CA. After a fork the library is initialised again (PKCS#11 handles do not survive one), and a
session the token dropped (removed, restarted) is opened again once before giving up.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pkcs11
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass

from telreg.config import Settings
from telreg.core.i18n import N_
from telreg.ecert.errors import BadRequestData, CaNotReady
from telreg.ecert.keys import PrivateKey, PublicKey, key_algorithm, signing_hash

__all__ = ["ALGORITHMS", "HsmKey", "HsmKeyExists", "HsmKeyStore", "der_bit_string", "der_element", "der_length",
           "der_sequence", "signature_algorithm"]

T = TypeVar("T")

# Named-curve parameters as PKCS#11 stores them in CKA_EC_PARAMS (the DER of the curve's OID).
_CURVES: dict[str, tuple[bytes, ec.EllipticCurve]] = {
    "ec-p256": (bytes.fromhex("06082a8648ce3d030107"), ec.SECP256R1()),
    "ec-p384": (bytes.fromhex("06052b81040022"), ec.SECP384R1()),
}
_RSA_BITS = {"rsa-2048": 2048, "rsa-3072": 3072}
ALGORITHMS = (*_CURVES, *_RSA_BITS)

# The token dropped the session: worth opening it again once.
_SESSION_LOST = (pkcs11.SessionHandleInvalid, pkcs11.SessionClosed, pkcs11.DeviceRemoved,
                 pkcs11.TokenNotPresent, pkcs11.UserNotLoggedIn, pkcs11.ObjectHandleInvalid,
                 pkcs11.KeyHandleInvalid)


class HsmKeyExists(CaNotReady):
    """A key of that label is already in the token: telreg never replaces a CA key."""

    status_code = 409
    code = "hsm_key_exists"


# ---- the process's sessions --------------------------------------------------------------------------------------

@dataclass
class _Connection:
    """One logged-in PKCS#11 session on one token, and the lock every use of it takes."""

    module: str
    token_label: str
    pin_digest: bytes
    session: Any
    pid: int = field(default_factory=os.getpid)
    lock: threading.RLock = field(default_factory=threading.RLock)


_connections: dict[tuple[str, str], _Connection] = {}
_connections_lock = threading.Lock()


def _library(module: str) -> Any:
    if not Path(module).is_file():
        raise CaNotReady(N_("The HSM's PKCS#11 library %(module)s does not exist (TELREG_ECERT_HSM_MODULE)."),
                         module=module)
    try:
        return pkcs11.lib(module)
    except pkcs11.PKCS11Error as exc:
        raise CaNotReady(N_("The HSM's PKCS#11 library %(module)s cannot be loaded: %(reason)s"),
                         module=module, reason=str(exc) or type(exc).__name__) from None


def _open(module: str, token_label: str, pin: str) -> _Connection:
    lib = _library(module)
    try:
        token = lib.get_token(token_label=token_label)
    except pkcs11.NoSuchToken:
        seen = ", ".join(sorted(t.label for t in lib.get_tokens() if t.label)) or "-"
        raise CaNotReady(N_("The HSM has no token labelled %(token)s (tokens present: %(tokens)s)."),
                         token=token_label, tokens=seen) from None
    except pkcs11.PKCS11Error as exc:
        raise CaNotReady(N_("The HSM token %(token)s cannot be reached: %(reason)s"),
                         token=token_label, reason=str(exc) or type(exc).__name__) from None
    try:
        session = token.open(rw=True, user_pin=pin)
    except pkcs11.UserAlreadyLoggedIn:
        # Something else in this process logged in to the token first; the login is shared by all sessions.
        session = token.open(rw=True)
    except (pkcs11.PinIncorrect, pkcs11.PinInvalid, pkcs11.PinLenRange):
        raise _wrong_pin(token_label) from None
    except pkcs11.PinLocked:
        raise CaNotReady(N_("The user PIN of HSM token %(token)s is locked; its security officer must unlock "
                            "it."), token=token_label) from None
    except pkcs11.PKCS11Error as exc:
        raise CaNotReady(N_("The HSM token %(token)s cannot be opened: %(reason)s"),
                         token=token_label, reason=str(exc) or type(exc).__name__) from None
    return _Connection(module=module, token_label=token_label, pin_digest=_digest(pin), session=session)


def _wrong_pin(token_label: str) -> CaNotReady:
    return CaNotReady(N_("The HSM token %(token)s refused the PIN (TELREG_ECERT_HSM_PIN_FILE)."), token=token_label)


def _digest(pin: str) -> bytes:
    return hashlib.sha256(pin.encode("utf-8")).digest()


def _connection(module: str, token_label: str, pin: str, *, stale: _Connection | None = None) -> _Connection:
    """The process's session on the token, opened when there is none yet or when the one in use is STALE (the
    token dropped it; another thread may have replaced it already)."""
    key = (module, token_label)
    with _connections_lock:
        found = _connections.get(key)
        if found is not None and found.pid != os.getpid():
            # A forked child inherits handles that mean nothing to it: start the library over.
            _connections.clear()
            pkcs11.lib(module).reinitialize()
            found = None
        if found is not None and not hmac.compare_digest(found.pin_digest, _digest(pin)):
            raise _wrong_pin(token_label)
        if found is None or found is stale:
            if found is not None:
                _close_quietly(found)
            found = _connections[key] = _open(module, token_label, pin)
        return found


def _close_quietly(connection: _Connection) -> None:
    try:
        connection.session.close()
    except pkcs11.PKCS11Error:
        pass  # the token already dropped it


# ---- the store ---------------------------------------------------------------------------------------------------

class HsmKeyStore:
    """The CA keys in the deployment's PKCS#11 token (a ``KeyStore``, keys.py)."""

    def __init__(self, settings: Settings) -> None:
        if settings.ecert_hsm_module is None:
            raise CaNotReady(N_("No HSM is configured: set TELREG_ECERT_HSM_MODULE to its PKCS#11 library."))
        self.module = str(settings.ecert_hsm_module)
        self.token_label = settings.ecert_hsm_token_label
        self._pin = _read_pin(settings)
        _connection(self.module, self.token_label, self._pin)  # fail now, not at the first signature

    def generate(self, label: str, algorithm: str) -> HsmKey:
        """Generate a key pair of ALGORITHM inside the token under LABEL; refuse a label already used."""
        if algorithm not in ALGORITHMS:
            raise BadRequestData(N_("The HSM cannot make a CA key of algorithm %(algorithm)s; use one of "
                                    "%(supported)s."), algorithm=algorithm, supported=", ".join(ALGORITHMS))

        def make(session: Any) -> None:
            if next(iter(session.get_objects({Attribute.LABEL: label})), None) is not None:
                raise HsmKeyExists(N_("The HSM token %(token)s already holds a key labelled %(label)s; telreg "
                                      "never replaces a CA key."), token=self.token_label, label=label)
            key_id = os.urandom(16)  # ties the two halves together, as PKCS#11 tools expect
            common = {"id": key_id, "label": label, "store": True,
                      "capabilities": MechanismFlag.SIGN | MechanismFlag.VERIFY}
            private = {Attribute.TOKEN: True, Attribute.PRIVATE: True, Attribute.SENSITIVE: True,
                       Attribute.EXTRACTABLE: False, Attribute.SIGN: True, Attribute.DECRYPT: False,
                       Attribute.UNWRAP: False, Attribute.DERIVE: False}
            public = {Attribute.TOKEN: True, Attribute.PRIVATE: False, Attribute.VERIFY: True,
                      Attribute.ENCRYPT: False, Attribute.WRAP: False}
            if algorithm in _CURVES:
                parameters = session.create_domain_parameters(
                    KeyType.EC, {Attribute.EC_PARAMS: _CURVES[algorithm][0]}, local=True)
                parameters.generate_keypair(**common, private_template=private, public_template=public)
            else:
                session.generate_keypair(KeyType.RSA, _RSA_BITS[algorithm], **common,
                                         private_template=private,
                                         public_template={**public, Attribute.PUBLIC_EXPONENT: b"\x01\x00\x01"})

        self.use(label, make)
        return self.load(label)

    def load(self, label: str) -> HsmKey:
        """The key labelled LABEL in the token."""
        public = self.use(label, lambda session: _public_key(session, label, self.token_label))
        return HsmKey(store=self, label=label, algorithm=key_algorithm(public), public=public)

    def use(self, label: str, operation: Callable[[Any], T]) -> T:
        """Run OPERATION on the token's session under its lock; open the session again once if it was lost."""
        stale = None
        for attempt in (1, 2):
            connection = _connection(self.module, self.token_label, self._pin, stale=stale)
            with connection.lock:
                try:
                    return operation(connection.session)
                except _SESSION_LOST as exc:
                    if attempt == 2:
                        raise _token_failed(self.token_label, label, exc) from None
                    stale = connection
                except pkcs11.PKCS11Error as exc:
                    raise _token_failed(self.token_label, label, exc) from None
        raise AssertionError("unreachable")


def _read_pin(settings: Settings) -> str:
    path = settings.ecert_hsm_pin_file
    if path is None:
        raise CaNotReady(N_("No PIN for HSM token %(token)s: set TELREG_ECERT_HSM_PIN_FILE to a private file "
                            "holding the user PIN."), token=settings.ecert_hsm_token_label)
    if settings.is_production:  # a PIN others can read protects nothing (core/secret_files.py)
        from telreg.core.secret_files import check_private

        check_private(Path(path), setting="ecert_hsm_pin_file")
    try:
        pin = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise CaNotReady(N_("The HSM PIN file %(path)s cannot be read: %(reason)s"),
                         path=str(path), reason=getattr(exc, "strerror", None) or str(exc)) from None
    if not pin:
        raise CaNotReady(N_("The HSM PIN file %(path)s is empty."), path=str(path))
    return pin


def _token_failed(token_label: str, label: str, exc: Exception) -> CaNotReady:
    return CaNotReady(N_("The HSM token %(token)s failed using key %(label)s: %(reason)s"),
                      token=token_label, label=label, reason=str(exc) or type(exc).__name__)


def _find(session: Any, label: str, object_class: ObjectClass, token_label: str) -> Any:
    try:
        return session.get_key(object_class=object_class, label=label)
    except pkcs11.NoSuchKey:
        raise CaNotReady(N_("The HSM token %(token)s holds no key labelled %(label)s."),
                         token=token_label, label=label) from None
    except pkcs11.MultipleObjectsReturned:
        raise CaNotReady(N_("The HSM token %(token)s holds more than one key labelled %(label)s; remove the "
                            "extra ones with the token's tools."), token=token_label, label=label) from None


def _public_key(session: Any, label: str, token_label: str) -> PublicKey:
    """The public half as a ``cryptography`` key: the EC point and curve, or the RSA modulus and exponent."""
    _find(session, label, ObjectClass.PRIVATE_KEY, token_label)  # a public key alone signs nothing
    public = _find(session, label, ObjectClass.PUBLIC_KEY, token_label)
    if public.key_type == KeyType.RSA:
        return rsa.RSAPublicNumbers(int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"),
                                    int.from_bytes(public[Attribute.MODULUS], "big")).public_key()
    if public.key_type == KeyType.EC:
        params = bytes(public[Attribute.EC_PARAMS])
        for oid_der, curve in _CURVES.values():
            if params == oid_der:
                try:
                    return ec.EllipticCurvePublicKey.from_encoded_point(curve,
                                                                        _ec_point(public[Attribute.EC_POINT], curve))
                except ValueError:
                    break  # an EC point we cannot read: said below
    raise CaNotReady(N_("The key %(label)s in HSM token %(token)s is of a kind telreg does not sign with."),
                     token=token_label, label=label)


def _ec_point(value: bytes, curve: ec.EllipticCurve) -> bytes:
    """CKA_EC_POINT is a DER OCTET STRING around the uncompressed point; a few modules give the point bare."""
    raw_length = 1 + 2 * ((curve.key_size + 7) // 8)
    value = bytes(value)
    if len(value) == raw_length:
        return value
    _, content, end = der_element(value, 0)
    if value[0] != 0x04 or end != len(value):
        raise ValueError("CKA_EC_POINT is neither a point nor an OCTET STRING holding one")
    return value[content:end]


# ---- the key -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HsmKey:
    """A CA key in the token (a ``CaKey``, keys.py): signs certificates and CRLs there."""

    store: HsmKeyStore
    label: str
    algorithm: str
    public: PublicKey

    def public_key(self) -> PublicKey:
        return self.public

    def sign_certificate(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        draft = builder.sign(_throwaway_key(self.algorithm), signing_hash(self.algorithm))
        der = self._assemble(draft.tbs_certificate_bytes, draft.public_bytes(Encoding.DER))
        certificate = x509.load_der_x509_certificate(der)
        self._check(certificate.signature, certificate.tbs_certificate_bytes)
        return certificate

    def sign_crl(self, builder: x509.CertificateRevocationListBuilder) -> x509.CertificateRevocationList:
        draft = builder.sign(_throwaway_key(self.algorithm), signing_hash(self.algorithm))
        der = self._assemble(draft.tbs_certlist_bytes, draft.public_bytes(Encoding.DER))
        crl = x509.load_der_x509_crl(der)
        self._check(crl.signature, crl.tbs_certlist_bytes)
        return crl

    def sign_tbs(self, tbs: bytes) -> bytes:
        """Sign TBS in the token; the signature as X.509 carries it (DER ECDSA-Sig-Value or PKCS#1 v1.5)."""
        if self.algorithm in _CURVES:
            digest = hashlib.new(signing_hash(self.algorithm).name, tbs).digest()
            raw = self._sign(digest, Mechanism.ECDSA)
            half = len(raw) // 2
            return encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))
        return self._sign(tbs, Mechanism.SHA256_RSA_PKCS)

    def _sign(self, data: bytes, mechanism: Mechanism) -> bytes:
        def sign(session: Any) -> bytes:
            key = _find(session, self.label, ObjectClass.PRIVATE_KEY, self.store.token_label)
            return bytes(key.sign(data, mechanism=mechanism))

        return self.store.use(self.label, sign)

    def _assemble(self, tbs: bytes, draft_der: bytes) -> bytes:
        """The draft's TBS and signatureAlgorithm with the token's signature in place of the throwaway one."""
        return der_sequence(tbs + signature_algorithm(draft_der, tbs) + der_bit_string(self.sign_tbs(tbs)))

    def _check(self, signature: bytes, tbs: bytes) -> None:
        """Refuse to hand out anything the token's public key does not verify."""
        try:
            if isinstance(self.public, ec.EllipticCurvePublicKey):
                self.public.verify(signature, tbs, ec.ECDSA(signing_hash(self.algorithm)))
            else:
                self.public.verify(signature, tbs, padding.PKCS1v15(), signing_hash(self.algorithm))
        except InvalidSignature:
            raise CaNotReady(N_("The HSM key %(label)s made a signature its public key does not verify; nothing "
                                "was signed."), label=self.label) from None


# ---- throwaway keys and minimal DER ------------------------------------------------------------------------------

_throwaway: dict[str, PrivateKey] = {}


def _throwaway_key(algorithm: str) -> PrivateKey:
    """A software key that only shapes the draft (its signature is discarded): one per algorithm and process.

    RSA keys of any size yield the same TBS and signatureAlgorithm, so one 2048-bit key serves RSA 3072 too."""
    family = algorithm if algorithm in _CURVES else "rsa"
    if family not in _throwaway:
        _throwaway[family] = (ec.generate_private_key(_CURVES[family][1]) if family in _CURVES
                              else rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _throwaway[family]


def der_length(length: int) -> bytes:
    """DER's length octets: short form below 128, else 0x80|n followed by n big-endian bytes."""
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def der_sequence(content: bytes) -> bytes:
    return b"\x30" + der_length(len(content)) + content


def der_bit_string(content: bytes) -> bytes:
    return b"\x03" + der_length(len(content) + 1) + b"\x00" + content  # no unused bits


def der_element(der: bytes, offset: int) -> tuple[int, int, int]:
    """The element starting at OFFSET: (its start, its content's start, its end). Definite lengths only."""
    if offset + 2 > len(der):
        raise ValueError("DER truncated")
    first = der[offset + 1]
    if first < 0x80:
        length, header = first, 2
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or offset + 2 + count > len(der):
            raise ValueError("DER length not definite or truncated")
        length, header = int.from_bytes(der[offset + 2:offset + 2 + count], "big"), 2 + count
    content = offset + header
    if content + length > len(der):
        raise ValueError("DER truncated")
    return offset, content, content + length


def signature_algorithm(signed_der: bytes, tbs: bytes) -> bytes:
    """The signatureAlgorithm element of a signed structure (SEQUENCE { tbs, signatureAlgorithm, signature }),
    after checking that its first element is TBS."""
    _, content, _ = der_element(signed_der, 0)
    tbs_start, _, tbs_end = der_element(signed_der, content)
    if signed_der[tbs_start:tbs_end] != tbs:
        raise ValueError("the signed structure does not start with this TBS")
    algorithm_start, _, algorithm_end = der_element(signed_der, tbs_end)
    return signed_der[algorithm_start:algorithm_end]
