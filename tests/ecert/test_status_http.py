"""The status services over HTTP, judged by `openssl ocsp` against a real running server (uvicorn on a loopback
port) and `openssl crl`: good, revoked, unknown, hold and release, another issuer, malformed and oversized
requests, GET with its caching headers, the CRLs and CA certificates, and 503 before a CA exists."""

from __future__ import annotations

import base64
import datetime as dt
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp as x509_ocsp
from sqlalchemy import select

from telreg.core.clock import FixedClock
from telreg.core.db import unit_of_work
from telreg.ecert import revocation
from telreg.ecert.hierarchy import ca_dir
from telreg.ecert.keys import Hierarchy
from telreg.ecert.models import Certificate
from telreg.ecert.status_api import MAX_REQUEST_BYTES
from telreg.runtime import Runtime

from .helpers import issue_test_certificate
from .pkilint_checks import lint_crl, lint_ocsp_response


@pytest.fixture
def server(live_server: str) -> str:
    """The real app on a free loopback port (tests/conftest.py's live server)."""
    return live_server


@pytest.fixture
def files(runtime: Runtime, hierarchy: Hierarchy, tmp_path: Path) -> dict[str, Path]:
    directory = ca_dir(runtime.settings)
    chain = tmp_path / "chain.pem"
    chain.write_bytes((directory / "issuing.pem").read_bytes() + (directory / "root.pem").read_bytes())
    return {"issuing": directory / "issuing.pem", "root": directory / "root.pem", "ocsp": directory / "ocsp.pem",
            "chain": chain}


def write_pem(cert: x509.Certificate, path: Path) -> Path:
    path.write_bytes(cert.public_bytes(Encoding.PEM))
    return path


