"""The OCSP responder's answers, its pre-signed cache and its refresh, with the frozen clock (the HTTP side and
`openssl ocsp` are in test_status_http.py)."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp as x509_ocsp
from sqlalchemy import func, select

from telreg.core import jobs
from telreg.core.clock import FixedClock
from telreg.core.db import unit_of_work
from telreg.ecert import ocsp, revocation, status_jobs
from telreg.ecert.hierarchy import init_hierarchy
from telreg.ecert.keys import Hierarchy
from telreg.ecert.models import Certificate
from telreg.ecert.status_models import OcspResponseRecord
from telreg.runtime import Runtime

from .conftest import ROOT_PASSPHRASE
from .helpers import issue_test_certificate
from .pkilint_checks import lint_ocsp_response


def request_for(certificate: x509.Certificate, issuer: x509.Certificate,
                algorithm: hashes.HashAlgorithm | None = None) -> bytes:
    builder = x509_ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, algorithm or hashes.SHA1())
    return builder.build().public_bytes(Encoding.DER)


def request_by_serial(hierarchy: Hierarchy, serial: int, algorithm: str = "sha1") -> bytes:
    name_hash, key_hash = ocsp.issuer_hashes(hierarchy.issuing.certificate)[algorithm]
    algorithms = {"sha1": hashes.SHA1(), "sha256": hashes.SHA256()}
    builder = x509_ocsp.OCSPRequestBuilder().add_certificate_by_hash(name_hash, key_hash, serial,
                                                                     algorithms[algorithm])
    return builder.build().public_bytes(Encoding.DER)


def ask(runtime: Runtime, der: bytes) -> x509_ocsp.OCSPResponse:
    answer = ocsp.responder_of(runtime).answer(der)
    return x509_ocsp.load_der_ocsp_response(answer if isinstance(answer, bytes) else answer.der)


def single(response: x509_ocsp.OCSPResponse) -> x509_ocsp.OCSPSingleResponse:
    assert response.response_status is x509_ocsp.OCSPResponseStatus.SUCCESSFUL
    responses = list(response.responses)
    assert len(responses) == 1
    return responses[0]


def change(runtime: Runtime, serial: str, action: str, **kwargs: str) -> None:
    with unit_of_work(runtime.session_factory) as session:
        row = session.scalars(select(Certificate).where(Certificate.serial == serial)).one()
        getattr(revocation, action)(session, clock=runtime.clock, certificate=row, actor="officer:test", **kwargs)


def test_good_for_an_issued_certificate_signed_by_the_delegated_responder(runtime: Runtime,
                                                                        hierarchy: Hierarchy) -> None:
    _, cert, _ = issue_test_certificate(runtime, hierarchy)
    response = ask(runtime, request_for(cert, hierarchy.issuing.certificate))
    status = single(response)
    assert status.certificate_status is x509_ocsp.OCSPCertStatus.GOOD
    assert status.serial_number == cert.serial_number
    assert response.certificates == [hierarchy.ocsp.certificate]
    assert response.responder_key_hash == x509.SubjectKeyIdentifier.from_public_key(
        hierarchy.ocsp.certificate.public_key()).digest  # type: ignore[arg-type]
    hierarchy.ocsp.certificate.public_key().verify(  # type: ignore[call-arg,union-attr]
        response.signature, response.tbs_response_bytes, *_ecdsa(response))
    validity = status.next_update_utc - status.this_update_utc  # type: ignore[operator]
    assert dt.timedelta(hours=8) <= validity <= dt.timedelta(days=10)
    assert lint_ocsp_response(ask(runtime, request_for(cert, hierarchy.issuing.certificate)).public_bytes(
        Encoding.DER)) == []


def _ecdsa(response: x509_ocsp.OCSPResponse) -> tuple[object, ...]:
    from cryptography.hazmat.primitives.asymmetric import ec

    return (ec.ECDSA(response.signature_hash_algorithm),)


def test_unknown_for_a_serial_never_issued_and_never_good(runtime: Runtime, hierarchy: Hierarchy) -> None:
    response = ask(runtime, request_by_serial(hierarchy, 0x1234567890ABCDEF))
    status = single(response)
    assert status.certificate_status is x509_ocsp.OCSPCertStatus.UNKNOWN
    assert lint_ocsp_response(response.public_bytes(Encoding.DER)) == []
    # Asked again: the same unknown, from memory.
    assert single(ask(runtime, request_by_serial(hierarchy, 0x1234567890ABCDEF))).certificate_status is \
        x509_ocsp.OCSPCertStatus.UNKNOWN


def test_a_reserved_serial_not_yet_signed_is_unknown(runtime: Runtime, hierarchy: Hierarchy) -> None:
    row, cert, _ = issue_test_certificate(runtime, hierarchy)
    with unit_of_work(runtime.session_factory) as session:
        session.get(Certificate, row.id).state = "intent"  # type: ignore[union-attr]
    assert single(ask(runtime, request_for(cert, hierarchy.issuing.certificate))).certificate_status is \
        x509_ocsp.OCSPCertStatus.UNKNOWN


def test_revoked_with_time_and_reason(runtime: Runtime, hierarchy: Hierarchy, clock: FixedClock) -> None:
    row, cert, _ = issue_test_certificate(runtime, hierarchy)
    clock.advance(hours=2)
    change(runtime, row.serial, "revoke", reason="keyCompromise")
    response = ask(runtime, request_for(cert, hierarchy.issuing.certificate))
    status = single(response)
    assert status.certificate_status is x509_ocsp.OCSPCertStatus.REVOKED
    assert status.revocation_reason is x509.ReasonFlags.key_compromise
    assert status.revocation_time_utc == clock.now().astimezone(dt.UTC).replace(microsecond=0)
    assert lint_ocsp_response(response.public_bytes(Encoding.DER)) == []


def test_hold_is_revoked_with_certificate_hold_then_release_is_good(runtime: Runtime, hierarchy: Hierarchy,
                                                                   clock: FixedClock) -> None:
    row, cert, _ = issue_test_certificate(runtime, hierarchy)
    request = request_for(cert, hierarchy.issuing.certificate)
    assert single(ask(runtime, request)).certificate_status is x509_ocsp.OCSPCertStatus.GOOD
    change(runtime, row.serial, "hold")
    clock.advance(minutes=1)
    status = single(ask(runtime, request))
    assert status.certificate_status is x509_ocsp.OCSPCertStatus.REVOKED
    assert status.revocation_reason is x509.ReasonFlags.certificate_hold
    change(runtime, row.serial, "release")
    clock.advance(minutes=1)
    assert single(ask(runtime, request)).certificate_status is x509_ocsp.OCSPCertStatus.GOOD


def test_a_revocation_by_another_process_shows_within_15_minutes_without_the_worker(
        runtime: Runtime, hierarchy: Hierarchy, clock: FixedClock) -> None:
    row, cert, _ = issue_test_certificate(runtime, hierarchy)
    responder = ocsp.responder_of(runtime)
    request = request_for(cert, hierarchy.issuing.certificate)
    assert single(ask(runtime, request)).certificate_status is x509_ocsp.OCSPCertStatus.GOOD
    assert isinstance(responder.cached(request), ocsp.Signed)  # the hot path: served from the dict
    change(runtime, row.serial, "revoke", reason="affiliationChanged")  # no worker runs in this test
    clock.advance(minutes=15)
    assert responder.cached(request) is None  # the marker is due: the next answer looks at the database
    status = single(ask(runtime, request))
    assert status.certificate_status is x509_ocsp.OCSPCertStatus.REVOKED
    assert status.revocation_reason is x509.ReasonFlags.affiliation_changed


def test_sha256_cert_ids_are_answered_in_kind(runtime: Runtime, hierarchy: Hierarchy) -> None:
    _, cert, _ = issue_test_certificate(runtime, hierarchy)
    response = ask(runtime, request_for(cert, hierarchy.issuing.certificate, hashes.SHA256()))
    status = single(response)
    assert status.certificate_status is x509_ocsp.OCSPCertStatus.GOOD
    assert isinstance(status.hash_algorithm, hashes.SHA256)


def test_another_issuer_is_unauthorized_in_either_hash(runtime: Runtime, hierarchy: Hierarchy) -> None:
    # The issuing CA asked about under the root: the root is not ours to answer for (it is offline).
    for algorithm in (hashes.SHA1(), hashes.SHA256()):
        response = ask(runtime, request_for(hierarchy.issuing.certificate, hierarchy.root, algorithm))
        assert response.response_status is x509_ocsp.OCSPResponseStatus.UNAUTHORIZED
    # Our issuer's name with another key (and the other way round) is another issuer too.
    name_hash, key_hash = ocsp.issuer_hashes(hierarchy.issuing.certificate)["sha1"]
    for forged in ((name_hash, b"\x00" * 20), (b"\x00" * 20, key_hash)):
        der = x509_ocsp.OCSPRequestBuilder().add_certificate_by_hash(
            forged[0], forged[1], 12345, hashes.SHA1()).build().public_bytes(Encoding.DER)
        assert ask(runtime, der).response_status is x509_ocsp.OCSPResponseStatus.UNAUTHORIZED


def test_malformed_der_is_malformed_request(runtime: Runtime, hierarchy: Hierarchy) -> None:
    for junk in (b"", b"\x30\x03\x02\x01", b"not der at all", b"\x30" * 40):
        assert ask(runtime, junk).response_status is x509_ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_the_delegated_signers_of_the_hierarchy_are_answered(runtime: Runtime, hierarchy: Hierarchy) -> None:
    for signer in (hierarchy.ocsp, hierarchy.documents):
        status = single(ask(runtime, request_for(signer.certificate, hierarchy.issuing.certificate)))
        assert status.certificate_status is x509_ocsp.OCSPCertStatus.GOOD
    # The CA certificates are recorded too, but the root signed them: under our issuer's name they are unknown.
    for ca in (hierarchy.root, hierarchy.issuing.certificate):
        status = single(ask(runtime, request_by_serial(hierarchy, ca.serial_number)))
        assert status.certificate_status is x509_ocsp.OCSPCertStatus.UNKNOWN


def test_refresh_pre_signs_and_re_signs_after_the_refresh_fraction(runtime: Runtime, hierarchy: Hierarchy,
                                                                  clock: FixedClock) -> None:
    issue_test_certificate(runtime, hierarchy)
    with unit_of_work(runtime.session_factory) as session:
        issued = session.scalar(select(func.count()).select_from(Certificate).where(
            Certificate.state != "intent", Certificate.profile.not_in(("root-ca", "issuing-ca"))))
        first = status_jobs.refresh_all(session, runtime)
    assert first == issued  # the hierarchy's own certificates and the subscriber's
    with unit_of_work(runtime.session_factory) as session:
        assert status_jobs.refresh_all(session, runtime) == 0  # all fresh
    settings = runtime.settings
    clock.advance(hours=settings.ecert_ocsp_validity_hours * settings.ecert_ocsp_refresh_fraction - 0.1)
    with unit_of_work(runtime.session_factory) as session:
        assert status_jobs.refresh_all(session, runtime) == 0
    clock.advance(hours=0.2)
    with unit_of_work(runtime.session_factory) as session:
        assert status_jobs.refresh_all(session, runtime) == issued
        rows = list(session.scalars(select(OcspResponseRecord)))
    for row in rows:
        assert row.refresh_at < row.next_update
        assert dt.timedelta(hours=8) <= row.next_update - row.this_update <= dt.timedelta(days=10)
        assert lint_ocsp_response(row.der) == []


def test_the_responder_serves_the_pre_signed_response(runtime: Runtime, hierarchy: Hierarchy) -> None:
    _, cert, _ = issue_test_certificate(runtime, hierarchy)
    with unit_of_work(runtime.session_factory) as session:
        status_jobs.refresh_all(session, runtime)
        stored = session.scalar(select(OcspResponseRecord.der).where(
            OcspResponseRecord.serial == format(cert.serial_number, "x")))
    answer = ocsp.responder_of(runtime).answer(request_for(cert, hierarchy.issuing.certificate))
    assert isinstance(answer, ocsp.Signed) and answer.der == stored


def test_cli_refreshes_the_responses(cli, runtime: Runtime, hierarchy: Hierarchy) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr = cli("ecert", "ocsp-refresh")
    assert code == 0, stderr
    assert stdout.strip() == "2 OCSP response(s) signed"  # the two delegated signers; the root signed the CAs


def test_the_refresh_is_queued_once_an_hour_and_only_with_a_ca(runtime: Runtime, clock: FixedClock) -> None:
    def schedule_at(at: dt.datetime) -> int:
        clock.set(at)
        with unit_of_work(runtime.session_factory) as session:
            status_jobs.schedule_ocsp_refresh(session, runtime)
        with unit_of_work(runtime.session_factory) as session:
            return len(jobs.pending(session, kind=status_jobs.OCSP_REFRESH_JOB))

    hour = clock.now().replace(minute=0, second=0, microsecond=0)
    assert schedule_at(hour) == 0  # no CA yet
    with unit_of_work(runtime.session_factory) as session:
        init_hierarchy(runtime.settings, clock=clock, root_passphrase=ROOT_PASSPHRASE, session=session)
    assert [schedule_at(hour + dt.timedelta(minutes=m)) for m in (0, 10, 59)] == [1, 1, 1]
    assert schedule_at(hour + dt.timedelta(hours=1)) == 2
