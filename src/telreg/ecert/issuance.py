"""Signing a certificate: check the key, record the intent, build from the profile, lint, sign, record.

    issue_certificate
      1. the subject's public key against the profile (RSA-1024, DSA, Ed25519, P-521… refused, saying why)
      2. the certificate built from the profile (build_certificate) with a fresh serial, signed by a throwaway
         key of the issuer's algorithm and linted (lint.py); any finding refuses the issuance, nothing recorded
      3. the INTENT: a row with the serial, subject, validity and key hash, state "intent", committed in a short
         transaction of its own before the CA signs (as Boulder does): a failure after the signature — a crash,
         a database error, the caller's rollback — still leaves the serial recorded and revocable (a serial
         drawn twice fails the unique constraint: a new one is drawn)
      4. signed by the issuing CA; in the caller's session the row gets its DER and fingerprint, state "good",
         and the audit log an ``ecert.issue`` event (serial and profile: no personal data)

The intent's own transaction holds no foreign keys (identity, application…): those rows may be the caller's,
not committed yet, so the caller's session fills them in step 4. On SQLite a second writer would wait for the
caller's transaction, which waits for us: when the caller's session already holds the database there, the intent
is written in the caller's transaction instead (PostgreSQL, the production database, always gets its own).

``issue_certificates`` does the same for a batch: all checks and lints first, one transaction for all the
intents, then the signatures — one commit of intents per batch rather than per certificate.

Cost (issue 15: ≥ 300 issuances/s on PostgreSQL, audit on). Two durable commits per certificate are the design —
the intent's and the caller's — so the rest is kept to the statements that must run: the intents are one Core
``INSERT … RETURNING id`` (on PostgreSQL through a pool that skips the checkout ping, and a lone intent in
autocommit: no BEGIN/COMMIT round trips around its one statement), their rows join the caller's session as already loaded (no SELECT to read back what was just
written), the signed fields are one UPDATE per certificate (an executemany for a batch) and the audit events one
``audit.record_many`` INSERT. Six round trips to PostgreSQL for a single issuance, ten before.

Validity: from the profile, starting five minutes back (relying parties whose clock runs a little slow would
otherwise reject a certificate fresh from the counter as "not yet valid"; CAs conventionally backdate by minutes,
never by more), never before the issuing CA's own notBefore nor after its notAfter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import Engine, create_engine, event, insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from telreg.config import Settings
from telreg.core import audit
from telreg.core.i18n import N_
from telreg.ecert.errors import BadRequestData
from telreg.ecert.keys import Hierarchy, PrivateKey, PublicKey, key_algorithm, signing_hash
from telreg.ecert.lint import lint_certificate
from telreg.ecert.models import Certificate
from telreg.ecert.profiles import Profile, get_profiles
from telreg.ecert.serials import new_serial, serial_hex
from telreg.ecert.software_keys import generate_private_key

if TYPE_CHECKING:  # the runtime imports every adapter; issuance needs only its clock, settings and sessions
    from telreg.runtime import Runtime

__all__ = ["BACKDATE", "DOCUMENT_SIGNING", "IssueRequest", "build_certificate", "check_public_key",
           "issue_certificate", "issue_certificates", "public_key_sha256", "public_urls", "validity"]

BACKDATE = dt.timedelta(minutes=5)
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning (RFC 9336)
_EKU = {
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH, "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "emailProtection": ExtendedKeyUsageOID.EMAIL_PROTECTION, "codeSigning": ExtendedKeyUsageOID.CODE_SIGNING,
    "OCSPSigning": ExtendedKeyUsageOID.OCSP_SIGNING, "timeStamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "documentSigning": DOCUMENT_SIGNING,
}
_SUBJECT_OIDS = {
    "commonName": NameOID.COMMON_NAME, "organizationName": NameOID.ORGANIZATION_NAME,
    "organizationIdentifier": NameOID.ORGANIZATION_IDENTIFIER, "countryName": NameOID.COUNTRY_NAME,
    "serialNumber": NameOID.SERIAL_NUMBER, "emailAddress": NameOID.EMAIL_ADDRESS,
}
_SAN_TYPES = {x509.DNSName: "dns", x509.IPAddress: "ip", x509.RFC822Name: "email"}
_LINT_KEYS: dict[str, PrivateKey] = {}  # throwaway signers of linting certificates, one per algorithm
_INTENT_TRIES = 3
_INTENT_ENGINES: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()  # see _intent_engine
_INTENT_ENGINES_LOCK = threading.Lock()
_UNSET_COLUMNS = dict.fromkeys(column.key for column in Certificate.__table__.columns)  # attribute = column name


@dataclass(frozen=True)
class IssueRequest:
    """One certificate to sign: what issue_certificate takes, for issue_certificates' batches."""

    profile: str
    subject: x509.Name
    public_key: Any
    subject_kind: str
    san: Sequence[x509.GeneralName] = ()
    identity_id: int | None = None
    authorised_person_id: int | None = None
    application_id: int | None = None
    renewal_of_id: int | None = None
    pseudonym: str | None = None
    key_origin: str = "csr"
    counter: str | None = None
    token_serial: str | None = None


