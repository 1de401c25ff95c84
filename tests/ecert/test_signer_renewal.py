"""The delegated signers renew themselves (job ``ecert.renew-signer``) and every process picks the new one up:
renewed once however often the job runs or however many workers run it, recorded and audited, noticed by another
process's ``load_hierarchy`` without a restart, and judged by `openssl ocsp` / `openssl cms` afterwards."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp as x509_ocsp
from sqlalchemy import select

from telreg.core import jobs
from telreg.core.clock import FixedClock, today
from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent
from telreg.dnc.vocabulary import Register
from telreg.ecert import hierarchy as hierarchy_module
from telreg.ecert import ocsp, signer_jobs, status_jobs
from telreg.ecert.hierarchy import ca_dir, init_hierarchy, load_hierarchy, renew_signer
from telreg.ecert.keys import Hierarchy
from telreg.ecert.models import Certificate
from telreg.ecert.status_models import OcspResponseRecord
from telreg.runtime import Runtime

from ..dnc.publish_helpers import at, publish, register
from .conftest import PUBLIC_URL, ROOT_PASSPHRASE
from .helpers import issue_test_certificate
from .test_cms import openssl_cms_verify, pem
from .test_ocsp import request_for


def _near_the_end(clock: FixedClock, hierarchy: Hierarchy, role: str = "ocsp", days: int = 20) -> None:
    """Move the test clock to DAYS before ROLE's signer ends (the OCSP signer's year, the document signer's 825
    days: the profiles')."""
    clock.set(getattr(hierarchy, role).certificate.not_valid_after_utc - dt.timedelta(days=days))


def _signers_recorded(runtime: Runtime) -> dict[str, list[str]]:
    with unit_of_work(runtime.session_factory) as session:
        rows = session.scalars(select(Certificate).where(
            Certificate.profile.in_(("ocsp-signing", "document-signing"))).order_by(Certificate.id))
        found: dict[str, list[str]] = {}
        for row in rows:
            found.setdefault(row.profile, []).append(row.serial)
        return found


def _renewals_audited(runtime: Runtime) -> list[AuditEvent]:
    with unit_of_work(runtime.session_factory) as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "ecert.renew-signer")))
        session.expunge_all()
        return events


def test_the_worker_renews_a_signer_ending_within_the_window_once(runtime: Runtime, hierarchy: Hierarchy,
                                                                  clock: FixedClock) -> None:
    jobs.run_worker(runtime, once=True, schedules=True)
    assert _signers_recorded(runtime) == {"ocsp-signing": [_serial(hierarchy.ocsp.certificate)],
                                          "document-signing": [_serial(hierarchy.documents.certificate)]}

    _near_the_end(clock, hierarchy)
    jobs.run_worker(runtime, once=True, schedules=True)
    renewed = load_hierarchy(runtime.settings)  # no cache cleared by hand
    new = renewed.ocsp.certificate
    assert new != hierarchy.ocsp.certificate
    assert renewed.documents.certificate == hierarchy.documents.certificate  # 825 days: not due yet
    new.verify_directly_issued_by(hierarchy.issuing.certificate)
    assert new.not_valid_after_utc - clock.now() > dt.timedelta(days=300)
    recorded = _signers_recorded(runtime)
    assert recorded == {"ocsp-signing": [_serial(hierarchy.ocsp.certificate), _serial(new)],
                        "document-signing": [_serial(hierarchy.documents.certificate)]}
    [event] = _renewals_audited(runtime)
    assert (event.actor, event.subject_type, event.subject_key) == ("worker", "ecert_certificate", _serial(new))
    assert event.details["role"] == "ocsp" and event.details["replaces"] == _serial(hierarchy.ocsp.certificate)

    # The same day again, a later day, and a second worker handed the job anyway: nothing more is renewed.
    jobs.run_worker(runtime, once=True, schedules=True)
    clock.advance(days=1)
    jobs.run_worker(runtime, once=True, schedules=True)
    with unit_of_work(runtime.session_factory) as session:
        signer_jobs.renew_due_signer(session, runtime, {"role": "ocsp"})
    assert _signers_recorded(runtime) == recorded
    assert len(_renewals_audited(runtime)) == 1
    assert load_hierarchy(runtime.settings).ocsp.certificate == renewed.ocsp.certificate


