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

**Renewed signers reach every process.** ``load_hierarchy`` keeps one hierarchy per CA directory and settings,
together with the identity of ``signers.json`` (inode, mtime_ns, size: ``renew_signer`` replaces it atomically,
so a renewal always gives it a new inode). At most every ``RECHECK_SECONDS`` of the monotonic clock a call stats
that file, and re-reads the hierarchy when it changed; every other call is a dict lookup, so the OCSP responder
pays nothing more. The process that renews drops its own copy at once. ``renew_signer`` holds an exclusive lock on
``.signers.lock`` in the CA directory and, when asked to renew only a signer that ends soon (``only_if_due``: the
worker's daily job, signer_jobs.py), decides from the certificate named on disk under that lock, so two workers
renew once.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock
from telreg.core.i18n import N_
from telreg.core.secret_files import check_private, write_once
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
    "RECHECK_SECONDS",
    "ROOT_CRL_FILE",
    "SIGNER_ROLES",
    "CaInfo",
    "ca_dir",
    "ca_info",
    "forget_hierarchy",
    "init_hierarchy",
    "issuing_passphrase",
    "load_hierarchy",
    "renew_signer",
    "renewal_due",
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
SIGNER_ROLES = ("ocsp", "documents")  # the delegated signers: renewed by renew_signer, the others at ceremonies
PROFILE_OF = {"root": "root-ca", "issuing": "issuing-ca", "ocsp": "ocsp-signing", "documents": "document-signing"}
_GENERATED_PASSPHRASE = "ecert-key-passphrase"  # under data_dir, outside production only

SIGNERS_LOCK = ".signers.lock"  # flock()ed while a signer is renewed (two workers, or a worker and an operator)
RECHECK_SECONDS = 2.0  # how long a process may serve a signer after another process renewed it
_monotonic = time.monotonic  # a module attribute, so tests can move it


@dataclass(frozen=True)
class _Cached:
    hierarchy: Hierarchy
    version: tuple[int, int, int]  # signers.json's (inode, mtime_ns, size) when read; zeros while there is none
    checked: float  # _monotonic() when that was last compared with the file


_cache: dict[tuple[str, ...], _Cached] = {}
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
    """Create the root, the issuing CA, the two delegated signers and the first root CRL: all or nothing.

    Keys go to the HSM when ``hsm`` is asked or TELREG_ECERT_HSM_MODULE is set (root and issuing; the delegated
    signers' keys are software keys in every case: cryptography signs OCSP and CMS with key objects only).
    With ``session``, the four certificates are recorded in it and the init is audited (the caller commits).

    **All or nothing.** Everything is built in a fresh private directory (0700) on the CA directory's own
    filesystem — ``.<name>.init-*`` beside it when it does not exist yet, ``.init-*`` inside it when it exists
    (made empty by an operator, or a mount point) — and moved into place only after the database rows and the
    audit event were flushed (a refused flush leaves nothing): by one rename of the whole directory, or else entry
    by entry with hard links, which never replace a file. ``hierarchy.json``, the marker of an initialised CA
    (without it ``load_hierarchy`` says "not initialised"), comes LAST, and only once the rows are durable: with
    ``session`` it is written when the caller's transaction commits (an ``after_commit`` hook), so a failed
    commit or a rollback never leaves a marker to remove; without ``session`` it is written at once.

    So an interruption anywhere — an exception, a failed commit, a killed process — leaves no marker: no usable CA,
    and init runs again. What an unfinished run left in the CA directory (certificates, CRL, key files) is moved
    aside into ``.unfinished-init-*`` there (kept: telreg destroys no key), and its build directories are
    removed. A finished CA (marker present) is refused and nothing of it is touched. The one interruption that
    leaves a trace is a failure between the commit and the marker (then the commit raises the error): the four
    rows stay in ``ecert_certificates`` for a CA that never went into service; the next init records its own.

    **HSM.** Keys made in a token cannot be taken back by a rename: an interrupted init leaves the labels
    ``telreg-root`` / ``telreg-issuing`` in the token. Init refuses, before it generates anything, while the token
    holds either label (a finished CA is refused earlier, by its marker), naming the labels for an operator to
    delete with the token's tools. Reusing them instead is not safe: nothing proves that a key under that label
    was made by the interrupted run and not by another CA sharing the token.
    """
    directory = ca_dir(settings)
    use_hsm = hsm or settings.ecert_hsm_module is not None
    if use_hsm and settings.ecert_hsm_module is None:
        raise CaNotReady(N_("An HSM was asked for but TELREG_ECERT_HSM_MODULE names no PKCS#11 library."))
    if not use_hsm and not root_passphrase:
        raise CaNotReady(N_("The root CA's key needs a passphrase (the operator's, given at the ceremony)."))
    _refuse_existing(directory)
    profiles = get_profiles(settings)
    passphrase = issuing_passphrase(settings)
    hsm_store: KeyStore | None = None
    if use_hsm:
        from telreg.ecert.hsm import HsmKeyStore  # needs python-pkcs11 and a token: only in this branch

        hsm_store = HsmKeyStore(settings)
        _refuse_hsm_leftovers(hsm_store)
    staging = _staging_dir(directory)
    try:
        software = SoftwareKeyStore(staging, passphrase)
        root_store: KeyStore
        issuing_store: KeyStore
        if hsm_store is not None:
            root_store = issuing_store = hsm_store
        else:
            root_store, issuing_store = SoftwareKeyStore(staging, root_passphrase or b""), software
        now = clock.now()
        name = _names(profiles)
        root_key = root_store.generate(KEY_LABELS["root"], profiles.profiles["root-ca"].default_algorithm)
        root = _certify(settings, profiles.profiles["root-ca"], name("root-ca"), root_key.public_key(), None,
                        root_key, now)
        issuing_key = issuing_store.generate(KEY_LABELS["issuing"],
                                             profiles.profiles["issuing-ca"].default_algorithm)
        issuing = _certify(settings, profiles.profiles["issuing-ca"], name("issuing-ca"), issuing_key.public_key(),
                           root, root_key, now)
        signers = {}
        for role in ("ocsp", "documents"):
            profile = profiles.profiles[PROFILE_OF[role]]
            private_key = software.generate_private(KEY_LABELS[role], profile.default_algorithm)
            cert = _certify(settings, profile, name(PROFILE_OF[role]), private_key.public_key(), issuing,
                            issuing_key, now)
            signers[role] = DelegatedSigner(certificate=cert, private_key=private_key, chain=(issuing, root))
        certs = {"root": root, "issuing": issuing, "ocsp": signers["ocsp"].certificate,
                 "documents": signers["documents"].certificate}
        for role, cert in certs.items():
            _write_staged(staging / CERT_FILES[role], cert.public_bytes(serialization.Encoding.PEM))
        crl = _root_crl(root, root_key, profiles.profiles["root-ca"], now=now, number=1, revoked=())
        _write_staged(staging / ROOT_CRL_FILE, crl.public_bytes(serialization.Encoding.DER))
        marker = {"version": 1, "keys": "hsm" if use_hsm else "software", "created_at": now.isoformat(),
                  "profiles": profiles.version, "labels": KEY_LABELS,
                  "fingerprints": {role: _fingerprint(cert) for role, cert in certs.items()}}
        if session is not None:
            for role, cert in certs.items():
                session.add(_row(cert, profile=PROFILE_OF[role], actor=actor, now=now))
            audit.record(session, clock=clock, actor=actor, action="ecert.init", subject_type="ecert_hierarchy",
                         subject_key=_fingerprint(root), details={
                             "keys": marker["keys"],
                             "serials": {r: serial_hex(c.serial_number) for r, c in certs.items()}})
            session.flush()
        _move_into_place(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # gone already when the rename was the last step
        raise
    hierarchy = Hierarchy(root=root, issuing=Authority(certificate=issuing, key=issuing_key),
                          ocsp=signers["ocsp"], documents=signers["documents"])

    def finish() -> None:
        _publish_marker(directory, marker)  # last: now it is initialised
        with _cache_lock:
            _cache[_cache_key(settings)] = _Cached(hierarchy, _signers_version(directory), _monotonic())

    if session is None:
        finish()
    else:
        _on_commit(session, finish)
    return hierarchy


def load_hierarchy(settings: Settings) -> Hierarchy:
    """The hierarchy a running platform signs with: read once per process and directory, and again when
    ``signers.json`` changed (a delegated signer was renewed), noticed within ``RECHECK_SECONDS``."""
    key = _cache_key(settings)
    cached = _cache.get(key)
    now = _monotonic()
    if cached is not None and cached.checked <= now < cached.checked + RECHECK_SECONDS:
        return cached.hierarchy  # the hot path: no system call
    version = _signers_version(ca_dir(settings))
    with _cache_lock:
        cached = _cache.get(key)
        if cached is None or cached.version != version:
            # Read after the stat: should the file change in between, the next check reads it again.
            cached = _Cached(_load(settings), version, now)
        else:
            cached = replace(cached, checked=now)
        _cache[key] = cached
        return cached.hierarchy


def renewal_due(certificate: x509.Certificate, *, now: dt.datetime, settings: Settings) -> bool:
    """Does this signer's certificate end within TELREG_ECERT_SIGNER_RENEW_DAYS of NOW?"""
    return certificate.not_valid_after_utc - now < dt.timedelta(days=settings.ecert_signer_renew_days)


def renew_signer(settings: Settings, *, clock: Clock, role: str, session: Session | None = None,
                 actor: str = "operator", only_if_due: bool = False) -> DelegatedSigner | None:
    """Replace a delegated signer (``ocsp`` or ``documents``) by a new key and certificate from the issuing CA.

    The OCSP responder's certificate is short-lived (nobody can check its status: id-pkix-ocsp-nocheck), so it is
    renewed well before it ends; the old key file stays (never overwritten) and the old certificate, still valid,
    keeps verifying what it signed. Every process picks the new signer up within ``RECHECK_SECONDS``, this one at
    once.

    With ``only_if_due`` (the worker's job), nothing is done and None is returned unless the signer in use — as
    ``signers.json`` names it on disk, read under the directory's lock — ends within the renewal window
    (``renewal_due``): a second worker, or a second run, finds the renewed signer and leaves it.
    With ``session``, the new certificate is recorded and the renewal audited, flushed before ``signers.json``
    names the new signer (a failed flush leaves the signer in use as it was). Should the caller's commit fail after
    that, the job's next attempt finds the signer renewed and records it then (``_record_if_missing``).
    """
    if role not in SIGNER_ROLES:
        raise CaNotReady(N_("Only the delegated signers (ocsp, documents) are renewed this way, not %(role)s."),
                         role=role)
    directory = ca_dir(settings)
    current = load_hierarchy(settings)
    profiles = get_profiles(settings)
    profile = profiles.profiles[PROFILE_OF[role]]
    now = clock.now()
    with _signers_locked(directory):
        signers = _signers(directory)  # on disk, under the lock: what another process may just have renewed
        in_use = _read_cert(directory / signers.get(role, {}).get("certificate", CERT_FILES[role]))
        if only_if_due and not renewal_due(in_use, now=now, settings=settings):
            if session is not None:
                _record_if_missing(session, in_use, role=role, clock=clock, actor=actor)
            return None
        stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        label, file = f"{KEY_LABELS[role]}-{stamp}", f"{role}-{stamp}.pem"
        private_key = SoftwareKeyStore(directory, issuing_passphrase(settings)).generate_private(
            label, profile.default_algorithm)
        cert = _certify(settings, profile, _names(profiles)(PROFILE_OF[role]), private_key.public_key(),
                        current.issuing.certificate, current.issuing.key, now)
        _write_new(directory / file, cert.public_bytes(serialization.Encoding.PEM))
        if session is not None:
            session.add(_row(cert, profile=PROFILE_OF[role], actor=actor, now=now))
            audit.record(session, clock=clock, actor=actor, action="ecert.renew-signer",
                         subject_type="ecert_certificate", subject_key=serial_hex(cert.serial_number),
                         details={"role": role, "label": label, "replaces": serial_hex(in_use.serial_number),
                                  "automatic": only_if_due})
            session.flush()
        signers[role] = {"label": label, "certificate": file}
        _replace(directory / SIGNERS, json.dumps(signers, indent=2).encode())
    forget_hierarchy(settings)  # this process signs with the new signer from its next load_hierarchy on
    return DelegatedSigner(certificate=cert, private_key=private_key, chain=current.ocsp.chain)


def _record_if_missing(session: Session, cert: x509.Certificate, *, role: str, clock: Clock, actor: str) -> None:
    """Record a signer in use that ``ecert_certificates`` lacks (renewed by a run whose commit failed).

    The renewing run may also simply not have committed yet (it released the file lock before its commit): then
    the insert waits for it and hits the unique serial, and the savepoint leaves this transaction intact."""
    serial = serial_hex(cert.serial_number)
    if session.scalar(select(Certificate.id).where(Certificate.serial == serial)) is not None:
        return
    try:
        with session.begin_nested():
            session.add(_row(cert, profile=PROFILE_OF[role], actor=actor, now=clock.now()))
    except IntegrityError:
        return  # recorded by the run that renewed it, committed meanwhile
    audit.record(session, clock=clock, actor=actor, action="ecert.renew-signer", subject_type="ecert_certificate",
                 subject_key=serial, details={"role": role, "recorded_late": True})
    session.flush()


def forget_hierarchy(settings: Settings | None = None) -> None:
    """Drop the cached hierarchy (of these settings, or all): after a ceremony changed the files."""
    with _cache_lock:
        if settings is None:
            _cache.clear()
        else:
            _cache.pop(_cache_key(settings), None)


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


def _signers_version(directory: Path) -> tuple[int, int, int]:
    try:
        found = (directory / SIGNERS).stat()
    except OSError:
        return (0, 0, 0)
    return (found.st_ino, found.st_mtime_ns, found.st_size)


@contextmanager
def _signers_locked(directory: Path) -> Iterator[None]:
    """Hold the CA directory's renewal lock (flock: released by the kernel should the process die)."""
    fd = os.open(directory / SIGNERS_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


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
    """Refuse to run over a finished CA, the one with a marker (files without it are an unfinished init's)."""
    if os.path.lexists(directory / MARKER):
        raise CaNotReady(N_("A certification authority exists already in %(path)s (%(files)s); telreg never "
                            "overwrites one."), path=str(directory), files=MARKER)


def _refuse_hsm_leftovers(store: Any) -> None:
    """Refuse when the token holds a CA key label already (see init_hierarchy: never reused, never replaced)."""
    from pkcs11 import Attribute  # only with an HSM

    def holds(label: str) -> bool:
        return store.use(label, lambda s: next(iter(s.get_objects({Attribute.LABEL: label})), None) is not None)

    taken = [label for label in HSM_LABELS.values() if holds(label)]
    if taken:
        raise CaNotReady(N_("The HSM token %(token)s already holds keys labelled %(labels)s but there is no "
                            "certification authority using them: an earlier init did not finish, or another CA "
                            "shares the token. telreg never reuses or replaces a CA key; if they are the unfinished "
                            "init's, delete them with the token's tools, then run init again."),
                         token=store.token_label, labels=", ".join(taken))


def _staging_dir(directory: Path) -> Path:
    """A fresh private directory on the CA directory's filesystem (a rename or link never crosses filesystems),
    after clearing away what unfinished inits left."""
    if directory.is_dir():
        for old in directory.glob(".init-*"):
            shutil.rmtree(old, ignore_errors=True)
        _set_aside_unfinished(directory)
        return Path(tempfile.mkdtemp(prefix=".init-", dir=directory))
    directory.parent.mkdir(parents=True, exist_ok=True)
    for old in directory.parent.glob(f".{directory.name}.init-*"):
        shutil.rmtree(old, ignore_errors=True)  # never renamed into place: no CA ever used these keys
    return Path(tempfile.mkdtemp(prefix=f".{directory.name}.init-", dir=directory.parent))


def _set_aside_unfinished(directory: Path) -> None:
    """Move the files of an unfinished init (no marker) out of the way, into ``.unfinished-init-*``: moved, not
    deleted, since telreg destroys no key file, whoever left it. Other entries (lost+found, …) stay."""
    left = [p for p in directory.iterdir() if not p.name.startswith(".") and p.is_file() and not p.is_symlink()
            and p.suffix in (".pem", ".crl", ".json")]
    if not left:
        return
    aside = Path(tempfile.mkdtemp(prefix=".unfinished-init-", dir=directory))
    for path in left:
        os.rename(path, aside / path.name)


def _write_staged(path: Path, data: bytes) -> None:
    """A file of the hierarchy being built: created, never replaced, on disk before it is moved into place."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _move_into_place(staging: Path, directory: Path) -> None:
    """Put the built hierarchy (without its marker) into the CA directory, replacing no file."""
    try:
        _fsync_dir(staging)
        if staging.parent != directory:  # built beside it: the directory appears whole, by one rename
            os.rename(staging, directory)
            _fsync_dir(directory.parent)
            return
        placed: list[Path] = []
        try:
            for entry in sorted(staging.iterdir()):
                os.link(entry, directory / entry.name)  # FileExistsError rather than replacing a file
                placed.append(directory / entry.name)
        except BaseException:
            for path in placed:
                path.unlink(missing_ok=True)
            raise
        shutil.rmtree(staging)
        _fsync_dir(directory)
    except OSError as exc:
        raise _not_written(directory, exc) from None


def _publish_marker(directory: Path, marker: dict[str, Any]) -> None:
    """Write ``hierarchy.json`` whole or not at all, and never over another (a concurrent init's)."""
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{MARKER}-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(json.dumps(marker, indent=2).encode())
                handle.flush()
                os.fsync(handle.fileno())
            os.link(tmp, directory / MARKER)
        finally:
            os.unlink(tmp)
        _fsync_dir(directory)
    except OSError as exc:
        raise _not_written(directory, exc) from None


def _on_commit(session: Session, action: Any) -> None:
    """Run ACTION once, when the session's outer transaction has committed; never when it ends otherwise.

    ACTION runs as that transaction ends (``after_transaction_end``), not in ``after_commit``: an exception raised
    there would leave the session half-committed, and the caller's rollback would hide it under SQLAlchemy's own.
    """
    root = session.get_transaction()
    state = {"committed": False, "pending": root is not None}

    def committed(_session: Session) -> None:
        # after_commit fires for a savepoint's commit too; the outer transaction is inactive only at its own.
        if root is not None and not root.is_active:
            state["committed"] = True

    def ended(_session: Session, transaction: Any) -> None:
        if transaction is root and state["pending"]:
            state["pending"] = False  # once: a later transaction of this session is not the init's
            if state["committed"]:
                action()

    # Left attached (SQLAlchemy refuses removing a listener while it runs): both are no-ops once done.
    event.listen(session, "after_commit", committed)
    event.listen(session, "after_transaction_end", ended)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _not_written(directory: Path, exc: OSError) -> CaNotReady:
    return CaNotReady(N_("The CA directory %(path)s cannot be written: %(detail)s; the init did not finish and can "
                         "be run again."), path=str(directory), detail=str(exc.strerror or exc))


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
