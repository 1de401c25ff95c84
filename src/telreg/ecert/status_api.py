"""The CA's public HTTP endpoints: OCSP, CRLs and the CA certificates. No credentials: relying parties anywhere
must be able to check a certificate.

- ``POST /ecert/ocsp`` (body ``application/ocsp-request``, at most ``MAX_REQUEST_BYTES``: 413 beyond) and
  ``GET /ecert/ocsp/{base64}`` (RFC 6960 Appendix A: the DER request, base64, URL-encoded) answer
  ``application/ocsp-response``. A GET answer is cacheable (RFC 5019 §6): ``Cache-Control: max-age`` up to
  nextUpdate, ``ETag``, ``Last-Modified`` (thisUpdate), ``Expires`` (nextUpdate), and 304 to a matching
  ``If-None-Match``. Unsuccessful statuses (malformedRequest, unauthorized) are OCSP answers too, sent with
  HTTP 200 as RFC 6960 wants, never cached.
- ``GET /ecert/crl/issuing.crl`` (the issuing CA's latest CRL; the first is issued on demand if the worker has
  not issued one yet) and ``GET /ecert/crl/root.crl`` (the root's, as the
  last root ceremony wrote it): ``application/pkix-crl``, DER.
- ``GET /ecert/ca/root.crt`` and ``GET /ecert/ca/issuing.crt``: ``application/pkix-cert``, DER; ``?format=pem``
  gives PEM (``application/x-pem-file``).

Before ``telreg ecert init`` every one of them answers 503 ``ca_not_ready``.

The two OCSP routes are plain Starlette routes, not FastAPI operations: FastAPI's per-request dependency
solving (and the app-wide input guard, web/input_guard.py, which has nothing to check in a DER body or a base64
path) would be most of the cost of an answer served from memory. A cache hit parses the request, compares two
hashes, looks up a dict and writes bytes: no database session, no thread hop (ocsp.Responder.cached). The
app's middlewares that remain are pure ASGI and cheap for this path (no session cookie to decode, no upload
path to count).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from email.utils import format_datetime
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from telreg.core.access import Public, public
from telreg.core.errors import DomainError
from telreg.core.i18n import N_
from telreg.deps import RuntimeDep
from telreg.ecert import crl
from telreg.ecert.ocsp import MALFORMED, Signed, responder_of

__all__ = ["MAX_REQUEST_BYTES", "OcspRequestTooLarge", "router"]

MAX_REQUEST_BYTES = 4096  # an OCSP request for one certificate is ~100 bytes; a signed one with its chain ~3 KiB
OCSP_RESPONSE = "application/ocsp-response"
router = APIRouter(tags=["e-Cert status"])


class OcspRequestTooLarge(DomainError):
    status_code = 413
    code = "ocsp_request_too_large"


def _too_large() -> OcspRequestTooLarge:
    return OcspRequestTooLarge(N_("An OCSP request may not be longer than %(limit)s bytes."),
                               limit=MAX_REQUEST_BYTES)


# --- OCSP ---------------------------------------------------------------------------------------------------

async def _read_capped(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REQUEST_BYTES:
            raise _too_large()
    return bytes(body)


async def _answer(request: Request, der: bytes, *, cacheable: bool) -> Response:
    runtime = request.app.state.runtime
    responder = responder_of(runtime)
    outcome = responder.cached(der)
    if outcome is None:
        outcome = await run_in_threadpool(responder.answer, der)
    if isinstance(outcome, bytes):
        return Response(outcome, media_type=OCSP_RESPONSE)
    if not cacheable:
        return Response(outcome.der, media_type=OCSP_RESPONSE)
    return _cacheable(request, outcome, now=runtime.clock.now())


def _cacheable(request: Request, signed: Signed, *, now: dt.datetime) -> Response:
    max_age = max(0, int((signed.next_update - now).total_seconds()))
    headers = {
        "Cache-Control": f"public, max-age={max_age}, no-transform, must-revalidate",
        "ETag": signed.etag,
        "Last-Modified": format_datetime(signed.this_update, usegmt=True),
        "Expires": format_datetime(signed.next_update, usegmt=True),
    }
    if request.headers.get("if-none-match") == signed.etag:
        return Response(status_code=304, headers=headers)
    return Response(signed.der, media_type=OCSP_RESPONSE, headers=headers)


@public
async def ocsp_post(request: Request) -> Response:
    """Answer an OCSP request sent as the POST body (RFC 6960 Appendix A.1)."""
    return await _answer(request, await _read_capped(request), cacheable=False)


@public
async def ocsp_get(request: Request) -> Response:
    """Answer an OCSP request given in the address: base64 of the DER, URL-encoded (RFC 6960 Appendix A.1)."""
    text = request.path_params["encoded"]
    if len(text) > MAX_REQUEST_BYTES * 4 // 3 + 4:
        raise _too_large()
    try:
        der = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        try:  # some clients use the URL-safe alphabet
            der = base64.urlsafe_b64decode(text)
        except (binascii.Error, ValueError):
            return Response(MALFORMED, media_type=OCSP_RESPONSE)
    return await _answer(request, der, cacheable=True)


router.add_route("/ecert/ocsp", ocsp_post, methods=["POST"], include_in_schema=False)
router.add_route("/ecert/ocsp/{encoded:path}", ocsp_get, methods=["GET"], include_in_schema=False)


# --- CRLs and CA certificates -------------------------------------------------------------------------------

def _der_file(content: bytes, media_type: str, filename: str, *, max_age: int = 300) -> Response:
    return Response(content, media_type=media_type, headers={
        "Cache-Control": f"public, max-age={max_age}",
        "Content-Disposition": f'attachment; filename="{filename}"',
    })


@router.get("/ecert/crl/issuing.crl", dependencies=[Public], response_class=Response,
            responses={200: {"content": {"application/pkix-crl": {}}}, 503: {"description": "no CA yet"}})
def issuing_crl(runtime: RuntimeDep) -> Response:
    """The issuing CA's latest full CRL (DER)."""
    latest = crl.served_crl(runtime)
    response = _der_file(latest.der, "application/pkix-crl", "issuing.crl")
    response.headers["Last-Modified"] = format_datetime(latest.this_update, usegmt=True)
    return response


