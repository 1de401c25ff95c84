"""The issuing CA's CRLs, judged by `openssl crl` and pkilint: entries and reasons, numbers, the schedule, and the
CRL issued at once on a status change."""

from __future__ import annotations

import datetime as dt
import subprocess
import threading
from pathlib import Path

from cryptography import x509
from sqlalchemy import select

from telreg.core import jobs
from telreg.core.clock import HK, FixedClock
from telreg.core.db import unit_of_work
from telreg.core.models import Job
from telreg.ecert import crl, revocation, status_jobs
from telreg.ecert.hierarchy import ca_dir
from telreg.ecert.keys import Hierarchy
from telreg.ecert.models import Certificate
from telreg.ecert.status_models import CrlRecord, OcspResponseRecord
from telreg.runtime import Runtime

from .helpers import issue_test_certificate
from .pkilint_checks import lint_crl


def chain_file(runtime: Runtime, tmp_path: Path) -> Path:
    directory = ca_dir(runtime.settings)
    path = tmp_path / "chain.pem"
    path.write_bytes((directory / "issuing.pem").read_bytes() + (directory / "root.pem").read_bytes())
    return path


def openssl_crl(der: bytes, chain: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    path = tmp_path / "issuing.crl"
    path.write_bytes(der)
    verified = subprocess.run(["openssl", "crl", "-inform", "DER", "-in", str(path), "-CAfile", str(chain),
                               "-verify", "-noout"], check=False, capture_output=True, text=True)
    text = subprocess.run(["openssl", "crl", "-inform", "DER", "-in", str(path), "-noout", "-text"],
                          capture_output=True, text=True, check=True).stdout
    return verified, text


def issue_now(runtime: Runtime, hierarchy: Hierarchy, actor: str = "test") -> crl.CrlIssued:
    with unit_of_work(runtime.session_factory) as session:
        return crl.issue_crl(session, clock=runtime.clock, settings=runtime.settings, hierarchy=hierarchy,
                             actor=actor)


def change(runtime: Runtime, serial: str, action: str, **kwargs: str) -> None:
    with unit_of_work(runtime.session_factory) as session:
        row = session.scalars(select(Certificate).where(Certificate.serial == serial)).one()
        getattr(revocation, action)(session, clock=runtime.clock, certificate=row, actor="officer:test", **kwargs)


def test_openssl_verifies_the_crl_and_lists_revoked_and_held_serials_with_reasons(
        runtime: Runtime, hierarchy: Hierarchy, tmp_path: Path) -> None:
    revoked, _, _ = issue_test_certificate(runtime, hierarchy)
    held, _, _ = issue_test_certificate(runtime, hierarchy)
    good, _, _ = issue_test_certificate(runtime, hierarchy)
    change(runtime, revoked.serial, "revoke", reason="keyCompromise")
    change(runtime, held.serial, "hold")

    issued = issue_now(runtime, hierarchy)
    verified, text = openssl_crl(issued.der, chain_file(runtime, tmp_path), tmp_path)

    assert verified.returncode == 0 and "verify OK" in verified.stderr, verified.stderr
    by_serial = {int(block.split("\n")[0].strip(), 16): block for block in text.split("Serial Number: ")[1:]}
    assert set(by_serial) == {int(revoked.serial, 16), int(held.serial, 16)}
    assert "Key Compromise" in by_serial[int(revoked.serial, 16)]
    assert "Certificate Hold" in by_serial[int(held.serial, 16)]
    assert int(good.serial, 16) not in by_serial
    assert issued.entries == 2
    parsed = x509.load_der_x509_crl(issued.der)
    assert parsed.is_signature_valid(hierarchy.issuing.certificate.public_key())  # type: ignore[arg-type]
    assert parsed.next_update_utc - parsed.last_update_utc == dt.timedelta(
        hours=runtime.settings.ecert_crl_validity_hours)
    aki = parsed.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = hierarchy.issuing.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert lint_crl(issued.der) == []


def test_crl_numbers_strictly_increase_and_every_crl_is_stored(runtime: Runtime, hierarchy: Hierarchy,
                                                              clock: FixedClock) -> None:
    numbers = []
    for _ in range(3):
        numbers.append(issue_now(runtime, hierarchy).number)
        clock.advance(minutes=1)
    assert numbers == sorted(set(numbers)) and len(numbers) == 3
    with unit_of_work(runtime.session_factory) as session:
        stored = list(session.scalars(select(CrlRecord.number).order_by(CrlRecord.id)))
        latest = crl.latest_crl(session)
    assert stored == numbers
    assert latest is not None and latest.number == numbers[-1]
    assert x509.load_der_x509_crl(latest.der).extensions.get_extension_for_class(
        x509.CRLNumber).value.crl_number == numbers[-1]


def test_two_workers_issuing_at_once_get_different_numbers(runtime: Runtime, hierarchy: Hierarchy) -> None:
    """The first holds its CRL uncommitted while the second issues: the second waits, retries, and takes the next
    number (PostgreSQL: the unique index; SQLite: the writer lock)."""
    first = runtime.session_factory()
    got: dict[str, int] = {}
    try:
        got["first"] = crl.issue_crl(first, clock=runtime.clock, settings=runtime.settings, hierarchy=hierarchy,
                                     actor="worker-1").number

        def second() -> None:
            got["second"] = issue_now(runtime, hierarchy, actor="worker-2").number

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=0.5)  # it is waiting on the first transaction
        first.commit()
        thread.join(timeout=30)
    finally:
        first.close()
    assert got == {"first": 1, "second": 2}