def test_the_schedule_queues_one_job_per_role_and_day_and_nothing_without_a_ca(runtime: Runtime,
                                                                               clock: FixedClock) -> None:
    def queued() -> list[str]:
        with unit_of_work(runtime.session_factory) as session:
            signer_jobs.schedule_signer_renewal(session, runtime)
        with unit_of_work(runtime.session_factory) as session:
            return sorted(j.unique_key or "" for j in jobs.pending(session, kind=signer_jobs.SIGNER_RENEWAL_JOB))

    assert queued() == []  # no CA yet
    with unit_of_work(runtime.session_factory) as session:
        made = init_hierarchy(runtime.settings, clock=clock, root_passphrase=ROOT_PASSPHRASE, session=session)
    assert queued() == []  # a year to go
    clock.set(made.ocsp.certificate.not_valid_after_utc - dt.timedelta(days=runtime.settings.ecert_signer_renew_days)
              + dt.timedelta(hours=1))
    day = today(clock).isoformat()
    assert queued() == [f"ecert.renew-signer:ocsp:{day}"]
    assert queued() == [f"ecert.renew-signer:ocsp:{day}"]  # once per day and role
    _near_the_end(clock, made, "documents")
    later = today(clock).isoformat()
    assert queued() == [f"ecert.renew-signer:documents:{later}", f"ecert.renew-signer:ocsp:{day}",
                        f"ecert.renew-signer:ocsp:{later}"]


def test_two_workers_at_once_renew_once(runtime: Runtime, hierarchy: Hierarchy, clock: FixedClock) -> None:
    _near_the_end(clock, hierarchy)
    results: list[object] = []
    start = threading.Barrier(2)

    def worker() -> None:
        start.wait()
        with unit_of_work(runtime.session_factory) as session:
            results.append(renew_signer(runtime.settings, clock=clock, role="ocsp", session=session,
                                        actor="worker", only_if_due=True))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    renewed = [r for r in results if r is not None]
    assert len(results) == 2 and len(renewed) == 1
    assert len(_signers_recorded(runtime)["ocsp-signing"]) == 2
    assert load_hierarchy(runtime.settings).ocsp.certificate == renewed[0].certificate  # type: ignore[attr-defined]


def test_a_renewal_whose_commit_failed_is_recorded_by_the_next_attempt(runtime: Runtime, hierarchy: Hierarchy,
                                                                       clock: FixedClock) -> None:
    _near_the_end(clock, hierarchy)
    with unit_of_work(runtime.session_factory) as session:
        signer = renew_signer(runtime.settings, clock=clock, role="ocsp", session=session, actor="worker",
                              only_if_due=True)
        assert signer is not None
        session.rollback()  # the job's transaction failed after the files were written
    assert _signers_recorded(runtime)["ocsp-signing"] == [_serial(hierarchy.ocsp.certificate)]
    with unit_of_work(runtime.session_factory) as session:
        signer_jobs.renew_due_signer(session, runtime, {"role": "ocsp"})  # the job's retry
    assert _signers_recorded(runtime)["ocsp-signing"] == [_serial(hierarchy.ocsp.certificate),
                                                          _serial(signer.certificate)]
    assert load_hierarchy(runtime.settings).ocsp.certificate == signer.certificate  # renewed once
    [event] = _renewals_audited(runtime)
    assert event.subject_key == _serial(signer.certificate) and event.details["recorded_late"] is True


