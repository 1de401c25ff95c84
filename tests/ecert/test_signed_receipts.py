"""The washing service's scrub receipts and the audit log's checkpoints, signed by the platform's document signer
and judged by `openssl cms -verify`."""

from __future__ import annotations

from telreg.core import audit
from telreg.core.db import unit_of_work
from telreg.core.tlog import service as tlog
from telreg.dnc.vocabulary import Register
from telreg.ecert.cms import verify_detached
from telreg.ecert.keys import Hierarchy

from ..senders.usage_helpers import DAY1, DAY2, at, list_and_publish, make_accounts, sender_client, sign_in
from ..senders.washing.helpers import URL, run_washes, upload
from .test_cms import openssl_cms_verify, pem

LIST = b"21234567\n98765432\n"


def _account_and_publication(runtime, clock) -> int:
    """An active SMS sender and the SMS publication of Monday 2 March; the clock at 09:00 on Tuesday."""
    ids = make_accounts(runtime)
    list_and_publish(runtime, clock, {"21234567": (Register.sms,)}, DAY1)
    clock.set(at(DAY2, 9))
    return ids["sms"]


def _audit_event(runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        audit.record(session, clock=runtime.clock, actor="test", action="test-event", subject_type="test",
                     subject_key="1")


def test_a_washs_receipt_is_signed_and_openssl_verifies_it(hierarchy: Hierarchy, runtime, clock, tmp_path):
    account = _account_and_publication(runtime, clock)
    with sender_client(runtime) as client:
        csrf = sign_in(client, account)
        wash_id = upload(client, csrf, LIST).json()["id"]
        assert [r.status for r in run_washes(runtime)] == ["done"]
        receipt = client.get(f"{URL}/{wash_id}/files/receipt.json")
        signature = client.get(f"{URL}/{wash_id}/files/receipt.json.p7s")
        page_copy = client.get(f"/senders/washes/{wash_id}/files/receipt.json.p7s")
    assert receipt.status_code == 200 and signature.status_code == 200, signature.text
    assert signature.headers["content-type"] == "application/pkcs7-signature"
    assert page_copy.status_code == 200 and page_copy.content == signature.content
    (tmp_path / "receipt.json").write_bytes(receipt.content)
    (tmp_path / "receipt.json.p7s").write_bytes(signature.content)
    judged = openssl_cms_verify(tmp_path / "receipt.json", tmp_path / "receipt.json.p7s",
                                pem(hierarchy.root, tmp_path / "root.pem"))
    assert judged.returncode == 0 and "Verification successful" in judged.stderr, judged.stderr
    verified = verify_detached(receipt.content, signature.content, trusted_roots=[hierarchy.root], at=clock.now())
    assert verified.serial == format(hierarchy.documents.certificate.serial_number, "x")
    # The receipt changed by a byte: refused.
    (tmp_path / "receipt.json").write_bytes(receipt.content.replace(b'"format": 1', b'"format": 2'))
    assert (tmp_path / "receipt.json").read_bytes() != receipt.content
    assert openssl_cms_verify(tmp_path / "receipt.json", tmp_path / "receipt.json.p7s",
                              tmp_path / "root.pem").returncode != 0


def test_without_a_ca_a_wash_is_done_and_its_receipt_unsigned(runtime, clock):
    account = _account_and_publication(runtime, clock)
    with sender_client(runtime) as client:
        csrf = sign_in(client, account)
        wash_id = upload(client, csrf, LIST).json()["id"]
        assert [r.status for r in run_washes(runtime)] == ["done"]
        receipt = client.get(f"{URL}/{wash_id}/files/receipt.json")
        signature = client.get(f"{URL}/{wash_id}/files/receipt.json.p7s")
        other = client.get(f"{URL}/{wash_id}/files/secret.txt")
    assert receipt.status_code == 200
    assert signature.status_code == 404 and "was not signed" in signature.json()["detail"]
    assert other.status_code == 404 and signature.json()["error"] == other.json()["error"] == "wash_not_found"


def test_the_audit_checkpoint_is_signed_over_the_exact_bytes_served(hierarchy: Hierarchy, runtime, clock,
                                                                    client, tmp_path):
    assert tlog.run_integrator(runtime, wait=True, full_scan=True) is not None  # the CA's init is audited
    note = client.get("/audit/checkpoint")
    signature = client.get("/audit/checkpoint.p7s")
    assert note.status_code == 200 and signature.status_code == 200, signature.text
    assert signature.headers["content-type"] == "application/pkcs7-signature"
    (tmp_path / "checkpoint").write_bytes(note.content)
    (tmp_path / "checkpoint.p7s").write_bytes(signature.content)
    root = pem(hierarchy.root, tmp_path / "root.pem")
    judged = openssl_cms_verify(tmp_path / "checkpoint", tmp_path / "checkpoint.p7s", root)
    assert judged.returncode == 0 and "Verification successful" in judged.stderr, judged.stderr
    assert verify_detached(note.content, signature.content, trusted_roots=[hierarchy.root], at=clock.now())
    assert client.get("/audit/checkpoint.p7s").content == signature.content  # signed once per checkpoint

    # A newer checkpoint: the signature follows it, and the old one no longer matches the note served.
    _audit_event(runtime)
    assert tlog.run_integrator(runtime, wait=True, full_scan=True) is not None
    newer = client.get("/audit/checkpoint")
    assert newer.content != note.content
    (tmp_path / "checkpoint").write_bytes(newer.content)
    assert openssl_cms_verify(tmp_path / "checkpoint", tmp_path / "checkpoint.p7s", root).returncode != 0
    (tmp_path / "checkpoint.p7s").write_bytes(client.get("/audit/checkpoint.p7s").content)
    assert openssl_cms_verify(tmp_path / "checkpoint", tmp_path / "checkpoint.p7s", root).returncode == 0


def test_the_checkpoint_signature_is_unavailable_without_a_ca(runtime, client):
    _audit_event(runtime)
    assert tlog.run_integrator(runtime, wait=True, full_scan=True) is not None
    assert client.get("/audit/checkpoint").status_code == 200
    answer = client.get("/audit/checkpoint.p7s")
    assert answer.status_code == 503 and "telreg ecert init" in answer.text  # the error page (not under /api/)