def test_a_released_hold_leaves_the_next_crl(runtime: Runtime, hierarchy: Hierarchy) -> None:
    held, _, _ = issue_test_certificate(runtime, hierarchy)
    change(runtime, held.serial, "hold")
    assert issue_now(runtime, hierarchy).entries == 1
    change(runtime, held.serial, "release")
    assert issue_now(runtime, hierarchy).entries == 0


def test_an_entry_stays_until_expiry_and_on_one_crl_after_it(runtime: Runtime, hierarchy: Hierarchy,
                                                           clock: FixedClock) -> None:
    row, _, _ = issue_test_certificate(runtime, hierarchy)
    change(runtime, row.serial, "revoke", reason="superseded")
    assert issue_now(runtime, hierarchy).entries == 1
    clock.set(row.not_after - dt.timedelta(hours=1))
    assert issue_now(runtime, hierarchy).entries == 1  # not expired yet
    clock.set(row.not_after + dt.timedelta(hours=1))
    after = issue_now(runtime, hierarchy)
    assert after.entries == 1  # the first CRL after expiry still lists it (RFC 5280 §3.3)
    clock.advance(hours=8)
    assert issue_now(runtime, hierarchy).entries == 0


def _crl_jobs(runtime: Runtime) -> list[Job]:
    with unit_of_work(runtime.session_factory) as session:
        return list(session.scalars(select(Job).where(Job.kind == status_jobs.CRL_JOB).order_by(Job.id)))


def _run_schedule(runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        status_jobs.schedule_crl(session, runtime)


def test_the_schedule_queues_one_crl_at_each_hong_kong_time(runtime: Runtime, hierarchy: Hierarchy,
                                                            clock: FixedClock) -> None:
    day = dt.date(2026, 3, 3)
    clock.set(dt.datetime(2026, 3, 3, 9, 14, tzinfo=HK))
    _run_schedule(runtime)
    assert _crl_jobs(runtime) == []
    expected = []
    for hour, minute in ((9, 15), (14, 15), (19, 0)):
        at = dt.datetime.combine(day, dt.time(hour, minute), HK)
        expected.append(at)
        for later in (0, 1, 30):  # the worker runs the schedule at every iteration: still once per time
            clock.set(at + dt.timedelta(minutes=later))
            _run_schedule(runtime)
        assert [job.run_at for job in _crl_jobs(runtime)] == expected
    clock.set(dt.datetime(2026, 3, 3, 23, 59, tzinfo=HK))
    _run_schedule(runtime)
    assert len(_crl_jobs(runtime)) == 3
    assert len({job.unique_key for job in _crl_jobs(runtime)}) == 3

    ran = jobs.run_worker(runtime, once=True)
    assert ran >= 3
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(CrlRecord.number).order_by(CrlRecord.number.desc()).limit(1)) == 3


def test_the_schedule_waits_for_a_ca(runtime: Runtime, clock: FixedClock) -> None:
    clock.set(dt.datetime(2026, 3, 3, 10, 0, tzinfo=HK))
    _run_schedule(runtime)
    assert _crl_jobs(runtime) == []


def test_a_revocation_queues_the_job_that_issues_a_crl_and_resigns_ocsp_at_once(
        runtime: Runtime, hierarchy: Hierarchy) -> None:
    row, _, _ = issue_test_certificate(runtime, hierarchy)
    change(runtime, row.serial, "revoke", reason="keyCompromise")
    with unit_of_work(runtime.session_factory) as session:
        queued = jobs.pending(session, kind=revocation.STATUS_CHANGED_JOB)
        assert [job.payload for job in queued] == [{"certificate_id": row.id, "action": "revoke"}]

    assert jobs.run_worker(runtime, once=True) >= 1

    with unit_of_work(runtime.session_factory) as session:
        latest = crl.latest_crl(session)
        response = session.scalar(select(OcspResponseRecord).where(OcspResponseRecord.serial == row.serial))
        assert jobs.pending(session, kind=revocation.STATUS_CHANGED_JOB) == []
    assert latest is not None and latest.entries == 1
    listed = x509.load_der_x509_crl(latest.der).get_revoked_certificate_by_serial_number(int(row.serial, 16))
    assert listed is not None
    assert listed.extensions.get_extension_for_class(x509.CRLReason).value.reason is x509.ReasonFlags.key_compromise
    assert response is not None and response.cert_status == "revoked"


def test_cli_issues_a_crl_and_writes_it(cli, runtime: Runtime, hierarchy: Hierarchy,  # type: ignore[no-untyped-def]
                                        tmp_path: Path) -> None:
    out = tmp_path / "now.crl"
    code, stdout, stderr = cli("ecert", "crl", "--out", str(out))
    assert code == 0, stderr
    assert stdout.startswith("CRL 1:") and "next update" in stdout
    verified, _ = openssl_crl(out.read_bytes(), chain_file(runtime, tmp_path), tmp_path)
    assert verified.returncode == 0, verified.stderr
    code, stdout, _ = cli("ecert", "crl", "--json")
    assert code == 0 and '"number": 2' in stdout


def test_cli_without_a_ca_says_so(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, message = cli("ecert", "crl")
    assert code == 1 and "telreg ecert init" in message