def test_another_process_renewal_reaches_this_process_without_a_restart(runtime: Runtime, hierarchy: Hierarchy,
                                                                        clock: FixedClock, monkeypatch) -> None:
    ticks = [1000.0]
    monkeypatch.setattr(hierarchy_module, "_monotonic", lambda: ticks[0])
    old = load_hierarchy(runtime.settings).ocsp.certificate
    _near_the_end(clock, hierarchy)
    settings = runtime.settings
    script = (
        "import datetime as dt, sys\n"
        "from telreg.config import Settings\n"
        "from telreg.core.clock import FixedClock\n"
        "from telreg.ecert.hierarchy import renew_signer\n"
        "settings = Settings(env='test', data_dir=sys.argv[1], database_url='sqlite://', secret_key='x',"
        " ecert_public_url=sys.argv[2])\n"
        "signer = renew_signer(settings, clock=FixedClock(dt.datetime.fromisoformat(sys.argv[3])), role='ocsp')\n"
        "print(format(signer.certificate.serial_number, 'x'))\n")
    done = subprocess.run([sys.executable, "-c", script, str(settings.data_dir), PUBLIC_URL,
                           clock.now().isoformat()], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert load_hierarchy(settings).ocsp.certificate == old  # within RECHECK_SECONDS: the dict, no stat
    ticks[0] += hierarchy_module.RECHECK_SECONDS
    new = load_hierarchy(settings).ocsp.certificate
    assert new != old and _serial(new) == done.stdout.strip()
    on_disk = json.loads((ca_dir(settings) / "signers.json").read_text())["ocsp"]["certificate"]
    assert x509.load_pem_x509_certificate((ca_dir(settings) / on_disk).read_bytes()) == new
    assert load_hierarchy(settings) is load_hierarchy(settings)  # read once, then kept


def test_ocsp_answers_after_the_renewal_verify_with_the_new_signer(runtime: Runtime, hierarchy: Hierarchy,
                                                                   clock: FixedClock, tmp_path: Path) -> None:
    _near_the_end(clock, hierarchy)
    _, subscriber, _ = issue_test_certificate(runtime, hierarchy)
    with unit_of_work(runtime.session_factory) as session:
        status_jobs.refresh_all(session, runtime)  # pre-signed by the old signer
    jobs.run_worker(runtime, once=True, schedules=True)
    new = load_hierarchy(runtime.settings).ocsp.certificate
    assert new != hierarchy.ocsp.certificate

    # The responses of the old signer are re-signed by the queued refresh (a few seconds later).
    with unit_of_work(runtime.session_factory) as session:
        assert jobs.pending(session, kind=status_jobs.OCSP_REFRESH_JOB)
    clock.advance(minutes=1)
    jobs.run_worker(runtime, once=True)
    with unit_of_work(runtime.session_factory) as session:
        stored = list(session.scalars(select(OcspResponseRecord.der).where(
            OcspResponseRecord.hash_algorithm == ocsp.PRE_SIGNED)))
    assert stored
    for der in stored:
        assert x509_ocsp.load_der_ocsp_response(der).certificates == [new]

    answer = ocsp.responder_of(runtime).answer(request_for(subscriber, hierarchy.issuing.certificate))
    der = answer if isinstance(answer, bytes) else answer.der
    response = x509_ocsp.load_der_ocsp_response(der)
    assert response.certificates == [new]
    judged = _openssl_ocsp(clock, tmp_path, der, subscriber=subscriber, hierarchy=hierarchy, responder=new)
    assert judged.returncode == 0 and "Response verify OK" in judged.stderr + judged.stdout, judged.stderr
    assert f"{tmp_path / 'subscriber.pem'}: good" in judged.stdout
    # The signature is the new key's, not the old one's.
    assert response.responder_key_hash == x509.SubjectKeyIdentifier.from_public_key(
        new.public_key()).digest  # type: ignore[arg-type]
    algorithm = ec.ECDSA(response.signature_hash_algorithm)  # type: ignore[arg-type]
    new.public_key().verify(response.signature, response.tbs_response_bytes, algorithm)  # type: ignore[call-arg,union-attr]
    with pytest.raises(InvalidSignature):
        hierarchy.ocsp.certificate.public_key().verify(  # type: ignore[call-arg,union-attr]
            response.signature, response.tbs_response_bytes, algorithm)


def test_publications_after_the_document_signer_renewal_verify_with_openssl(runtime: Runtime, hierarchy: Hierarchy,
                                                                            clock: FixedClock,
                                                                            tmp_path: Path) -> None:
    _near_the_end(clock, hierarchy, "documents")
    day = today(clock)
    clock.set(at(day, 10))
    jobs.run_worker(runtime, once=True, schedules=True)
    new = load_hierarchy(runtime.settings).documents.certificate
    assert new != hierarchy.documents.certificate
    register(runtime, "21234567", Register.sms)
    clock.set(at(day, 23))
    result = publish(runtime, day)
    assert result.signed is True
    signer = tmp_path / "signer.pem"
    judged = openssl_cms_verify(result.path / "manifest.json", result.path / "manifest.json.p7s",
                                pem(hierarchy.root, tmp_path / "root.pem"), at=clock.now())
    assert judged.returncode == 0 and "Verification successful" in judged.stderr, judged.stderr
    subprocess.run(["openssl", "cms", "-verify", "-binary", "-content", str(result.path / "manifest.json"),
                    "-inform", "DER", "-in", str(result.path / "manifest.json.p7s"), "-noverify",
                    "-signer", str(signer), "-out", "/dev/null"], capture_output=True, check=True)
    assert x509.load_pem_x509_certificate(signer.read_bytes()) == new


def test_ca_info_marks_the_signers_ending_within_the_window(cli, runtime: Runtime, hierarchy: Hierarchy,  # type: ignore[no-untyped-def]
                                                            clock: FixedClock) -> None:
    code, out, err = cli("ecert", "ca-info")
    assert code == 0, err
    assert "RENEWAL DUE" not in out
    code, out, err = cli("ecert", "ca-info", "--json")
    assert code == 0, err
    certificates = json.loads(out)["certificates"]
    assert certificates["ocsp"]["renewal_due"] is False and "renewal_due" not in certificates["root"]
    later = (hierarchy.ocsp.certificate.not_valid_after_utc - dt.timedelta(days=10)).isoformat()
    code, out, err = cli("ecert", "ca-info", "--as-of", later)
    assert code == 0, err
    assert out.count("RENEWAL DUE") == 1 and "renew-signer ocsp" in out
    code, out, err = cli("ecert", "ca-info", "--json", "--as-of", later)
    certificates = json.loads(out)["certificates"]
    assert certificates["ocsp"]["renewal_due"] is True and certificates["documents"]["renewal_due"] is False


def _serial(certificate: x509.Certificate) -> str:
    return format(certificate.serial_number, "x")


def _openssl_ocsp(clock: FixedClock, tmp_path: Path, der: bytes, *, subscriber: x509.Certificate,
                  hierarchy: Hierarchy, responder: x509.Certificate) -> subprocess.CompletedProcess[str]:
    """`openssl ocsp -respin`, trusting RESPONDER (-VAfile) at the test clock's time; -validity_period allows for
    the distance between the test clock and the machine's (openssl checks thisUpdate against the latter)."""
    response = tmp_path / "response.der"
    response.write_bytes(der)
    chain = tmp_path / "chain.pem"
    chain.write_bytes(hierarchy.issuing.certificate.public_bytes(Encoding.PEM)
                      + hierarchy.root.public_bytes(Encoding.PEM))
    drift = int(abs(time.time() - clock.now().timestamp())) + 300
    return subprocess.run(
        ["openssl", "ocsp", "-respin", str(response), "-issuer",
         str(pem(hierarchy.issuing.certificate, tmp_path / "issuing.pem")),
         "-cert", str(pem(subscriber, tmp_path / "subscriber.pem")), "-CAfile", str(chain),
         "-VAfile", str(pem(responder, tmp_path / "responder.pem")), "-attime", str(int(clock.now().timestamp())),
         "-validity_period", str(drift), "-no_nonce"],
        check=False, capture_output=True, text=True, timeout=60)