@dataclass
class _Prepared:
    request: IssueRequest
    profile: Profile
    algorithm: str
    values: dict[str, Any]
    builder: x509.CertificateBuilder | None = None
    serial: int = 0


def issue_certificate(
    session: Session,
    *,
    runtime: Runtime,
    hierarchy: Hierarchy,
    profile: str,
    subject: x509.Name,
    public_key: Any,
    subject_kind: str,
    actor: str,
    san: Sequence[x509.GeneralName] | None = None,
    identity_id: int | None = None,
    authorised_person_id: int | None = None,
    application_id: int | None = None,
    renewal_of_id: int | None = None,
    pseudonym: str | None = None,
    key_origin: str = "csr",
    counter: str | None = None,
    token_serial: str | None = None,
) -> tuple[Certificate, x509.Certificate]:
    """Sign a certificate for ``public_key`` under ``profile`` with the issuing CA; return its row and itself.

    The row is flushed in ``session`` (the caller commits); the intent row was committed before signing.
    """
    request = IssueRequest(
        profile=profile, subject=subject, public_key=public_key, subject_kind=subject_kind, san=tuple(san or ()),
        identity_id=identity_id, authorised_person_id=authorised_person_id, application_id=application_id,
        renewal_of_id=renewal_of_id, pseudonym=pseudonym, key_origin=key_origin, counter=counter,
        token_serial=token_serial)
    return issue_certificates(session, runtime=runtime, hierarchy=hierarchy, requests=[request], actor=actor)[0]


def issue_certificates(session: Session, *, runtime: Runtime, hierarchy: Hierarchy,
                       requests: Sequence[IssueRequest], actor: str) -> list[tuple[Certificate, x509.Certificate]]:
    """Sign several certificates (a batch of smart ID cards, a benchmark): every check and lint first — one
    refusal refuses the batch and records nothing — then all the intents in one transaction, then the signatures.
    One commit of intents for the whole batch instead of one per certificate."""
    now = runtime.clock.now()
    issuer = hierarchy.issuing.certificate
    prepared = [_prepare(runtime.settings, request, now=now, issuer=issuer, actor=actor) for request in requests]
    for attempt in range(_INTENT_TRIES):
        for item in prepared:
            _build_and_lint(runtime.settings, item, hierarchy=hierarchy)
        try:
            rows = _record_intents(session, runtime=runtime, prepared=prepared)
            break
        except IntegrityError:  # a serial was drawn before: astronomically rare, so draw again
            if attempt == _INTENT_TRIES - 1:
                raise
    issued: list[tuple[Certificate, x509.Certificate]] = []
    events: list[dict[str, Any]] = []
    for item, row in zip(prepared, rows, strict=True):
        assert item.builder is not None
        cert = hierarchy.issuing.key.sign_certificate(item.builder)
        der = cert.public_bytes(serialization.Encoding.DER)
        request = item.request
        row.der = der
        row.fingerprint_sha256 = hashlib.sha256(der).hexdigest()
        row.issued_at = now
        row.state = "good"
        row.status_changed_at = now
        row.identity_id = request.identity_id
        row.authorised_person_id = request.authorised_person_id
        row.application_id = request.application_id
        row.renewal_of_id = request.renewal_of_id
        row.pseudonym = request.pseudonym
        row.counter = request.counter
        row.token_serial = request.token_serial
        events.append({"actor": actor, "action": "ecert.issue", "subject_type": "ecert_certificate",
                       "subject_key": row.serial, "details": {"profile": request.profile,
                                                               "key_origin": request.key_origin,
                                                               "key_algorithm": item.algorithm}})
        issued.append((row, cert))
    session.flush()  # the rows' UPDATEs, one executemany for a batch (before their events, as an audit reads)
    audit.record_many(session, clock=runtime.clock, events=events)  # and one INSERT for all their events
    return issued


