"""The public e-Cert page, ``/ecert`` (no sign-in): is a certificate good, revoked, on hold or unknown; and the
CA certificates and CRLs to download, with their fingerprints.

A certificate is named by its serial number (hex, as browsers and ``openssl x509 -serial`` show it) or by
uploading it (PEM or DER, a few kilobytes at most). The answer comes from the status service the OCSP responder
answers from, so the page and OCSP cannot disagree; a serial this CA did not issue (or a certificate with
another issuer) is "unknown", never "good". The downloads are the status service's own addresses.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from telreg.core.access import Public
from telreg.core.errors import DomainError
from telreg.core.i18n import N_
from telreg.core.security import CsrfChecked
from telreg.deps import ReadSession, RuntimeDep
from telreg.ecert.errors import BadRequestData
from telreg.runtime import Runtime
from telreg.web import i18n
from telreg.web.ecert import status_source
from telreg.web.realname.common import FormFields, form_fields
from telreg.web.render import render

__all__ = ["MAX_CERTIFICATE_BYTES", "router"]

router = APIRouter(dependencies=[Public])
Form = Annotated[FormFields, Depends(form_fields)]
MAX_CERTIFICATE_BYTES = 64 * 1024  # a certificate is 1–2 kB; anything larger is not one
DOWNLOADS = (("root", "/ecert/ca/root.crt"), ("issuing", "/ecert/ca/issuing.crt"))
CRLS = (("issuing", "/ecert/crl/issuing.crl"), ("root", "/ecert/crl/root.crl"))


def _fingerprint(certificate: x509.Certificate) -> str:
    digest = hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _authorities(runtime: Runtime) -> list[dict[str, Any]]:
    """The root and issuing CA certificates with their fingerprints; none while the CA is not set up."""
    hierarchy = status_source.hierarchy_or_none(runtime)
    if hierarchy is None:
        return []
    certificates = {"root": hierarchy.root, "issuing": hierarchy.issuing.certificate}
    return [{"which": which, "href": href, "subject": certificates[which].subject.rfc4514_string(),
             "fingerprint": _fingerprint(certificates[which]),
             "not_after": certificates[which].not_valid_after_utc}
            for which, href in DOWNLOADS]


def _page(request: Request, runtime: Runtime, *, serial: str | None = None, answer: dict[str, Any] | None = None,
          error: str | None = None, status_code: int = 200) -> HTMLResponse:
    authorities = _authorities(runtime)
    return render(request, "ecert/public.html", {
        "serial": serial or "", "answer": answer, "error": error, "authorities": authorities,
        "crls": CRLS if authorities else (), "max_kb": MAX_CERTIFICATE_BYTES // 1024,
    }, status_code=status_code)


def read_certificate(content: bytes) -> x509.Certificate:
    """Read an uploaded certificate, PEM or DER; refuse anything else with a sentence that says why."""
    if len(content) > MAX_CERTIFICATE_BYTES:
        raise BadRequestData(N_("The file is too large to be a certificate (at most %(kb)s kB)."),
                             kb=MAX_CERTIFICATE_BYTES // 1024)
    if not content.strip():
        raise BadRequestData(N_("The file is empty: choose the certificate file."))
    try:
        if b"-----BEGIN" in content:
            return x509.load_pem_x509_certificate(content)
        return x509.load_der_x509_certificate(content)
    except ValueError:
        raise BadRequestData(N_("The file is not a certificate: upload a certificate in PEM or DER form "
                                "(.crt, .cer or .pem).")) from None


@router.get("/ecert", response_class=HTMLResponse)
def status_page(request: Request, session: ReadSession, runtime: RuntimeDep,
                serial: str | None = None) -> HTMLResponse:
    """Show the check form, the CA certificates and CRLs; with ``?serial=``, that certificate's status."""
    if serial is None or not serial.strip():
        return _page(request, runtime)
    try:
        answer = status_source.status_by_serial(session, serial=serial)
    except DomainError as exc:
        return _page(request, runtime, serial=serial, error=i18n.error_message(exc, i18n.choose_language(request)),
                     status_code=exc.status_code)
    return _page(request, runtime, serial=serial, answer=answer)


@router.post("/ecert", response_class=HTMLResponse, dependencies=[CsrfChecked])
def status_of_upload(request: Request, session: ReadSession, runtime: RuntimeDep, form: Form) -> HTMLResponse:
    """Show the status of an uploaded certificate (PEM or DER)."""
    upload = form.get("certificate")
    try:
        if not isinstance(upload, UploadFile):
            raise BadRequestData(N_("Choose the certificate file to check."))
        certificate = read_certificate(upload.file.read(MAX_CERTIFICATE_BYTES + 1))
        answer = status_source.status_of_certificate(session, runtime=runtime, certificate=certificate)
    except DomainError as exc:
        return _page(request, runtime, error=i18n.error_message(exc, i18n.choose_language(request)),
                     status_code=exc.status_code)
    return _page(request, runtime, serial=answer["serial"], answer=answer)