def openssl_ocsp(clock: FixedClock, files: dict[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    """`openssl ocsp`, verifying the response against the root (-CAfile) and the responder (-VAfile), at the
    test clock's time (-attime: the certificates were made then). openssl compares thisUpdate/nextUpdate with the
    machine's time, not -attime: -validity_period allows for the distance between the two clocks."""
    drift = int(abs(time.time() - clock.now().timestamp())) + 300
    return subprocess.run(
        ["openssl", "ocsp", "-issuer", str(files["issuing"]), *args, "-CAfile", str(files["chain"]),
         "-VAfile", str(files["ocsp"]), "-attime", str(int(clock.now().timestamp())),
         "-validity_period", str(drift), "-no_nonce"],
        check=False, capture_output=True, text=True, timeout=60)


def status_of(result: subprocess.CompletedProcess[str], label: str) -> str:
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Response verify OK" in result.stderr + result.stdout, result.stderr + result.stdout
    lines = [line for line in result.stdout.splitlines() if line.startswith(f"{label}: ")]
    assert len(lines) == 1, result.stdout
    return lines[0].split(": ", 1)[1].strip()


def change(runtime: Runtime, serial: str, action: str, **kwargs: str) -> None:
    with unit_of_work(runtime.session_factory) as session:
        row = session.scalars(select(Certificate).where(Certificate.serial == serial)).one()
        getattr(revocation, action)(session, clock=runtime.clock, certificate=row, actor="officer:test", **kwargs)


def post(url: str, body: bytes, content_type: str = "application/ocsp-request") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    return fetch(request)


def fetch(request: urllib.request.Request | str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_openssl_ocsp_good_revoked_and_unknown_over_post(runtime: Runtime, hierarchy: Hierarchy,
                                                         files: dict[str, Path], server: str, clock: FixedClock,
                                                         tmp_path: Path) -> None:
    good_row, good, _ = issue_test_certificate(runtime, hierarchy)
    revoked_row, revoked, _ = issue_test_certificate(runtime, hierarchy)
    change(runtime, revoked_row.serial, "revoke", reason="keyCompromise")
    url = f"{server}/ecert/ocsp"

    result = openssl_ocsp(clock, files, "-cert", str(write_pem(good, tmp_path / "good.pem")), "-url", url)
    assert status_of(result, str(tmp_path / "good.pem")) == "good"

    result = openssl_ocsp(clock, files, "-cert", str(write_pem(revoked, tmp_path / "revoked.pem")), "-url", url)
    assert status_of(result, str(tmp_path / "revoked.pem")) == "revoked"
    assert "Reason: keyCompromise" in result.stdout

    never = "0x7a3f00000000c0ffee"
    result = openssl_ocsp(clock, files, "-serial", never, "-url", url)
    assert status_of(result, never) == "unknown"

    # Two certificates in one request: the first is answered, the second not (module docstring of ocsp.py).
    result = openssl_ocsp(clock, files, "-cert", str(tmp_path / "revoked.pem"), "-cert", str(tmp_path / "good.pem"),
                          "-url", url)
    assert "Response verify OK" in result.stderr
    assert f"{tmp_path / 'revoked.pem'}: revoked" in result.stdout
    assert f"{tmp_path / 'good.pem'}: ERROR: No Status found." in result.stdout
    assert good_row.state == "good"


def test_get_is_answered_cacheably_and_openssl_verifies_the_bytes(runtime: Runtime, hierarchy: Hierarchy,
                                                                  files: dict[str, Path], server: str,
                                                                  clock: FixedClock, tmp_path: Path) -> None:
    _, cert, _ = issue_test_certificate(runtime, hierarchy)
    request = x509_ocsp.OCSPRequestBuilder().add_certificate(cert, hierarchy.issuing.certificate, hashes.SHA1())
    encoded = urllib.parse.quote(base64.b64encode(request.build().public_bytes(Encoding.DER)).decode(), safe="")
    status, headers, body = fetch(f"{server}/ecert/ocsp/{encoded}")
    assert status == 200 and headers["content-type"] == "application/ocsp-response"
    response = x509_ocsp.load_der_ocsp_response(body)
    assert response.certificate_status is x509_ocsp.OCSPCertStatus.GOOD
    max_age = int(headers["cache-control"].split("max-age=")[1].split(",")[0])
    assert max_age == int((response.next_update_utc - clock.now()).total_seconds())  # type: ignore[operator]
    assert "public" in headers["cache-control"] and headers["etag"].startswith('"')
    assert headers["last-modified"] and headers["expires"]
    assert lint_ocsp_response(body) == []

    (tmp_path / "response.der").write_bytes(body)
    result = openssl_ocsp(clock, files, "-cert", str(write_pem(cert, tmp_path / "cert.pem")),
                          "-respin", str(tmp_path / "response.der"))
    assert status_of(result, str(tmp_path / "cert.pem")) == "good"

    again = urllib.request.Request(f"{server}/ecert/ocsp/{encoded}", headers={"If-None-Match": headers["etag"]})
    assert fetch(again)[0] == 304


def test_hold_then_release_and_a_revocation_within_15_minutes(runtime: Runtime, hierarchy: Hierarchy,
                                                              files: dict[str, Path], server: str,
                                                              clock: FixedClock, tmp_path: Path) -> None:
    """No worker runs here: the responder itself notices the change (its marker) within the 15 minutes."""
    row, cert, _ = issue_test_certificate(runtime, hierarchy)
    pem = str(write_pem(cert, tmp_path / "cert.pem"))
    url = f"{server}/ecert/ocsp"
    assert status_of(openssl_ocsp(clock, files, "-cert", pem, "-url", url), pem) == "good"

    change(runtime, row.serial, "hold")
    clock.advance(minutes=15)
    result = openssl_ocsp(clock, files, "-cert", pem, "-url", url)
    assert status_of(result, pem) == "revoked" and "Reason: certificateHold" in result.stdout

    change(runtime, row.serial, "release")
    clock.advance(minutes=15)
    assert status_of(openssl_ocsp(clock, files, "-cert", pem, "-url", url), pem) == "good"

    change(runtime, row.serial, "revoke", reason="cessationOfOperation")
    clock.advance(minutes=15)
    result = openssl_ocsp(clock, files, "-cert", pem, "-url", url)
    assert status_of(result, pem) == "revoked" and "Reason: cessationOfOperation" in result.stdout


def test_another_issuer_is_unauthorized(hierarchy: Hierarchy, files: dict[str, Path], server: str,
                                        clock: FixedClock) -> None:
    result = subprocess.run(
        ["openssl", "ocsp", "-issuer", str(files["root"]), "-cert", str(files["issuing"]),
         "-url", f"{server}/ecert/ocsp", "-no_nonce"], check=False, capture_output=True, text=True, timeout=60)
    assert "Responder Error: unauthorized (6)" in result.stdout + result.stderr
    # In SHA-256 too.
    request = x509_ocsp.OCSPRequestBuilder().add_certificate(hierarchy.issuing.certificate, hierarchy.root,
                                                             hashes.SHA256()).build().public_bytes(Encoding.DER)
    status, _, body = post(f"{server}/ecert/ocsp", request)
    assert status == 200
    assert x509_ocsp.load_der_ocsp_response(body).response_status is x509_ocsp.OCSPResponseStatus.UNAUTHORIZED


def test_malformed_and_oversized_requests(hierarchy: Hierarchy, server: str) -> None:
    status, headers, body = post(f"{server}/ecert/ocsp", b"\x30\x82\x01\x00garbage")
    assert status == 200 and headers["content-type"] == "application/ocsp-response"
    assert x509_ocsp.load_der_ocsp_response(body).response_status is \
        x509_ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    status, _, body = fetch(f"{server}/ecert/ocsp/not%20base64!")
    assert x509_ocsp.load_der_ocsp_response(body).response_status is \
        x509_ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    status, _, body = post(f"{server}/ecert/ocsp", b"\x30" * (MAX_REQUEST_BYTES + 1))
    assert status == 413 and b"4096" in body


def test_crls_and_ca_certificates_are_served(runtime: Runtime, hierarchy: Hierarchy, files: dict[str, Path],
                                             server: str, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    status, _, body = fetch(f"{server}/ecert/crl/issuing.crl")
    assert status == 200  # none was issued yet: the first is issued on demand
    assert x509.load_der_x509_crl(body).extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 1
    assert cli("ecert", "crl")[0] == 0

    status, headers, body = fetch(f"{server}/ecert/crl/issuing.crl")
    assert status == 200 and headers["content-type"] == "application/pkix-crl"
    assert x509.load_der_x509_crl(body).extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 2
    (tmp_path / "issuing.crl").write_bytes(body)
    verified = subprocess.run(["openssl", "crl", "-inform", "DER", "-in", str(tmp_path / "issuing.crl"),
                               "-CAfile", str(files["chain"]), "-verify", "-noout"], check=False, capture_output=True, text=True)
    assert verified.returncode == 0 and "verify OK" in verified.stderr
    assert lint_crl(body) == []

    status, headers, body = fetch(f"{server}/ecert/crl/root.crl")
    assert status == 200 and headers["content-type"] == "application/pkix-crl"
    (tmp_path / "root.crl").write_bytes(body)
    verified = subprocess.run(["openssl", "crl", "-inform", "DER", "-in", str(tmp_path / "root.crl"),
                               "-CAfile", str(files["root"]), "-verify", "-noout"], check=False, capture_output=True, text=True)
    assert verified.returncode == 0 and "verify OK" in verified.stderr

    status, headers, body = fetch(f"{server}/ecert/ca/root.crt")
    assert status == 200 and headers["content-type"] == "application/pkix-cert"
    assert x509.load_der_x509_certificate(body) == hierarchy.root
    status, headers, body = fetch(f"{server}/ecert/ca/issuing.crt?format=pem")
    assert status == 200 and x509.load_pem_x509_certificate(body) == hierarchy.issuing.certificate


def test_before_a_ca_exists_every_endpoint_says_503(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/ecert/crl/issuing.crl", "/ecert/crl/root.crl", "/ecert/ca/root.crt", "/ecert/ca/issuing.crt",
                 "/ecert/ocsp/MAA="):
        assert client.get(path).status_code == 503, path
    response = client.post("/ecert/ocsp", content=b"\x30\x00", headers={"Content-Type": "application/ocsp-request"})
    assert response.status_code == 503
    assert "telreg ecert init" in response.text


def test_the_status_routes_are_public(runtime: Runtime) -> None:
    from telreg.app import create_app
    from telreg.core.access import PUBLIC

    from ..core.test_route_access import route_table

    table = {(method, path): declared for method, path, declared in route_table(create_app(runtime))}
    for key in (("POST", "/ecert/ocsp"), ("GET", "/ecert/ocsp/{encoded:path}"), ("GET", "/ecert/crl/issuing.crl"),
                ("GET", "/ecert/crl/root.crl"), ("GET", "/ecert/ca/root.crt"), ("GET", "/ecert/ca/issuing.crt")):
        assert table[key] == (PUBLIC,), key


def test_responses_stay_valid_between_8_hours_and_10_days(runtime: Runtime, hierarchy: Hierarchy, server: str,
                                                          clock: FixedClock) -> None:
    _, cert, _ = issue_test_certificate(runtime, hierarchy)
    request = x509_ocsp.OCSPRequestBuilder().add_certificate(cert, hierarchy.issuing.certificate, hashes.SHA1())
    _, _, body = post(f"{server}/ecert/ocsp", request.build().public_bytes(Encoding.DER))
    response = x509_ocsp.load_der_ocsp_response(body)
    assert response.this_update_utc <= clock.now()
    assert dt.timedelta(hours=8) <= response.next_update_utc - response.this_update_utc <= dt.timedelta(days=10)  # type: ignore[operator]


def test_a_cached_answer_opens_no_database_session(runtime: Runtime, hierarchy: Hierarchy, client) -> None:  # type: ignore[no-untyped-def]
    _, cert, _ = issue_test_certificate(runtime, hierarchy)
    der = x509_ocsp.OCSPRequestBuilder().add_certificate(cert, hierarchy.issuing.certificate,
                                                         hashes.SHA1()).build().public_bytes(Encoding.DER)
    headers = {"Content-Type": "application/ocsp-request"}
    first = client.post("/ecert/ocsp", content=der, headers=headers)
    assert first.status_code == 200

    def no_session() -> None:
        raise AssertionError("a cache hit opened a database session")

    saved = runtime.read_session_factory, runtime.session_factory
    runtime.read_session_factory = runtime.session_factory = no_session  # type: ignore[assignment]
    try:
        again = client.post("/ecert/ocsp", content=der, headers=headers)
    finally:
        runtime.read_session_factory, runtime.session_factory = saved
    assert again.status_code == 200 and again.content == first.content
