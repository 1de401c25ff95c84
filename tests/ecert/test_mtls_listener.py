"""The mutual-TLS listener over real TLS handshakes: uvicorn in a thread on a free loopback port, httpx (and once
``openssl s_client``) presenting the bound certificate and its key.

What is checked: a bound good certificate reaches the sender automation API (profile, online check, a download);
no certificate, or one from another CA, fails the handshake; a good certificate of ours that is not bound is a
401 saying so; revocation, hold and switching API access off refuse the very next request, on a new connection
and on one kept alive from before; a release lets the certificate in again. And the listener's own certificate:
issued by our CA at start-up for its address, kept 0600 under the CA directory, reused at the next start.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import ssl
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from telreg.core.listeners import Server
from telreg.dnc.vocabulary import Register
from telreg.ecert.hierarchy import ca_dir
from telreg.ecert.mtls import ListenerMisconfigured, create_mtls_app, mtls_config, server_credentials

from ..senders.usage_helpers import DAY2, at, list_and_publish
from .pkilint_checks import lint_certificate
from .test_client_auth import bind_new, change_status, issue_unbound, make_company, set_api_access

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: Any) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class Listener:
    """A running mutual-TLS listener and what a client needs to reach it."""

    def __init__(self, runtime: Any, hierarchy: Any, directory: Path) -> None:
        self.port = _free_port()
        self.base = f"https://{HOST}:{self.port}"
        self.directory = directory
        self.ca_file = directory / "root.pem"
        self.ca_file.write_bytes(_pem(hierarchy.root))
        config = mtls_config(runtime, host=HOST, port=self.port, log_level="warning")
        self.server = Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="mtls-listener")

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "the listener did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

    def files(self, name: str, certificate: x509.Certificate, key: Any) -> tuple[Path, Path]:
        cert_file, key_file = self.directory / f"{name}.pem", self.directory / f"{name}.key"
        cert_file.write_bytes(_pem(certificate))
        key_file.write_bytes(_key_pem(key))
        return cert_file, key_file

    def client(self, certificate: x509.Certificate | None = None, key: Any = None, *,
               name: str = "client") -> httpx.Client:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        if certificate is not None:
            cert_file, key_file = self.files(name, certificate, key)
            context.load_cert_chain(str(cert_file), str(key_file))
        return httpx.Client(base_url=self.base, verify=context, timeout=30)


@pytest.fixture
def listener(runtime: Any, hierarchy: Any, tmp_path: Path) -> Iterator[Listener]:
    directory = tmp_path / "client"
    directory.mkdir()
    with Listener(runtime, hierarchy, directory) as running:
        yield running


@pytest.fixture
def bound(runtime: Any, hierarchy: Any) -> dict[str, Any]:
    account_id = make_company(runtime)
    view, certificate, key = bind_new(runtime, hierarchy, account_id)
    return {"account_id": account_id, "serial": view.serial, "certificate": certificate, "key": key}


def _refused_handshake(client: httpx.Client) -> None:
    # TLS 1.3: the server's refusal of the client's certificate arrives after the client finished its side of
    # the handshake, so httpx sees it as a failed connection or read; either way no HTTP answer comes back.
    with client, pytest.raises(httpx.TransportError):
        client.get("/api/v1/senders/me")


def test_a_bound_certificate_reaches_the_automation_api(runtime, clock, listener, bound):
    with listener.client(bound["certificate"], bound["key"]) as client:
        profile = client.get("/api/v1/senders/me")
        check = client.post("/api/v1/senders/me/check", json={"numbers": ["21234567"]})  # no CSRF: no cookie
    assert profile.status_code == 200, profile.text
    assert check.status_code == 200, check.text
    assert check.json()["results"][0]["number"]


def test_a_download_over_mutual_tls(runtime, clock, hierarchy, tmp_path):
    account_id = make_company(runtime)
    _view, certificate, key = bind_new(runtime, hierarchy, account_id)
    published = list_and_publish(runtime, clock, {"61234567": (Register.sms,)})
    clock.set(at(DAY2, 9))
    directory = tmp_path / "client"
    directory.mkdir()
    with Listener(runtime, hierarchy, directory) as running, running.client(certificate, key) as client:
        listing = client.get("/api/v1/senders/me/publications")
        zipped = client.get("/api/v1/senders/me/downloads/latest/sms-dated.zip")
    assert listing.status_code == 200, listing.text
    assert zipped.status_code == 200, zipped.text
    assert zipped.content == (published.path / "sms-dated.zip").read_bytes()


def test_only_sender_automation_is_served_there(listener, bound):
    with listener.client(bound["certificate"], bound["key"]) as client:
        fees = client.get("/api/v1/senders/fees")  # public on the public listener, not served here
        staff = client.get(f"/api/v1/senders/accounts/{bound['account_id']}")
        page = client.get("/")
        openapi = client.get("/openapi.json")
    assert [r.status_code for r in (fees, staff, page, openapi)] == [404, 404, 404, 404]


def test_no_client_certificate_fails_the_handshake(listener):
    _refused_handshake(listener.client())


def test_a_certificate_from_another_ca_fails_the_handshake(listener):
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Another CA")])
    now = dt.datetime.now(dt.UTC)
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
          .not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    stranger = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme Marketing Limited")]))
                .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=30))
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                .sign(ca_key, hashes.SHA256()))
    assert ca.subject == stranger.issuer
    _refused_handshake(listener.client(stranger, key, name="stranger"))


def test_a_good_certificate_that_is_not_bound_is_a_401_saying_so(runtime, hierarchy, listener):
    make_company(runtime)
    row, certificate, key = issue_unbound(runtime, hierarchy)
    with listener.client(certificate, key) as client:
        response = client.get("/api/v1/senders/me")
    assert response.status_code == 401
    assert response.json()["error"] == "client_certificate_rejected"
    assert "not bound to a sender account" in response.json()["detail"] and row.serial in response.json()["detail"]
    assert response.headers["www-authenticate"].startswith("ClientCertificate")


def test_revocation_refuses_the_next_request_on_a_kept_alive_and_on_a_new_connection(runtime, listener, bound):
    kept = listener.client(bound["certificate"], bound["key"])
    with kept:
        assert kept.get("/api/v1/senders/me").status_code == 200
        change_status(runtime, bound["serial"], "revoke")
        again = kept.get("/api/v1/senders/me")  # the same TLS connection, kept alive
        with listener.client(bound["certificate"], bound["key"], name="fresh") as fresh:
            new = fresh.get("/api/v1/senders/me")
    for response in (again, new):
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "client_certificate_rejected"
        assert "revoked" in response.json()["detail"]


def test_hold_refuses_and_release_lets_in_again(runtime, listener, bound):
    with listener.client(bound["certificate"], bound["key"]) as client:
        change_status(runtime, bound["serial"], "hold")
        held = client.get("/api/v1/senders/me")
        change_status(runtime, bound["serial"], "release")
        released = client.get("/api/v1/senders/me")
    assert held.status_code == 401 and "on hold" in held.json()["detail"]
    assert released.status_code == 200, released.text


def test_an_account_whose_api_access_was_switched_off_is_refused(runtime, listener, bound):
    with listener.client(bound["certificate"], bound["key"]) as client:
        assert client.get("/api/v1/senders/me").status_code == 200
        set_api_access(runtime, bound["account_id"], False)
        off = client.post("/api/v1/senders/me/check", json={"numbers": ["21234567"]})
    assert off.status_code == 401 and "API access is not enabled" in off.json()["detail"]


def test_openssl_s_client_completes_the_handshake(listener, bound):
    cert_file, key_file = listener.files("openssl", bound["certificate"], bound["key"])
    request = f"GET /api/v1/senders/me HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
    done = subprocess.run(
        ["openssl", "s_client", "-connect", f"{HOST}:{listener.port}", "-cert", str(cert_file), "-key",
         str(key_file), "-CAfile", str(listener.ca_file), "-verify_return_error", "-ign_eof", "-quiet"],
        input=request.encode(), capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.startswith(b"HTTP/1.1 200"), done.stdout[:300]


def test_the_listeners_certificate_is_issued_once_kept_private_and_reused(runtime, hierarchy):
    first = mtls_config(runtime, host=HOST, port=_free_port())
    directory = ca_dir(runtime.settings) / "mtls"
    [key_file] = directory.glob("*.key")
    [cert_file] = directory.glob("*.pem")
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    served = x509.load_pem_x509_certificates(cert_file.read_bytes())
    assert served[1] == hierarchy.issuing.certificate  # the chain a client needs
    served[0].verify_directly_issued_by(hierarchy.issuing.certificate)
    assert lint_certificate(served[0].public_bytes(serialization.Encoding.DER)) == []  # pkilint
    names = served[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert x509.IPAddress(ipaddress.ip_address(HOST)) in names
    eku = served[0].extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    before = cert_file.read_bytes()
    second = mtls_config(runtime, host=HOST, port=_free_port())
    assert cert_file.read_bytes() == before  # reused while valid
    assert first.ssl_context_factory is not None and second.ssl_context_factory is not None
    assert create_mtls_app(runtime).openapi_url is None


def test_configured_certificate_files_are_used_as_they_are(runtime, hierarchy):
    mtls_config(runtime, host=HOST, port=_free_port())  # issues one under the CA directory
    directory = ca_dir(runtime.settings) / "mtls"
    [cert_file], [key_file] = directory.glob("*.pem"), directory.glob("*.key")
    runtime.settings = runtime.settings.model_copy(update={"mtls_cert_file": cert_file, "mtls_key_file": key_file})
    chosen = server_credentials(runtime, hierarchy=hierarchy, host="203.0.113.7")  # another host: no new issue
    assert (chosen.cert_file, chosen.key_file) == (cert_file, key_file)
    assert sorted(directory.glob("*.pem")) == [cert_file]
    runtime.settings = runtime.settings.model_copy(update={"mtls_key_file": None})
    with pytest.raises(ListenerMisconfigured, match="go together"):
        server_credentials(runtime, hierarchy=hierarchy, host=HOST)
