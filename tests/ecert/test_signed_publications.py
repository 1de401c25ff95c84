"""The nightly publication signed by the platform's CA: manifest.json.p7s made by the real publisher, judged by
`openssl cms -verify`, served beside the manifest to senders, and checked by `telreg scrub`."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from telreg.config import Environment
from telreg.dnc.publish.store import PublicationStore
from telreg.dnc.vocabulary import Register
from telreg.ecert.cms import BadSignature, verify_detached
from telreg.ecert.errors import CaNotReady
from telreg.ecert.hierarchy import forget_hierarchy
from telreg.ecert.keys import Hierarchy

from ..dnc.publish_helpers import at, publish, register
from ..senders.scrub.helpers import run_cli
from ..senders.usage_helpers import DAY1, list_and_publish, make_accounts, sender_client, sign_in
from .test_cms import openssl_cms_verify, pem

AS_OF = "2026-03-03T09:00"


def _published(runtime, clock) -> Path:
    register(runtime, "21234567", Register.sms)
    register(runtime, "61234567", Register.sms, Register.fax)
    clock.set(at(DAY1, 23))
    result = publish(runtime, DAY1)
    assert result.status == "published"
    return result.path


def test_a_publication_is_signed_and_openssl_verifies_it_against_the_root(hierarchy: Hierarchy, runtime, clock,
                                                                          tmp_path):
    register(runtime, "21234567", Register.sms)
    clock.set(at(DAY1, 23))
    result = publish(runtime, DAY1)
    assert result.signed is True and result.as_dict()["signed"] is True
    manifest, signature = result.path / "manifest.json", result.path / "manifest.json.p7s"
    root = pem(hierarchy.root, tmp_path / "root.pem")
    judged = openssl_cms_verify(manifest, signature, root)
    assert judged.returncode == 0 and "Verification successful" in judged.stderr, judged.stderr
    verified = verify_detached(manifest.read_bytes(), signature.read_bytes(), trusted_roots=[hierarchy.root],
                               at=clock.now())
    assert verified.signer == hierarchy.documents.certificate.subject.rfc4514_string()
    assert verified.signed_at == clock.now().astimezone(dt.UTC)

    # One byte of the manifest changed (a count): OpenSSL and telreg both refuse.
    tampered = tmp_path / "manifest.json"
    content = manifest.read_bytes()
    at_count = content.index(b'"count": ') + len(b'"count": ')
    tampered.write_bytes(content[:at_count] + bytes([content[at_count] ^ 0x01]) + content[at_count + 1:])
    assert tampered.read_bytes() != content and len(tampered.read_bytes()) == len(content)
    refused = openssl_cms_verify(tampered, signature, root)
    assert refused.returncode != 0 and "Verification failure" in refused.stderr
    with pytest.raises(BadSignature, match="does not match the signature"):
        verify_detached(tampered.read_bytes(), signature.read_bytes(), trusted_roots=[hierarchy.root],
                        at=clock.now())
    # Publishing the date again changes nothing, the signature included.
    again = publish(runtime, DAY1)
    assert again.status == "exists" and signature.read_bytes() == (result.path / "manifest.json.p7s").read_bytes()


def test_without_a_ca_a_publication_is_made_unsigned_outside_production(runtime, clock, caplog):
    path = _published(runtime, clock)
    assert (path / "manifest.json").is_file() and not (path / "manifest.json.p7s").exists()
    assert publish(runtime, DAY1).status == "exists"
    assert any("manifest.json is not signed" in r.getMessage() for r in caplog.records)


def test_production_refuses_to_publish_unsigned_once_a_ca_exists(hierarchy: Hierarchy, runtime, clock):
    """The CA exists but its keys cannot be opened (no passphrase file in production): nothing is published, no
    half publication is left, and the run succeeds once the keys can be opened again."""
    passphrase = runtime.settings.data_dir / "ecert-key-passphrase"
    production = runtime.settings.model_copy(update={"env": Environment.production})
    assert production.is_production and production.ecert_key_passphrase_file is None
    forget_hierarchy()
    register(runtime, "21234567", Register.sms)
    clock.set(at(DAY1, 23))
    with pytest.raises(CaNotReady, match="TELREG_ECERT_KEY_PASSPHRASE_FILE"):
        publish(runtime, DAY1, settings=production)
    store = PublicationStore(runtime.settings.data_dir)
    assert store.dates() == [] and not store.path_for(DAY1).exists()

    forget_hierarchy()
    fixed = production.model_copy(update={"ecert_key_passphrase_file": passphrase})
    passphrase.chmod(0o600)
    result = publish(runtime, DAY1, settings=fixed)
    assert result.status == "published" and result.signed is True
    assert [p.name for p in store.root.iterdir() if p.name.startswith(".building-")] == []  # swept


def test_senders_download_the_manifest_and_its_signature_beside_the_files(hierarchy: Hierarchy, runtime, clock):
    ids = make_accounts(runtime)
    day_path = list_and_publish(runtime, clock, {"21234567": (Register.sms,)}, DAY1).path
    clock.set(at(DAY1 + dt.timedelta(days=1), 9))
    with sender_client(runtime) as client:
        sign_in(client, ids["sms"])
        listing = client.get("/api/v1/senders/me/publications").json()
        manifest = client.get(listing["manifest_url"])
        signature = client.get(listing["signature_url"])
        latest = client.get("/api/v1/senders/me/downloads/latest/manifest.json.p7s")
        page = client.get("/senders/downloads")
        pending = sign_in(client, ids["pending"])
        refused = client.get("/api/v1/senders/me/downloads/latest/manifest.json", headers=pending)
    assert listing["signature_url"] == "/api/v1/senders/me/downloads/2026-03-02/manifest.json.p7s"
    assert manifest.status_code == 200 and manifest.content == (day_path / "manifest.json").read_bytes()
    assert signature.status_code == 200 and signature.content == (day_path / "manifest.json.p7s").read_bytes()
    assert signature.headers["content-type"] == "application/pkcs7-signature"
    assert latest.content == signature.content
    assert page.status_code == 200 and 'id="verify"' in page.text
    assert "/senders/downloads/2026-03-02/manifest.json.p7s" in page.text and "/ecert/ca/root.crt" in page.text
    assert "openssl cms -verify -binary -content manifest.json" in page.text
    assert refused.status_code == 403, refused.text  # a pending account downloads nothing, the manifest neither


def test_an_unsigned_publication_says_so_to_senders(runtime, clock):
    ids = make_accounts(runtime)
    list_and_publish(runtime, clock, {"21234567": (Register.sms,)}, DAY1)
    clock.set(at(DAY1 + dt.timedelta(days=1), 9))
    with sender_client(runtime) as client:
        sign_in(client, ids["sms"])
        listing = client.get("/api/v1/senders/me/publications").json()
        missing = client.get("/api/v1/senders/me/downloads/latest/manifest.json.p7s")
        manifest = client.get("/api/v1/senders/me/downloads/latest/manifest.json")
        page = client.get("/senders/downloads")
    assert listing["signature_url"] is None and listing["manifest_url"].endswith("/2026-03-02/manifest.json")
    assert missing.status_code == 404 and "was not signed" in missing.json()["detail"]
    assert manifest.status_code == 200
    assert 'id="verify"' in page.text and "This publication is not signed" in page.text


# ---- telreg scrub --------------------------------------------------------------------------------------------

def _download(path: Path, hierarchy: Hierarchy | None, folder: Path, *, signed: bool = True) -> Path:
    """What a sender downloads into one folder: the dated zip, its .sha256, the manifest, its signature, root.crt."""
    folder.mkdir()
    names = ["sms-dated.zip", "sms-dated.zip.sha256", "manifest.json"] + (["manifest.json.p7s"] if signed else [])
    for name in names:
        shutil.copy(path / name, folder / name)
    if hierarchy is not None:
        (folder / "root.crt").write_bytes(hierarchy.root.public_bytes(serialization.Encoding.DER))
    return folder / "sms-dated.zip"


def _scrub(zip_path: Path, tmp_path: Path, out: str, *extra: str) -> tuple[int, str, str, Path]:
    listing = tmp_path / "list.txt"
    listing.write_text("21234567\n98765432\n")
    code, stdout, err = run_cli("scrub", str(listing), "--register", "sms", "--publication", str(zip_path),
                                "--out", str(tmp_path / out), "--as-of", AS_OF, *extra)
    return code, stdout, err, tmp_path / out


def test_the_scrub_verifies_a_signed_publication_and_says_so_in_its_receipt(hierarchy: Hierarchy, runtime, clock,
                                                                             tmp_path):
    zip_path = _download(_published(runtime, clock), hierarchy, tmp_path / "downloaded")
    code, stdout, err, out = _scrub(zip_path, tmp_path, "out")
    assert code == 0, err
    receipt = json.loads((out / "receipt.json").read_text())
    signed = receipt["publication_signature"]
    assert signed["verified"] is True
    assert signed["signer"] == hierarchy.documents.certificate.subject.rfc4514_string()
    assert signed["signed_at"] == clock.now().astimezone(dt.UTC).isoformat()
    assert signed["manifest"]["date"] == "2026-03-02"
    assert "publication signature: verified, signed by" in stdout

    # The root given explicitly (PEM), from elsewhere: the same.
    root_pem = pem(hierarchy.root, tmp_path / "elsewhere.pem")
    (zip_path.parent / "root.crt").unlink()
    code, _, err, out = _scrub(zip_path, tmp_path, "out2", "--ca-root", str(root_pem))
    assert code == 0, err
    assert json.loads((out / "receipt.json").read_text())["publication_signature"]["verified"] is True


def test_the_scrub_refuses_a_tampered_publication(hierarchy: Hierarchy, runtime, clock, tmp_path):
    published = _published(runtime, clock)
    # The manifest altered by one byte: the signature no longer matches.
    zip_path = _download(published, hierarchy, tmp_path / "manifest-altered")
    manifest = zip_path.parent / "manifest.json"
    content = manifest.read_bytes()
    manifest.write_bytes(content.replace(b'"count": 2', b'"count": 3', 1))
    code, _, err, out = _scrub(zip_path, tmp_path, "out1")
    assert code == 1 and "is not scrubbed against" in err and "does not match the signature" in err, err
    assert not (out / "receipt.json").exists() and not (out / "kept.csv").exists()

    # The zip and its .sha256 both replaced (another day's file): the signed manifest does not list it.
    zip_path = _download(published, hierarchy, tmp_path / "zip-replaced")
    other = tmp_path / "zip-replaced" / "sms-dated.zip"
    with_extra = (published / "fax-dated.zip").read_bytes()
    other.write_bytes(with_extra)
    import hashlib
    (tmp_path / "zip-replaced" / "sms-dated.zip.sha256").write_text(
        f"{hashlib.sha256(with_extra).hexdigest()}  sms-dated.zip\n")
    code, _, err, out = _scrub(zip_path, tmp_path, "out2")
    assert code == 1 and ("not the file the signed manifest" in err or "register" in err), err
    assert not (out / "receipt.json").exists()

    # Another CA's root given: the signature does not chain to it.
    other_root = pem(_other_root(runtime, tmp_path), tmp_path / "other.pem")
    zip_path = _download(published, hierarchy, tmp_path / "wrong-root")
    code, _, err, _ = _scrub(zip_path, tmp_path, "out3", "--ca-root", str(other_root))
    assert code == 1 and "does not chain to a trusted root" in err, err

    # Signed, but no root to check it with.
    zip_path = _download(published, None, tmp_path / "no-root")
    code, _, err, _ = _scrub(zip_path, tmp_path, "out4")
    assert code == 1 and "no root certificate was found" in err, err


def _other_root(runtime, tmp_path: Path):
    from telreg.ecert.hierarchy import init_hierarchy

    from .conftest import ROOT_PASSPHRASE

    elsewhere = runtime.settings.model_copy(update={"ecert_dir": tmp_path / "other-ca"})
    return init_hierarchy(elsewhere, clock=runtime.clock, root_passphrase=ROOT_PASSPHRASE).root


def test_the_scrub_of_an_unsigned_publication_says_unsigned(runtime, clock, tmp_path):
    zip_path = _download(_published(runtime, clock), None, tmp_path / "downloaded", signed=False)
    code, stdout, err, out = _scrub(zip_path, tmp_path, "out")
    assert code == 0, err
    signature = json.loads((out / "receipt.json").read_text())["publication_signature"]
    assert signature["verified"] is False and signature["status"] == "unsigned"
    assert "publication signature: none" in stdout
    # Asking for verification of a publication that has no signature is an error, not a silent "unsigned".
    (tmp_path / "root.pem").write_bytes(b"")
    code, _, err, _ = _scrub(zip_path, tmp_path, "out2", "--ca-root", str(tmp_path / "root.pem"))
    assert code == 1 and "--ca-root was given" in err, err