def check_public_key(public_key: Any, *, profile: str, allowed: Sequence[str]) -> str:
    """Return the key's algorithm name when the profile allows it; otherwise refuse, saying what would do."""
    if hasattr(public_key, "private_bytes"):  # handed a private key: judge its public half
        public_key = public_key.public_key()
    if isinstance(public_key, rsa.RSAPublicKey):
        name = key_algorithm(public_key)
        exponent = public_key.public_numbers().e
        if exponent < 65537 or exponent % 2 == 0:
            raise BadRequestData(N_("This RSA key's public exponent %(exponent)s is not accepted: use 65537."),
                                 exponent=exponent)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        name = key_algorithm(public_key)
    elif isinstance(public_key, ed25519.Ed25519PublicKey):
        name = "ed25519"
    elif isinstance(public_key, ed448.Ed448PublicKey):
        name = "ed448"
    else:  # DSA (named by class: touching cryptography's dsa module warns of its deprecation), X25519, …
        kind = type(public_key).__name__.removeprefix("_").replace("PublicKey", "").lower()
        size = getattr(public_key, "key_size", None)
        name = f"{kind}-{size}" if size else kind
    if name not in allowed:
        raise BadRequestData(
            N_("A %(algorithm)s key cannot be certified under the %(profile)s profile: use one of %(allowed)s."),
            algorithm=name, profile=profile, allowed=", ".join(allowed))
    return name


def validity(now: dt.datetime, *, days: int, issuer: x509.Certificate | None) -> tuple[dt.datetime, dt.datetime]:
    """(notBefore, notAfter) in UTC whole seconds: backdated a little, inside the issuer's validity."""
    start = (now - BACKDATE).astimezone(dt.UTC).replace(microsecond=0)
    end = start + dt.timedelta(days=days)
    if issuer is not None:
        start = max(start, issuer.not_valid_before_utc)
        end = min(end, issuer.not_valid_after_utc)
    return start, end


def public_urls(settings: Settings) -> dict[str, str]:
    """The URLs certificates point at (the status service serves exactly these paths)."""
    base = settings.ecert_public_url.rstrip("/")
    return {"crl:root": f"{base}/ecert/crl/root.crl", "crl:issuing": f"{base}/ecert/crl/issuing.crl",
            "ocsp": f"{base}/ecert/ocsp", "ca:root": f"{base}/ecert/ca/root.crt",
            "ca:issuing": f"{base}/ecert/ca/issuing.crt"}


def public_key_sha256(public_key: PublicKey) -> str:
    """SHA-256 of the SubjectPublicKeyInfo DER, hex: finds every certificate of one key (compromise, reuse)."""
    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def build_certificate(*, settings: Settings, profile: Profile, subject: x509.Name, public_key: PublicKey,
                      serial: int, not_before: dt.datetime, not_after: dt.datetime,
                      issuer: x509.Certificate | None, san: Sequence[x509.GeneralName] = ()) -> x509.CertificateBuilder:
    """The unsigned certificate a profile describes (``issuer`` None: self-signed, the root)."""
    urls = public_urls(settings)
    ski = x509.SubjectKeyIdentifier.from_public_key(public_key)
    if issuer is None:
        aki = x509.AuthorityKeyIdentifier(ski.digest, None, None)
    else:
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
            issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value)
    usages = set(profile.key_usage)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if issuer is None else issuer.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.KeyUsage(
            digital_signature="digitalSignature" in usages, content_commitment="nonRepudiation" in usages,
            key_encipherment="keyEncipherment" in usages, data_encipherment="dataEncipherment" in usages,
            key_agreement="keyAgreement" in usages, key_cert_sign="keyCertSign" in usages,
            crl_sign="cRLSign" in usages, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(aki, critical=False)
    )
    if profile.ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=profile.path_length),
                                        critical=True)
    if profile.extended_key_usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage([_EKU[name] for name in profile.extended_key_usage]),
                                        critical=False)
    if profile.policies:
        builder = builder.add_extension(x509.CertificatePolicies(
            [x509.PolicyInformation(x509.ObjectIdentifier(oid), None) for oid in profile.policies]), critical=False)
    if profile.crl != "none":
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(urls[f"crl:{profile.crl}"])], relative_name=None,
            reasons=None, crl_issuer=None)]), critical=False)
    access = []
    if profile.ocsp_url:
        access.append(x509.AccessDescription(x509.AuthorityInformationAccessOID.OCSP,
                                             x509.UniformResourceIdentifier(urls["ocsp"])))
    if profile.ca_issuers_url and profile.issuer != "self":
        access.append(x509.AccessDescription(x509.AuthorityInformationAccessOID.CA_ISSUERS,
                                             x509.UniformResourceIdentifier(urls[f"ca:{profile.issuer}"])))
    if access:
        builder = builder.add_extension(x509.AuthorityInformationAccess(access), critical=False)
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(san)), critical=len(subject) == 0)
    if profile.ocsp_nocheck:
        builder = builder.add_extension(x509.OCSPNoCheck(), critical=False)
    return builder


