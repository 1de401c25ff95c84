"""The CA hierarchy: created once at a key ceremony (`telreg ecert init`), loaded by every process after.

    root CA (offline: self-signed, its key under the operator's ROOT passphrase or in the HSM)
      ├── root CRL (signed at the ceremony, and again by `root_sign_crl` at later ceremonies)
      └── issuing CA (online: its key under TELREG_ECERT_KEY_PASSPHRASE_FILE's passphrase, or in the HSM)
            ├── OCSP signer (delegated, id-pkix-ocsp-nocheck)       software key, issuing passphrase
            └── document signer (CMS of publications and receipts)  software key, issuing passphrase
                (both renewed by ``renew_signer``: a new key and certificate, named in ``signers.json``)

The directory (TELREG_ECERT_DIR, default data_dir/ecert, 0700) holds ``hierarchy.json`` (where the keys are,
written last: its presence means "initialised"), the four certificates as PEM, the root CRL (DER), and the
software keys as encrypted PKCS#8 files (software_keys.py), each written once and never overwritten: init
refuses to run over an existing hierarchy. The root's key is used only to sign the issuing CA and the root's CRLs;
a running platform never opens it (``load_hierarchy`` reads the root's certificate only).

The certificates of the hierarchy are recorded in ``ecert_certificates`` too (subject kind "platform"), so the
status services know their serials.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock
from telreg.core.i18n import N_
from telreg.core.secret_files import check_private, private_dir, write_once
from telreg.ecert.errors import CaNotReady
from telreg.ecert.issuance import build_certificate, public_key_sha256, validity
from telreg.ecert.keys import Authority, CaKey, DelegatedSigner, Hierarchy, KeyStore, key_algorithm
from telreg.ecert.lint import lint_certificate
from telreg.ecert.models import Certificate
from telreg.ecert.profiles import Profile, Profiles, get_profiles
from telreg.ecert.serials import new_serial, serial_hex
from telreg.ecert.software_keys import SoftwareKeyStore

__all__ = [
    "CERT_FILES",
    "HSM_LABELS",
    "ROOT_CRL_FILE",
    "CaInfo",
    "ca_dir",
    "ca_info",
    "forget_hierarchy",
    "init_hierarchy",
    "issuing_passphrase",
    "load_hierarchy",
    "root_crl_der",
    "root_sign_crl",
]

MARKER = "hierarchy.json"
CERT_FILES = {"root": "root.pem", "issuing": "issuing.pem", "ocsp": "ocsp.pem", "documents": "documents.pem"}
ROOT_CRL_FILE = "root.crl"
SIGNERS = "signers.json"  # the delegated signers in use, once renewed: role -> key label and certificate file
HSM_LABELS = {"root": "telreg-root", "issuing": "telreg-issuing"}
KEY_LABELS = {"root": "telreg-root", "issuing": "telreg-issuing", "ocsp": "telreg-ocsp",
              "documents": "telreg-documents"}
PROFILE_OF = {"root": "root-ca", "issuing": "issuing-ca", "ocsp": "ocsp-signing", "documents": "document-signing"}
_GENERATED_PASSPHRASE = "ecert-key-passphrase"  # under data_dir, outside production only

_cache: dict[tuple[str, ...], Hierarchy] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class CaInfo:
    """What `telreg ecert ca-info` prints and the ceremony minutes record: per certificate, its facts."""

    keys: str  # software | hsm
    certificates: dict[str, dict[str, str]]


def ca_dir(settings: Settings) -> Path:
    return Path(settings.ecert_dir) if settings.ecert_dir else Path(settings.data_dir) / "ecert"


def init_hierarchy(
    settings: Settings,
    *,
    clock: Clock,
    root_passphrase: bytes | None,
    hsm: bool = False,
    session: Session | None = None,
    actor: str = "operator",
) -> Hierarchy:
    """Create the root, the issuing CA, the two delegated signers and the first root CRL.

    Keys go to the HSM when ``hsm`` is asked or TELREG_ECERT_HSM_MODULE is set (root and issuing; the delegated
    signers' keys are software keys in every case: cryptography signs OCSP and CMS with key objects only).
    With ``session``, the four certificates are recorded in it and the init is audited (the caller commits).
    """
    directory = ca_dir(settings)
    use_hsm = hsm or settings.ecert_hsm_module is not None
    if use_hsm and settings.ecert_hsm_module is None:
        raise CaNotReady(N_("An HSM was asked for but TELREG_ECERT_HSM_MODULE names no PKCS#11 library."))
    if not use_hsm and not root_passphrase:
        raise CaNotReady(N_("The root CA's key needs a passphrase (the operator's, given at the ceremony)."))
    _refuse_existing(directory)
    profiles = get_profiles(settings)
    private_dir(directory)
    software = SoftwareKeyStore(directory, issuing_passphrase(settings))
    root_store: KeyStore
    issuing_store: KeyStore
    if use_hsm:
        from telreg.ecert.hsm import HsmKeyStore  # needs python-pkcs11 and a token: only in this branch

        root_store = issuing_store = HsmKeyStore(settings)
    else:
        root_store, issuing_store = SoftwareKeyStore(directory, root_passphrase or b""), software
    now = clock.now()
    name = _names(profiles)
    root_key = root_store.generate(KEY_LABELS["root"], profiles.profiles["root-ca"].default_algorithm)
    root = _certify(settings, profiles.profiles["root-ca"], name("root-ca"), root_key.public_key(), None,
                    root_key, now)
    issuing_key = issuing_store.generate(KEY_LABELS["issuing"], profiles.profiles["issuing-ca"].default_algorithm)
    issuing = _certify(settings, profiles.profiles["issuing-ca"], name("issuing-ca"), issuing_key.public_key(),
                       root, root_key, now)
    signers = {}
    for role in ("ocsp", "documents"):
        profile = profiles.profiles[PROFILE_OF[role]]
        private_key = software.generate_private(KEY_LABELS[role], profile.default_algorithm)
        cert = _certify(settings, profile, name(PROFILE_OF[role]), private_key.public_key(), issuing, issuing_key,
                        now)
        signers[role] = DelegatedSigner(certificate=cert, private_key=private_key, chain=(issuing, root))
    certs = {"root": root, "issuing": issuing, "ocsp": signers["ocsp"].certificate,
             "documents": signers["documents"].certificate}
    for role, cert in certs.items():
        _write_new(directory / CERT_FILES[role], cert.public_bytes(serialization.Encoding.PEM))
    crl = _root_crl(root, root_key, profiles.profiles["root-ca"], now=now, number=1, revoked=())
    _replace(directory / ROOT_CRL_FILE, crl.public_bytes(serialization.Encoding.DER))
    marker = {"version": 1, "keys": "hsm" if use_hsm else "software", "created_at": now.isoformat(),
              "profiles": profiles.version, "labels": KEY_LABELS,
              "fingerprints": {role: _fingerprint(cert) for role, cert in certs.items()}}
    _write_new(directory / MARKER, json.dumps(marker, indent=2).encode())  # last: now it is initialised
    if session is not None:
        for role, cert in certs.items():
            session.add(_row(cert, profile=PROFILE_OF[role], actor=actor, now=now))
        audit.record(session, clock=clock, actor=actor, action="ecert.init", subject_type="ecert_hierarchy",
                     subject_key=_fingerprint(root), details={
                         "keys": marker["keys"], "serials": {r: serial_hex(c.serial_number) for r, c in certs.items()}})
        session.flush()
    hierarchy = Hierarchy(root=root, issuing=Authority(certificate=issuing, key=issuing_key),
                          ocsp=signers["ocsp"], documents=signers["documents"])
    with _cache_lock:
        _cache[_cache_key(settings) + (0,)] = hierarchy
    return hierarchy


def load_hierarchy(settings: Settings) -> Hierarchy:
    """The hierarchy a running platform signs with (read once per process and directory, and again after a
    delegated signer was renewed)."""
    key = _cache_key(settings) + (_signers_version(ca_dir(settings)),)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _load(settings)
        return _cache[key]


def renew_signer(settings: Settings, *, clock: Clock, role: str, session: Session | None = None,
                 actor: str = "operator") -> DelegatedSigner:
    """Replace a delegated signer (``ocsp`` or ``documents``) by a new key and certificate from the issuing CA.

    The OCSP responder's certificate is short-lived (nobody can check its status: id-pkix-ocsp-nocheck), so it is
    renewed well before it ends; the old key file stays (never overwritten) and the old certificate, still valid,
    keeps verifying what it signed. Every process picks the new signer up at its next ``load_hierarchy``.
    """
    if role not in ("ocsp", "documents"):
        raise CaNotReady(N_("Only the delegated signers (ocsp, documents) are renewed this way, not %(role)s."),
                         role=role)
    directory = ca_dir(settings)
    current = load_hierarchy(settings)
    profiles = get_profiles(settings)
    profile = profiles.profiles[PROFILE_OF[role]]
    now = clock.now()
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    label, file = f"{KEY_LABELS[role]}-{stamp}", f"{role}-{stamp}.pem"
    private_key = SoftwareKeyStore(directory, issuing_passphrase(settings)).generate_private(
        label, profile.default_algorithm)
    cert = _certify(settings, profile, _names(profiles)(PROFILE_OF[role]), private_key.public_key(),
                    current.issuing.certificate, current.issuing.key, now)
    _write_new(directory / file, cert.public_bytes(serialization.Encoding.PEM))
    signers = _signers(directory)
    signers[role] = {"label": label, "certificate": file}
    _replace(directory / SIGNERS, json.dumps(signers, indent=2).encode())
    if session is not None:
        session.add(_row(cert, profile=PROFILE_OF[role], actor=actor, now=now))
        audit.record(session, clock=clock, actor=actor, action="ecert.renew-signer", subject_type="ecert_certificate",
                     subject_key=serial_hex(cert.serial_number), details={"role": role, "label": label})
        session.flush()
    return DelegatedSigner(certificate=cert, private_key=private_key, chain=current.ocsp.chain)


def forget_hierarchy(settings: Settings | None = None) -> None:
    """Drop the cached hierarchy (of these settings, or all): after a ceremony changed the files."""
    with _cache_lock:
        if settings is None:
            _cache.clear()
        else:
            for key in [k for k in _cache if k[:-1] == _cache_key(settings)]:
                _cache.pop(key, None)


def root_sign_crl(settings: Settings, *, clock: Clock, root_passphrase: bytes | None,
                  revoked: Iterable[tuple[int, dt.datetime, x509.ReasonFlags | None]] = ()) -> x509.CertificateRevocationList:
    """Sign the next root CRL with the offline root key (at a ceremony) and publish it in the CA directory.

    ``revoked``: (serial, revocation time, reason) of the issuing CAs the root has revoked — usually none."""
    directory = ca_dir(settings)
    marker = _marker(directory)
    root = _read_cert(directory / CERT_FILES["root"])
    if marker["keys"] == "hsm":
        from telreg.ecert.hsm import HsmKeyStore

        root_key: CaKey = HsmKeyStore(settings).load(KEY_LABELS["root"])
    else:
        if not root_passphrase:
            raise CaNotReady(N_("The root CA's key needs a passphrase (the operator's, given at the ceremony)."))
        root_key = SoftwareKeyStore(directory, root_passphrase).load(KEY_LABELS["root"])
    previous = x509.load_der_x509_crl(root_crl_der(settings))
    number = previous.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number + 1
    crl = _root_crl(root, root_key, get_profiles(settings).profiles["root-ca"], now=clock.now(), number=number,
                    revoked=revoked)
    _replace(directory / ROOT_CRL_FILE, crl.public_bytes(serialization.Encoding.DER))
    return crl


def root_crl_der(settings: Settings) -> bytes:
    """The root's current CRL (DER), served at /ecert/crl/root.crl."""
    path = ca_dir(settings) / ROOT_CRL_FILE
    try:
        return path.read_bytes()
    except OSError:
        raise _not_initialised(ca_dir(settings)) from None


def ca_info(settings: Settings) -> CaInfo:
    """Facts about the hierarchy's certificates (no key is opened)."""
    directory = ca_dir(settings)
    marker = _marker(directory)
    certificates = {}
    signers = _signers(directory)
    for role, file in CERT_FILES.items():
        cert = _read_cert(directory / signers.get(role, {}).get("certificate", file))
        certificates[role] = {
            "subject": cert.subject.rfc4514_string(), "serial": serial_hex(cert.serial_number),
            "not_before": cert.not_valid_before_utc.isoformat(), "not_after": cert.not_valid_after_utc.isoformat(),
            "key": key_algorithm(cert.public_key()), "sha256": _fingerprint(cert)}  # type: ignore[arg-type]
    return CaInfo(keys=marker["keys"], certificates=certificates)


def issuing_passphrase(settings: Settings) -> bytes:
    """The passphrase of the issuing CA's and delegated signers' key files.

    TELREG_ECERT_KEY_PASSPHRASE_FILE (private, in production); outside production, when unset, one generated
    once under data_dir. Production without the setting is refused: a passphrase next to the keys protects nothing.
    """
    path = settings.ecert_key_passphrase_file
    if path is None:
        if settings.is_production:
            raise CaNotReady(N_("TELREG_ECERT_KEY_PASSPHRASE_FILE must name the file holding the passphrase of "
                                "the CA's keys in production."))
        path = write_once(Path(settings.data_dir) / _GENERATED_PASSPHRASE, lambda: secrets.token_urlsafe(32))
    elif settings.is_production:
        check_private(Path(path), setting="ecert_key_passphrase_file")
    try:
        passphrase = Path(path).read_bytes().strip()
    except OSError as exc:
        raise CaNotReady(N_("The CA key passphrase file %(path)s cannot be read: %(detail)s."), path=str(path),
                         detail=str(exc.strerror or exc)) from None
    if not passphrase:
        raise CaNotReady(N_("The CA key passphrase file %(path)s is empty."), path=str(path))
    return passphrase


# -- building ------------------------------------------------------------------------------------------------------

def _names(profiles: Profiles) -> Any:
    def name(profile: str) -> x509.Name:
        return x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, profiles.authority.country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, profiles.authority.organization),
            x509.NameAttribute(NameOID.COMMON_NAME, profiles.profiles[profile].common_name or profile),
        ])
    return name