@router.get("/ecert/crl/root.crl", dependencies=[Public], response_class=Response,
            responses={200: {"content": {"application/pkix-crl": {}}}, 503: {"description": "no CA yet"}})
def root_crl(runtime: RuntimeDep) -> Response:
    """The offline root CA's CRL (DER), as signed at the last root ceremony."""
    from telreg.ecert.hierarchy import root_crl_der

    return _der_file(root_crl_der(runtime.settings), "application/pkix-crl", "root.crl")


FormatQuery = Query("der", description="der (application/pkix-cert) or pem")


def _certificate(certificate: x509.Certificate, name: str, format_: str) -> Response:
    if format_ == "pem":
        return _der_file(certificate.public_bytes(Encoding.PEM), "application/x-pem-file", f"{name}.pem",
                         max_age=86400)
    return _der_file(certificate.public_bytes(Encoding.DER), "application/pkix-cert", f"{name}.crt", max_age=86400)


@router.get("/ecert/ca/root.crt", dependencies=[Public], response_class=Response,
            responses={200: {"content": {"application/pkix-cert": {}, "application/x-pem-file": {}}},
                       503: {"description": "no CA yet"}})
def root_certificate(runtime: RuntimeDep, format: Literal["der", "pem"] = FormatQuery) -> Response:
    """The root CA's certificate: the trust anchor to install."""
    return _certificate(crl.hierarchy_of(runtime).root, "root", format)


@router.get("/ecert/ca/issuing.crt", dependencies=[Public], response_class=Response,
            responses={200: {"content": {"application/pkix-cert": {}, "application/x-pem-file": {}}},
                       503: {"description": "no CA yet"}})
def issuing_certificate(runtime: RuntimeDep, format: Literal["der", "pem"] = FormatQuery) -> Response:
    """The issuing CA's certificate (signed by the root): the intermediate of every e-Cert."""
    return _certificate(crl.hierarchy_of(runtime).issuing.certificate, "issuing", format)