# -- steps ---------------------------------------------------------------------------------------------------------


def _profile(settings: Settings, name: str) -> Profile:
    profiles = get_profiles(settings)
    chosen = profiles.get(name)
    if chosen is None or chosen.ca or chosen.issuer != "issuing":
        names = [n for n, p in profiles.profiles.items() if not p.ca and p.issuer == "issuing"]
        raise BadRequestData(N_("There is no certificate profile %(profile)s to issue under: choose one of "
                                "%(known)s."), profile=repr(name), known=", ".join(names))
    return chosen


def _check_names(profile: Profile, name: str, subject: x509.Name, san: list[x509.GeneralName]) -> None:
    for attribute in profile.subject_required:
        if not subject.get_attributes_for_oid(_SUBJECT_OIDS[attribute]):
            raise BadRequestData(
                N_("The subject of a certificate under the %(profile)s profile needs a %(attribute)s."),
                profile=name, attribute=attribute)
    if not san and len(subject) == 0:
        raise BadRequestData(N_("A certificate needs a subject name or a subject alternative name."))
    if profile.san == "required" and not san:
        raise BadRequestData(
            N_("A certificate under the %(profile)s profile needs at least one subject alternative name "
               "(%(types)s)."), profile=name, types=", ".join(profile.san_types))
    for general_name in san:
        kind = _SAN_TYPES.get(type(general_name))
        if kind is None or kind not in profile.san_types:
            raise BadRequestData(
                N_("A certificate under the %(profile)s profile cannot name %(value)s: allowed names are "
                   "%(types)s."), profile=name, value=str(general_name.value),
                types=", ".join(profile.san_types) or "-")
        if kind == "ip" and not isinstance(general_name.value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
            raise BadRequestData(N_("A certificate names single IP addresses, not networks: %(value)s."),
                                 value=str(general_name.value))


def _prepare(settings: Settings, request: IssueRequest, *, now: dt.datetime, issuer: x509.Certificate,
             actor: str) -> _Prepared:
    profile = _profile(settings, request.profile)
    algorithm = check_public_key(request.public_key, profile=request.profile, allowed=profile.key_algorithms)
    _check_names(profile, request.profile, request.subject, list(request.san))
    not_before, not_after = validity(now, days=profile.validity_days, issuer=issuer)
    values = {"profile": request.profile, "subject_kind": request.subject_kind,
              "subject": request.subject.rfc4514_string(), "key_origin": request.key_origin,
              "key_algorithm": algorithm, "public_key_sha256": public_key_sha256(request.public_key),
              "not_before": not_before, "not_after": not_after, "state": "intent", "issued_by": actor,
              "status_changed_at": now, "created_at": now}
    return _Prepared(request=request, profile=profile, algorithm=algorithm, values=values)


def _build_and_lint(settings: Settings, item: _Prepared, *, hierarchy: Hierarchy) -> None:
    """Draw the serial, build the certificate, lint its throwaway-signed twin; refuse on any finding."""
    issuer = hierarchy.issuing.certificate
    item.serial = new_serial()
    item.builder = build_certificate(
        settings=settings, profile=item.profile, subject=item.request.subject, public_key=item.request.public_key,
        serial=item.serial, not_before=item.values["not_before"], not_after=item.values["not_after"],
        issuer=issuer, san=list(item.request.san))
    findings = lint_certificate(_linting_certificate(item.builder, hierarchy.issuing.key.algorithm), issuer=issuer)
    if findings:
        raise BadRequestData(N_("The certificate would not be valid, so it was not signed: %(findings)s."),
                             findings="; ".join(findings))


def _record_intents(session: Session, *, runtime: Runtime, prepared: list[_Prepared]) -> list[Certificate]:
    """Commit the intents in a transaction of their own; return their rows in ``session``, in order.

    One Core ``INSERT … RETURNING id`` for the batch, on a bare connection: the intent needs no unit of work, and
    the ids are all the database adds. The rows are then attached to ``session`` as already persistent with the
    values just written (make_transient_to_detached), so the signed certificate's fields become one UPDATE at the
    caller's flush, with no SELECT to read back what we already know."""
    values = [{"serial": serial_hex(item.serial), **item.values} for item in prepared]
    statement = insert(Certificate).returning(Certificate.id, sort_by_parameter_order=True)
    if _shares_sqlite_writer(session):
        with session.begin_nested():  # a collision then rolls back these rows only, not the caller's work
            ids = list(session.connection().scalars(statement, values))
    elif runtime.engine.dialect.name == "postgresql":
        ids = _insert_intents_postgresql(runtime.engine, statement, values)
    else:
        with runtime.engine.begin() as own:
            ids = list(own.scalars(statement, values))
    rows = []
    for row_id, row_values in zip(ids, values, strict=True):
        # every column given (None where the intent has none): an attribute left out would be "expired" and read
        # back with a SELECT of its own on first use
        row = Certificate(**{**_UNSET_COLUMNS, **row_values, "id": row_id})
        make_transient_to_detached(row)
        session.add(row)
        rows.append(row)
    return rows


def _insert_intents_postgresql(engine: Engine, statement: Any, values: list[dict[str, Any]]) -> list[int]:
    """Run the intents' INSERT on the intent engine (below) and commit it; return the ids.

    A lone intent is one statement, atomic on its own: in autocommit PostgreSQL commits it as it runs — durably,
    synchronous_commit untouched — without the BEGIN and COMMIT round trips of a transaction block. A batch keeps
    its transaction (all its intents or none). A pooled connection found dead (the server restarted since) fails
    the statement before anything is written: it is dropped and the INSERT runs once more on a fresh one (were the
    first one committed after all, the serial's unique constraint refuses the second and fresh serials are drawn,
    leaving an unsigned intent: the outcome the intent exists to make safe)."""
    intents = _intent_engine(engine)
    for attempt in range(2):
        try:
            if len(values) == 1:
                with intents.connect().execution_options(isolation_level="AUTOCOMMIT") as own:
                    return list(own.scalars(statement, values))
            with intents.begin() as own:
                return list(own.scalars(statement, values))
        except DBAPIError as exc:
            if not exc.connection_invalidated or attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _intent_engine(engine: Engine) -> Engine:
    """``engine``'s twin for intents: the same database, a pool of its own that does not ping on checkout.

    core/db.py's engines ping every connection they hand out (pool_pre_ping), one more round trip per transaction;
    the intent's INSERT is check enough (a dead connection is retried above). Made once per engine and disposed
    with it."""
    with _INTENT_ENGINES_LOCK:
        intents = _INTENT_ENGINES.get(engine)
        if intents is None:
            intents = _INTENT_ENGINES[engine] = create_engine(engine.url, pool_pre_ping=False)
            event.listen(engine, "engine_disposed", lambda _engine: intents.dispose())
    return intents


def _shares_sqlite_writer(session: Session) -> bool:
    """True when ``session`` already holds SQLite's one write lock (BEGIN IMMEDIATE, core/db.py)."""
    bind = session.get_bind()
    return bind.dialect.name == "sqlite" and session.in_transaction() and bool(
        getattr(session.get_transaction(), "_connections", None))


def _linting_certificate(builder: x509.CertificateBuilder, algorithm: str) -> x509.Certificate:
    key = _LINT_KEYS.get(algorithm)
    if key is None:
        key = _LINT_KEYS.setdefault(algorithm, generate_private_key(algorithm))
    return builder.sign(key, signing_hash(algorithm))  # type: ignore[arg-type]