def _certify(settings: Settings, profile: Profile, subject: x509.Name, public_key: Any,
             issuer: x509.Certificate | None, signer: CaKey, now: dt.datetime) -> x509.Certificate:
    not_before, not_after = validity(now, days=profile.validity_days, issuer=issuer)
    builder = build_certificate(settings=settings, profile=profile, subject=subject, public_key=public_key,
                                serial=new_serial(), not_before=not_before, not_after=not_after, issuer=issuer)
    cert = signer.sign_certificate(builder)
    findings = lint_certificate(cert, issuer=issuer)
    if findings:  # the shipped profiles pass; a deployment's own may not
        raise CaNotReady(N_("The %(profile)s certificate would not be valid: %(findings)s."),
                         profile=subject.rfc4514_string(), findings="; ".join(findings))
    return cert


def _root_crl(root: x509.Certificate, key: CaKey, profile: Profile, *, now: dt.datetime, number: int,
              revoked: Iterable[tuple[int, dt.datetime, x509.ReasonFlags | None]]) -> x509.CertificateRevocationList:
    this_update = now.astimezone(dt.UTC).replace(microsecond=0)
    ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root.subject)
        .last_update(this_update)
        .next_update(this_update + dt.timedelta(days=profile.crl_validity_days or 365))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
    )
    for serial, when, reason in revoked:
        entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
        if reason is not None and reason is not x509.ReasonFlags.unspecified:
            entry = entry.add_extension(x509.CRLReason(reason), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return key.sign_crl(builder)


def _row(cert: x509.Certificate, *, profile: str, actor: str, now: dt.datetime) -> Certificate:
    der = cert.public_bytes(serialization.Encoding.DER)
    return Certificate(
        serial=serial_hex(cert.serial_number), profile=profile, subject_kind="platform",
        subject=cert.subject.rfc4514_string(), key_origin="ca", key_algorithm=key_algorithm(cert.public_key()),  # type: ignore[arg-type]
        public_key_sha256=public_key_sha256(cert.public_key()),  # type: ignore[arg-type]
        fingerprint_sha256=hashlib.sha256(der).hexdigest(), der=der, not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc, state="good", issued_at=now, issued_by=actor, status_changed_at=now,
        created_at=now)


# -- loading -------------------------------------------------------------------------------------------------------

def _load(settings: Settings) -> Hierarchy:
    directory = ca_dir(settings)
    marker = _marker(directory)
    signers_in_use = _signers(directory)
    files = {role: signers_in_use.get(role, {}).get("certificate", file) for role, file in CERT_FILES.items()}
    labels = {role: signers_in_use.get(role, {}).get("label", label) for role, label in KEY_LABELS.items()}
    certs = {role: _read_cert(directory / file) for role, file in files.items()}
    software = SoftwareKeyStore(directory, issuing_passphrase(settings))
    issuing_key: CaKey
    if marker["keys"] == "hsm":
        from telreg.ecert.hsm import HsmKeyStore

        issuing_key = HsmKeyStore(settings).load(KEY_LABELS["issuing"])
    else:
        issuing_key = software.load(KEY_LABELS["issuing"])
    chain = (certs["issuing"], certs["root"])
    signers = {}
    for role in ("issuing", "ocsp", "documents"):
        if role == "issuing":
            public = issuing_key.public_key()
        else:
            private = software.load_private(labels[role])
            signers[role] = DelegatedSigner(certificate=certs[role], private_key=private, chain=chain)
            public = private.public_key()
        if _spki(public) != _spki(certs[role].public_key()):  # type: ignore[arg-type]
            raise CaNotReady(N_("The CA key %(label)s does not belong to the certificate %(path)s."),
                             label=labels[role], path=str(directory / files[role]))
    return Hierarchy(root=certs["root"], issuing=Authority(certificate=certs["issuing"], key=issuing_key),
                     ocsp=signers["ocsp"], documents=signers["documents"])


def _marker(directory: Path) -> dict[str, Any]:
    try:
        return json.loads((directory / MARKER).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _not_initialised(directory) from None
    except (OSError, ValueError) as exc:
        raise CaNotReady(N_("The CA directory %(path)s cannot be read: %(detail)s."), path=str(directory),
                         detail=str(exc)) from None


def _signers(directory: Path) -> dict[str, dict[str, str]]:
    try:
        return json.loads((directory / SIGNERS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}  # the signers made at init
    except (OSError, ValueError) as exc:
        raise CaNotReady(N_("The CA directory %(path)s cannot be read: %(detail)s."), path=str(directory),
                         detail=str(exc)) from None


def _signers_version(directory: Path) -> int:
    try:
        return (directory / SIGNERS).stat().st_mtime_ns
    except OSError:
        return 0


def _not_initialised(directory: Path) -> CaNotReady:
    return CaNotReady(N_("There is no certification authority in %(path)s yet: an operator creates it with "
                         "`telreg ecert init`."), path=str(directory))


def _read_cert(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise CaNotReady(N_("The CA certificate %(path)s cannot be read: %(detail)s."), path=str(path),
                         detail=str(getattr(exc, "strerror", None) or exc)) from None


def _refuse_existing(directory: Path) -> None:
    taken = [name for name in (MARKER, SIGNERS, *CERT_FILES.values(), ROOT_CRL_FILE, *(f"{label}.key.pem" for label in
                                                                           KEY_LABELS.values()))
             if (directory / name).exists()]
    if taken:
        raise CaNotReady(N_("A certification authority exists already in %(path)s (%(files)s); telreg never "
                            "overwrites one."), path=str(directory), files=", ".join(taken))


def _cache_key(settings: Settings) -> tuple[str, ...]:
    return (str(ca_dir(settings).resolve()), str(settings.ecert_key_passphrase_file or ""),
            str(settings.ecert_hsm_module or ""), settings.ecert_hsm_token_label)


def _fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _spki(public_key: Any) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _write_new(path: Path, data: bytes) -> None:
    """A public file of the hierarchy (certificates, marker): created, never replaced."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _replace(path: Path, data: bytes) -> None:
    """Replace a file atomically (the root CRL: readers see the old one or the new one, never half)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
